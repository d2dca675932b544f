"""Restore archived catalogue files (`Catalogue.files`) into a folder, so they can be loaded again."""

from __future__ import annotations

from pathlib import Path


def restore_files(files: dict[str, str], target: Path) -> tuple[Path, Path]:
    """Write archived files under `target`; return (rules dir, forms dir). Refuses paths that escape."""
    root = target.resolve()
    for name, text in files.items():
        path = (root / name).resolve()
        if not (name.startswith(("rules/", "forms/")) and path.is_relative_to(root)):
            raise ValueError(f"ongeldig pad in archief: {name!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "rules", root / "forms"

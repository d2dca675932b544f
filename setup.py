"""Build step: the wheel carries the data folders of the source tree as package data under `app/_data/`.

Everything else is in pyproject.toml. The folders stay at the top of the repository (the layout the
project documents); `app/paths.py` finds them there in a checkout and under `app/_data/` when installed.
static/vendor/ (NL Design System CSS, axe-core) must have been filled by `make frontend` before the
build (`make wheel` does that first): without it the build stops, because such a wheel would serve
every page unstyled. `BIBOB_WHEEL_WITHOUT_VENDOR=1` builds one anyway, on purpose.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA_DIRS = ("templates", "static", "migrations", "rules", "forms")  # app/paths.py DATA_DIRS
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store", "node_modules")
#: Files `make frontend` puts in static/vendor/ that templates/base.html links on every page.
VENDOR_FILES = ("utrecht-theme.css", "utrecht-html.css", "utrecht-components.css")
WITHOUT_VENDOR = "BIBOB_WHEEL_WITHOUT_VENDOR"


def vendor_problem(root: Path, environ: Mapping[str, str]) -> str | None:
    """Why a wheel may not be built from `root` (static/vendor/ not filled), or None when it may."""
    missing = [name for name in VENDOR_FILES if not (root / "static" / "vendor" / name).is_file()]
    if not missing or environ.get(WITHOUT_VENDOR) == "1":
        return None
    return (
        f"static/vendor/ is niet gevuld (ontbreekt: {', '.join(missing)}): zo'n wheel toont elke pagina "
        f"zonder de NL Design System-opmaak. Draai eerst `make frontend` (of bouw met `make wheel`), "
        f"of zet {WITHOUT_VENDOR}=1 om bewust een wheel zonder static/vendor/ te bouwen."
    )


class BuildWithData(build_py):
    """build_py, then copy each data folder into the built package (not for editable installs)."""

    def run(self) -> None:
        if not self.editable_mode and (problem := vendor_problem(ROOT, os.environ)):
            raise SystemExit(problem)
        super().run()
        if self.editable_mode:  # an editable install runs from the checkout, which has the folders
            return
        target = Path(self.build_lib) / "app" / "_data"
        shutil.rmtree(target, ignore_errors=True)  # no file of an earlier build survives a deletion
        for name in DATA_DIRS:
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, target / name, ignore=SKIP, dirs_exist_ok=True)


if __name__ == "__main__":  # the build backend runs this file as __main__; tests import vendor_problem
    setup(cmdclass={"build_py": BuildWithData})

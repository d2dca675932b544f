"""Where the project's data folders are (overridable per app through config)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"
FORMS_DIR = ROOT / "forms"
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
EXAMPLES_DIR = FORMS_DIR / "voorbeelden"  # fictional example registers, one per scan

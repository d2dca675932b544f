"""Where the project's data folders are (overridable per app through config).

In a checkout (`make run`, the tests) they are the top-level folders of the source tree. An installed
wheel carries the same folders as package data under `app/_data/` (see setup.py), and then they are
found there, wherever the process runs from.
"""

from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: True when running from the source tree (not from an installed wheel).
IN_CHECKOUT = (ROOT / "pyproject.toml").is_file() and (ROOT / "wsgi.py").is_file()
#: The folders a wheel ships as package data (setup.py copies them; docs/deploy.md).
DATA_DIRS = ("templates", "static", "migrations", "rules", "forms")


def data_dir(name: str) -> Path:
    """A data folder: the top-level one in a checkout, else the copy inside the installed package."""
    if IN_CHECKOUT:
        return ROOT / name
    return Path(str(files("app").joinpath("_data", name)))


RULES_DIR = data_dir("rules")
FORMS_DIR = data_dir("forms")
TEMPLATES_DIR = data_dir("templates")
STATIC_DIR = data_dir("static")
MIGRATIONS_DIR = data_dir("migrations")
EXAMPLES_DIR = FORMS_DIR / "voorbeelden"  # fictional example registers, one per scan

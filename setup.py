"""Build step: the wheel carries the data folders of the source tree as package data under `app/_data/`.

Everything else is in pyproject.toml. The folders stay at the top of the repository (the layout the
project documents); `app/paths.py` finds them there in a checkout and under `app/_data/` when installed.
static/vendor/ (NL Design System CSS, axe-core) is included when `make frontend` has filled it before
the build; `make wheel` does that first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA_DIRS = ("templates", "static", "migrations", "rules", "forms")  # app/paths.py DATA_DIRS
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store", "node_modules")


class BuildWithData(build_py):
    """build_py, then copy each data folder into the built package (not for editable installs)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install runs from the checkout, which has the folders
            return
        target = Path(self.build_lib) / "app" / "_data"
        shutil.rmtree(target, ignore_errors=True)  # no file of an earlier build survives a deletion
        for name in DATA_DIRS:
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, target / name, ignore=SKIP, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithData})

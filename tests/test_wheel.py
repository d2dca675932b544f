"""The built wheel serves the app on its own: templates, static files, migrations and the catalogue ship inside it.

Builds the wheel from a copy of the source tree (with the pinned build backend, in pip's isolated
build environment), installs it into an empty directory, and then, from a working directory outside
any source tree and with the checkout out of reach: runs the migrations on a fresh SQLite file,
starts gunicorn on the installed package and asks for the login page, /readyz and static files.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

WITHOUT_VENDOR = "BIBOB_WHEEL_WITHOUT_VENDOR"

ROOT = Path(__file__).resolve().parent.parent
#: Not part of the build input (and large, or local state).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "build", "*.egg-info", "instance", "__pycache__", ".pytest_cache", ".ruff_cache"
)

pytestmark = [
    pytest.mark.slow,
    # The wheel uses a SQLite file of its own: once per `make test` (the SQLite pass) is enough.
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs in the SQLite pass of make test"),
]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the checkout and installed (without dependencies) into a directory."""
    base = tmp_path_factory.mktemp("wheel")
    source, dist, site = base / "source", base / "dist", base / "site"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    # A checkout without `make frontend` may still be tested: the wheel is then built without static/vendor on purpose.
    env = os.environ | ({} if _setup_module().vendor_problem(source, {}) is None else {WITHOUT_VENDOR: "1"})
    subprocess.run([*pip, "wheel", str(source), "--no-deps", "-w", str(dist)], check=True, timeout=600, env=env)
    wheels = list(dist.glob("bibob_risicoscan-*.whl"))
    assert len(wheels) == 1
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheels[0])], check=True, timeout=300)
    shutil.rmtree(source)  # nothing may come from the copy of the source tree either
    with zipfile.ZipFile(wheels[0]) as wheel:
        assert not [n for n in wheel.namelist() if "__pycache__" in n or n.endswith(".pyc")]
    return site


def _env(site: Path, run: Path) -> dict[str, str]:
    """Only the installed package on the path (before the checkout's editable install), state in `run`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIBOB_", "FLASK_", "DATABASE_URL"))}
    env.update(
        PYTHONPATH=str(site),
        DATABASE_URL=f"sqlite:///{run / 'bibob.sqlite3'}",
        BIBOB_JOBS_URL=f"sqlite:///{run / 'jobs.sqlite3'}",
        SECRET_KEY="wheel-test-" + "x" * 40,
    )
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _setup_module():
    """setup.py as a module (it only calls setup() when the build backend runs it as __main__)."""
    spec = importlib.util.spec_from_file_location("bibob_setup", ROOT / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_wheel_without_static_vendor_is_refused_unless_asked_for(tmp_path):
    setup_py = _setup_module()
    assert setup_py.vendor_problem(tmp_path, {WITHOUT_VENDOR: "1"}) is None
    problem = setup_py.vendor_problem(tmp_path, {})
    assert "make frontend" in problem and WITHOUT_VENDOR in problem
    vendor = tmp_path / "static" / "vendor"
    vendor.mkdir(parents=True)
    for name in setup_py.VENDOR_FILES:
        (vendor / name).write_text("/* css */")
    assert setup_py.vendor_problem(tmp_path, {}) is None


def test_the_build_stops_without_static_vendor(tmp_path):
    """The real build (pip wheel) fails with the message, instead of shipping a wheel without the CSS."""
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    shutil.rmtree(source / "static" / "vendor", ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k != WITHOUT_VENDOR}
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    built = subprocess.run(
        [*pip, "wheel", str(source), "--no-deps", "-w", str(tmp_path / "dist")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode != 0 and "make frontend" in built.stdout + built.stderr
    assert not list((tmp_path / "dist").glob("*.whl"))


def test_setup_copies_the_folders_the_app_looks_for():
    from app.paths import DATA_DIRS

    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    copied = next(
        ast.literal_eval(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DATA_DIRS"
    )
    assert tuple(copied) == DATA_DIRS


def test_the_wheel_carries_the_data_folders(installed):
    data = installed / "app" / "_data"
    for name in ("templates", "static", "migrations", "rules", "forms"):
        assert any((data / name).iterdir()), name
    assert (data / "migrations" / "env.py").is_file() and list((data / "migrations" / "versions").glob("0001_*.py"))
    assert (data / "templates" / "auth" / "login.html").is_file()
    assert (installed / "app" / "services" / "algoritmeregister-1.0.0.json").is_file()
    assert (installed / "app" / "data" / "breached-passwords.txt").is_file()


def test_the_installed_wheel_migrates_and_serves_outside_the_source_tree(installed, tmp_path):
    run = tmp_path / "elders"
    run.mkdir()
    env = _env(installed, run)
    python = [sys.executable]

    where = subprocess.run(
        [
            *python,
            "-c",
            "import app, app.paths as p; print(app.__file__); print(p.IN_CHECKOUT); print(p.TEMPLATES_DIR)",
        ],
        cwd=run,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.splitlines()
    assert where[0].startswith(str(installed)) and where[1] == "False" and where[2].startswith(str(installed))

    migrated = subprocess.run(
        [*python, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=run,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrated.returncode == 0, migrated.stderr
    assert (run / "bibob.sqlite3").is_file()

    port = _free_port()
    server = subprocess.Popen(
        [*python, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "app:create_app()"],
        cwd=run,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                status, _ = _get(base + "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, server.stdout.read().decode(errors="replace")
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.5)

        status, page = _get(base + "/inloggen")
        assert status == 200 and "Inloggen" in page.decode()
        status, body = _get(base + "/readyz")
        assert status == 200, body
        assert b'"catalogue":true' in body.replace(b" ", b"")
        status, css = _get(base + "/static/app.css")
        assert status == 200 and css == (ROOT / "static" / "app.css").read_bytes()
        if (ROOT / "static" / "vendor" / "utrecht-theme.css").is_file():  # built by `make frontend` before the wheel
            status, _ = _get(base + "/static/vendor/utrecht-theme.css")
            assert status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)

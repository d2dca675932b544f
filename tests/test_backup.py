"""Backup and restore of the PostgreSQL database (docs/deploy.md): back up, wipe, restore, compare."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from app.paths import ROOT

pytestmark = pytest.mark.postgres


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres") or not shutil.which("pg_dump"),
    reason="needs PostgreSQL (DATABASE_URL) and pg_dump/pg_restore",
)
def test_backup_wipe_and_restore_gives_back_every_row():
    url = os.environ["DATABASE_URL"].split("?")[0] + "_backup_check"
    script = ROOT / "scripts" / "backup-restore-check.sh"
    done = subprocess.run(["bash", str(script), "--fill", url], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Database gewist (wiped): 0 tabellen." in done.stdout
    assert "Herstel gelukt (restore verified)" in done.stdout


def test_the_check_refuses_a_production_looking_database():
    script = ROOT / "scripts" / "backup-restore-check.sh"
    done = subprocess.run(["bash", str(script), "postgresql://x@127.0.0.1:1/bibob_productie"], capture_output=True)
    assert done.returncode == 2 and b"productiedatabase" in done.stderr

"""Benchmark: a 10,000-row register through the production setup, with 1 and 2 batch processes.

Run with `make bench` (or `.venv/bin/python bench/jobs_bench.py [rows]`). It starts what `make run`
starts, on a fresh instance: gunicorn (2 web workers) and one job worker (`flask jobs worker`), with
BIBOB_BATCH_PROCESSES=1 and then 2. For each it logs in over HTTP (with CSRF), uploads a realistic
horeca register, and measures upload → ranked ("klaar"). A probe client meanwhile GETs `/healthz` and
a logged-in database page (`/scans/`) one after another with 50 ms pauses, from 5 s before the upload
(idle) until the portfolio is ranked; p50/p95/max are reported for idle and during the batch.

Database: a fresh SQLite file, or DATABASE_URL (PostgreSQL). Queue: a SQLite file, or BIBOB_JOBS_URL.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.paths import FORMS_DIR, RULES_DIR  # noqa: E402
from app.rules.loader import load_catalogue  # noqa: E402
from app.services.exports import csv_bytes  # noqa: E402
from bench.portfolio_bench import register_rows  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "5219"))
BASE = f"http://127.0.0.1:{PORT}"
EMAIL, PASSWORD = "bibob@voorbeeldstad.demo", "demo-wachtwoord-123"


class Client:
    """A browser-like HTTP client: cookies, CSRF token from the form, no redirect following for POSTs."""

    def __init__(self):
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(BASE + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(errors="replace")

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, str]:
        request = urllib.request.Request(BASE + path, data=body, headers={"Content-Type": content_type})
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as err:
            return err.code, err.headers.get("Location", "")

    def csrf(self, path: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', self.get(path)[1]).group(1)

    def login(self) -> None:
        token = self.csrf("/inloggen")
        form = urllib.parse.urlencode({"csrf_token": token, "email": EMAIL, "password": PASSWORD}).encode()
        status, _ = self.post("/inloggen", form, "application/x-www-form-urlencoded")
        assert status == 302, status

    def upload(self, data: bytes, scan_type: str) -> int:
        token = self.csrf("/portfolio/nieuw")
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in (("csrf_token", token), ("scan_type", scan_type), ("name", "Bench 10k")):
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="bestand"; filename="register.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        status, location = self.post("/portfolio/nieuw", b"".join(parts), f"multipart/form-data; boundary={boundary}")
        assert status == 302, status
        return int(location.rsplit("/", 1)[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {}
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


class Probe(threading.Thread):
    """GET /healthz and /scans/ alternately, 50 ms apart; samples are tagged idle or batch."""

    def __init__(self, client: Client):
        super().__init__(daemon=True)
        self.client, self.phase, self.stop = client, "idle", False
        self.samples: dict[tuple[str, str], list[float]] = {}
        self.errors = 0

    def run(self) -> None:
        while not self.stop:
            for path in ("/healthz", "/scans/"):
                t0 = time.perf_counter()
                status, _ = self.client.get(path)
                self.samples.setdefault((self.phase, path), []).append(time.perf_counter() - t0)
                self.errors += status != 200
                time.sleep(0.05)


def wait_http(seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(BASE + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the web server did not become ready")


def status_of(env: dict, portfolio_id: int) -> tuple[str, int]:
    """Status and processed rows, read straight from the database (no HTTP noise in the probe)."""
    from sqlalchemy import create_engine, text

    from app.config import normalise_db_url

    engine = create_engine(normalise_db_url(env["DATABASE_URL"]))
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT status, processed_rows FROM portfolios WHERE id = :id"), {"id": portfolio_id}
        ).one()
    engine.dispose()
    return row[0], row[1]


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) of a process itself, and of its live child processes (the pool)."""
    tick = os.sysconf("SC_CLK_TCK")

    def own(stat: Path) -> tuple[int, float]:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return int(fields[1]), (int(fields[11]) + int(fields[12])) / tick

    children = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent, seconds = own(stat)
        except (OSError, ValueError, IndexError):
            continue
        if parent == pid:
            children += seconds
    return own(Path(f"/proc/{pid}/stat"))[1], children


def run_once(rows: int, processes: int, data: bytes, folder: Path, scan_type: str) -> dict:
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "PORT": str(PORT),
        "BIBOB_WEB_WORKERS": "2",
        "BIBOB_BATCH_PROCESSES": str(processes),
        "BIBOB_LOG_FORMAT": "json",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{folder / f'bench-{processes}.sqlite3'}")
    env.setdefault("BIBOB_JOBS_URL", f"sqlite:///{folder / f'jobs-{processes}.sqlite3'}")
    env["BIBOB_JOBS_NAME"] = f"bench-{uuid.uuid4().hex[:6]}"
    flask = [sys.executable, "-m", "flask"]
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    logs = (folder / f"web-{processes}.log").open("w"), (folder / f"worker-{processes}.log").open("w")
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=logs[0],
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = subprocess.Popen(
        [*flask, "jobs", "worker"], cwd=ROOT, env=env, stdout=logs[1], stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_http()
        uploader, prober = Client(), Client()
        uploader.login()
        prober.login()
        probe = Probe(prober)
        probe.start()
        time.sleep(5)
        probe.phase = "batch"
        t0 = time.perf_counter()
        portfolio_id = uploader.upload(data, scan_type)
        upload_s = time.perf_counter() - t0
        status, processed = status_of(env, portfolio_id)
        while status == "bezig":
            time.sleep(0.1)
            status, processed = status_of(env, portfolio_id)
        ranked_s = time.perf_counter() - t0
        worker_cpu, pool_cpu = cpu_seconds(worker.pid)
        probe.stop = True
        probe.join()
        return {
            "batch_processes": processes,
            "rows": rows,
            "status": status,
            "processed": processed,
            "upload_request_s": round(upload_s, 2),
            "upload_to_ranked_s": round(ranked_s, 2),
            "worker_cpu_s": round(worker_cpu, 1),
            "pool_cpu_s": round(pool_cpu, 1),
            "load_average": os.getloadavg()[0],
            "probe_errors": probe.errors,
            "probe": {f"{phase} {path}": percentiles(s) for (phase, path), s in sorted(probe.samples.items())},
        }
    finally:
        for process in (worker, web):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    catalogue = load_catalogue(RULES_DIR, FORMS_DIR)
    scan_type = catalogue.scans.default  # the first scan in list order (forms/<scan>.yaml `order`)
    header, table = register_rows(catalogue.questionnaires[scan_type], rows, seed=16)
    data = csv_bytes(header, table)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for processes in (1, 2):
            results.append(run_once(rows, processes, data, Path(tmp), scan_type))
            print(json.dumps(results[-1], indent=1))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    record = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "database": "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite",
        "queue": "redis" if os.environ.get("BIBOB_JOBS_URL", "").startswith("redis") else "sqlite",
        "results": results,
    }
    (out / "jobs_bench.json").write_text(json.dumps(record, indent=1))
    print(
        "\n| batch processes | upload request s | upload → ranked s | CPU s: worker / pool | load avg | "
        "/healthz p95 idle → batch ms | /scans/ p95 idle → batch ms (max during) |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results:
        p = r["probe"]
        print(
            f"| {r['batch_processes']} | {r['upload_request_s']} | {r['upload_to_ranked_s']} | "
            f"{r['worker_cpu_s']} / {r['pool_cpu_s']} | {r['load_average']:.1f} | "
            f"{p['idle /healthz']['p95_ms']} → {p['batch /healthz']['p95_ms']} | "
            f"{p['idle /scans/']['p95_ms']} → {p['batch /scans/']['p95_ms']} ({p['batch /scans/']['max_ms']}) |"
        )


if __name__ == "__main__":
    main()

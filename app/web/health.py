"""Health for load balancers and orchestrators: no login, no data, only whether the service can work.

`/healthz`: the process is alive (it answers). `/readyz`: it can serve: the database answers, the
job queue answers, and the catalogue is loaded. A failing part is named, never its error text.
"""

from __future__ import annotations

from flask import Blueprint

from app.extensions import jobs
from app.ops import catalogue_problem, database_problem

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    checks = {
        "database": database_problem() is None,
        "queue": jobs.ping() is None,
        "catalogue": catalogue_problem() is None,
    }
    ready = all(checks.values())
    return {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503

"""Structured logs: one JSON object per line with a request id, for log shipping; never personal data.

Every request gets an id (a sane `X-Request-ID` from the proxy, else a new one), returned in the
response header and put on every log line written while the request runs, so a line of the web
server, of the app and of the proxy can be joined. A log line holds the method, the path without its
query string (search terms are names: security review L11), the status and the duration, never
form data, answers or register rows. `LOG_FORMAT=text` keeps plain lines (development).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, g, has_request_context, request

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
#: LogRecord attributes that are not "extra" fields.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO), level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or _current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def _current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def init_logging(app: Flask) -> None:
    """Log as JSON (or text) to stderr, and give every request an id and one access line."""
    root = logging.getLogger()
    # Only when nobody configured logging yet (gunicorn, `flask …`); a test runner keeps its own handlers.
    if app.config["LOG_FORMAT"] == "json" and not app.testing and not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.handlers[:] = [handler]
        root.setLevel(logging.INFO)
        app.logger.handlers.clear()  # propagate to the root's JSON handler
        logging.getLogger("huey").setLevel(logging.WARNING)  # not a line per executed job every minute
        logging.getLogger("huey.consumer").setLevel(logging.INFO)  # but the worker's start and stop
        logging.getLogger("huey.consumer.Scheduler").setLevel(logging.WARNING)
    access = logging.getLogger("bibob.access")

    def assign_request_id():
        offered = request.headers.get("X-Request-ID", "")
        g.request_id = offered if _SAFE_ID.match(offered) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    # First of all before-request functions, so a refused or redirected request has its id too.
    app.before_request_funcs.setdefault(None, []).insert(0, assign_request_id)

    @app.after_request
    def log_request(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if request.endpoint not in ("static", "health.healthz", "health.readyz"):
            access.info(
                "request",
                extra={
                    "request_id": g.get("request_id"),
                    "method": request.method,
                    "path": request.path,  # never the query string: search terms are names
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000, 1),
                },
            )
        return response

"""Gunicorn, the production web server: `gunicorn -c gunicorn.conf.py wsgi:app` (what `make run` starts).

Worker count and timeouts come from the settings (BIBOB_WEB_WORKERS, BIBOB_WEB_THREADS, BIBOB_WEB_TIMEOUT),
the port from PORT (default 5000). It binds to 127.0.0.1 unless BIND says otherwise: in production a
reverse proxy terminates TLS in front of it (docs/deploy.md). The app writes one JSON access line per
request itself (with request id, without query string), so gunicorn's own access log stays off.
"""

import os

from app.config import DEFAULTS, env_settings

_settings = {**DEFAULTS, **env_settings(os.environ)}

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '5000')}")
workers = _settings["WEB_WORKERS"]
threads = _settings["WEB_THREADS"]
worker_class = "gthread" if threads > 1 else "sync"
timeout = _settings["WEB_TIMEOUT"]
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (bounded memory over weeks of uptime).
max_requests = 2000
max_requests_jitter = 200
accesslog = None
errorlog = "-"
# Trust X-Forwarded-Proto/For only from the reverse proxy (comma-separated addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "bibob-web"

"""Gunicorn settings for the production image (`gunicorn -c config/gunicorn.conf.py config.wsgi:application`).

Every value can be overridden from the environment (GUNICORN_*, listed in .env.example). Logs go to
stdout/stderr for the container runtime; the application's own logs are JSON lines (config/logging.py).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND") or "0.0.0.0:8000"
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 1)

# A worker silent for `timeout` seconds is killed and replaced; on SIGTERM, workers get
# `graceful_timeout` seconds to finish in-flight requests (keep the orchestrator's stop timeout above it).
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 30)
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE") or 5)

# Recycle each worker after about this many requests (jittered so they do not all restart at once).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 1000)
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER") or 100)

accesslog = "-"
errorlog = "-"

# Addresses of the TLS-terminating proxy whose X-Forwarded-* headers gunicorn trusts ("*" for any).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"

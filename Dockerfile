# Production image: one image for the web server (gunicorn), the task worker (qcluster) and migrations.
# Build: docker build -t opsconsole .   Run: see docker-compose.yml (and .env.example).

# --- Builder: a virtualenv with exactly the locked, hash-checked dependencies ---------------------
FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
# Every locked dependency ships a wheel for CPython 3.11 on manylinux: no compiler is needed.
RUN /opt/venv/bin/pip install --require-hashes -r /tmp/requirements.lock

# --- Runtime --------------------------------------------------------------------------------------
FROM python:3.11-slim AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# The code stays owned by root (read-only for the app user); only MEDIA_ROOT is writable.
COPY . /app
RUN mkdir -p /app/media && chown app:app /app/media

# Static files are collected once, at build time, with the production storage (whitenoise manifest).
# The SECRET_KEY here exists only for this RUN: it is not in the image's environment or at runtime.
RUN DJANGO_ENV=production \
    SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-7f3c9a1e5b2d8046 \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

USER app

EXPOSE 8000

# slim has no curl: probe with the standard library. /health/ is exempt from SECURE_SSL_REDIRECT;
# ALLOWED_HOSTS must include 127.0.0.1 (the Host this probe sends).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health/', timeout=4).status == 200 else 1)"]

CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi:application"]

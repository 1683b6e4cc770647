# syntax=docker/dockerfile:1
# Time Tracker: one image for web (gunicorn), worker (celery worker) and beat (celery beat).

# --- Stage 1: install the Python dependencies into a virtualenv ---------------------------
FROM python:3.12-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt

# --- Stage 2: runtime ---------------------------------------------------------------------
FROM python:3.12-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=config.settings

RUN groupadd --system app && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
COPY . /app

# Static files are collected at build time, so the container needs no write access to them.
# Production settings are used because only they select whitenoise's
# CompressedManifestStaticFilesStorage: assets collected with DJANGO_ENV=development have no
# staticfiles.json and every {% static %} in production would fail. The SECRET_KEY below is a
# placeholder that exists only for this RUN step (it is not an ENV of the image); the real
# key is supplied at runtime and production refuses to start without it.
RUN DJANGO_ENV=production \
    SECRET_KEY=collectstatic-build-only-placeholder-not-used-at-runtime-00000000 \
    python manage.py collectstatic --noinput \
    && chown -R app:app /app/staticfiles

# The catalogues are compiled here (the .mo files are not committed), with Babel: no gettext.
RUN SECRET_KEY=compilemessages-build-only-placeholder-not-used-at-runtime-00000000 \
    python manage.py catalogues --compile

# MEDIA_ROOT (/app/media) holds report exports. Compose mounts one named volume there for web
# and worker; a new volume copies this directory's owner, so the app user can write it.
RUN mkdir -p /app/media && chown app:app /app/media

USER app

EXPOSE 8000

# /health answers 200 when the database (and Redis, if configured) are reachable, else 503.
# Keep 127.0.0.1 in ALLOWED_HOSTS, or this probe gets 400 from the host check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]

# sh -c so ${WEB_CONCURRENCY} is expanded at start; exec so gunicorn is PID 1 and gets signals.
CMD ["sh", "-c", "exec gunicorn config.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]

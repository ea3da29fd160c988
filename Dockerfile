# clinicbot's image: the web server (gunicorn), the Celery worker and Celery beat all run
# from it (docker-compose.yml; docs/DEPLOY.md). Dependencies come only from
# requirements.lock, with their hashes checked, as in `make setup`.
FROM python:3.12-slim-trixie

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CLINICBOT_VAR_DIR=/app/var \
    BACKUP_DIR=/var/lib/clinicbot/backups \
    PROMETHEUS_MULTIPROC_DIR=/var/lib/clinicbot/prometheus

# pg_dump/pg_restore for `manage.py backup` and `restore` (Debian 13's client is 17: use a
# PostgreSQL server no newer than that, as docker-compose.yml does).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --require-hashes -r requirements.lock
COPY . .
# The project itself (no network: setuptools comes from the lock); the static files are
# collected into the image, served by whitenoise. The key given here exists only for
# this command (no database, nothing signed).
RUN pip install --no-deps --no-build-isolation -e . \
    && SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --system --home-dir /app --shell /usr/sbin/nologin clinicbot \
    && mkdir -p /var/lib/clinicbot/backups /var/lib/clinicbot/prometheus /var/lib/clinicbot/beat \
    && chown -R clinicbot /app/var /var/lib/clinicbot

USER clinicbot
EXPOSE 8000
# gunicorn.conf.py (read from /app) masks phones in the access log and tells Prometheus
# when a worker dies; the web service in docker-compose.yml wipes the metrics folder first.
CMD ["gunicorn", "clinicbot.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "--access-logfile", "-"]

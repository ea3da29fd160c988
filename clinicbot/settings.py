"""Settings, all from the environment (12-factor).

With nothing set the service runs on the embedded default: a SQLite file under ./var/,
Django's local-memory cache and tasks executed in-process. ``DATABASE_URL`` switches to
PostgreSQL (psycopg 3, persistent connections) and ``REDIS_URL`` to Redis for the cache
and the Celery broker. Every variable is documented in README.md.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from clinicbot.core.config import ConfigError, cache_config, database_config, env_bool, env_int

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CLINICBOT_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# A generated key is fine on the embedded default; production sets SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-insecure-" + "clinicbot-embedded-default-key-change-me"
ALLOWED_HOSTS = [
    h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "clinicbot.core",
    "clinicbot.clinics",
    "clinicbot.scheduling",
    "clinicbot.conversations",
    "clinicbot.ops",
    "clinicbot.whatsapp",
]


MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "clinicbot.urls"
WSGI_APPLICATION = "clinicbot.wsgi.application"
ASGI_APPLICATION = "clinicbot.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

try:
    DATABASES = {"default": database_config(os.environ.get("DATABASE_URL"), VAR_DIR / "clinicbot.sqlite3")}
    CACHES = {"default": cache_config(os.environ.get("REDIS_URL"))}
    # Lets two test runs share one PostgreSQL server without clobbering pytest-django's
    # ``test_<name>`` database (e.g. TEST_DATABASE_NAME=test_clinicbot_b).
    if os.environ.get("TEST_DATABASE_NAME"):
        DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
except ConfigError as exc:  # one clear line, not a traceback
    sys.stderr.write(f"clinicbot: configuration error: {exc}\n")
    raise SystemExit(2) from None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "pt-br"
TIME_ZONE = os.environ.get("CLINIC_TIMEZONE", "America/Sao_Paulo")
USE_I18N = True
USE_TZ = True  # stored in UTC, shown in the clinic's timezone

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

# --- the assistant ---------------------------------------------------------------------
# Time-to-live of the cached clinic snapshot; staff edits invalidate it at once anyway.
CLINIC_SNAPSHOT_TTL = env_int("CLINIC_SNAPSHOT_TTL", 3600)
# Time-to-live of a cached conversation session (the database keeps it forever).
SESSION_CACHE_TTL = env_int("SESSION_CACHE_TTL", 24 * 3600)
# A conversation idle for longer than this starts over (its booking data is forgotten).
SESSION_IDLE_RESET_MINUTES = env_int("SESSION_IDLE_RESET_MINUTES", 12 * 60)
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "clinicbot")

# --- WhatsApp ----------------------------------------------------------------------------
# Which gateway answers the clinic's number: meta | evolution | zapi | simulator.
WHATSAPP_GATEWAY = os.environ.get("WHATSAPP_GATEWAY", "simulator")
META_APP_SECRET = os.environ.get("META_APP_SECRET", "")
META_VERIFY_TOKEN = os.environ.get("META_VERIFY_TOKEN", "")
META_ACCESS_TOKEN = os.environ.get("META_ACCESS_TOKEN", "")
META_PHONE_NUMBER_ID = os.environ.get("META_PHONE_NUMBER_ID", "")
META_GRAPH_URL = os.environ.get("META_GRAPH_URL", "https://graph.facebook.com")
META_GRAPH_VERSION = os.environ.get("META_GRAPH_VERSION", "v21.0")
EVOLUTION_API_URL = os.environ.get("EVOLUTION_API_URL", "")
EVOLUTION_API_KEY = os.environ.get("EVOLUTION_API_KEY", "")
EVOLUTION_INSTANCE = os.environ.get("EVOLUTION_INSTANCE", "")
EVOLUTION_WEBHOOK_SECRET = os.environ.get("EVOLUTION_WEBHOOK_SECRET", "")
EVOLUTION_JWT_SECRET = os.environ.get("EVOLUTION_JWT_SECRET", "")
EVOLUTION_MAX_AGE_SECONDS = env_int("EVOLUTION_MAX_AGE_SECONDS", 600)
ZAPI_BASE_URL = os.environ.get("ZAPI_BASE_URL", "https://api.z-api.io")
ZAPI_INSTANCE_ID = os.environ.get("ZAPI_INSTANCE_ID", "")
ZAPI_TOKEN = os.environ.get("ZAPI_TOKEN", "")
ZAPI_CLIENT_TOKEN = os.environ.get("ZAPI_CLIENT_TOKEN", "")
ZAPI_WEBHOOK_SECRET = os.environ.get("ZAPI_WEBHOOK_SECRET", "")
# Largest webhook body accepted (Meta batches up to ~3 MB).
WEBHOOK_MAX_BYTES = env_int("WEBHOOK_MAX_BYTES", 4 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = WEBHOOK_MAX_BYTES
# Messages of one phone arriving within this window are answered as one turn.
MESSAGE_DEBOUNCE_MS = env_int("MESSAGE_DEBOUNCE_MS", 1500)
# A phone sending more than this many messages a minute gets one notice and is paused.
RATE_LIMIT_MESSAGES_PER_MINUTE = env_int("RATE_LIMIT_MESSAGES_PER_MINUTE", 20)
# An address failing webhook authentication this often in 10 minutes gets 429s.
WEBHOOK_AUTH_FAILURES_PER_10_MIN = env_int("WEBHOOK_AUTH_FAILURES_PER_10_MIN", 20)
# The web simulator (a chat page for trying the assistant) needs a staff login.
SIMULATOR_ENABLED = env_bool("SIMULATOR_ENABLED", True)
# On the embedded default anyone may use it (a demo); with real services, staff only.
SIMULATOR_PUBLIC = env_bool(
    "SIMULATOR_PUBLIC", not (os.environ.get("DATABASE_URL") or os.environ.get("REDIS_URL"))
)

# --- reminders ------------------------------------------------------------------------------
# Hours before an appointment at which the patient is reminded ("24,2": a day and two hours before).
REMINDER_LEAD_HOURS = [int(h) for h in os.environ.get("REMINDER_LEAD_HOURS", "24,2").split(",") if h.strip()]
# Outside WhatsApp's 24-hour window Meta only delivers approved templates.
REMINDER_TEMPLATE_NAME = os.environ.get("REMINDER_TEMPLATE_NAME", "lembrete_consulta")
REMINDER_TEMPLATE_LANGUAGE = os.environ.get("REMINDER_TEMPLATE_LANGUAGE", "pt_BR")

# --- calendar ------------------------------------------------------------------------------
# Nobody is booked further ahead than this.
BOOKING_HORIZON_DAYS = env_int("BOOKING_HORIZON_DAYS", 60)
# Token of the per-doctor iCalendar feeds (/calendar/<doctor>.ics?token=…); empty = feeds off.
CALENDAR_TOKEN = os.environ.get("CALENDAR_TOKEN", "")

# --- tasks -------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "memory://"
CELERY_RESULT_BACKEND = None
# On the embedded default there is no broker: tasks run in-process.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not os.environ.get("REDIS_URL"))
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "clinicbot")
CELERY_BEAT_SCHEDULE = {
    # Safety net: anything stored but not answered (a lost enqueue, a dead broker) is
    # picked up again; processing is idempotent, so a double run does nothing.
    "sweep-unprocessed": {"task": "clinicbot.whatsapp.tasks.sweep_unprocessed", "schedule": 60.0},
    "send-due-notifications": {"task": "clinicbot.whatsapp.tasks.send_due_notifications", "schedule": 60.0},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

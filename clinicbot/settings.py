"""Settings, all from the environment (12-factor).

With nothing set the service runs on the embedded default: a SQLite file under ./var/,
Django's local-memory cache and tasks executed in-process. ``DATABASE_URL`` switches to
PostgreSQL (psycopg 3, persistent connections) and ``REDIS_URL`` to Redis for the cache
and the Celery broker. Every variable is documented in README.md.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import django

from clinicbot.core.config import (
    ConfigError,
    cache_config,
    database_config,
    env_bool,
    env_int,
    sqlite_file_private,
)
from clinicbot.core.keys import audit_hash_key, secret_key
from clinicbot.core.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CLINICBOT_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# The embedded demo (`make run`): the SQLite file under var/, no DATABASE_URL. It may
# generate its own secret key and speaks plain HTTP; anything else is a deployment.
EMBEDDED_DEMO = not os.environ.get("DATABASE_URL")
try:
    DEBUG = env_bool("DEBUG", False)
    # From the environment; generated under var/ only on the demo or DEBUG=1 (core/keys.py).
    SECRET_KEY = secret_key(environ=os.environ, debug=DEBUG, embedded=EMBEDDED_DEMO, var_dir=VAR_DIR)
    # LGPD audit hashes of phones: their own key (or one derived from SECRET_KEY for them only).
    AUDIT_HASH_KEY = audit_hash_key(environ=os.environ, secret=SECRET_KEY)
except ConfigError as exc:  # one clear line, not a traceback
    sys.stderr.write(f"clinicbot: configuration error: {exc}\n")
    raise SystemExit(2) from None
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
    # Staff logins: throttled (django-axes), optional TOTP second factor (django-otp).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "clinicbot.accounts",
    "clinicbot.core",
    "clinicbot.clinics",
    "clinicbot.scheduling",
    "clinicbot.conversations",
    "clinicbot.ops",
    "clinicbot.whatsapp",
    "clinicbot.outreach",
    "clinicbot.llm",
    "clinicbot.privacy",
    "clinicbot.integrations",
    "clinicbot.staff",
    # "ninja" makes the API docs page use the Swagger UI files it ships (no CDN).
    "ninja",
    "clinicbot.api",
]


MIDDLEWARE = [
    # First, so every log line of a request (the other middleware's too) carries its id.
    "clinicbot.core.correlation.CorrelationIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (admin, API docs, staff pages) served by the app itself under gunicorn.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Any error answer under /api/ (unknown URL, wrong method…) in the API's JSON error shape.
    "clinicbot.api.errors.ErrorEnvelopeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clinicbot.accounts.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: answers a locked-out login with its lockout page.
    "axes.middleware.AxesMiddleware",
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
    sqlite_file_private(DATABASES["default"])  # every conversation: owner-only (0600)
    # Lets two test runs share one PostgreSQL server without clobbering pytest-django's
    # ``test_<name>`` database (e.g. TEST_DATABASE_NAME=test_clinicbot_b).
    if os.environ.get("TEST_DATABASE_NAME"):
        DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
except ConfigError as exc:  # one clear line, not a traceback
    sys.stderr.write(f"clinicbot: configuration error: {exc}\n")
    raise SystemExit(2) from None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- HTTPS and staff logins -------------------------------------------------------------------
# A deployment sits behind a TLS-terminating proxy (Meta only calls https:// webhooks): HTTPS
# is on by default when DEBUG is off, except on the embedded demo (plain http://127.0.0.1).
_HTTPS = not DEBUG and not EMBEDDED_DEMO
# The header the proxy sets to the original scheme ("X-Forwarded-Proto: https"); "off" when
# gunicorn terminates TLS itself. The proxy must overwrite it, never pass a client's through.
_proxy_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto" if _HTTPS else "").strip()
if _proxy_header and _proxy_header.lower() not in ("off", "0", "false", "no"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
# Not redirected: a 301 turns a gateway's POST into a lost GET, a secret already sent over
# plain HTTP is not taken back by redirecting, and probes use the internal network.
SECURE_REDIRECT_EXEMPT = [r"^health", r"^metrics$", r"^webhooks/"]
try:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _HTTPS)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if _HTTPS else 0)
    # Only this host and its own subdomains (bot.clinica.com.br → *.bot.clinica.com.br).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _HTTPS)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _HTTPS)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _HTTPS)
    # Failed logins of one username from one address before a lockout (django-axes, counted
    # in the database: shared by every process, on SQLite and PostgreSQL alike).
    AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
    AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
    # Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none).
    TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
    # TOTP second factor for every staff account (else only for those who enrolled).
    STAFF_REQUIRE_2FA = env_bool("STAFF_REQUIRE_2FA", False)
except ConfigError as exc:
    sys.stderr.write(f"clinicbot: configuration error: {exc}\n")
    raise SystemExit(2) from None
# Preloading commits the whole registrable domain to HTTPS in browsers for good: the
# clinic's decision (SECURE_HSTS_PRELOAD=1), not a default to nag about.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# First the lockout check (before any password is checked), then Django's own.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}", "OPTIONS": options}
    for name, options in (
        ("UserAttributeSimilarityValidator", {}),
        ("MinimumLengthValidator", {"min_length": 10}),
        ("CommonPasswordValidator", {}),
        ("NumericPasswordValidator", {}),
    )
]
# Username + address together: a guesser is stopped without letting anyone lock a colleague out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "clinicbot.accounts.views.lockout"
AXES_CLIENT_IP_CALLABLE = "clinicbot.core.client_ip.client_ip"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password"]
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "clinicbot")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret key

LANGUAGE_CODE = "pt-br"
TIME_ZONE = os.environ.get("CLINIC_TIMEZONE", "America/Sao_Paulo")
USE_I18N = True
# Our pt_BR catalogue first (Django 6 strings not translated yet, django-axes, months in
# lower case) and compact date formats for the admin lists (see clinicbot/formats).
LOCALE_PATHS = [BASE_DIR / "clinicbot" / "locale"]
FORMAT_MODULE_PATH = ["clinicbot.formats"]
USE_TZ = True  # stored in UTC, shown in the clinic's timezone

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start when it is missing
# Serve straight from the apps' static folders when collectstatic has not run (runserver,
# tests); `make serve` collects them first, and WhiteNoise then serves STATIC_ROOT.
WHITENOISE_USE_FINDERS = True

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
# Evolution's webhook JWTs must carry exp, and live no longer than this (Evolution's: 10 minutes).
EVOLUTION_JWT_MAX_LIFETIME_SECONDS = env_int("EVOLUTION_JWT_MAX_LIFETIME_SECONDS", 3600)
ZAPI_BASE_URL = os.environ.get("ZAPI_BASE_URL", "https://api.z-api.io")
ZAPI_INSTANCE_ID = os.environ.get("ZAPI_INSTANCE_ID", "")
ZAPI_TOKEN = os.environ.get("ZAPI_TOKEN", "")
ZAPI_CLIENT_TOKEN = os.environ.get("ZAPI_CLIENT_TOKEN", "")
ZAPI_WEBHOOK_SECRET = os.environ.get("ZAPI_WEBHOOK_SECRET", "")
# Z-API replays old messages after a reconnect, as Evolution does: older ones are ignored (0 = off).
ZAPI_MAX_AGE_SECONDS = env_int("ZAPI_MAX_AGE_SECONDS", 600)
# Hosts whose audio URLs are fetched as they are (e.g. an on-premises Z-API mirror); any other
# must be HTTPS on a public address (see whatsapp/gateways/media.py).
ZAPI_MEDIA_HOSTS = tuple(
    h.strip().lower() for h in os.environ.get("ZAPI_MEDIA_HOSTS", "").split(",") if h.strip()
)
# Largest webhook body accepted (Meta batches up to ~3 MB).
WEBHOOK_MAX_BYTES = env_int("WEBHOOK_MAX_BYTES", 4 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = WEBHOOK_MAX_BYTES
# Messages of one phone arriving within this window are answered as one turn.
MESSAGE_DEBOUNCE_MS = env_int("MESSAGE_DEBOUNCE_MS", 1500)
# A phone sending more than this many messages a minute gets one notice and is paused.
RATE_LIMIT_MESSAGES_PER_MINUTE = env_int("RATE_LIMIT_MESSAGES_PER_MINUTE", 20)
# An address failing webhook authentication this often in 10 minutes gets 429s.
WEBHOOK_AUTH_FAILURES_PER_10_MIN = env_int("WEBHOOK_AUTH_FAILURES_PER_10_MIN", 20)
# The web simulator (a chat page for trying the assistant) and its webhook
# /webhooks/whatsapp/: off = both answer 404. Its conversations are its own ("sim:" keys).
SIMULATOR_ENABLED = env_bool("SIMULATOR_ENABLED", True)
# Staff only unless opened explicitly (a demo); never public while a real gateway is configured.
SIMULATOR_PUBLIC = env_bool("SIMULATOR_PUBLIC", False)
# Messages a minute one user (or address) may send through the simulator (0 = unlimited).
SIMULATOR_RATE_LIMIT_PER_MINUTE = env_int("SIMULATOR_RATE_LIMIT_PER_MINUTE", 30)
# HMAC-SHA256 key for scripts posting to /webhooks/whatsapp/ without a staff session
# (header X-Clinicbot-Signature: sha256=<hex>); empty = staff sessions only.
SIMULATOR_WEBHOOK_SECRET = os.environ.get("SIMULATOR_WEBHOOK_SECRET", "")

# --- delivery guarantees and health (see README "Delivery guarantees") ----------------------
# A reply whose send was interrupted (outcome unknown) waits this long for the gateway's
# status webhook naming it before it is sent again (and counted as a possible duplicate).
OUTBOX_UNCERTAIN_GRACE_SECONDS = env_int("OUTBOX_UNCERTAIN_GRACE_SECONDS", 30)
# When the broker refuses a task, the web process answers in up to this many background
# threads (0: leave the messages to the worker once the broker is back).
BROKER_FALLBACK_THREADS = env_int("BROKER_FALLBACK_THREADS", 2)
# Every send failing for this long logs a WARNING.
GATEWAY_OUTAGE_WARNING_SECONDS = env_int("GATEWAY_OUTAGE_WARNING_SECONDS", 30)
# /health/detailed thresholds. The worker's heartbeat (a beat task every
# WORKER_HEARTBEAT_SECONDS, through the same queue as the turns) older than this: the
# worker is dead or hopelessly behind (unhealthy; degraded while the broker is down) ...
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 15)
HEALTH_WORKER_MAX_AGE_SECONDS = env_int("HEALTH_WORKER_MAX_AGE_SECONDS", 60)
# ... the oldest unanswered message or unsent reply older than these: degraded / unhealthy ...
HEALTH_BACKLOG_DEGRADED_SECONDS = env_int("HEALTH_BACKLOG_DEGRADED_SECONDS", 60)
HEALTH_BACKLOG_UNHEALTHY_SECONDS = env_int("HEALTH_BACKLOG_UNHEALTHY_SECONDS", 300)
# ... and at least this share of the sends of the last HEALTH_GATEWAY_WINDOW_SECONDS failed
# (3 sends at least): degraded.
HEALTH_GATEWAY_ERROR_RATE = float(os.environ.get("HEALTH_GATEWAY_ERROR_RATE", "0.5"))
HEALTH_GATEWAY_WINDOW_SECONDS = env_int("HEALTH_GATEWAY_WINDOW_SECONDS", 300)

# --- reminders ------------------------------------------------------------------------------
# Hours before an appointment at which the patient is reminded ("24,2": a day and two hours before).
REMINDER_LEAD_HOURS = [int(h) for h in os.environ.get("REMINDER_LEAD_HOURS", "24,2").split(",") if h.strip()]
# Outside WhatsApp's 24-hour window Meta only delivers approved templates.
REMINDER_TEMPLATE_NAME = os.environ.get("REMINDER_TEMPLATE_NAME", "lembrete_consulta")
REMINDER_TEMPLATE_LANGUAGE = os.environ.get("REMINDER_TEMPLATE_LANGUAGE", "pt_BR")

# --- waiting list ---------------------------------------------------------------------------
# Minutes a freed slot is held for the waiting patient it was offered to before it passes on.
WAITLIST_HOLD_MINUTES = env_int("WAITLIST_HOLD_MINUTES", 30)
# Meta template for an offer outside the 24-hour window (language: REMINDER_TEMPLATE_LANGUAGE).
WAITLIST_TEMPLATE_NAME = os.environ.get("WAITLIST_TEMPLATE_NAME", "vaga_lista_espera")
# Approved template for "the clinic cancelled your appointment" outside the 24-hour window
# (parameters: name, specialty, doctor, date, time; language REMINDER_TEMPLATE_LANGUAGE).
CANCELLATION_TEMPLATE_NAME = os.environ.get("CANCELLATION_TEMPLATE_NAME", "cancelamento_consulta")

# --- calendar ------------------------------------------------------------------------------
# Nobody is booked further ahead than this.
BOOKING_HORIZON_DAYS = env_int("BOOKING_HORIZON_DAYS", 60)
# The per-doctor iCalendar feeds (/calendar/<doctor>.ics?token=cal_…) take per-doctor tokens
# created in admin (Agenda › Links da agenda). Events name patients by initials and omit the
# booking code unless this is on (calendar apps copy feeds to Google's/Microsoft's servers).
CALENDAR_PATIENT_NAMES = env_bool("CALENDAR_PATIENT_NAMES", False)

# --- REST API (/api/v1/) ----------------------------------------------------------------------
# Requests per minute allowed to one API key (0 = unlimited); over it the API answers 429.
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 120)

# --- clinic-management system (push) ----------------------------------------------------
# Each booking event (confirmed/cancelled/rescheduled) is POSTed here as signed JSON; empty = off.
CLINIC_SYSTEM_WEBHOOK_URL = os.environ.get("CLINIC_SYSTEM_WEBHOOK_URL", "")
# HMAC-SHA256 key of the X-Clinicbot-Signature header (share it with the receiving system).
CLINIC_SYSTEM_WEBHOOK_SECRET = os.environ.get("CLINIC_SYSTEM_WEBHOOK_SECRET", "")
CLINIC_SYSTEM_WEBHOOK_TIMEOUT = env_int("CLINIC_SYSTEM_WEBHOOK_TIMEOUT", 10)  # seconds per attempt
CLINIC_SYSTEM_WEBHOOK_MAX_ATTEMPTS = env_int("CLINIC_SYSTEM_WEBHOOK_MAX_ATTEMPTS", 8)
# Wait before the first retry; doubled each time (30 s, 1 min, 2 min … capped at 1 h).
CLINIC_SYSTEM_WEBHOOK_BACKOFF_SECONDS = env_int("CLINIC_SYSTEM_WEBHOOK_BACKOFF_SECONDS", 30)

# --- LLM replies (optional) ------------------------------------------------------------------
# offline (default: the template engine only, no network) | gemini | openai (any
# OpenAI-compatible server: OpenAI, Ollama, vLLM, llama.cpp). See README "LLM replies".
# Public holidays closed on top of the clinic file's own (clinics/holidays.py): a country
# code of the `holidays` package ("off" to disable) and optionally a state ("SP", "RS"…).
HOLIDAYS_COUNTRY = os.environ.get("HOLIDAYS_COUNTRY", "BR").strip() or "BR"
HOLIDAYS_SUBDIVISION = os.environ.get("HOLIDAYS_SUBDIVISION", "").strip().upper()

# The learned intent model: "default" (the one shipped in engine/nlu/model_data), a path
# to another artefact of ``manage.py train_nlu``, or "off" (hand-written rules only).
NLU_MODEL = os.environ.get("NLU_MODEL", "default").strip() or "default"

LLM_PROVIDER = os.environ.get("LLM_PROVIDER", "offline").strip().lower() or "offline"
GEMINI_API_KEY = os.environ.get("GEMINI_API_KEY", "")
GEMINI_MODEL = os.environ.get("GEMINI_MODEL", "gemini-2.5-flash")
GEMINI_BASE_URL = os.environ.get("GEMINI_BASE_URL", "")  # empty = Google's endpoint
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "")
OPENAI_BASE_URL = os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1")
OPENAI_MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
# Per attempt; a slow provider is retried (429/5xx/timeouts) then the offline reply goes out.
LLM_TIMEOUT_S = float(os.environ.get("LLM_TIMEOUT_S", "8"))
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 2)
# Tokens (prompt + completion) per day in the clinic's timezone: economy mode above 80 %,
# offline only at 100 % until midnight.
LLM_DAILY_TOKEN_BUDGET = env_int("LLM_DAILY_TOKEN_BUDGET", 1_500_000)
# Circuit breaker: after this many failed calls in a row the offline engine answers
# for LLM_BREAKER_COOLDOWN_S seconds, then one call probes the provider again.
LLM_BREAKER_FAILURES = env_int("LLM_BREAKER_FAILURES", 3)
LLM_BREAKER_COOLDOWN_S = env_int("LLM_BREAKER_COOLDOWN_S", 60)
# With a provider: a message the offline NLU is unsure about is also read by the LLM
# (intent + the clinic's own names, checked before use). off = the LLM only words replies.
LLM_UNDERSTANDING = env_bool("LLM_UNDERSTANDING", True)

# --- voice notes (optional) -------------------------------------------------------------------
# Transcription of patients' voice notes: off (default: audio gets the polite "please write")
# | openai (the official SDK against {TRANSCRIBE_BASE_URL}/audio/transcriptions: OpenAI, or a
# self-hosted OpenAI-compatible Whisper server) | gemini (the audio sent inline to the model).
TRANSCRIBE_PROVIDER = os.environ.get("TRANSCRIBE_PROVIDER", "off").strip().lower() or "off"
# Empty: the provider's default (whisper-1 on OpenAI-compatible servers, GEMINI_MODEL on Gemini).
TRANSCRIBE_MODEL = os.environ.get("TRANSCRIBE_MODEL", "").strip()
# Where the OpenAI-compatible transcription server is, and its key (default: the LLM's).
TRANSCRIBE_BASE_URL = os.environ.get("TRANSCRIBE_BASE_URL", "").strip() or OPENAI_BASE_URL
TRANSCRIBE_API_KEY = os.environ.get("TRANSCRIBE_API_KEY", "") or OPENAI_API_KEY
TRANSCRIBE_TIMEOUT_S = float(os.environ.get("TRANSCRIBE_TIMEOUT_S", "30"))
TRANSCRIBE_MAX_RETRIES = env_int("TRANSCRIBE_MAX_RETRIES", 2)
# Seconds of audio transcribed per clinic day; beyond it voice notes get the polite reply.
TRANSCRIBE_DAILY_SECONDS_BUDGET = env_int("TRANSCRIBE_DAILY_SECONDS_BUDGET", 7200)
# Largest voice note fetched (bytes) and longest transcribed (seconds): WhatsApp's own
# audio limit is 16 MB; three minutes is a long message to a clinic.
VOICE_MAX_BYTES = env_int("VOICE_MAX_BYTES", 16 * 1024 * 1024)
VOICE_MAX_SECONDS = env_int("VOICE_MAX_SECONDS", 180)
# LGPD: the audio is deleted once transcribed (or refused); 1 keeps it with the message.
VOICE_KEEP_AUDIO = env_bool("VOICE_KEEP_AUDIO", False)
# When the assistant acts on a transcript in a booking step, its reply starts with one
# short line quoting what it understood, so the patient can correct it.
VOICE_QUOTE_TRANSCRIPT = env_bool("VOICE_QUOTE_TRANSCRIPT", True)
# off | mirror: a patient who spoke also gets the answer as a voice note (the text always
# goes too; booking summaries and codes only as text), synthesised by an OpenAI-compatible
# {TTS_BASE_URL}/audio/speech endpoint.
VOICE_REPLIES = os.environ.get("VOICE_REPLIES", "off").strip().lower() or "off"
TTS_BASE_URL = os.environ.get("TTS_BASE_URL", "").strip() or OPENAI_BASE_URL
TTS_API_KEY = os.environ.get("TTS_API_KEY", "") or OPENAI_API_KEY
TTS_MODEL = os.environ.get("TTS_MODEL", "gpt-4o-mini-tts")
TTS_VOICE = os.environ.get("TTS_VOICE", "nova")
TTS_TIMEOUT_S = float(os.environ.get("TTS_TIMEOUT_S", "20"))

# --- operations: health, metrics, dashboard --------------------------------------------------
# Bearer token of GET /health/detailed (staff sessions are accepted too); empty = staff only.
HEALTH_TOKEN = os.environ.get("HEALTH_TOKEN", "")
# Bearer token of GET /metrics (Prometheus' `authorization` scrape setting); empty = only a
# scraper on this machine (loopback, no proxy header) or a staff session.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# --- personal data (LGPD), backups ---------------------------------------------------------
# Messages older than this many days are deleted by purge_old_data (daily beat task).
RETENTION_MESSAGES_DAYS = env_int("RETENTION_MESSAGES_DAYS", 365)
# Conversations idle this long (and with no booking ahead) are deleted with their messages.
RETENTION_SESSIONS_DAYS = env_int("RETENTION_SESSIONS_DAYS", 180)
# Link appended to the privacy notice in the first reply to a new phone; empty = no link.
PRIVACY_NOTICE_URL = os.environ.get("PRIVACY_NOTICE_URL", "")
# Where manage.py backup writes, and how many backups it keeps.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
BACKUP_KEEP = env_int("BACKUP_KEEP", 7)
# Every LGPD erase is appended here (keyed phone hashes only) so `restore` re-applies the
# erasures a restored backup predates; keep it with the backups, off the machine.
ERASURE_LOG = Path(os.environ.get("ERASURE_LOG", BACKUP_DIR / "erasures.jsonl"))

# --- e-mail (staff notices, e.g. cancelled bookings of an LGPD erase) ---------------------
# ADMINS: comma-separated addresses; empty = no e-mail (the admin's audit entry remains).
_admin_emails = [a.strip() for a in os.environ.get("ADMINS", "").split(",") if a.strip()]
# Django 6 takes plain addresses; 5.2 wants (name, address) pairs.
ADMINS: list[str] | list[tuple[str, str]] = (
    _admin_emails if django.VERSION >= (6, 0) else [(a, a) for a in _admin_emails]
)
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", "clinicbot@localhost")
_email_backend = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
_email_options = {
    key: value
    for key, value in {
        "host": os.environ.get("EMAIL_HOST"),
        "port": int(os.environ["EMAIL_PORT"]) if os.environ.get("EMAIL_PORT") else None,
        "username": os.environ.get("EMAIL_HOST_USER"),
        "password": os.environ.get("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", False) or None,
    }.items()
    if value is not None
}
if django.VERSION >= (6, 1):  # mailers replace the EMAIL_* settings (which it then refuses)
    MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
else:
    EMAIL_BACKEND = _email_backend
    EMAIL_HOST = _email_options.get("host", "localhost")
    EMAIL_PORT = _email_options.get("port", 25)
    EMAIL_HOST_USER = _email_options.get("username", "")
    EMAIL_HOST_PASSWORD = _email_options.get("password", "")
    EMAIL_USE_TLS = bool(_email_options.get("use_tls"))

# --- tasks -------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "memory://"
CELERY_RESULT_BACKEND = None
# On the embedded default there is no broker: tasks run in-process.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not os.environ.get("REDIS_URL"))
CELERY_TASK_ACKS_LATE = True
# Workers keep the application's masked JSON logging (clinicbot/celery.py).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Keep database connections across tasks (clinicbot/celery.py recycles them like requests).
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "clinicbot")
# After a broker outage the worker reconnects within 2 s, however long it lasted, and
# never gives up (clinicbot/worker.py); on (re)connecting it sweeps what is unanswered.
CELERY_WORKER_CONSUMER = "clinicbot.worker:Consumer"
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Each entry: the task's name, its "schedule" (seconds here) and Celery's apply options.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # Safety net: anything stored but not answered (a lost enqueue, a dead broker) is
    # picked up again; processing is idempotent, so a double run does nothing.
    "sweep-unprocessed": {"task": "clinicbot.whatsapp.tasks.sweep_unprocessed", "schedule": 60.0},
    "send-due-notifications": {"task": "clinicbot.whatsapp.tasks.send_due_notifications", "schedule": 60.0},
    # Waiting-list offers nobody answered in time pass to the next patient.
    "expire-waiting-list-offers": {
        "task": "clinicbot.whatsapp.tasks.expire_waiting_list_offers",
        "schedule": 60.0,
    },
    # Yesterday's and today's DailyMetrics, recomputed every hour (idempotent): the
    # dashboard stays current and a finished day is final soon after midnight.
    "rollup-daily-metrics": {"task": "clinicbot.ops.tasks.rollup_recent_metrics", "schedule": 3600.0},
    "sweep-sync-events": {"task": "clinicbot.integrations.tasks.sweep_sync_events", "schedule": 120.0},
    # /health/detailed reads its age: a dead worker (or a stuck queue) shows.
    "worker-heartbeat": {
        "task": "clinicbot.ops.tasks.worker_heartbeat",
        "schedule": float(WORKER_HEARTBEAT_SECONDS),
        "options": {"expires": 2.0 * WORKER_HEARTBEAT_SECONDS},  # none pile up while no worker runs
    },
    # Retention (LGPD): old messages and idle conversations, in small batches, once a day.
    "purge-old-data": {"task": "clinicbot.privacy.tasks.purge_old_data", "schedule": 24 * 3600.0},
}

# JSON lines (default outside DEBUG) or readable console lines, each with a correlation id;
# phones, names and message texts are masked (only DEBUG records with DEBUG=1 are not).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "console" if DEBUG else "json")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
if LOG_FORMAT not in ("json", "console"):
    sys.stderr.write(
        f"clinicbot: configuration error: LOG_FORMAT must be json or console, not {LOG_FORMAT!r}\n"
    )
    raise SystemExit(2)
LOGGING = logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL, debug=DEBUG)

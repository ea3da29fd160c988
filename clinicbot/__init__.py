"""clinicbot: the WhatsApp assistant of a Brazilian medical clinic."""

try:  # Celery is optional on the embedded default; import lazily so Django starts without it.
    from .celery import app as celery_app
except ImportError:  # pragma: no cover
    celery_app = None

__all__ = ["celery_app"]

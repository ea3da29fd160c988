"""Structured logs: JSON lines with a correlation id, personal data masked.

Every record passes two handler filters:

- :class:`CorrelationFilter` stamps the id of the request or message being processed
  (see :mod:`clinicbot.core.correlation`), so one patient turn can be followed from the
  webhook to the worker that answered it;
- :class:`MaskingFilter` masks phone numbers ("5511*****0001") and names and message
  texts passed as ``extra`` fields. Only DEBUG-level records of a DEBUG=1 (development)
  deployment are left as they are: production never logs them.

Phones are recognised by their shape or their context, not as "any long run of digits":
that masked a task runtime ("0.0011373011s" became "0011***3011s"), Unix timestamps and
row ids, and made such lines useless. A phone is, in free text, an E.164 number with its
"+", a Brazilian number in WhatsApp's form (55 + area code + 8–9 digits), a Brazilian
number written with its area code ("(11) 99999-0001", "11 3000-0000", "11999990001"),
a WhatsApp JID ("…@s.whatsapp.net", "…@lid") or digits right after a word that names a
phone ("telefone: …", "wa_id=…"); and in an ``extra`` field whose name says it holds a
phone, every run of digits.

This module imports no Django so settings.py can build ``LOGGING`` with it.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .correlation import current_correlation_id

# Phone shapes in free text (see the module docstring). A match may not start or end
# inside a word or a decimal number ("0.0011373011s", "v1.5511999990001"), nor end in ":"
# (a date and time).
_SEP = r"[\s().-]{0,2}"
_PHONE_SHAPES = (
    rf"\+\d(?:{_SEP}\d){{7,14}}",  # E.164 with its "+"
    rf"55{_SEP}[1-9]\d(?:{_SEP}\d){{8,9}}",  # Brazil in WhatsApp's form: 55 + DDD + number
    r"\([1-9]\d\)\s?9?\d{4}[\s.-]?\d{4}",  # "(11) 99999-0001"
    r"[1-9]\d[\s.-]9?\d{4}[\s.-]?\d{4}",  # "11 99999-0001", "11 3000-0000"
    r"[1-9]\d9\d{8}",  # a mobile with its DDD, unformatted: "11999990001"
    r"\d{8,15}(?=@(?:s\.whatsapp\.net|c\.us|lid)\b)",  # a WhatsApp JID
)
_PHONE_IN_TEXT = re.compile(r"(?<![\w.,])(?:" + "|".join(_PHONE_SHAPES) + r")(?![\w:]|[.,]\d)")
# Digits right after a word that names a phone ("telefone: 0800 000 0000", "wa_id=4479…"),
# and the phone in the API's conversation URL ("/api/v1/conversations/%2B447911123456").
_PHONE_AFTER_WORD = re.compile(
    r"(?i)(\b(?:phone|telefone|fone|celular|whatsapp|wa_id|msisdn|contact_phone)\b[\"']?\s*[:=]?\s*[\"'(]?)"
    r"(\+?\d[\d\s().-]{6,}\d)"
    r"|(conversations/(?:%2B|\+)?)(\d{6,15})(?!\d)"
)
# ``extra`` keys whose values are phones (every digit run in them is masked).
PHONE_KEYS = frozenset(
    {"phone", "contact_phone", "wa_id", "from", "to", "sender", "recipient", "msisdn", "jid"}
)
_DIGIT_RUN = re.compile(r"\+?\d(?:[\s().-]{0,2}\d){5,}")
# ``extra`` keys whose values are message texts or people's names.
TEXT_KEYS = frozenset({"text", "content", "body", "message_text", "reply", "replies_text"})
NAME_KEYS = frozenset({"patient_name", "contact_name", "profile_name", "display_name"})
# Third-party loggers that print request URLs (with credentials) below WARNING.
QUIET_LIBRARY_LOGGERS = ("httpx", "httpcore", "urllib3", "openai", "google_genai")
_STANDARD = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}


# Secrets that travel in URLs: every query value (calendar ?token=, Meta's
# hub.verify_token=, an API ?key=), the Z-API webhook path secret and the Z-API instance
# token in its send URLs, a bearer token quoted in a message, and any path segment that
# looks like a generated token (mixed case and digits, 20+ characters).
_URL_QUERY = re.compile(r"((?:https?://|/)[^\s?\"'<>]*\?)([^\s\"'<>#]+)")
_QUERY_VALUE = re.compile(r"=[^&;]+")
_PATH_SECRETS = re.compile(r"(/webhooks/zapi/|/token/)[^/?\s\"'<>]+")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s\"',]+")
_TOKEN_SEGMENT = re.compile(r"(?<=/)(?=[\w-]*[a-z])(?=[\w-]*[A-Z])(?=[\w-]*\d)[\w-]{20,}(?=[/?.\s\"'<>]|$)")
REDACTED = "***"


def redact_query_string(query: str) -> str:
    """A bare query string ("a=1&token=x") with every value replaced by ``***``."""
    return _QUERY_VALUE.sub("=" + REDACTED, query)


def redact_secrets(text: str) -> str:
    """``text`` with credentials in URLs and bearer tokens replaced by ``***`` (keys are kept)."""
    text = _URL_QUERY.sub(lambda m: m.group(1) + redact_query_string(m.group(2)), text)
    text = _PATH_SECRETS.sub(lambda m: m.group(1) + REDACTED, text)
    text = _TOKEN_SEGMENT.sub(REDACTED, text)
    return _BEARER.sub(lambda m: m.group(1) + REDACTED, text)


def mask_phone_digits(digits: str) -> str:
    """ "5511999990001" -> "5511*****0001": enough to tell numbers apart, not to call one.

    A national number keeps only its area code in front ("11*****0001"), a short one 2
    digits at each end (4 + 4 of an 8-digit number would be all of it).
    """
    head = 4 if len(digits) >= 12 else 2
    tail = 4 if len(digits) >= 10 else 2
    return digits[:head] + "*" * max(len(digits) - head - tail, 1) + digits[-tail:]


def _masked_match(match: re.Match[str]) -> str:
    return mask_phone_digits(re.sub(r"\D", "", match.group()))


def _masked_after_word(match: re.Match[str]) -> str:
    lead, digits = (match.group(1), match.group(2)) if match.group(1) is not None else match.group(3, 4)
    return lead + mask_phone_digits(re.sub(r"\D", "", digits))


def mask_phones(text: str) -> str:
    """Mask the phone numbers in free ``text``, found by shape or context (module docstring)."""
    text = _PHONE_AFTER_WORD.sub(_masked_after_word, text)
    return _PHONE_IN_TEXT.sub(_masked_match, text)


def mask_phone_field(value: str) -> str:
    """Mask every run of digits of a value known to be a phone (any country, any format)."""
    return _DIGIT_RUN.sub(_masked_match, value)


def mask_name(name: str) -> str:
    """ "Marta Reis" -> "M*** R***"."""
    return " ".join(part[:1] + "***" for part in str(name).split()) or ""


def mask_value(key: str, value: Any) -> Any:
    """The loggable form of an ``extra`` field."""
    if key in TEXT_KEYS and isinstance(value, str):
        return f"<{len(value)} caracteres>"
    if key in NAME_KEYS and isinstance(value, str):
        return mask_name(value)
    if key in PHONE_KEYS and isinstance(value, str):
        return mask_phone_field(value)
    if isinstance(value, str):
        return mask_phones(value)
    if isinstance(value, (list, tuple)):
        return [mask_value(key, v) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(str(k), v) for k, v in value.items()}
    return value


class CorrelationFilter(logging.Filter):
    """Adds ``correlation_id`` (the current request's or message's) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = current_correlation_id() or "-"
        return True


class MaskingFilter(logging.Filter):
    """Masks phones, names and message texts in every record (see the module docstring)."""

    def __init__(self, unmasked_debug: bool = False) -> None:
        super().__init__()
        self.unmasked_debug = unmasked_debug

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_masked", False):
            return True
        extras = [k for k in set(vars(record)) - _STANDARD if not k.startswith("_") and k != "correlation_id"]
        # Credentials are never needed to debug: redacted even where personal data is not.
        record.msg, record.args = redact_secrets(record.getMessage()), None
        for key in extras:
            setattr(record, key, _redacted(getattr(record, key)))
        if record.exc_info:
            record.exc_text = redact_secrets(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if self.unmasked_debug and record.levelno <= logging.DEBUG:
            return True
        record.msg = mask_phones(record.msg)
        for key in extras:
            setattr(record, key, mask_value(key, getattr(record, key)))
        if record.exc_text:
            # Tracebacks quote values (a phone in a query, a text in an error): mask them too.
            record.exc_text = mask_phones(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_phones(record.stack_info)
        record._masked = True
        return True


def _redacted(value: Any) -> Any:
    """An ``extra`` value with credentials redacted; other objects become their (redacted) text.

    The JSON formatter would print an object by ``str()``, unfiltered: Django's request
    logger passes the request, whose repr holds the full URL with its query string.
    """
    if isinstance(value, str):
        return redact_secrets(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_redacted(v) for v in value]
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    return redact_secrets(str(value))


@contextlib.contextmanager
def logs_to_file(path: Path) -> Iterator[None]:
    """Send every log record to ``path`` meanwhile, masked and formatted as on the terminal.

    For commands whose own output is the point (``chat``, ``evaluate``): the log lines
    would land in the middle of the conversation or the report.
    """
    root = logging.getLogger()
    saved = root.handlers[:]
    handler = logging.FileHandler(path, encoding="utf-8")
    for old in saved:
        if isinstance(old, logging.StreamHandler) and not isinstance(old, logging.FileHandler):
            handler.setFormatter(old.formatter)
            for log_filter in old.filters:
                handler.addFilter(log_filter)
            break
    root.handlers = [handler]
    try:
        yield
    finally:
        root.handlers = saved
        handler.close()


def logging_config(*, fmt: str, level: str, debug: bool) -> dict[str, Any]:
    """The ``LOGGING`` dict: ``fmt`` is "json" (one object per line) or "console"."""
    formatters = {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
        "console": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "correlation": {"()": CorrelationFilter},
            "mask": {"()": MaskingFilter, "unmasked_debug": debug},
        },
        "formatters": {fmt: formatters[fmt]},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "filters": ["correlation", "mask"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # django-axes announces itself at every start (manage.py commands print one line).
            "axes.apps": {"level": "WARNING"},
            # runserver's access lines: through the masking handler, not Django's own.
            "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
            # HTTP clients and SDKs log every request URL at INFO/DEBUG (Z-API's carries its
            # token): only their warnings, and those redacted like every record.
            **{name: {"level": "WARNING"} for name in QUIET_LIBRARY_LOGGERS},
        },
    }

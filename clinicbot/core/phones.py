"""Phone numbers, normalised once at the edge to E.164 digits (no "+")."""

from __future__ import annotations

import re

import phonenumbers

DEFAULT_REGION = "BR"


class InvalidPhone(ValueError):
    """The text is not a phone number we can normalise."""


def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """Return E.164 digits without "+": "+55 (11) 99999-0000" -> "5511999990000".

    Numbers written without a country code are read as Brazilian. WhatsApp ids that are
    not phone numbers (e.g. "@lid" ids) are kept as their digits.
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("empty phone number")
    local_part = text.split("@", 1)[0]
    digits = re.sub(r"\D", "", local_part)
    if not digits or len(digits) > 20:
        raise InvalidPhone(f"not a phone number: {raw!r}")
    candidate = "+" + digits if (local_part.startswith("+") or len(digits) >= 12) else local_part
    try:
        parsed = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_possible_number(parsed):
        return digits
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def display_phone(digits: str) -> str:
    """Format stored digits for people: "551130000000" -> "+55 11 3000-0000"."""
    try:
        parsed = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return digits
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# The simulator's conversations live in their own namespace of conversation keys: a
# simulator "phone" is stored as "sim:<digits>". No gateway ever produces that key (they
# yield digits or "@lid" ids), so a simulator conversation can never load a WhatsApp
# patient's session, list their bookings or be sent to their phone — every lookup keyed
# by phone (sessions, cache, appointments, waiting list, outbox) is separated by
# construction, with no query needing an extra filter that could be forgotten.
SIMULATOR_PREFIX = "sim:"


def simulator_key(raw: str) -> str:
    """The simulator's conversation key for a typed phone: "(11) 90000-0099" -> "sim:5511900000099"."""
    text = (raw or "").strip()
    if text.startswith(SIMULATOR_PREFIX):
        text = text[len(SIMULATOR_PREFIX) :]
    return SIMULATOR_PREFIX + normalize_phone(text)


def is_simulator_key(key: str) -> bool:
    """True for a conversation key of the simulator (never a real WhatsApp number)."""
    return (key or "").startswith(SIMULATOR_PREFIX)


_INTERNATIONAL_DIGITS = re.compile(r"[0-9]{7,15}")


def is_possible_international(digits: str) -> bool:
    """Whether ``digits`` can be a full international number (country code first, no "+").

    E.164 numbers have at most 15 digits; the country code must exist and the rest must
    have a length that country uses. "5511987654321" is; "abc", 300 digits, "0000000000"
    (no country 0) and "99912345678" (no country 999) are not.
    """
    if not _INTERNATIONAL_DIGITS.fullmatch(digits):
        return False
    try:
        parsed = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(parsed))

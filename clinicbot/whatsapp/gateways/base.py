"""The one interface every WhatsApp gateway adapter implements.

An adapter turns a webhook request into normalised inbound messages and delivery
statuses, checks the request is authentic, and sends text / interactive choices /
templates. It does no database work: the webhook view and the sender task do that.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


class WebhookAuthError(Exception):
    """The webhook request is not authentic (answered 401, logged without patient data)."""


class WebhookPayloadError(Exception):
    """The webhook body is malformed (answered 400)."""


class MessageRejected(Exception):
    """One message of an authentic webhook is refused; the rest of the batch is still taken.

    Not a 4xx: Meta retries a non-200 answer for the whole batch, for days. ``reason`` is a
    metric label (a small closed set); ``detail`` goes to the log and must hold no personal
    data (a sender's length, never the sender).
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# Reasons of MessageRejected.
OTHER_NUMBER = "other_number"  # addressed to a business number that is not ours
BAD_SENDER = (
    "bad_sender"  # the sender id is not a phone / WhatsApp id (non-digits, 300 digits, a placeholder)
)


class GatewayError(Exception):
    """A call to the gateway failed. ``permanent`` errors are not retried.

    ``uncertain`` means the request reached the gateway but no answer came back (a read
    timeout, a connection dropped mid-response): the message may have gone out.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        status_code: int | None = None,
        code: str = "",
        uncertain: bool = False,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.status_code = status_code
        self.code = code
        self.uncertain = uncertain


class MediaError(Exception):
    """The audio of a voice note could not be fetched (``reason``: too_big, download, not_found…)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class MediaRef:
    """Where a gateway keeps the audio of a voice note, as its webhook described it.

    Nothing is downloaded in the webhook: the worker fetches it (:meth:`Gateway.fetch_media`).
    """

    source: dict[str, Any]  # JSON-able, gateway-specific: Meta {"id"}, Z-API {"url"}, Evolution {"message"}
    mime: str = ""  # the type the gateway declared
    voice: bool = False  # recorded with WhatsApp's voice-note button
    seconds: int | None = None  # the duration the gateway declared (Meta declares none)
    inline: bytes | None = None  # bytes the webhook itself carried (Evolution with base64 on)


@dataclass(frozen=True)
class FetchedMedia:
    data: bytes
    mime: str  # the type the download declared ("" if none)


@dataclass(frozen=True)
class WebhookRequest:
    """What an adapter needs from an HTTP request (framework-free, easy to build in tests)."""

    method: str
    headers: Mapping[str, str]  # lower-cased header names
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)
    path_secret: str = ""  # the secret part of the webhook URL (Z-API carries no auth header)


@dataclass(frozen=True)
class InboundMessage:
    """One patient message, whichever gateway delivered it."""

    gateway_id: str  # the gateway's message id (dedup key)
    conversation_key: str  # the id the gateway uses for the chat (wa_id digits, JID user, @lid id)
    phone: str  # the patient's phone in E.164 digits when known ("" for @lid-only chats)
    text: str  # the text, or the title of the chosen button/list row; "" for unsupported types
    kind: (
        str  # "text" | "choice" | "audio" | "media" | "unsupported" | "welcome" (the patient opened the chat)
    )
    timestamp: dt.datetime  # aware
    contact_name: str = ""
    choice_id: str = ""  # the id of the chosen button / list row
    media: MediaRef | None = None  # kind "audio": where to fetch it


@dataclass(frozen=True)
class StatusUpdate:
    """A delivery status of a message we sent."""

    gateway_id: str
    status: str  # "sent" | "delivered" | "read" | "failed"
    timestamp: dt.datetime
    error: str = ""
    ref: str = ""  # our tag of the send, echoed by the gateway (Meta's biz_opaque_callback_data)


@dataclass
class ParsedWebhook:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    ignored: int = 0  # fromMe, groups, broadcasts, history replays, deletions, other events
    rejected: list[MessageRejected] = field(default_factory=list)  # refused messages (logged, counted)


@dataclass(frozen=True)
class OutboundChoice:
    id: str
    title: str
    description: str = ""


class Gateway(ABC):
    """Base class of the gateway adapters.

    Every send takes ``ref``, our id of the outgoing message. A gateway that echoes it in
    its status webhooks (``echoes_ref``) lets the outbox learn that a send went out even
    when the process that sent it died before recording the answer.
    """

    name: str = "base"
    echoes_ref: bool = False

    def handshake(self, request: WebhookRequest) -> str | None:
        """Answer a GET verification handshake (Meta); None when the gateway has none or it fails."""
        return None

    @abstractmethod
    def verify(self, request: WebhookRequest) -> None:
        """Raise :class:`WebhookAuthError` unless the request really comes from the gateway."""

    @abstractmethod
    def parse(self, request: WebhookRequest) -> ParsedWebhook:
        """Normalise the body; raise :class:`WebhookPayloadError` if it is malformed."""

    @abstractmethod
    def send_text(self, to: str, text: str, *, ref: str = "") -> str:
        """Send a text; return the gateway's message id; raise :class:`GatewayError`."""

    @abstractmethod
    def send_choices(
        self, to: str, text: str, choices: Sequence[OutboundChoice], button: str = "Opções", *, ref: str = ""
    ) -> str:
        """Send interactive choices (reply buttons up to 3, a list up to 10, else numbered text)."""

    def send_template(
        self, to: str, name: str, language: str, params: Sequence[str], *, ref: str = ""
    ) -> str:
        """Send a pre-approved template (only Meta needs them; others send the text)."""
        return self.send_text(to, " ".join(params), ref=ref)

    def fetch_media(self, media: MediaRef, *, max_bytes: int) -> FetchedMedia:
        """The bytes of a voice note, the way this gateway hands them over; raise :class:`MediaError`.

        Never more than ``max_bytes``: a larger file is refused (``too_big``) without being
        read whole.
        """
        raise MediaError("unsupported", f"{self.name} has no media")

    def send_audio(self, to: str, audio: bytes, mime: str, *, ref: str = "") -> str:
        """Send a voice note; return the gateway's message id; raise :class:`GatewayError`."""
        raise GatewayError(f"{self.name} cannot send audio", permanent=True, code="unsupported")

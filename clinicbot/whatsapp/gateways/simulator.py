"""An in-memory gateway for the web simulator and tests: no network.

Its webhook (``/webhooks/whatsapp/``) is authenticated by the view (a staff session or a
signed body, see ``clinicbot.whatsapp.simulator_access``), and its conversations are
simulator ones (``sim:<digits>``), apart from every WhatsApp patient's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from clinicbot.core.phones import simulator_key

from ._common import get_str, load_json_object, safe_phone, utc_now
from .base import (
    Gateway,
    InboundMessage,
    OutboundChoice,
    ParsedWebhook,
    WebhookPayloadError,
    WebhookRequest,
)


@dataclass(frozen=True)
class SentMessage:
    """One message the simulator "sent"."""

    id: str
    to: str
    kind: str  # "text" | "choices" | "template"
    text: str
    choices: tuple[OutboundChoice, ...] = ()
    template: str = ""
    language: str = ""
    params: tuple[str, ...] = ()
    sent_at: dt.datetime = field(default_factory=utc_now)


class SimulatorGateway(Gateway):
    """Accepts ``{"phone", "text", "id"}`` bodies and records sends in ``self.sent``."""

    name = "simulator"

    def __init__(self) -> None:
        self.sent: list[SentMessage] = []

    def verify(self, request: WebhookRequest) -> None:
        """Nothing left to check here: the view admitted only staff or a signed body."""

    def parse(self, request: WebhookRequest) -> ParsedWebhook:
        """One text message; a missing id gets a fresh one (each POST is a new message).

        The phone names a simulator conversation (``sim:<digits>``), never the WhatsApp
        patient with that number.
        """
        data = load_json_object(request.body)
        raw_phone = get_str(data, "phone", required=True)
        if not safe_phone(raw_phone.removeprefix("sim:")):
            raise WebhookPayloadError("invalid phone")
        key = simulator_key(raw_phone)
        message = InboundMessage(
            gateway_id=get_str(data, "id") or str(uuid.uuid4()),
            conversation_key=key,
            phone=key,
            text=get_str(data, "text"),
            kind="text",
            timestamp=utc_now(),
            contact_name=get_str(data, "name"),
        )
        return ParsedWebhook(messages=[message])

    def _record(self, message: SentMessage) -> str:
        self.sent.append(message)
        return message.id

    def send_text(self, to: str, text: str, *, ref: str = "") -> str:
        """Record a text."""
        return self._record(SentMessage(id=str(uuid.uuid4()), to=to, kind="text", text=text))

    def send_choices(
        self, to: str, text: str, choices: Sequence[OutboundChoice], button: str = "Opções", *, ref: str = ""
    ) -> str:
        """Record the choices as given (the simulator page renders them as buttons)."""
        return self._record(
            SentMessage(id=str(uuid.uuid4()), to=to, kind="choices", text=text, choices=tuple(choices))
        )

    def send_template(
        self, to: str, name: str, language: str, params: Sequence[str], *, ref: str = ""
    ) -> str:
        """Record a template call with its parameters."""
        return self._record(
            SentMessage(
                id=str(uuid.uuid4()),
                to=to,
                kind="template",
                text=" ".join(params),
                template=name,
                language=language,
                params=tuple(params),
            )
        )

"""Evolution API v2 adapter (Baileys / WhatsApp-Web protocol).

Evolution does not sign webhooks: we accept a request carrying either the secret header
configured on the instance webhook or the HS256 JWT Evolution builds from a ``jwt_key``
header, and only for our instance. Because Evolution replays history after reconnects,
messages older than ``max_age_seconds`` are dropped (unlike Meta).
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx

from ._common import (
    Clock,
    check_sender,
    dicts,
    epoch_to_datetime,
    get_bool,
    get_dict,
    get_str,
    http_status_error,
    load_json_object,
    numbered_text,
    post_json,
    response_json,
    safe_phone,
    try_json_object,
    utc_now,
)
from ._jwt import InvalidToken, verify_hs256
from .base import (
    FetchedMedia,
    Gateway,
    GatewayError,
    InboundMessage,
    MediaRef,
    MessageRejected,
    OutboundChoice,
    ParsedWebhook,
    StatusUpdate,
    WebhookAuthError,
    WebhookPayloadError,
    WebhookRequest,
)
from .media import as_base64, decode_inline, evolution_fetch

# Chats that are not a patient talking to the clinic.
IGNORED_JID_SUFFIXES = ("@g.us", "@broadcast", "@newsletter")

MEDIA_MESSAGES = frozenset(
    {
        "imageMessage",
        "audioMessage",
        "videoMessage",
        "documentMessage",
        "documentWithCaptionMessage",
        "stickerMessage",
        "locationMessage",
        "liveLocationMessage",
        "contactMessage",
        "contactsArrayMessage",
        "ptvMessage",
    }
)
# Protocol noise and reactions: nothing the patient expects an answer to.
IGNORED_MESSAGES = frozenset(
    {
        "reactionMessage",
        "protocolMessage",
        "senderKeyDistributionMessage",
        "messageContextInfo",
        "pollUpdateMessage",
        "editedMessage",
        # An edit as WhatsApp now sends it, encrypted under the original message's key:
        # unreadable here, and not a new message (it was answered "please write" before).
        "secretEncryptedMessage",
        "keepInChatMessage",
    }
)
# Evolution sends the status name; older builds / raw Baileys send the proto number.
STATUS_MAP = {
    "SERVER_ACK": "sent",
    "DELIVERY_ACK": "delivered",
    "READ": "read",
    "PLAYED": "read",
    "ERROR": "failed",
    "0": "failed",
    "2": "sent",
    "3": "delivered",
    "4": "read",
    "5": "read",
}


def _event_name(raw: str) -> str:
    """ "MESSAGES_UPSERT" / "messages-upsert" / "messages.upsert" -> "messages.upsert"."""
    return raw.strip().lower().replace("_", ".").replace("-", ".")


class EvolutionGateway(Gateway):
    """Evolution API v2: secret-header or JWT webhooks, ``sendText`` sends."""

    name = "evolution"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        instance: str,
        webhook_secret: str = "",
        jwt_secret: str = "",
        max_age_seconds: int = 600,
        client: httpx.Client | None = None,
        clock: Clock | None = None,
        *,
        secret_header: str = "x-webhook-secret",
        timeout: float = 15.0,
        jwt_max_lifetime_seconds: int = 3600,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.instance = instance
        self.webhook_secret = webhook_secret
        self.jwt_secret = jwt_secret
        self.jwt_max_lifetime = jwt_max_lifetime_seconds
        # 0 disables the age filter (e.g. while debugging a replaying instance).
        self.max_age = dt.timedelta(seconds=max_age_seconds) if max_age_seconds > 0 else None
        self.client = client
        self.clock: Clock = clock or utc_now
        self.secret_header = secret_header.lower()
        self.timeout = timeout

    # ------------------------------------------------------------------ inbound
    def verify(self, request: WebhookRequest) -> None:
        """Require the secret header or a valid bearer JWT, and the configured instance."""
        if not self._secret_ok(request) and not self._jwt_ok(request):
            raise WebhookAuthError("missing or invalid webhook credentials")
        data = try_json_object(request.body)
        # A body that is not a JSON object is judged by parse (400, not 401).
        if data is not None and data.get("instance") != self.instance:
            raise WebhookAuthError("webhook for another instance")

    def _secret_ok(self, request: WebhookRequest) -> bool:
        received = request.headers.get(self.secret_header, "")
        if not self.webhook_secret or not received:
            return False
        return hmac.compare_digest(received.encode(), self.webhook_secret.encode())

    def _jwt_ok(self, request: WebhookRequest) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if not self.jwt_secret or scheme.lower() != "bearer" or not token:
            return False
        try:
            verify_hs256(
                token, self.jwt_secret, now=self.clock().timestamp(), max_lifetime=self.jwt_max_lifetime
            )
        except InvalidToken:
            return False
        return True

    def parse(self, request: WebhookRequest) -> ParsedWebhook:
        """Normalise ``messages.upsert`` and ``messages.update``; count everything else ignored."""
        data = load_json_object(request.body)
        event = _event_name(get_str(data, "event"))
        result = ParsedWebhook()
        raw = data.get("data")
        items = raw if isinstance(raw, list) else [raw]
        if event == "messages.upsert":
            for item in self._items(items):
                try:
                    message = self._parse_message(item)
                except MessageRejected as refused:
                    result.rejected.append(refused)
                    continue
                if message is None:
                    result.ignored += 1
                else:
                    result.messages.append(message)
        elif event == "messages.update":
            fallback = self._event_time(data)
            for item in self._items(items):
                status = self._parse_status(item, fallback)
                if status is None:
                    result.ignored += 1
                else:
                    result.statuses.append(status)
        else:
            # messages.set (history sync), send.message (our own sends), connection.update, …
            result.ignored += max(len(items), 1)
        return result

    @staticmethod
    def _items(items: list[Any]) -> list[dict[str, Any]]:
        if any(item is None for item in items):
            raise WebhookPayloadError("missing 'data'")
        return dicts(items, "data")

    def _parse_message(self, item: dict[str, Any]) -> InboundMessage | None:
        key = get_dict(item, "key", required=True)
        remote_jid = get_str(key, "remoteJid", required=True)
        if get_bool(key, "fromMe") or remote_jid.endswith(IGNORED_JID_SUFFIXES):
            return None
        gateway_id = get_str(key, "id", required=True)
        timestamp = self._timestamp(item.get("messageTimestamp"))
        if self.max_age is not None and self.clock() - timestamp > self.max_age:
            return None  # a history replay after a reconnect, not a patient waiting now
        content = self._content(get_dict(item, "message"))
        if content is None:
            return None
        text, kind, choice_id = content
        conversation_key, phone = self._identity(key, remote_jid)
        return InboundMessage(
            gateway_id=gateway_id,
            conversation_key=conversation_key,
            phone=phone,
            text=text,
            kind=kind,
            timestamp=timestamp,
            contact_name=get_str(item, "pushName"),
            choice_id=choice_id,
            media=self._audio(key, get_dict(item, "message")) if kind == "audio" else None,
        )

    @staticmethod
    def _audio(key: dict[str, Any], message: dict[str, Any]) -> MediaRef:
        """Where the audio is: the webhook's own base64, else the message for getBase64FromMediaMessage."""
        audio = {k: v for k, v in get_dict(message, "audioMessage").items() if k != "contextInfo"}
        seconds = audio.get("seconds")
        return MediaRef(
            source={"message": {"key": key, "message": {"audioMessage": audio}}},
            mime=get_str(audio, "mimetype"),
            voice=get_bool(audio, "ptt"),
            seconds=seconds if isinstance(seconds, int) and not isinstance(seconds, bool) else None,
            inline=decode_inline(message.get("base64")) if message.get("base64") else None,
        )

    @staticmethod
    def _identity(key: dict[str, Any], remote_jid: str) -> tuple[str, str]:
        """(conversation_key, phone) from the JIDs of a 1:1 chat.

        An ``@lid`` id is not a phone: the full JID is kept as the key (so a reply goes to
        the same chat) and the phone comes from the alternate JID when Evolution has it.
        """
        user = remote_jid.split("@", 1)[0].split(":", 1)[0]  # drop a ":device" suffix
        if remote_jid.endswith("@lid"):
            check_sender(f"{user}@lid", lid=True)
            alt = get_str(key, "remoteJidAlt") or get_str(key, "senderPn")
            phone = safe_phone(alt) if alt and not alt.endswith("@lid") else ""
            return remote_jid, phone
        check_sender(user)
        return user, safe_phone(user)

    def _timestamp(self, value: Any) -> dt.datetime:
        # Old Baileys builds serialise protobuf Longs as {"low", "high", "unsigned"}.
        if isinstance(value, dict):
            low, high = value.get("low"), value.get("high", 0)
            if not isinstance(low, int) or not isinstance(high, int):
                raise WebhookPayloadError("bad messageTimestamp")
            value = (high << 32) | (low & 0xFFFFFFFF)
        if value is None:
            raise WebhookPayloadError("missing messageTimestamp")
        return epoch_to_datetime(value)

    @staticmethod
    def _content(message: dict[str, Any]) -> tuple[str, str, str] | None:
        """(text, kind, choice_id), or None for messages that need no answer."""
        if not message:
            return None  # undecryptable placeholder ("waiting for this message")
        if get_str(message, "conversation"):
            return get_str(message, "conversation"), "text", ""
        extended = get_dict(message, "extendedTextMessage")
        if extended:
            return get_str(extended, "text"), "text", ""
        buttons = get_dict(message, "buttonsResponseMessage")
        if buttons:
            return get_str(buttons, "selectedDisplayText"), "choice", get_str(buttons, "selectedButtonId")
        listed = get_dict(message, "listResponseMessage")
        if listed:
            reply = get_dict(listed, "singleSelectReply")
            return get_str(listed, "title"), "choice", get_str(reply, "selectedRowId")
        template = get_dict(message, "templateButtonReplyMessage")
        if template:
            return get_str(template, "selectedDisplayText"), "choice", get_str(template, "selectedId")
        names = set(message) - {"messageContextInfo", "base64", "mediaUrl", "speechToText"}
        if "audioMessage" in names:
            return "", "audio", ""
        if names & MEDIA_MESSAGES:
            return "", "media", ""
        if not names or names <= IGNORED_MESSAGES:
            return None
        return "", "unsupported", ""

    def _parse_status(self, item: dict[str, Any], fallback: dt.datetime) -> StatusUpdate | None:
        # v2 flattens the key (keyId, fromMe); older builds send {key: {...}, update: {status}}.
        key = get_dict(item, "key")
        from_me = item.get("fromMe", key.get("fromMe"))
        if from_me is False:
            return None  # a receipt for the patient's message (e.g. we read it): not ours
        gateway_id = get_str(item, "keyId") or get_str(key, "id")
        raw_status = item.get("status", get_dict(item, "update").get("status"))
        if isinstance(raw_status, bool) or not isinstance(raw_status, str | int):
            return None
        mapped = STATUS_MAP.get(str(raw_status).upper())
        if mapped is None or not gateway_id:
            return None  # PENDING / DELETED / unknown: nothing to move forward
        timestamp = fallback
        if item.get("messageTimestamp") is not None:
            timestamp = self._timestamp(item.get("messageTimestamp"))
        return StatusUpdate(
            gateway_id=gateway_id,
            status=mapped,
            timestamp=timestamp,
            error="delivery failed" if mapped == "failed" else "",
        )

    def _event_time(self, data: dict[str, Any]) -> dt.datetime:
        raw = get_str(data, "date_time")
        try:
            parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            return self.clock()
        return parsed

    def fetch_media(self, media: MediaRef, *, max_bytes: int) -> FetchedMedia:
        """The webhook's base64, else ``getBase64FromMediaMessage`` (see media.py)."""
        return evolution_fetch(self, media, max_bytes=max_bytes)

    # ------------------------------------------------------------------ outbound
    def send_text(self, to: str, text: str, *, ref: str = "") -> str:
        """POST ``/message/sendText/{instance}``; ``to`` may be digits or a JID (``…@lid``).

        Evolution echoes no field of ours in its webhooks, so ``ref`` is not sent.
        """
        return self._post_message("sendText", {"number": to, "text": text})

    def send_audio(self, to: str, audio: bytes, mime: str, *, ref: str = "") -> str:
        """POST ``/message/sendWhatsAppAudio/{instance}``: a voice note (PTT), base64 in the body."""
        return self._post_message(
            "sendWhatsAppAudio", {"number": to, "audio": as_base64(audio), "encoding": True}
        )

    def _post_message(self, method: str, payload: dict[str, Any]) -> str:
        url = f"{self.base_url}/message/{method}/{quote(self.instance, safe='')}"
        response = post_json(
            self.client,
            url,
            headers={"apikey": self.api_key},
            payload=payload,
            timeout=self.timeout,
        )
        data = response_json(response)
        if response.status_code >= 400:
            raise self._error(response, data)
        message_id = get_str(get_dict(data, "key"), "id") if isinstance(data.get("key"), dict) else ""
        if not message_id:
            raise GatewayError(
                "send answered without key.id",
                permanent=True,  # it may have been sent: a retry could duplicate it
                status_code=response.status_code,
                code="bad_response",
            )
        return message_id

    def send_choices(
        self, to: str, text: str, choices: Sequence[OutboundChoice], button: str = "Opções", *, ref: str = ""
    ) -> str:
        """Always numbered text.

        On Baileys instances WhatsApp does not officially support buttons/lists from
        WhatsApp-Web clients: Evolution answers 201 while nothing renders on many phones
        (evolution-api#1261, #1515; Baileys #1127, #1158). A patient who never sees the
        options cannot answer, so we send text the engine can parse ("1", "2", …).
        """
        return self.send_text(to, numbered_text(text, choices), ref=ref)

    @staticmethod
    def _error(response: httpx.Response, data: dict[str, Any]) -> GatewayError:
        status = response.status_code
        detail = data.get("response")
        entries = detail.get("message") if isinstance(detail, dict) else None
        if (
            status == 400
            and isinstance(entries, list)
            and any(isinstance(e, dict) and e.get("exists") is False for e in entries)
        ):
            return GatewayError(
                "number is not on WhatsApp", permanent=True, status_code=status, code="not_on_whatsapp"
            )
        # 401/403: wrong apikey; 404: instance missing; 400: bad request — retrying won't help.
        return http_status_error(response, "Evolution refused the message")

"""Z-API adapter (Brazilian commercial gateway on the WhatsApp-Web protocol).

Z-API's webhook POSTs carry no signature or auth header, so the webhook URL holds a long
random secret (``/webhooks/whatsapp/<secret>/``) and the body must name our instance.
``Client-Token`` is what *we* send to Z-API, never something to expect from it.
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
    epoch_to_datetime,
    get_bool,
    get_dict,
    get_list,
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
from .media import as_base64, zapi_fetch

MEDIA_KEYS = ("image", "audio", "video", "document", "sticker", "location", "contact", "ptv")
# READ_BY_ME / READ-SELF are *our* read receipts of the patient's messages: not our sends.
STATUS_MAP = {"SENT": "sent", "RECEIVED": "delivered", "READ": "read", "PLAYED": "read"}
# Flags that mark a chat or message the bot must not answer (see GATEWAYS.md C3/C5).
IGNORE_FLAGS = ("fromMe", "isGroup", "isNewsletter", "broadcast", "isStatusReply", "waitingMessage", "isEdit")


class ZapiGateway(Gateway):
    """Z-API: secret-URL webhooks, ``send-text`` sends."""

    name = "zapi"

    def __init__(
        self,
        base_url: str = "https://api.z-api.io",
        instance_id: str = "",
        token: str = "",
        client_token: str = "",
        path_secret: str = "",
        client: httpx.Client | None = None,
        *,
        max_age_seconds: int = 0,
        clock: Clock | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.instance_id = instance_id
        self.token = token
        self.client_token = client_token
        self.path_secret = path_secret
        self.client = client
        # 0 = keep every message (Z-API's replay behaviour is undocumented; dedup by id).
        self.max_age = dt.timedelta(seconds=max_age_seconds) if max_age_seconds > 0 else None
        self.clock: Clock = clock or utc_now
        self.timeout = timeout

    # ------------------------------------------------------------------ inbound
    def verify(self, request: WebhookRequest) -> None:
        """The URL's secret must match (constant time) and the body must name our instance."""
        if not self.path_secret or not request.path_secret:
            raise WebhookAuthError("missing webhook path secret")
        if not hmac.compare_digest(request.path_secret.encode(), self.path_secret.encode()):
            raise WebhookAuthError("wrong webhook path secret")
        data = try_json_object(request.body)
        # A body that is not a JSON object is judged by parse (400, not 401).
        if data is not None and str(data.get("instanceId", "")) != self.instance_id:
            raise WebhookAuthError("webhook for another instance")

    def parse(self, request: WebhookRequest) -> ParsedWebhook:
        """Normalise ``ReceivedCallback`` / ``MessageStatusCallback``; ignore the other callbacks."""
        data = load_json_object(request.body)
        # The docs spell it both "ReceivedCallback" and "ReceivedCallBack".
        event = get_str(data, "type").lower()
        result = ParsedWebhook()
        if event == "receivedcallback":
            try:
                message = self._parse_message(data)
            except MessageRejected as refused:
                result.rejected.append(refused)
                return result
            if message is None:
                result.ignored += 1
            else:
                result.messages.append(message)
        elif event == "messagestatuscallback":
            statuses = self._parse_statuses(data)
            result.statuses.extend(statuses)
            result.ignored += 0 if statuses else 1
        else:
            # DeliveryCallback (our own send accepted), disconnected, presence, …
            result.ignored += 1
        return result

    def _parse_message(self, data: dict[str, Any]) -> InboundMessage | None:
        phone_field = get_str(data, "phone")
        if any(get_bool(data, flag) for flag in IGNORE_FLAGS) or phone_field.endswith("-group"):
            return None
        if get_str(data, "notification"):
            return None  # system notices (calls, group changes): not a patient message
        gateway_id = get_str(data, "messageId", required=True)
        if data.get("momment") is None:
            raise WebhookPayloadError("missing 'momment'")
        timestamp = epoch_to_datetime(data.get("momment"), milliseconds=True)
        if self.max_age is not None and self.clock() - timestamp > self.max_age:
            return None
        content = self._content(data)
        if content is None:
            return None
        text, kind, choice_id = content
        conversation_key, phone = self._identity(data, phone_field)
        return InboundMessage(
            gateway_id=gateway_id,
            conversation_key=conversation_key,
            phone=phone,
            text=text,
            kind=kind,
            timestamp=timestamp,
            contact_name=get_str(data, "senderName") or get_str(data, "chatName"),
            choice_id=choice_id,
            media=self._audio(get_dict(data, "audio")) if kind == "audio" else None,
        )

    @staticmethod
    def _audio(audio: dict[str, Any]) -> MediaRef:
        seconds = audio.get("seconds")
        return MediaRef(
            source={"url": get_str(audio, "audioUrl")},
            mime=get_str(audio, "mimeType"),
            voice=get_bool(audio, "ptt"),
            seconds=seconds if isinstance(seconds, int) and not isinstance(seconds, bool) else None,
        )

    @staticmethod
    def _identity(data: dict[str, Any], phone_field: str) -> tuple[str, str]:
        """(conversation_key, phone): the number when Z-API gives one, else the chat's LID."""
        if phone_field and "@" not in phone_field:
            check_sender(phone_field)
            return phone_field, safe_phone(phone_field)
        lid = phone_field or get_str(data, "chatLid") or get_str(data, "senderLid")
        if not lid:
            raise WebhookPayloadError("message without phone or chatLid")
        check_sender(lid, lid=True)
        return lid, ""

    @staticmethod
    def _content(data: dict[str, Any]) -> tuple[str, str, str] | None:
        """(text, kind, choice_id), or None for reactions."""
        text = get_dict(data, "text")
        if text:
            return get_str(text, "message"), "text", ""
        buttons = get_dict(data, "buttonsResponseMessage")
        if buttons:
            return get_str(buttons, "message"), "choice", get_str(buttons, "buttonId")
        listed = get_dict(data, "listResponseMessage")
        if listed:
            # "title" is the chosen row's title, "message" its description.
            return (
                get_str(listed, "title") or get_str(listed, "message"),
                "choice",
                get_str(listed, "selectedRowId"),
            )
        if data.get("reaction") is not None:
            return None
        if get_dict(data, "audio"):
            return "", "audio", ""
        if any(data.get(key) is not None for key in MEDIA_KEYS):
            return "", "media", ""
        return "", "unsupported", ""

    def _parse_statuses(self, data: dict[str, Any]) -> list[StatusUpdate]:
        mapped = STATUS_MAP.get(get_str(data, "status").upper())
        if mapped is None or get_bool(data, "isGroup"):
            return []
        ids = get_list(data, "ids") or ([data["id"]] if data.get("id") is not None else [])
        if not all(isinstance(i, str | int) and not isinstance(i, bool) for i in ids):
            raise WebhookPayloadError("'ids' must hold strings")
        moment = data.get("momment")
        timestamp = epoch_to_datetime(moment, milliseconds=True) if moment is not None else self.clock()
        return [StatusUpdate(gateway_id=str(i), status=mapped, timestamp=timestamp) for i in ids if i != ""]

    def fetch_media(self, media: MediaRef, *, max_bytes: int) -> FetchedMedia:
        """The webhook's ``audioUrl`` (see media.py)."""
        return zapi_fetch(self, media, max_bytes=max_bytes)

    # ------------------------------------------------------------------ outbound
    def send_text(self, to: str, text: str, *, ref: str = "") -> str:
        """POST ``…/send-text`` with the account's ``Client-Token`` header.

        Z-API echoes no field of ours in its webhooks, so ``ref`` is not sent.
        """
        return self._post_message("send-text", {"phone": to, "message": text})

    def send_audio(self, to: str, audio: bytes, mime: str, *, ref: str = "") -> str:
        """POST ``…/send-audio`` with the audio as a data URI, shown as a voice note (waveform)."""
        data_uri = f"data:{mime or 'audio/ogg'};base64,{as_base64(audio)}"
        return self._post_message("send-audio", {"phone": to, "audio": data_uri, "waveform": True})

    def _post_message(self, method: str, payload: dict[str, Any]) -> str:
        url = (
            f"{self.base_url}/instances/{quote(self.instance_id, safe='')}"
            f"/token/{quote(self.token, safe='')}/{method}"
        )
        response = post_json(
            self.client,
            url,
            headers={"Client-Token": self.client_token},
            payload=payload,
            timeout=self.timeout,
        )
        data = response_json(response)
        if response.status_code >= 400:
            # Never echo the URL: it embeds the instance token.
            raise http_status_error(response, "Z-API refused the message")
        message_id = get_str(data, "messageId") if isinstance(data.get("messageId"), str) else ""
        if not message_id and isinstance(data.get("zaapId"), str):
            message_id = data["zaapId"]
        if not message_id:
            raise GatewayError(
                "send answered without messageId",
                permanent=True,  # it may have been sent: a retry could duplicate it
                status_code=response.status_code,
                code="bad_response",
            )
        return message_id

    def send_choices(
        self, to: str, text: str, choices: Sequence[OutboundChoice], button: str = "Opções", *, ref: str = ""
    ) -> str:
        """Always numbered text, not ``send-option-list``.

        Z-API sends lists and buttons as a WhatsApp-Web client, which WhatsApp does not
        officially support: they need the panel's "button terms" accepted and Z-API itself
        warns they break across WhatsApp updates. A list that silently fails to render
        leaves the patient stuck, so we send text the engine parses ("1", "2", …).
        """
        return self.send_text(to, numbered_text(text, choices), ref=ref)

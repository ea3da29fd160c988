"""Meta WhatsApp Cloud API (Graph API) adapter.

Webhooks are signed (``X-Hub-Signature-256``, HMAC-SHA256 of the raw body with the App
Secret) and the callback URL is verified once with a GET handshake. Messages are never
dropped for their age: Meta redelivers for days and dedup by ``wamid`` is the defence
against replays, while an old-but-new message is still a patient waiting for an answer.

One Meta app may serve several business numbers: a change whose ``metadata.phone_number_id``
is not ours is refused (counted, never answered from our number), as is a message whose
sender is not a WhatsApp id. Edits arrive as their own message (``type: edit``) and are
answered as the new text; deletions (``revoke``) are ignored; ``request_welcome`` (the
patient opened the chat for the first time) is answered with the greeting.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

import httpx

from ._common import (
    check_sender,
    dicts,
    epoch_to_datetime,
    get_dict,
    get_list,
    get_str,
    load_json_object,
    numbered_text,
    post_json,
    response_json,
)
from .base import (
    OTHER_NUMBER,
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
from .media import meta_fetch, meta_media_ref, meta_send_audio

# Graph error codes worth retrying: rate limits (4 app, 80007 WABA, 130429 throughput,
# 131056 pair), temporary failures (1, 2, 131000, 133004) and number maintenance (131057).
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 80007, 130429, 131000, 131056, 131057, 133004})
# Codes the caller acts on; anything else is reported as its number.
CODE_NAMES = {
    131047: "outside_window",  # > 24 h since the patient wrote: only a template can go out
    131026: "not_on_whatsapp",
    190: "auth",
    100: "invalid_param",
    4: "rate_limited",
    80007: "rate_limited",
    130429: "rate_limited",
    131056: "rate_limited",
}

# Meta limits for interactive messages (see GATEWAYS.md A6).
MAX_BUTTONS, MAX_BUTTON_TITLE, MAX_BUTTON_ID, MAX_BUTTON_BODY = 3, 20, 256, 1024
MAX_ROWS, MAX_ROW_TITLE, MAX_ROW_DESCRIPTION, MAX_ROW_ID, MAX_LIST_BODY = 10, 24, 72, 200, 4096
MAX_LIST_BUTTON = 20
MAX_CALLBACK_DATA = 512  # biz_opaque_callback_data

MEDIA_TYPES = frozenset({"image", "audio", "video", "document", "sticker", "location", "contacts"})
# Not something the patient asked: a reaction to an earlier message, a "changed number"
# notice, a deleted message. Answering them "I can't read this" would be noise.
IGNORED_TYPES = frozenset({"reaction", "system", "revoke"})
# ``type: unsupported`` messages that only act on an earlier message (Meta delivers edits
# this way while its edit webhook is out of service, and lists deletions, pins, polls'
# votes and "keep in chat" here too): nothing new to answer.
SILENT_UNSUPPORTED = frozenset({"edit", "revoke", "reaction", "pin", "keep_in_chat", "poll_update"})

STATUS_MAP = {"sent": "sent", "delivered": "delivered", "read": "read", "played": "read", "failed": "failed"}


class MetaGateway(Gateway):
    """WhatsApp Cloud API: signed webhooks, Graph API sends."""

    name = "meta"
    echoes_ref = True  # biz_opaque_callback_data comes back in every status webhook

    def __init__(
        self,
        app_secret: str,
        verify_token: str,
        access_token: str,
        phone_number_id: str,
        api_base: str = "https://graph.facebook.com",
        api_version: str = "v21.0",
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.api_base = api_base.rstrip("/")
        self.api_version = api_version.strip("/")
        self.timeout = timeout
        self.client = client

    # ------------------------------------------------------------------ inbound
    def handshake(self, request: WebhookRequest) -> str | None:
        """Return ``hub.challenge`` when mode is subscribe and the verify token matches."""
        if not self.verify_token or request.query.get("hub.mode") != "subscribe":
            return None
        token = request.query.get("hub.verify_token", "")
        if not hmac.compare_digest(token.encode(), self.verify_token.encode()):
            return None
        challenge = request.query.get("hub.challenge")
        return challenge if challenge else None

    def verify(self, request: WebhookRequest) -> None:
        """Check ``X-Hub-Signature-256`` over the raw body (never re-serialised JSON)."""
        if not self.app_secret:
            raise WebhookAuthError("app secret not configured")
        header = request.headers.get("x-hub-signature-256", "")
        prefix, _, received = header.partition("=")
        if prefix != "sha256" or not received:
            raise WebhookAuthError("missing or malformed signature header")
        expected = hmac.new(self.app_secret.encode(), request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(received.strip().lower().encode(), expected.encode()):
            raise WebhookAuthError("signature mismatch")

    def parse(self, request: WebhookRequest) -> ParsedWebhook:
        """Walk every ``entry[].changes[]``: messages and statuses, the rest is ignored."""
        data = load_json_object(request.body)
        result = ParsedWebhook()
        for entry in dicts(get_list(data, "entry"), "entry"):
            for change in dicts(get_list(entry, "changes"), "changes"):
                value = get_dict(change, "value")
                # smb_message_echoes = staff typing in the WhatsApp Business app: Meta's "fromMe".
                if get_str(change, "field") not in ("", "messages"):
                    result.ignored += 1
                    continue
                self._parse_value(value, result)
        return result

    def _parse_value(self, value: dict[str, Any], result: ParsedWebhook) -> None:
        number_id = get_str(get_dict(value, "metadata"), "phone_number_id")
        if number_id != self.phone_number_id:
            # Another number of the same Meta app (or a forged body signed with our secret):
            # never answered from ours. Its statuses are not about our sends either.
            detail = f"phone_number_id {number_id[:40] or 'missing'}"
            messages = dicts(get_list(value, "messages"), "messages")
            result.rejected += [MessageRejected(OTHER_NUMBER, detail) for _ in messages]
            result.ignored += len(get_list(value, "statuses")) + len(get_list(value, "errors"))
            return
        contacts = dicts(get_list(value, "contacts"), "contacts")
        names = {get_str(c, "wa_id"): get_str(get_dict(c, "profile"), "name") for c in contacts}
        # A username user may come with an empty wa_id and a business-scoped user_id (BSUID).
        first_wa_id = (get_str(contacts[0], "wa_id") or get_str(contacts[0], "user_id")) if contacts else ""
        for message in dicts(get_list(value, "messages"), "messages"):
            try:
                parsed = self._parse_message(message, first_wa_id, names)
            except MessageRejected as refused:
                result.rejected.append(refused)
                continue
            if parsed is None:
                result.ignored += 1
            else:
                result.messages.append(parsed)
        for status in dicts(get_list(value, "statuses"), "statuses"):
            update = self._parse_status(status)
            if update is None:
                result.ignored += 1
            else:
                result.statuses.append(update)
        # Account-level problems (e.g. 130429) carry no message: nothing to store.
        result.ignored += len(get_list(value, "errors"))

    def _parse_message(
        self, message: dict[str, Any], first_wa_id: str, names: dict[str, str]
    ) -> InboundMessage | None:
        kind_name = get_str(message, "type")
        if get_str(message, "group_id") or kind_name in IGNORED_TYPES:
            return None
        if (
            kind_name == "unsupported"
            and get_str(get_dict(message, "unsupported"), "type") in SILENT_UNSUPPORTED
        ):
            return None
        gateway_id = get_str(message, "id", required=True)
        # contacts[].wa_id is the canonical id; "from" is the same digits in practice.
        wa_id = get_str(message, "from") or first_wa_id
        if not wa_id:
            raise WebhookPayloadError("message without sender")
        check_sender(wa_id, bsuid=True)
        timestamp = epoch_to_datetime(message.get("timestamp"))
        if kind_name == "edit":
            # The patient corrected a message (within WhatsApp's 15 minutes). It was almost
            # surely answered already (the debounce is 1.5 s), so the correction is what to
            # answer now: as the new text, read in the conversation's current state. A
            # caption edited under a photo brings nothing we can act on.
            edited = get_dict(get_dict(message, "edit"), "message")
            if get_str(edited, "type") != "text":
                return None
            text, kind, choice_id = self._content(edited, "text")
        elif kind_name == "request_welcome":
            text, kind, choice_id = "", "welcome", ""  # answered with the greeting
        else:
            text, kind, choice_id = self._content(message, kind_name)
        return InboundMessage(
            gateway_id=gateway_id,
            conversation_key=wa_id,
            # wa_id is already international E.164 digits (checked above); normalising it as a
            # Brazilian number would turn a US id of 11 digits into a "55…" phone. A BSUID is not a phone.
            phone=wa_id if wa_id.isdigit() else "",
            text=text,
            kind=kind,
            timestamp=timestamp,
            contact_name=names.get(wa_id, "") or names.get(first_wa_id, ""),
            choice_id=choice_id,
            media=meta_media_ref(get_dict(message, "audio")) if kind == "audio" else None,
        )

    @staticmethod
    def _content(message: dict[str, Any], kind_name: str) -> tuple[str, str, str]:
        """(text, kind, choice_id) of one message."""
        if kind_name == "text":
            return get_str(get_dict(message, "text"), "body"), "text", ""
        if kind_name == "interactive":
            interactive = get_dict(message, "interactive")
            reply_type = get_str(interactive, "type")
            if reply_type in ("button_reply", "list_reply"):
                reply = get_dict(interactive, reply_type)
                return get_str(reply, "title"), "choice", get_str(reply, "id")
            return "", "unsupported", ""  # e.g. nfm_reply (Flows): not used by the bot
        if kind_name == "button":  # quick-reply button of a template
            button = get_dict(message, "button")
            return get_str(button, "text"), "choice", get_str(button, "payload")
        if kind_name == "audio" and get_str(get_dict(message, "audio"), "id"):
            return "", "audio", ""
        if kind_name in MEDIA_TYPES:
            return "", "media", ""
        return "", "unsupported", ""

    @staticmethod
    def _parse_status(status: dict[str, Any]) -> StatusUpdate | None:
        mapped = STATUS_MAP.get(get_str(status, "status"))
        if mapped is None:
            return None
        error = ""
        if mapped == "failed":
            errors = dicts(get_list(status, "errors"), "errors")
            if errors:
                first = errors[0]
                error = f"{get_str(first, 'code')} {get_str(first, 'title') or get_str(first, 'message')}"
        return StatusUpdate(
            gateway_id=get_str(status, "id", required=True),
            status=mapped,
            timestamp=epoch_to_datetime(status.get("timestamp")),
            error=error.strip(),
            ref=get_str(status, "biz_opaque_callback_data"),
        )

    def fetch_media(self, media: MediaRef, *, max_bytes: int) -> FetchedMedia:
        """``GET /{media-id}`` then the short-lived URL, both with the bearer token (see media.py)."""
        return meta_fetch(self, media, max_bytes=max_bytes)

    # ------------------------------------------------------------------ outbound
    def send_audio(self, to: str, audio: bytes, mime: str, *, ref: str = "") -> str:
        """Upload the audio, then send it as a voice message (see media.py)."""
        return meta_send_audio(self, to, audio, mime, ref=ref)

    def send_text(self, to: str, text: str, *, ref: str = "") -> str:
        """Send a plain text (links are not previewed: reminders should stay compact)."""
        return self._send(to, {"type": "text", "text": {"preview_url": False, "body": text}}, ref)

    def send_choices(
        self, to: str, text: str, choices: Sequence[OutboundChoice], button: str = "Opções", *, ref: str = ""
    ) -> str:
        """Reply buttons (≤3 short titles), a list (≤10 rows) or, past Meta's limits, numbered text."""
        if not choices or not text:
            return self.send_text(to, numbered_text(text, choices), ref=ref)
        if self._fits_buttons(text, choices):
            buttons = [{"type": "reply", "reply": {"id": c.id, "title": c.title}} for c in choices]
            interactive: dict[str, Any] = {
                "type": "button",
                "body": {"text": text},
                "action": {"buttons": buttons},
            }
        elif self._fits_list(text, choices, button):
            rows = []
            for c in choices:
                row = {"id": c.id, "title": c.title}
                if c.description:
                    row["description"] = c.description
                rows.append(row)
            interactive = {
                "type": "list",
                "body": {"text": text},
                "action": {"button": button, "sections": [{"rows": rows}]},
            }
        else:
            return self.send_text(to, numbered_text(text, choices), ref=ref)
        return self._send(to, {"type": "interactive", "interactive": interactive}, ref)

    @staticmethod
    def _fits_buttons(text: str, choices: Sequence[OutboundChoice]) -> bool:
        titles = [c.title for c in choices]
        return (
            len(choices) <= MAX_BUTTONS
            and len(text) <= MAX_BUTTON_BODY
            and len(set(titles)) == len(titles)  # Meta rejects duplicate button titles
            and all(0 < len(c.title) <= MAX_BUTTON_TITLE and 0 < len(c.id) <= MAX_BUTTON_ID for c in choices)
        )

    @staticmethod
    def _fits_list(text: str, choices: Sequence[OutboundChoice], button: str) -> bool:
        return (
            len(choices) <= MAX_ROWS
            and len(text) <= MAX_LIST_BODY
            and 0 < len(button) <= MAX_LIST_BUTTON
            and all(
                0 < len(c.title) <= MAX_ROW_TITLE
                and len(c.description) <= MAX_ROW_DESCRIPTION
                and 0 < len(c.id) <= MAX_ROW_ID
                for c in choices
            )
        )

    def send_template(
        self, to: str, name: str, language: str, params: Sequence[str], *, ref: str = ""
    ) -> str:
        """Send an approved template with positional body parameters."""
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        if params:
            template["components"] = [
                {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}
            ]
        return self._send(to, {"type": "template", "template": template}, ref)

    def _send(self, to: str, content: dict[str, Any], ref: str = "") -> str:
        url = f"{self.api_base}/{self.api_version}/{self.phone_number_id}/messages"
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **content}
        if ref:  # echoed as biz_opaque_callback_data in this message's status webhooks
            payload["biz_opaque_callback_data"] = ref[:MAX_CALLBACK_DATA]
        response = post_json(
            self.client,
            url,
            headers={"Authorization": f"Bearer {self.access_token}"},
            payload=payload,
            timeout=self.timeout,
        )
        data = response_json(response)
        if response.status_code >= 400:
            raise self._error(response.status_code, data)
        messages = data.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            message_id = messages[0].get("id")
            if isinstance(message_id, str) and message_id:
                return message_id
        # 2xx without an id: the message may have gone out, so retrying could duplicate it.
        raise GatewayError(
            "send answered without a message id",
            permanent=True,
            status_code=response.status_code,
            code="bad_response",
        )

    @staticmethod
    def _error(status_code: int, data: dict[str, Any]) -> GatewayError:
        """Map a Graph error: the numeric ``error.code`` decides, the HTTP status is a fallback."""
        raw_error = data.get("error")
        error = raw_error if isinstance(raw_error, dict) else {}
        raw_code = error.get("code")
        code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
        if isinstance(raw_code, str) and raw_code.isdigit():
            code = int(raw_code)
        if code in TRANSIENT_CODES or status_code == 429:
            permanent = False
        elif code is not None and status_code < 500:
            permanent = True
        else:
            permanent = status_code < 500 and status_code not in (408, 425)
        message = error.get("message") if isinstance(error.get("message"), str) else ""
        name = CODE_NAMES.get(code or 0) or (str(code) if code is not None else f"http_{status_code}")
        if status_code == 429 and code is None:
            name = "rate_limited"
        return GatewayError(
            f"Meta HTTP {status_code} code {code}: {message}"[:500],
            permanent=permanent,
            status_code=status_code,
            code=name,
        )

"""Voice-note webhooks of the three gateways, delivered through the real webhook views (for tests).

Each helper posts one authentic webhook (Meta signed, Evolution with its secret header,
Z-API on its secret URL) carrying an audio message, with the bodies the gateways send
(see shared GATEWAYS.md §A3, §B4, §C3), and returns the HTTP response.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import urlsplit

from django.test import Client

from .fake_gateway import meta_signature, meta_text_webhook

META_SECRET = "voice-app-secret"
EVOLUTION_SECRET = "evo-webhook-secret"
EVOLUTION_INSTANCE = "clinica-voz"
ZAPI_SECRET = "zapi-path-secret-voice"
ZAPI_INSTANCE = "ZINSTANCE1"


def gateway_settings(gateway: str, url: str) -> dict[str, Any]:
    """Django settings pointing one gateway (sending replies) at a local fake server."""
    if gateway == "meta":
        return {
            "WHATSAPP_GATEWAY": "meta",
            "META_APP_SECRET": META_SECRET,
            "META_VERIFY_TOKEN": "verify-me",
            "META_ACCESS_TOKEN": "token",
            "META_PHONE_NUMBER_ID": "PNID-1",
            "META_GRAPH_URL": url,
        }
    if gateway == "evolution":
        return {
            "WHATSAPP_GATEWAY": "evolution",
            "EVOLUTION_API_URL": url,
            "EVOLUTION_API_KEY": "evo-key",
            "EVOLUTION_INSTANCE": EVOLUTION_INSTANCE,
            "EVOLUTION_WEBHOOK_SECRET": EVOLUTION_SECRET,
            "EVOLUTION_JWT_SECRET": "",
        }
    return {
        "WHATSAPP_GATEWAY": "zapi",
        "ZAPI_BASE_URL": url,
        "ZAPI_MEDIA_HOSTS": (urlsplit(url).hostname or "",),  # the local fake serves the audio too
        "ZAPI_INSTANCE_ID": ZAPI_INSTANCE,
        "ZAPI_TOKEN": "zapi-token",
        "ZAPI_CLIENT_TOKEN": "client-token",
        "ZAPI_WEBHOOK_SECRET": ZAPI_SECRET,
    }


def _meta_post(body: dict[str, Any]) -> Any:
    raw = json.dumps(body).encode()
    return Client().post(
        "/webhooks/meta/",
        data=raw,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(raw, META_SECRET),
    )


def meta_voice(*, phone: str, message_id: str, media_id: str, timestamp: int | None = None) -> Any:
    """A signed Meta webhook with one voice note (``type: audio``, ``voice: true``)."""
    when = timestamp or int(time.time())
    body = meta_text_webhook(phone=phone, text="", message_id=message_id, timestamp=when)
    body["entry"][0]["changes"][0]["value"]["messages"] = [
        meta_audio_message(phone, message_id, media_id, when)
    ]
    return _meta_post(body)


def meta_audio_message(phone: str, message_id: str, media_id: str, timestamp: int) -> dict[str, Any]:
    return {
        "from": phone,
        "id": message_id,
        "timestamp": str(timestamp),
        "type": "audio",
        "audio": {"id": media_id, "mime_type": "audio/ogg; codecs=opus", "sha256": "x", "voice": True},
    }


def meta_batch(*, phone: str, messages: list[dict[str, Any]]) -> Any:
    """One signed Meta webhook carrying several messages (a voice note and a text, say)."""
    body = meta_text_webhook(phone=phone, text="", message_id="unused", timestamp=int(time.time()))
    body["entry"][0]["changes"][0]["value"]["messages"] = messages
    return _meta_post(body)


def meta_text(*, phone: str, text: str, message_id: str) -> Any:
    return _meta_post(
        meta_text_webhook(phone=phone, text=text, message_id=message_id, timestamp=int(time.time()))
    )


def evolution_voice(
    *, phone: str, message_id: str, seconds: int = 4, inline: bytes | None = None, text: str | None = None
) -> Any:
    """An Evolution ``messages.upsert`` with a voice note (``ptt``), or a text when ``text`` is given."""
    message: dict[str, Any]
    if text is not None:
        message = {"conversation": text}
    else:
        message = {
            "audioMessage": {
                "mimetype": "audio/ogg; codecs=opus",
                "seconds": seconds,
                "ptt": True,
                "url": "https://mmg.whatsapp.net/v/t62.7117-24/x.enc",
                "mediaKey": "bWVkaWFrZXk=",
                "directPath": "/v/t62.7117-24/x.enc",
            }
        }
        if inline is not None:
            message["base64"] = base64.b64encode(inline).decode()
    body = {
        "event": "messages.upsert",
        "instance": EVOLUTION_INSTANCE,
        "data": {
            "key": {"remoteJid": f"{phone}@s.whatsapp.net", "fromMe": False, "id": message_id},
            "pushName": "Paciente",
            "message": message,
            "messageType": "conversation" if text is not None else "audioMessage",
            "messageTimestamp": int(time.time()),
        },
    }
    return Client().post(
        "/webhooks/evolution/",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_X_WEBHOOK_SECRET=EVOLUTION_SECRET,
    )


def zapi_voice(*, phone: str, message_id: str, url: str, seconds: int = 4, text: str | None = None) -> Any:
    """A Z-API ``ReceivedCallback`` with a voice note (``audio.ptt``), or a text when ``text`` is given."""
    body: dict[str, Any] = {
        "type": "ReceivedCallback",
        "instanceId": ZAPI_INSTANCE,
        "messageId": message_id,
        "phone": phone,
        "fromMe": False,
        "momment": int(time.time() * 1000),
        "senderName": "Paciente",
    }
    if text is not None:
        body["text"] = {"message": text}
    else:
        body["audio"] = {
            "ptt": True,
            "seconds": seconds,
            "audioUrl": url,
            "mimeType": "audio/ogg; codecs=opus",
        }
    return Client().post(
        f"/webhooks/zapi/{ZAPI_SECRET}/", data=json.dumps(body), content_type="application/json"
    )

"""Voice notes in and out of each gateway, the way each documents it (see GATEWAYS.md).

In (worker only, never in the webhook):

* **Meta** — ``GET /{version}/{media-id}`` with the bearer token answers a short-lived
  ``url`` (and ``file_size``); ``GET url`` with the same token gives the bytes. (The ``url``
  some webhooks now carry is being rolled out gradually: not relied upon.)
* **Evolution v2** — the bytes the webhook carried (``base64`` on the instance), else
  ``POST /chat/getBase64FromMediaMessage/{instance}`` with the message itself (key and media
  fields), which works whether or not Evolution stored the message.
* **Z-API** — the ``audioUrl`` of the webhook (Z-API keeps media 30 days), fetched without
  our credentials: it is a storage URL, not Z-API's API.

Every download is bounded: a declared size over the limit is refused before reading, and
the body is read in chunks and abandoned once it passes the limit. A 5xx, a timeout or a
dropped connection is tried once more.

Out (``VOICE_REPLIES=mirror``): Meta uploads the file (``POST /{phone-number-id}/media``,
multipart) and sends an ``audio`` message with ``voice: true``; Evolution's
``sendWhatsAppAudio`` and Z-API's ``send-audio`` take the audio as base64.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import socket
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from ._common import _process_client, get_bool, get_str, http_status_error, response_json
from .base import FetchedMedia, GatewayError, MediaError, MediaRef

if TYPE_CHECKING:
    from .evolution import EvolutionGateway
    from .meta import MetaGateway
    from .zapi import ZapiGateway

_CHUNK = 64 * 1024
_RETRY_PAUSE = 0.5


def _bounded(
    client: httpx.Client | None,
    method: str,
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    json: Any = None,
) -> tuple[bytes, str]:
    """One request whose body may not exceed ``max_bytes`` (bytes, content type); raise MediaError."""
    if not url.lower().startswith(("https://", "http://")):
        raise MediaError("bad_url", "not an http(s) URL")
    for attempt in (1, 2):
        try:
            with (client or _process_client()).stream(
                method, url, headers=dict(headers or {}), json=json, timeout=timeout, follow_redirects=True
            ) as response:
                if response.status_code >= 400:
                    transient = response.status_code >= 500 or response.status_code in (408, 429)
                    if transient and attempt == 1:
                        time.sleep(_RETRY_PAUSE)
                        continue
                    reason = "not_found" if response.status_code in (404, 410) else "download"
                    raise MediaError(reason, f"HTTP {response.status_code}")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise MediaError("too_big", f"{declared} bytes declared")
                body = bytearray()
                for chunk in response.iter_bytes(_CHUNK):
                    body += chunk
                    if len(body) > max_bytes:
                        raise MediaError("too_big", f"over {max_bytes} bytes")
                return bytes(body), response.headers.get("content-type", "")
        except httpx.TimeoutException as exc:
            if attempt == 2:
                raise MediaError("timeout") from exc
        except httpx.HTTPError as exc:
            # The class name only: a URL may embed credentials (Z-API's) or a signature (Meta's).
            if attempt == 2:
                raise MediaError("download", type(exc).__name__) from exc
        time.sleep(_RETRY_PAUSE)
    raise MediaError("download")  # not reached: the loop returns or raises


# ---------------------------------------------------------------------------- in
def meta_media_ref(audio: dict[str, Any]) -> MediaRef:
    """A Meta ``audio`` object: the media id to fetch (Meta declares no duration: it is measured)."""
    return MediaRef(
        source={"id": get_str(audio, "id")}, mime=get_str(audio, "mime_type"), voice=get_bool(audio, "voice")
    )


def meta_fetch(gateway: MetaGateway, media: MediaRef, *, max_bytes: int) -> FetchedMedia:
    """Graph API: the media's URL first, then its bytes, both with the bearer token."""
    media_id = str(media.source.get("id", ""))
    if not media_id.isalnum():
        raise MediaError("bad_reference", "media id")
    auth = {"Authorization": f"Bearer {gateway.access_token}"}
    url = f"{gateway.api_base}/{gateway.api_version}/{media_id}"
    body, _ = _bounded(gateway.client, "GET", url, headers=auth, max_bytes=64 * 1024, timeout=gateway.timeout)
    info = _json_object(body)
    size = info.get("file_size")
    if isinstance(size, int) and size > max_bytes:
        raise MediaError("too_big", f"{size} bytes declared")
    download = info.get("url")
    if not isinstance(download, str) or not download:
        raise MediaError("download", "no url in the media answer")
    data, content_type = _bounded(
        gateway.client, "GET", download, headers=auth, max_bytes=max_bytes, timeout=gateway.timeout
    )
    return FetchedMedia(data, str(info.get("mime_type") or content_type))


def evolution_fetch(gateway: EvolutionGateway, media: MediaRef, *, max_bytes: int) -> FetchedMedia:
    """The webhook's own base64 when it came with it, else getBase64FromMediaMessage."""
    if media.inline is not None:
        if len(media.inline) > max_bytes:
            raise MediaError("too_big", f"{len(media.inline)} bytes in the webhook")
        return FetchedMedia(media.inline, media.mime)
    message = media.source.get("message")
    if not isinstance(message, dict):
        raise MediaError("bad_reference", "no message")
    from urllib.parse import quote

    url = f"{gateway.base_url}/chat/getBase64FromMediaMessage/{quote(gateway.instance, safe='')}"
    # base64 is 4/3 of the bytes, plus a little JSON around it.
    body, _ = _bounded(
        gateway.client,
        "POST",
        url,
        headers={"apikey": gateway.api_key},
        json={"message": message, "convertToMp4": False},
        max_bytes=max_bytes * 4 // 3 + 4096,
        timeout=gateway.timeout,
    )
    answer = _json_object(body)
    data = _b64(answer.get("base64"))
    if len(data) > max_bytes:
        raise MediaError("too_big", f"{len(data)} bytes")
    return FetchedMedia(data, str(answer.get("mimetype") or media.mime))


def zapi_fetch(gateway: ZapiGateway, media: MediaRef, *, max_bytes: int) -> FetchedMedia:
    """The audio URL of the webhook (no credentials: it is Z-API's storage, not its API)."""
    url = media.source.get("url")
    if not isinstance(url, str) or not url:
        raise MediaError("bad_reference", "no url")
    if not media_url_allowed(url, settings.ZAPI_MEDIA_HOSTS):
        raise MediaError("bad_reference", "media url refused")
    data, content_type = _bounded(gateway.client, "GET", url, max_bytes=max_bytes, timeout=gateway.timeout)
    return FetchedMedia(data, media.mime or content_type)


def media_url_allowed(url: str, hosts: tuple[str, ...] = ()) -> bool:
    """Whether the server may fetch a media URL a webhook named (it never reaches the clinic's network).

    A host the configuration lists (``ZAPI_MEDIA_HOSTS``) is fetched as it is; any other
    must be HTTPS and resolve only to public addresses — never loopback, the private
    networks, link-local (the cloud metadata service) or reserved ones. The webhook is
    authenticated, but a leaked secret must not turn the server into a proxy into the
    clinic's network.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host or parts.scheme not in ("http", "https"):
        return False
    if host in hosts:
        return True
    if parts.scheme != "https":
        return False
    try:
        addresses = {
            info[4][0] for info in socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
        }
    except (OSError, UnicodeError, ValueError):
        return False
    return bool(addresses) and all(ipaddress.ip_address(str(a).split("%")[0]).is_global for a in addresses)


def decode_inline(value: Any) -> bytes | None:
    """The bytes of a webhook's ``base64`` field ("data:…;base64," prefix allowed), None if unusable."""
    try:
        return _b64(value)
    except MediaError:
        return None


def _b64(value: Any) -> bytes:
    if not isinstance(value, str) or not value:
        raise MediaError("download", "no base64")
    if value.startswith("data:"):
        value = value.partition(",")[2]
    try:
        return base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise MediaError("download", "bad base64") from exc


def _json_object(body: bytes) -> dict[str, Any]:
    import json

    try:
        data = json.loads(body)
    except ValueError as exc:
        raise MediaError("download", "answer is not JSON") from exc
    if not isinstance(data, dict):
        raise MediaError("download", "answer is not a JSON object")
    return data


# ---------------------------------------------------------------------------- out
def meta_send_audio(gateway: MetaGateway, to: str, audio: bytes, mime: str, *, ref: str) -> str:
    """Upload the file to Meta, then send it as a voice message (``voice: true``: Ogg/Opus only)."""
    url = f"{gateway.api_base}/{gateway.api_version}/{gateway.phone_number_id}/media"
    try:
        response = (gateway.client or _process_client()).post(
            url,
            headers={"Authorization": f"Bearer {gateway.access_token}"},
            data={"messaging_product": "whatsapp", "type": mime},
            files={"file": ("resposta.ogg", audio, mime)},
            timeout=gateway.timeout,
        )
    except httpx.HTTPError as exc:
        # Nothing was sent to the patient yet: an upload is always safe to retry.
        raise GatewayError(
            f"media upload failed ({type(exc).__name__})", permanent=False, code="network"
        ) from exc
    data = response_json(response)
    if response.status_code >= 400:
        raise http_status_error(response, "Meta refused the media upload", code="media_upload")
    media_id = data.get("id")
    if not isinstance(media_id, str) or not media_id:
        raise GatewayError("media upload answered without an id", permanent=False, code="media_upload")
    audio_part: dict[str, Any] = {"id": media_id, "voice": mime.startswith("audio/ogg")}
    return gateway._send(to, {"type": "audio", "audio": audio_part}, ref)


def as_base64(audio: bytes) -> str:
    return base64.b64encode(audio).decode("ascii")

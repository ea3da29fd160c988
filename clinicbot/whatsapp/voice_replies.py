"""Sending an answer as a voice note (``VOICE_REPLIES=mirror``), for the outbox.

The outbox claims a ``voice`` reply like any other (in flight, committed, then sent) and
calls :func:`voice_reply_send`: the text is synthesised (``clinicbot.llm.speech``) and
handed to the gateway's own audio send (Meta: upload + audio message; Evolution:
``sendWhatsAppAudio``; Z-API: ``send-audio``). A synthesis failure is not the gateway's:
the reply is marked failed with the reason (its text already went out) and the next one
is sent; it does not count against the gateway's health.
"""

from __future__ import annotations

import logging

from clinicbot.conversations.models import ConversationMessage, DeliveryStatus
from clinicbot.core.metrics import VOICE_REPLIES
from clinicbot.llm.speech import SpeechError, speech_synthesize

from .gateways.base import Gateway

logger = logging.getLogger(__name__)

VOICE = "voice"
VOICE_MIME = "audio/ogg"
SYNTH_FAILED = "áudio da resposta não gerado ({reason}); o texto foi enviado"


def is_voice_reply(message: ConversationMessage) -> bool:
    return (message.payload or {}).get("kind") == VOICE


def voice_reply_send(gateway: Gateway, text: str, to: str, *, ref: str) -> str:
    """Synthesise ``text`` and send it as a voice note; raise SpeechError or GatewayError."""
    audio = speech_synthesize(text)
    return gateway.send_audio(to, audio, VOICE_MIME, ref=ref)


def voice_reply_unavailable(message: ConversationMessage, exc: SpeechError) -> None:
    """Mark a voice reply whose audio could not be made as failed (visible to staff), and count it."""
    logger.warning("voice reply %s not synthesised (%s); its text was sent", message.id, exc.reason)
    VOICE_REPLIES.labels(outcome="synth_failed").inc()
    ConversationMessage.objects.filter(id=message.id, delivery_status=DeliveryStatus.SENDING).update(
        delivery_status=DeliveryStatus.FAILED, error=SYNTH_FAILED.format(reason=exc.reason)[:500]
    )

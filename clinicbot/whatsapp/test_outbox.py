"""The outbox's duplicate window: claimed before the send, tagged, confirmed by status webhooks, resends counted.

Replies go over real HTTP to a local server playing Meta's Graph API; status webhooks come
in signed through the real webhook view.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import timezone

from clinicbot.conversations.models import ConversationMessage, ConversationSession, DeliveryStatus, Direction
from clinicbot.core.cache import safe_set
from clinicbot.core.metrics import OUTBOX_DUPLICATES, OUTBOX_UNCERTAIN_RESENDS
from clinicbot.core.models import GatewayCallLog
from clinicbot.testing.fake_gateway import meta_cloud_api, meta_signature, meta_status_webhook
from clinicbot.whatsapp.gateways.meta import MetaGateway
from clinicbot.whatsapp.gateways.registry import gateway_from_settings
from clinicbot.whatsapp.outbox import DUPLICATED, RECOVERED, RESENT, outbox_ref, outbox_send

SECRET = "outbox-app-secret"
PHONE = "5519991230001"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(settings):
    settings.OUTBOX_UNCERTAIN_GRACE_SECONDS = 30
    with meta_cloud_api(secret=SECRET, CELERY_TASK_ALWAYS_EAGER=True) as server:
        yield server


def reply(text: str = "Sua consulta está confirmada.", **fields: object) -> ConversationMessage:
    session, _ = ConversationSession.objects.get_or_create(
        phone=PHONE, defaults={"last_activity": timezone.now()}
    )
    fields.setdefault("delivery_status", DeliveryStatus.PENDING)
    return ConversationMessage.objects.create(
        session=session, direction=Direction.BOT, content=text, timestamp=timezone.now(), **fields
    )


def send(settings, message: ConversationMessage):
    return outbox_send(gateway=gateway_from_settings(settings), session_id=message.session_id)


def status_webhook(message_id: str, ref: str, status: str = "sent") -> int:
    body = json.dumps(
        meta_status_webhook(message_id=message_id, phone=PHONE, status=status, ref=ref)
    ).encode()
    return (
        Client()
        .post(
            "/webhooks/meta/",
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=meta_signature(body, SECRET),
        )
        .status_code
    )


def in_flight_since(
    seconds: float, text: str = "Sua consulta está confirmada.", **fields: object
) -> ConversationMessage:
    """A reply whose sender was killed mid-send ``seconds`` ago."""
    return reply(
        text,
        delivery_status=DeliveryStatus.SENDING,
        send_started_at=timezone.now() - dt.timedelta(seconds=seconds),
        attempts=1,
        **fields,
    )


def test_a_reply_is_marked_in_flight_and_committed_before_the_gateway_is_called(api, settings):
    seen: list[tuple[str, object]] = []

    def look(_request: dict) -> None:  # in the server's thread: another connection, committed data only
        seen.append(ConversationMessage.objects.values_list("delivery_status", "send_started_at").get())
        close_old_connections()
        connection.close()

    api.on_request = look
    message = reply()
    send(settings, message)
    assert seen and seen[0][0] == DeliveryStatus.SENDING and seen[0][1] is not None, seen
    message.refresh_from_db()
    assert (message.delivery_status, message.attempts) == (DeliveryStatus.SENT, 1)


def test_every_send_carries_the_outbox_id_that_meta_echoes_in_its_status_webhooks(api, settings):
    text = reply("Olá!")
    choices = reply("Qual horário?", payload={"choices": [{"id": "1", "title": "09:00"}]})
    template = reply(
        "Lembrete",
        payload={"template": {"name": "lembrete_consulta", "language": "pt_BR", "params": ["Ana"]}},
    )
    send(settings, text)
    refs = [r["json"].get("biz_opaque_callback_data") for r in api.requests]
    assert refs == [outbox_ref(text.id), outbox_ref(choices.id), outbox_ref(template.id)]


def test_a_status_webhook_naming_a_reply_left_in_flight_marks_it_sent_and_it_is_never_resent(api, settings):
    orphan = in_flight_since(600)  # long past the grace period: only the webhook can save it
    assert status_webhook("wamid.FIRST", outbox_ref(orphan.id)) == 200
    orphan.refresh_from_db()
    assert orphan.delivery_status == DeliveryStatus.SENT
    assert orphan.gateway_message_id == "meta:wamid.FIRST"
    assert status_webhook("wamid.FIRST", outbox_ref(orphan.id), status="delivered") == 200
    send(settings, orphan)
    orphan.refresh_from_db()
    assert api.requests == [] and orphan.delivery_status == DeliveryStatus.DELIVERED
    assert (orphan.uncertain_resends, orphan.error) == (0, "")


def test_a_reply_left_in_flight_waits_out_the_grace_period_then_is_resent_once_and_counted(
    api, settings, caplog
):
    orphan = in_flight_since(5)
    after = reply("E o endereço é Rua X, 100.")
    result = send(settings, orphan)
    assert api.requests == [], "resent while its status webhook could still come"
    assert result.retry and 24 <= result.wait <= 25
    before = OUTBOX_UNCERTAIN_RESENDS._value.get()

    ConversationMessage.objects.filter(id=orphan.id).update(
        send_started_at=timezone.now() - dt.timedelta(seconds=31)
    )
    with caplog.at_level(logging.WARNING):
        result = send(settings, orphan)
    assert result.sent == 2 and not result.retry
    assert api.texts_to(PHONE) == [orphan.content, after.content]  # still in order
    orphan.refresh_from_db()
    assert orphan.delivery_status == DeliveryStatus.SENT
    assert (orphan.attempts, orphan.uncertain_resends, orphan.error) == (2, 1, RESENT)
    assert OUTBOX_UNCERTAIN_RESENDS._value.get() == before + 1
    assert any("possible duplicate" in r.getMessage() for r in caplog.records)
    after.refresh_from_db()
    assert (after.uncertain_resends, after.error) == (0, "")


def test_a_second_copy_confirmed_by_the_gateway_is_marked_as_delivered_twice(api, settings):
    orphan = in_flight_since(60)
    send(settings, orphan)  # resent: now recorded under the second copy's id
    orphan.refresh_from_db()
    recorded = orphan.gateway_message_id.split(":", 1)[1]
    before = OUTBOX_DUPLICATES._value.get()
    assert status_webhook(recorded, outbox_ref(orphan.id)) == 200
    orphan.refresh_from_db()
    assert orphan.error == RESENT  # the copy we know about: nothing new

    assert status_webhook("wamid.FIRSTCOPY", outbox_ref(orphan.id)) == 200  # the lost first send arrived too
    assert status_webhook("wamid.FIRSTCOPY", outbox_ref(orphan.id), status="delivered") == 200
    orphan.refresh_from_db()
    assert orphan.error == DUPLICATED
    assert OUTBOX_DUPLICATES._value.get() == before + 1


def test_a_reply_back_to_pending_after_an_error_that_meta_reports_sent_is_not_sent_again(api, settings):
    retried = reply(attempts=1, error="Meta HTTP 500 code None: ")
    assert status_webhook("wamid.ACTED", outbox_ref(retried.id)) == 200
    send(settings, retried)
    retried.refresh_from_db()
    assert api.requests == []
    assert (retried.delivery_status, retried.gateway_message_id) == (DeliveryStatus.SENT, "meta:wamid.ACTED")


def test_a_status_with_a_reference_that_is_not_ours_changes_nothing(api, settings):
    orphan = in_flight_since(5)
    assert status_webhook("wamid.OTHER", "crm:123") == 200
    assert status_webhook("wamid.OTHER", f"outbox:{orphan.id}x") == 200
    orphan.refresh_from_db()
    assert orphan.delivery_status == DeliveryStatus.SENDING


def test_a_gateway_timeout_after_the_request_arrived_keeps_the_reply_in_flight_until_confirmed(api, settings):
    gateway = MetaGateway(
        app_secret=SECRET,
        verify_token="v",
        access_token="token",
        phone_number_id="PNID-1",
        api_base=api.url,
        timeout=0.3,
    )
    message = reply()
    api.hold()
    result = outbox_send(gateway=gateway, session_id=message.session_id)
    api.release()
    assert api.wait_for(1)  # the gateway did get it
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENDING, "a timed-out send may have gone out"
    assert result.retry and result.wait == 30

    assert status_webhook("wamid.LATE", outbox_ref(message.id)) == 200
    assert outbox_send(gateway=gateway, session_id=message.session_id).sent == 0
    message.refresh_from_db()
    assert (message.delivery_status, message.gateway_message_id) == (DeliveryStatus.SENT, "meta:wamid.LATE")
    assert (message.uncertain_resends, message.error) == (0, "")
    assert len(api.requests) == 1


def test_a_send_left_in_the_cache_by_a_sender_that_lost_the_database_is_not_sent_again(api, settings):
    orphan = in_flight_since(60)
    safe_set(f"outbox:sent:{orphan.id}", "meta:wamid.KEPT", 60)
    send(settings, orphan)
    orphan.refresh_from_db()
    assert api.requests == []
    assert (orphan.delivery_status, orphan.gateway_message_id) == (DeliveryStatus.SENT, "meta:wamid.KEPT")
    assert orphan.error == RECOVERED


def test_a_database_connection_lost_before_the_send_is_recorded_is_retried_not_resent(api, settings):
    """PostgreSQL terminates the sender's connection while the gateway is answering."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a server-side kill of the sender's connection")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        sender_pid = cursor.fetchone()[0]

    def kill_sender(_request: dict) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [sender_pid])
        connection.close()

    api.on_request = kill_sender
    message = reply()
    result = send(settings, message)
    api.on_request = None
    message.refresh_from_db()
    assert (message.delivery_status, message.attempts) == (DeliveryStatus.SENT, 1)
    assert result.retry  # it lost its lock with the connection: a new round re-takes it
    assert send(settings, message).sent == 0
    assert len(api.requests) == 1


def test_every_send_failing_for_30_seconds_logs_one_warning_and_the_recovery(settings, caplog):
    settings.GATEWAY_OUTAGE_WARNING_SECONDS = 30
    with meta_cloud_api(secret=SECRET, status=500, CELERY_TASK_ALWAYS_EAGER=True) as api:
        first = GatewayCallLog.objects.create(gateway="meta", operation="send", status_code=500)
        GatewayCallLog.objects.filter(id=first.id).update(
            created_at=timezone.now() - dt.timedelta(seconds=20)
        )
        message = reply()
        with caplog.at_level(logging.WARNING, logger="clinicbot.gateway"):
            send(settings, message)  # failing for 20 s: not yet
            assert not [r for r in caplog.records if r.name == "clinicbot.gateway"]
            GatewayCallLog.objects.filter(id=first.id).update(
                created_at=timezone.now() - dt.timedelta(seconds=31)
            )
            send(settings, message)
            send(settings, message)
            api.status = 200
            send(settings, message)
    warnings = [r.getMessage() for r in caplog.records if r.name == "clinicbot.gateway"]
    assert len(warnings) == 2, warnings
    assert "every send has failed for 3" in warnings[0] and "answers again" in warnings[1]
    assert all(r.levelno == logging.WARNING for r in caplog.records if r.name == "clinicbot.gateway")


def test_staff_find_every_reply_that_may_have_arrived_twice_in_admin(api, settings, admin_client):
    orphan = in_flight_since(60, "Consulta marcada para 12/05 às 09:00.")
    reply("Outra resposta, enviada uma vez só.")
    send(settings, orphan)
    page = admin_client.get("/admin/conversations/conversationmessage/", {"reenvio": "sim"}).content.decode()
    assert "Consulta marcada para 12/05" in page and "pode ter chegado duas vezes" in page
    assert "enviada uma vez só" not in page

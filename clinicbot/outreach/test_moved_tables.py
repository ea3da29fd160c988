"""Three tables changed homes (issue 17): an upgrade keeps every row and every permission.

``OutboundNotification`` (now ``outreach``), ``GatewayCallLog`` (now ``core``) and
``HandoffEvent`` (now ``conversations``) keep their ``ops_*`` tables; only Django's state and
the content types move. Run on both databases (CI's second pass is PostgreSQL).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from clinicbot.conversations.models import HandoffEvent
from clinicbot.core.models import GatewayCallLog
from clinicbot.outreach.models import OutboundNotification

BEFORE = [
    ("ops", "0006_daily_metrics_names"),
    ("core", None),
    ("outreach", None),
    ("conversations", "0007_voice_note"),
]
WHEN = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_an_upgrade_keeps_the_rows_and_the_permissions_of_the_moved_tables():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state([node for node in BEFORE if node[1]]).apps
    old.get_model("ops", "OutboundNotification").objects.create(
        type="reminder", phone="5511999990001", text="Lembrete", scheduled_for=WHEN
    )
    old.get_model("ops", "GatewayCallLog").objects.create(gateway="meta", operation="send", ok=True)
    old.get_model("ops", "HandoffEvent").objects.create(at=WHEN, source="assistant")
    # A group allowed to see the notifications under their old app label.
    old_type, _ = ContentType.objects.get_or_create(app_label="ops", model="outboundnotification")
    permission, _ = Permission.objects.get_or_create(
        content_type=old_type, codename="view_outboundnotification", defaults={"name": "Can view"}
    )
    group = Group.objects.create(name="Recepção antiga")
    group.permissions.add(permission)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert OutboundNotification.objects.get().text == "Lembrete"
    assert GatewayCallLog.objects.get().gateway == "meta"
    assert HandoffEvent.objects.get().source == "assistant"
    assert group.permissions.filter(
        content_type__app_label="outreach", codename="view_outboundnotification"
    ).exists()
    assert not ContentType.objects.filter(app_label="ops", model="outboundnotification").exists()


def test_the_moved_models_keep_their_tables():
    assert OutboundNotification._meta.db_table == "ops_outboundnotification"
    assert GatewayCallLog._meta.db_table == "ops_gatewaycalllog"
    assert HandoffEvent._meta.db_table == "ops_handoffevent"

"""An erase leaves nothing behind: admin history, cached LLM context; a restored backup forgets again."""

from __future__ import annotations

import datetime as dt
import io
import json
import stat
import zoneinfo

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from clinicbot.conversations.models import ConversationSession
from clinicbot.core.cache import safe_get, safe_set
from clinicbot.ops.backups import backup_create
from clinicbot.privacy.erasure_log import erasure_log_read
from clinicbot.privacy.erasure_replay import erasure_log_reapply
from clinicbot.privacy.models import PrivacyAction, PrivacyAuditEntry
from clinicbot.privacy.services import patient_data_erase
from clinicbot.privacy.sources import ANONYMISED
from clinicbot.privacy.subject import hash_key_id, phone_hash
from clinicbot.scheduling.models import Appointment
from clinicbot.testing import Patient, load_clinic

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=TZ)
PHONE, OTHER = "5519990007001", "5519990007002"


def book(phone: str, hour: int) -> Appointment:
    p = Patient(phone, NOW)
    p.says(f"sou Marta Reis, quero clinico geral amanha as {hour}h, unimed")
    p.says("sim")
    return Appointment.objects.get(phone=phone)


def admin_entry(obj: object, *, flag: int = CHANGE, text: str = "[]") -> LogEntry:
    user = get_user_model().objects.get_or_create(username="recepcao", defaults={"is_staff": True})[0]
    return LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action_flag=flag,
        change_message=text,
    )


@pytest.fixture
def erasure_log(settings, tmp_path):
    settings.ERASURE_LOG = tmp_path / "backups" / "erasures.jsonl"
    return settings.ERASURE_LOG


@pytest.mark.django_db
def test_erase_anonymises_the_admin_history_that_names_the_patient(erasure_log):
    load_clinic()
    appt = book(PHONE, 10)
    other_appt = book(OTHER, 11)
    session = ConversationSession.objects.get(phone=PHONE)
    about_session = admin_entry(session)  # "5519990007001 Marta Reis"
    about_booking = admin_entry(appt, text='[{"changed": {"fields": ["Status"]}}]')
    # An object deleted long ago: only its text still names the phone.
    deleted = admin_entry(session, flag=DELETION)
    LogEntry.objects.filter(pk=deleted.pk).update(object_id="999999")
    untouched = admin_entry(other_appt)

    result = patient_data_erase(phone=PHONE, actor="cli", now=NOW)

    assert result.counts["admin_log"] == 3
    for entry in (about_session, about_booking, deleted):
        entry.refresh_from_db()
        assert (entry.object_repr, entry.change_message) == (ANONYMISED, "")
        assert entry.user.username == "recepcao" and entry.action_time  # who and when stay
    untouched.refresh_from_db()
    assert "Marta Reis" in untouched.object_repr
    assert not LogEntry.objects.filter(object_repr__contains="7001").exists()


@pytest.mark.django_db
def test_erase_forgets_the_cached_llm_context_of_the_conversation(
    erasure_log, django_capture_on_commit_callbacks
):
    load_clinic()
    Patient(PHONE, NOW).says("oi, sou a Marta")
    session_id = ConversationSession.objects.get(phone=PHONE).id
    safe_set(f"llm:history:{session_id}", [("paciente", "oi, sou a Marta")], 600)

    with django_capture_on_commit_callbacks(execute=True):
        patient_data_erase(phone=PHONE, actor="cli", now=NOW)

    assert safe_get(f"llm:history:{session_id}") is None


@pytest.mark.django_db
def test_every_erase_is_appended_to_a_private_log_outside_the_database(erasure_log):
    load_clinic()
    Patient(PHONE, NOW).says("oi")
    result = patient_data_erase(phone=PHONE, actor="cli", now=NOW)

    (line,) = erasure_log_read(erasure_log)
    entry = PrivacyAuditEntry.objects.get(id=result.audit_id)
    assert line == {
        "at": entry.created_at.isoformat(),
        "audit_id": entry.id,
        "phone_hash": phone_hash(PHONE),
        "hash_key_id": hash_key_id(),
    }
    assert PHONE not in erasure_log.read_text() and "7001" not in erasure_log.read_text()
    assert stat.S_IMODE(erasure_log.stat().st_mode) == 0o600


@pytest.mark.django_db
def test_reapply_erases_what_a_backup_from_before_the_erase_brought_back(erasure_log):
    load_clinic()
    Patient(PHONE, NOW).says("oi")
    Patient(OTHER, NOW).says("oi")
    erasure_log.parent.mkdir(parents=True)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)  # an erase made after this "backup"
    erasure_log.write_text(
        json.dumps(
            {
                "at": later.isoformat(),
                "audit_id": 7,
                "phone_hash": phone_hash(PHONE),
                "hash_key_id": hash_key_id(),
            }
        )
        + "\n"
        + json.dumps(
            {"at": later.isoformat(), "audit_id": 8, "phone_hash": "f" * 64, "hash_key_id": "another-key"}
        )
        + "\n"
    )

    result = erasure_log_reapply(path=erasure_log, now=NOW)

    assert (result.erased, result.already_in_backup, result.other_key) == (1, 0, 1)
    assert list(ConversationSession.objects.values_list("phone", flat=True)) == [OTHER]
    assert PrivacyAuditEntry.objects.get(action=PrivacyAction.ERASE).actor == "restore"
    # Done once: a second run finds the re-applied erasure in the audit trail.
    assert erasure_log_reapply(path=erasure_log, now=NOW).erased == 0


@pytest.mark.django_db
def test_reapply_keeps_data_the_patient_sent_after_an_erase_the_backup_already_holds(erasure_log):
    load_clinic()
    Patient(PHONE, NOW).says("oi")
    patient_data_erase(phone=PHONE, actor="cli", now=NOW)  # in the backup's audit trail too
    Patient(PHONE, NOW).says("voltei, quero marcar")  # the patient writes again, later

    assert erasure_log_reapply(path=erasure_log, now=NOW).already_in_backup == 1
    assert ConversationSession.objects.filter(phone=PHONE).exists()


@pytest.mark.django_db(transaction=True)
def test_restore_re_applies_the_erasures_made_after_the_backup(erasure_log, tmp_path):
    load_clinic()
    Patient(PHONE, NOW).says("oi, sou a Marta")
    Patient(OTHER, NOW).says("oi, sou a Joana")
    backup = backup_create(directory=tmp_path / "backups", keep=3, now=NOW)
    patient_data_erase(phone=PHONE, actor="cli", now=NOW)
    assert not ConversationSession.objects.filter(phone=PHONE).exists()

    out, err = io.StringIO(), io.StringIO()
    call_command("restore", str(backup), "--force", stdout=out, stderr=err)

    connection.ensure_connection()
    assert "exclusões LGPD reaplicadas: 1" in out.getvalue(), err.getvalue()
    assert list(ConversationSession.objects.values_list("phone", flat=True)) == [OTHER]
    assert PrivacyAuditEntry.objects.filter(action=PrivacyAction.ERASE, actor="restore").count() == 1

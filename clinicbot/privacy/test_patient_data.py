"""LGPD requests: export everything about a phone, erase it, and prove nothing is left."""

from __future__ import annotations

import datetime as dt
import io
import json
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from clinicbot.conversations.models import ConversationMessage, ConversationSession
from clinicbot.core.cache import safe_get
from clinicbot.integrations.models import SyncEvent
from clinicbot.llm.models import ConversationTokenUsage
from clinicbot.outreach.models import NotificationType, OutboundNotification
from clinicbot.privacy.models import PrivacyAction, PrivacyAuditEntry
from clinicbot.privacy.services import patient_data_erase
from clinicbot.privacy.sources import ANONYMISED
from clinicbot.privacy.subject import phone_hash, phone_variants
from clinicbot.scheduling.models import Appointment, AppointmentStatus, WaitlistEntry
from clinicbot.testing import Patient, load_clinic
from clinicbot.testing.factories import AppointmentFactory, DoctorFactory

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=TZ)
PHONE = "5519990007001"
pytestmark = pytest.mark.django_db


def export(phone: str) -> dict:
    out = io.StringIO()
    call_command("patient_data", "export", phone, stdout=out)
    return json.loads(out.getvalue())


def conversation_with_booking(phone: str = PHONE, hour: int = 10) -> Appointment:
    """A real conversation through the pipeline that books a consultation for tomorrow."""
    load_clinic()
    p = Patient(phone, NOW)
    p.says(f"sou Marta Reis, quero clinico geral amanha as {hour}h, unimed")
    p.says("sim")
    appt = Appointment.objects.get(phone=phone)
    OutboundNotification.objects.create(
        type=NotificationType.REMINDER, phone=phone, text="Olá, Marta!", appointment=appt, scheduled_for=NOW
    )
    return appt


def test_export_then_erase_then_export_is_empty():
    past = conversation_with_booking()
    future = AppointmentFactory(
        phone=PHONE, patient_name="Marta Reis", doctor=DoctorFactory(name="Dr. Futuro")
    )
    session = ConversationSession.objects.get(phone=PHONE)
    WaitlistEntry.objects.create(
        phone=PHONE,
        session=session,
        patient_name="Marta Reis",
        specialty=past.specialty,
        insurance=past.insurance,
        date_from=NOW.date(),
        date_to=NOW.date(),
    )
    ConversationTokenUsage.objects.create(session_id=session.id, prompt_tokens=10)
    SyncEvent.objects.create(
        event="booking.created", appointment=past, body={"appointment": {"phone": PHONE}}
    )

    first = export("+55 (19) 99000-7001")  # any spelling of the phone works
    assert first["phone"] == PHONE
    sources = first["sources"]
    assert len(sources["sessions"]) == 1 and sources["sessions"][0]["fields"]["patient_name"] == "Marta Reis"
    assert len(sources["messages"]) == 4  # two from the patient, two replies
    assert {a["pk"] for a in sources["appointments"]} == {past.pk, future.pk}
    assert len(sources["notifications"]) == 1
    assert len(sources["waitlist"]) == 1 and len(sources["llm_token_usage"]) == 1
    assert len(sources["clinic_system_events"]) >= 1

    out = io.StringIO()
    call_command("patient_data", "erase", PHONE, stdout=out)
    assert "dados apagados" in out.getvalue()

    after = export(PHONE)
    assert all(rows == [] for rows in after["sources"].values()), after["sources"]
    assert not ConversationSession.objects.exists() and not ConversationMessage.objects.exists()
    past.refresh_from_db()
    future.refresh_from_db()
    # The facts the clinic keeps: who saw whom when, with no way back to the patient.
    assert (past.patient_name, past.phone, past.session_id) == (ANONYMISED, ANONYMISED, None)
    assert past.doctor_id and past.start and past.status == AppointmentStatus.BOOKED
    assert future.status == AppointmentStatus.CANCELLED and future.phone == ANONYMISED
    assert not WaitlistEntry.objects.exists() and not ConversationTokenUsage.objects.exists()
    assert all(PHONE not in json.dumps(e.body) for e in SyncEvent.objects.all())

    actions = list(PrivacyAuditEntry.objects.order_by("id").values_list("action", "actor", "phone_hash"))
    assert actions == [
        (PrivacyAction.EXPORT, "cli", phone_hash(PHONE)),
        (PrivacyAction.ERASE, "cli", phone_hash(PHONE)),
        (PrivacyAction.EXPORT, "cli", phone_hash(PHONE)),
    ]
    for entry in PrivacyAuditEntry.objects.all():
        assert "7001" not in f"{entry.phone_hash}{entry.counts}{entry.note}"


def test_erase_cancels_future_bookings_and_tells_staff_not_the_patient(
    settings, django_capture_on_commit_callbacks
):
    settings.ADMINS = ["recepcao@clinica.test"]
    appt = conversation_with_booking()  # tomorrow, seen from NOW: still upcoming
    with django_capture_on_commit_callbacks(execute=True):
        result = patient_data_erase(phone=PHONE, actor="cli", now=NOW)
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.CANCELLED
    assert result.counts["future_appointments_cancelled"] == 1
    assert appt.confirmation_code in result.cancelled[0]
    entry = PrivacyAuditEntry.objects.get(action=PrivacyAction.ERASE)
    assert appt.confirmation_code in entry.note and "Marta" not in entry.note
    (email,) = mail.outbox
    assert appt.confirmation_code in email.body and PHONE not in email.body and "Marta" not in email.body
    # The patient is not messaged about it: nothing is queued for the phone.
    assert not OutboundNotification.objects.exists()


def test_erase_forgets_the_cached_conversation(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversation_with_booking()
    assert safe_get(f"session:v1:{PHONE}") is not None
    with django_capture_on_commit_callbacks(execute=True):
        patient_data_erase(phone=PHONE, actor="cli", now=NOW)
    assert safe_get(f"session:v1:{PHONE}") is None
    # The phone writing again starts from nothing: no name, a brand-new conversation.
    Patient(PHONE, NOW).says("oi")
    assert ConversationSession.objects.get(phone=PHONE).patient_name == ""


def test_erase_reaches_the_whatsapp_id_without_the_ninth_digit():
    load_clinic()
    Patient("551990007001", NOW).says("oi")  # an old-style wa_id of the same mobile
    assert phone_variants(PHONE) >= {"551990007001", "+5519990007001"}
    assert patient_data_erase(phone=PHONE, actor="cli", now=NOW).counts["sessions"] == 1


def test_another_patients_data_is_untouched():
    conversation_with_booking()
    conversation_with_booking("5519990007002", hour=11)
    patient_data_erase(phone=PHONE, actor="cli", now=NOW)
    assert Appointment.objects.get(phone="5519990007002").patient_name == "Marta Reis"
    assert ConversationSession.objects.filter(phone="5519990007002").count() == 1


def test_a_bad_phone_is_a_clear_command_error():
    with pytest.raises(CommandError, match="telefone inválido"):
        call_command("patient_data", "export", "abc")


@pytest.fixture
def receptionist() -> tuple[Client, object]:
    user = get_user_model().objects.create_user("recepcao", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["export_patient_data", "erase_patient_data"])
    )
    client = Client()
    client.force_login(user)
    return client, user


def test_staff_export_downloads_json_and_is_audited_with_their_user(receptionist):
    client, user = receptionist
    conversation_with_booking()
    response = client.post(
        "/admin/privacy/privacyauditentry/dados-do-paciente/", {"phone": PHONE, "action": "export"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert PHONE not in response["Content-Disposition"]
    assert len(json.loads(response.content)["sources"]["messages"]) == 4
    entry = PrivacyAuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.user) == (PrivacyAction.EXPORT, "recepcao", user)


def test_staff_erase_needs_a_confirmation_step(receptionist):
    client, user = receptionist
    conversation_with_booking()
    url = "/admin/privacy/privacyauditentry/dados-do-paciente/"
    preview = client.post(url, {"phone": "(19) 99000-7001", "action": "erase"})
    assert preview.status_code == 200 and "Sim, apagar" in preview.content.decode()
    assert ConversationSession.objects.exists()  # nothing erased yet
    done = client.post(url, {"phone": PHONE, "action": "erase", "confirm": "yes"})
    assert done.status_code == 302
    assert not ConversationSession.objects.exists()
    assert PrivacyAuditEntry.objects.get().user == user


def test_staff_without_the_permission_cannot_open_the_page():
    client = Client()
    client.force_login(get_user_model().objects.create_user("outro", password="pw", is_staff=True))
    assert client.get("/admin/privacy/privacyauditentry/dados-do-paciente/").status_code == 403


def test_a_kept_voice_note_is_exported_with_its_audio_and_erased_with_the_messages(settings):
    from clinicbot.conversations.models import VoiceNote, VoiceStatus

    conversation_with_booking()
    message = ConversationMessage.objects.filter(session__phone=PHONE, direction="user").first()
    VoiceNote.objects.create(
        message=message, gateway="meta", status=VoiceStatus.TRANSCRIBED, seconds=2.5, audio=b"OggS-kept"
    )
    (row,) = export(PHONE)["sources"]["voice_notes"]
    assert row["fields"]["status"] == "transcribed" and row["fields"]["seconds"] == 2.5
    assert row["fields"]["audio_base64"] == "T2dnUy1rZXB0"
    call_command("patient_data", "erase", PHONE, stdout=io.StringIO())
    assert not VoiceNote.objects.exists()
    assert export(PHONE)["sources"]["voice_notes"] == []

"""A week of the clinic with a frozen clock, Monday to Friday.

Patients write through the real pipeline; every 30 minutes of the week the real periodic
jobs run at that frozen time (reminders due 24 h ahead, waiting-list offers expired) and
their messages go over real HTTP to a local server playing Meta's Graph API. Several
patients book; reminders are answered (confirm, cancel, reschedule); a cancellation is
refilled from the waiting list after the first waiting patient stays silent; a hard case
goes to staff, the bot stays silent, staff answer and hand it back, the bot answers again.
The final agenda is asserted exactly.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from clinicbot.clinics.models import Doctor, Insurance, Specialty
from clinicbot.conversations.models import ConversationSession
from clinicbot.conversations.pipeline import InboundText, handle_inbound
from clinicbot.conversations.services import session_hand_back
from clinicbot.core.clock import FrozenClock
from clinicbot.engine.nlu.normalize import fold
from clinicbot.outreach.models import NotificationType, OutboundNotification
from clinicbot.outreach.reminders import notifications_send_due
from clinicbot.outreach.waitlist import waitlist_expire_offers
from clinicbot.scheduling.models import Appointment, WaitlistEntry, WaitlistStatus
from clinicbot.staff.services import staff_reply
from clinicbot.testing import load_clinic
from clinicbot.testing.fake_gateway import FakeGatewayServer, meta_cloud_api
from clinicbot.whatsapp.gateways.registry import gateway_from_settings
from clinicbot.whatsapp.outbox import outbox_send

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
MON, TUE, WED, THU, FRI = (dt.date(2026, 5, d) for d in range(11, 16))
TICK = dt.timedelta(minutes=30)

ANA, BRUNO, CARLA, DIEGO, EVA, GABI, HEITOR = (f"55199977000{i}" for i in range(1, 8))

pytestmark = pytest.mark.django_db(transaction=True)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=TZ)


class Week:
    """The frozen clock of the week: patients write at given times; the jobs run every tick."""

    def __init__(self, api: FakeGatewayServer) -> None:
        self.api = api
        self.tick = at(MON, "08:00")

    def jobs_until(self, until: dt.datetime) -> None:
        """Run the periodic jobs at every tick up to ``until``, as Celery beat would."""
        gateway = gateway_from_settings(settings)
        while self.tick <= until:
            for session_id in notifications_send_due(now=self.tick):
                outbox_send(gateway=gateway, session_id=session_id)
            for session_id in waitlist_expire_offers(now=self.tick):
                outbox_send(gateway=gateway, session_id=session_id)
            self.tick += TICK

    def says(self, phone: str, when: dt.datetime, text: str) -> str:
        self.jobs_until(when)
        outcome = handle_inbound(InboundText(phone=phone, text=text), clock=FrozenClock(when))
        return "\n".join(r.text for r in outcome.replies)

    def sent_to(self, phone: str) -> list[dict]:
        return [r["json"] for r in self.api.requests if r["json"].get("to") == phone]


def prefill_wednesday() -> None:
    """Dr. Henrique's Wednesday is booked from before the week, except 09:00 and 10:00."""
    doctor = Doctor.objects.get(name="Dr. Henrique Bastos")
    specialty, insurance = Specialty.objects.get(name="Cardiologia"), Insurance.objects.get(name="Unimed")
    starts = [at(WED, f"{h:02d}:{m:02d}") for h in (8, 9, 10, 11, 14, 15, 16, 17) for m in (0, 30)]
    Appointment.objects.bulk_create(
        Appointment(
            patient_name="Paciente Antigo",
            phone=f"55199988{i:05d}",
            doctor=doctor,
            specialty=specialty,
            insurance=insurance,
            start=start,
            end=start + dt.timedelta(minutes=30),
            confirmation_code=f"OLD{i:03d}",
        )
        for i, start in enumerate(starts, 1)
        if start not in (at(WED, "09:00"), at(WED, "10:00"))
    )


@pytest.fixture
def week(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the offer after a cancellation runs in-process
    with (
        meta_cloud_api(
            secret="s",
            REMINDER_LEAD_HOURS=[24],
            WAITLIST_HOLD_MINUTES=30,
        ) as api,
    ):
        load_clinic()
        prefill_wednesday()
        yield Week(api)


def booked(w: Week, phone: str, when: dt.datetime, request: str) -> None:
    assert "Posso confirmar" in w.says(phone, when, request)
    assert "Consulta marcada" in w.says(phone, when + dt.timedelta(minutes=1), "sim")


def test_a_week_at_the_clinic(week: Week):
    w = week
    # ---------------------------------------------------------------- Monday: bookings
    booked(
        w,
        ANA,
        at(MON, "09:00"),
        "sou Ana Paula Prado, quero cardio com o dr henrique quarta 13/05 as 9h pela unimed",
    )
    booked(
        w,
        BRUNO,
        at(MON, "09:05"),
        "sou Bruno Costa Lima, quero dermato com a dra leticia furtado dia 12/05 as 10h pela unimed",
    )
    booked(
        w, CARLA, at(MON, "09:10"), "sou Carla Mendes Rocha, quero ortopedista dia 13/05 as 14h pela unimed"
    )
    booked(
        w,
        DIEGO,
        at(MON, "09:15"),
        "sou Diego Alves Neto, quero cardio com o dr henrique dia 13/05 as 10h pela unimed",
    )

    # Bruno's reminder goes out at 10:00 (24 h before); he confirms.
    w.jobs_until(at(MON, "10:00"))
    assert "Lembrete" in w.sent_to(BRUNO)[-1]["text"]["body"]
    assert "confirmada" in fold(w.says(BRUNO, at(MON, "10:05"), "1"))

    # Henrique's Wednesday is full now: Eva, then Gabi, join the waiting list.
    reply = w.says(
        EVA,
        at(MON, "11:00"),
        "sou Eva Souza Lima, quero cardio com o dr henrique dia 13/05 as 9h pela unimed",
    )
    assert "lista de espera" in fold(reply)
    assert "lista de espera" in fold(w.says(EVA, at(MON, "11:01"), "4"))
    w.says(
        GABI,
        at(MON, "11:30"),
        "sou Gabriela Ramos, quero cardio com o dr henrique dia 13/05 de manha pela unimed",
    )
    assert "lista de espera" in fold(w.says(GABI, at(MON, "11:31"), "quero entrar na lista de espera"))

    # A hard case: Carla asks for a person; the bot steps aside and stays silent.
    assert "equipe" in w.says(CARLA, at(MON, "15:00"), "quero falar com um atendente")
    assert w.says(CARLA, at(MON, "15:02"), "é sobre o laudo do meu exame de joelho") == ""
    carla_session = ConversationSession.objects.get(phone=CARLA)
    # Staff answer from the staff desk: stored, then sent through the same outbox as the bot.
    julia = get_user_model().objects.create_user("julia", password="x", is_staff=True, first_name="Júlia")
    staff_reply(
        session_id=carla_session.id,
        author=julia,
        text="Oi Carla, aqui é a Júlia da recepção. Seu laudo fica pronto na quarta, traga na consulta.",
        now=at(MON, "15:10"),
    )
    assert "Júlia" in w.sent_to(CARLA)[-1]["text"]["body"]

    # ---------------------------------------------------------------- Tuesday
    session_hand_back(session_id=carla_session.id, now=at(TUE, "08:30"))
    assert "Olá" in w.says(CARLA, at(TUE, "08:35"), "oi, bom dia")  # the bot answers again

    # Ana's reminder at 09:00; she cancels: the freed 09:00 goes to Eva, first on the list.
    assert "cancelada" in fold(w.says(ANA, at(TUE, "09:20"), "2"))
    eva = WaitlistEntry.objects.get(phone=EVA)
    assert (eva.status, eva.offered_start) == (WaitlistStatus.OFFERED, at(WED, "09:00"))
    assert "Vagou um horário" in w.sent_to(EVA)[-1]["interactive"]["body"]["text"]
    # Meanwhile nobody else is shown the held 09:00.
    reply = w.says(HEITOR, at(TUE, "09:30"), "quero cardio com o dr henrique dia 13/05 as 9h pela unimed")
    assert "Dr. Henrique Bastos|2026-05-13|09:00" not in ConversationSession.objects.get(
        phone=HEITOR
    ).context.get("offered", [])
    w.says(HEITOR, at(TUE, "09:31"), "deixa pra la, obrigado")

    # Eva stays silent: at 10:00 her hold has run out and Gabi is offered the slot.
    w.jobs_until(at(TUE, "10:00"))
    assert WaitlistEntry.objects.get(phone=EVA).status == WaitlistStatus.EXPIRED
    assert WaitlistEntry.objects.get(phone=GABI).status == WaitlistStatus.OFFERED
    assert "Consulta marcada" in w.says(GABI, at(TUE, "10:10"), "1")
    assert WaitlistEntry.objects.get(phone=GABI).status == WaitlistStatus.BOOKED

    # Diego's reminder went out at 10:00; he moves his consultation to Friday.
    assert "remarcar" in fold(w.says(DIEGO, at(TUE, "10:30"), "3"))
    assert "Posso confirmar" in w.says(DIEGO, at(TUE, "10:31"), "sexta dia 15/05 as 9h")
    assert "remarcada" in fold(w.says(DIEGO, at(TUE, "10:32"), "sim"))

    # Carla's reminder at 14:00; she confirms.
    assert "confirmada" in fold(w.says(CARLA, at(TUE, "14:10"), "confirmo"))

    # ---------------------------------------------------------------- Wednesday: Heitor books Thursday
    booked(
        w,
        HEITOR,
        at(WED, "12:00"),
        "sou Heitor Dias, quero dermato com a dra leticia furtado dia 14/05 as 11h20 pela unimed",
    )

    # ---------------------------------------------------------------- Thursday / Friday
    assert "confirmada" in fold(w.says(DIEGO, at(THU, "09:15"), "1"))  # his Friday reminder
    w.jobs_until(at(FRI, "18:00"))

    # ---------------------------------------------------------------- the week's agenda
    agenda = [
        (a.patient_name, a.doctor.name, a.start.astimezone(TZ).strftime("%a %d/%m %H:%M"), a.status)
        for a in Appointment.objects.exclude(confirmation_code__startswith="OLD")
        .select_related("doctor")
        .order_by("start", "id")
    ]
    assert agenda == [
        ("Bruno Costa Lima", "Dra. Letícia Furtado", "Tue 12/05 10:00", "confirmed"),
        ("Ana Paula Prado", "Dr. Henrique Bastos", "Wed 13/05 09:00", "cancelled"),
        ("Gabriela Ramos", "Dr. Henrique Bastos", "Wed 13/05 09:00", "booked"),
        ("Diego Alves Neto", "Dr. Henrique Bastos", "Wed 13/05 10:00", "cancelled"),
        ("Carla Mendes Rocha", "Dr. Fábio Guimarães", "Wed 13/05 14:00", "confirmed"),
        ("Heitor Dias", "Dra. Letícia Furtado", "Thu 14/05 11:20", "booked"),
        ("Diego Alves Neto", "Dr. Henrique Bastos", "Fri 15/05 09:00", "confirmed"),
    ]
    assert Appointment.objects.filter(confirmation_code__startswith="OLD", status="booked").count() == 14
    # Wednesday 10:00, freed by Diego's move, had nobody left waiting.
    assert not Appointment.objects.active().filter(start=at(WED, "10:00")).exists()
    reminders = OutboundNotification.objects.filter(type=NotificationType.REMINDER)
    offers = OutboundNotification.objects.filter(type=NotificationType.WAITLIST_OFFER)
    # One reminder per appointment of the week (the 14 booked before it too), one offer per waiter.
    assert reminders.exclude(appointment__confirmation_code__startswith="OLD").count() == 7
    assert reminders.count() == 7 + 14
    assert sorted(offers.values_list("phone", flat=True)) == [EVA, GABI]
    # Every reminder and offer went out over HTTP, exactly once.
    bodies = [r["json"].get("text", {}).get("body", "") for r in w.api.requests] + [
        r["json"].get("interactive", {}).get("body", {}).get("text", "") for r in w.api.requests
    ]
    templates = [r["json"]["template"]["name"] for r in w.api.requests if r["json"].get("type") == "template"]
    # Within 24 h of the patient's last message a reminder is text, else Meta's approved template
    # (Ana and Diego had been quiet for over a day; the 14 older bookings never wrote).
    assert sum("Lembrete" in b for b in bodies) == 5
    assert templates == [settings.REMINDER_TEMPLATE_NAME] * 16
    assert sum("Vagou um horário" in b for b in bodies) == 2

"""Appointments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from clinicbot.clinics.models import Doctor, Insurance, Specialty


class AppointmentStatus(models.TextChoices):
    """One meaning everywhere (chat, admin, staff agenda, API, clinic-system push, calendar feed).

    * ``booked`` — the slot is the patient's: booked in the chat after the patient said
      "sim" (and was told "Consulta marcada!"), by staff in admin or by the API;
    * ``confirmed`` — the patient confirmed they will come, answering a reminder ("1") or
      telling the front desk (admin action "Confirmar presença"); a step after booking;
    * ``cancelled``, ``completed``, ``no_show`` — what became of it.
    """

    BOOKED = "booked", "agendada"
    CONFIRMED = "confirmed", "presença confirmada"
    CANCELLED = "cancelled", "cancelada"
    COMPLETED = "completed", "realizada"
    NO_SHOW = "no_show", "não compareceu"


# Statuses that hold a slot: two of these can never share a doctor and start.
ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def active(self) -> AppointmentQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)


class Appointment(models.Model):
    """A consultation booked for a patient in one doctor's slot."""

    patient_name = models.CharField("paciente", max_length=150)
    phone = models.CharField("telefone", max_length=32, db_index=True)
    session = models.ForeignKey(
        "conversations.ConversationSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name="conversa",
    )
    doctor = models.ForeignKey(
        Doctor, on_delete=models.PROTECT, related_name="appointments", verbose_name="médico"
    )
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, verbose_name="especialidade")
    insurance = models.ForeignKey(Insurance, on_delete=models.PROTECT, verbose_name="convênio")
    start = models.DateTimeField("início")
    end = models.DateTimeField("fim")
    status = models.CharField(
        "situação", max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    confirmation_code = models.CharField("código", max_length=12, unique=True)
    handoff_link = models.URLField("link de atendimento", max_length=1000, blank=True)
    rescheduled_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="remarcada de",
    )
    created_at = models.DateTimeField("criada em", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = "consulta"
        ordering = ["start"]
        constraints = [
            # The agenda's invariant, enforced by the database itself (partial unique index
            # on SQLite and PostgreSQL): one active appointment per doctor and start.
            models.UniqueConstraint(
                fields=["doctor", "start"],
                condition=models.Q(status__in=["booked", "confirmed"]),
                name="one_active_appointment_per_doctor_start",
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appointment_end_after_start"
            ),
        ]
        indexes = [models.Index(fields=["doctor", "start"], name="appt_doctor_start")]

    def __str__(self) -> str:
        return f"{self.confirmation_code} {self.patient_name} {self.start:%d/%m %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "aguardando vaga"
    OFFERED = "offered", "vaga oferecida"
    BOOKED = "booked", "agendado"
    DECLINED = "declined", "recusou a vaga"
    EXPIRED = "expired", "não respondeu a tempo"
    CANCELLED = "cancelled", "cancelado"


class WaitlistPeriod(models.TextChoices):
    ANY = "", "qualquer horário"
    MORNING = "morning", "manhã"
    AFTERNOON = "afternoon", "tarde"
    EVENING = "evening", "noite"


class WaitlistEntry(models.Model):
    """A patient waiting for a slot of a doctor (or any doctor of a specialty) on some days.

    When a slot frees up, the oldest matching entry is offered it: the entry becomes
    ``offered`` with the slot and a deadline, during which nobody else is offered or
    shown that slot.
    """

    phone = models.CharField("telefone", max_length=64, db_index=True)
    session = models.ForeignKey(
        "conversations.ConversationSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_entries",
        verbose_name="conversa",
    )
    patient_name = models.CharField("paciente", max_length=150)
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, verbose_name="especialidade")
    doctor = models.ForeignKey(
        Doctor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waitlist_entries",
        verbose_name="médico",
        help_text="vazio: qualquer médico da especialidade que atenda o convênio",
    )
    insurance = models.ForeignKey(Insurance, on_delete=models.PROTECT, verbose_name="convênio")
    date_from = models.DateField("a partir de")
    date_to = models.DateField("até")
    period = models.CharField(
        "período", max_length=16, choices=WaitlistPeriod.choices, default=WaitlistPeriod.ANY, blank=True
    )
    status = models.CharField(
        "situação", max_length=16, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    offered_doctor = models.ForeignKey(
        Doctor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="médico da vaga oferecida",
    )
    offered_start = models.DateTimeField("vaga oferecida", null=True, blank=True)
    offer_expires_at = models.DateTimeField("reservada até", null=True, blank=True)
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="consulta marcada",
    )
    # Set from the caller's clock (not auto_now_add) so the queue order follows it in tests too.
    created_at = models.DateTimeField("entrou em", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "lista de espera"
        verbose_name_plural = "lista de espera"
        ordering = ["created_at", "id"]
        constraints = [
            # The hold: a freed slot is offered to one waiting patient at a time.
            models.UniqueConstraint(
                fields=["offered_doctor", "offered_start"],
                condition=models.Q(status="offered"),
                name="one_live_offer_per_slot",
            ),
            models.CheckConstraint(
                condition=models.Q(date_to__gte=models.F("date_from")), name="waitlist_dates_in_order"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "date_from", "date_to"], name="waitlist_matching"),
            models.Index(fields=["status", "offer_expires_at"], name="waitlist_offer_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.patient_name} {self.date_from:%d/%m} ({self.get_status_display()})"


class CalendarToken(models.Model):
    """The secret of one doctor's iCalendar feed (``/calendar/<doctor>.ics?token=cal_…``).

    One per calendar that subscribes (e.g. the doctor's phone, the front desk's Outlook),
    so each can be revoked alone. Only the SHA-256 of the token is stored: the token is
    shown once, when it is created in admin.
    """

    doctor = models.ForeignKey(
        Doctor, on_delete=models.CASCADE, related_name="calendar_tokens", verbose_name="médico"
    )
    label = models.CharField(
        "onde é usado", max_length=100, blank=True, help_text="Ex.: celular do médico, Outlook da recepção"
    )
    hint = models.CharField("início do token", max_length=16, editable=False)
    token_hash = models.CharField("hash SHA-256", max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="criado por",
    )
    created_at = models.DateTimeField("criado em", auto_now_add=True)
    last_used_at = models.DateTimeField("último uso", null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField("revogado em", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "link da agenda (.ics)"
        verbose_name_plural = "links da agenda (.ics)"
        ordering = ["doctor", "-created_at"]

    def __str__(self) -> str:
        return f"{self.doctor} — {self.label or self.hint}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

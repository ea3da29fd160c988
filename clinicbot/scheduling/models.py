"""Appointments."""

from __future__ import annotations

from django.db import models

from clinicbot.clinics.models import Doctor, Insurance, Specialty


class AppointmentStatus(models.TextChoices):
    PENDING = "pending", "pendente"
    CONFIRMED = "confirmed", "confirmada"
    CANCELLED = "cancelled", "cancelada"
    COMPLETED = "completed", "realizada"
    NO_SHOW = "no_show", "não compareceu"


# Statuses that hold a slot: two of these can never share a doctor and start.
ACTIVE_STATUSES = (AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED)


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
        "situação", max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.PENDING
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
                condition=models.Q(status__in=["pending", "confirmed"]),
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

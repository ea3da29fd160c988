"""Reference data a clinic maintains: what the assistant knows and answers from."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from clinicbot.core.text import person_sort_key


class Clinic(models.Model):
    """The clinic this deployment serves (one row)."""

    name = models.CharField("nome", max_length=200)
    phone = models.CharField("telefone", max_length=40, blank=True)
    whatsapp = models.CharField("WhatsApp", max_length=40, blank=True)
    address = models.CharField("endereço", max_length=300, blank=True)
    timezone = models.CharField("fuso horário", max_length=64, default="America/Sao_Paulo")
    appointment_minutes = models.PositiveSmallIntegerField(
        "duração padrão da consulta (min)",
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
    )
    handoff_url = models.URLField("link de atendimento", blank=True)
    opening_hours = models.JSONField(
        "horário de funcionamento", default=dict, blank=True, help_text='Ex.: {"mon": ["07:00-19:00"]}'
    )
    parking = models.TextField("estacionamento", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "clínica"
        verbose_name_plural = "clínica"

    def __str__(self) -> str:
        return self.name


class Specialty(models.Model):
    """A medical specialty, with the other ways patients say it."""

    name = models.CharField("nome", max_length=100, unique=True)
    aliases = models.JSONField("sinônimos", default=list, blank=True)

    class Meta:
        verbose_name = "especialidade"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Insurance(models.Model):
    """A health insurance ("convênio"); "Particular" means paying privately."""

    name = models.CharField("nome", max_length=100, unique=True)
    aliases = models.JSONField("sinônimos", default=list, blank=True)

    class Meta:
        verbose_name = "convênio"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Doctor(models.Model):
    """A doctor who sees patients at the clinic."""

    name = models.CharField("nome", max_length=150, unique=True)
    crm = models.CharField("CRM", max_length=40, blank=True)
    specialties = models.ManyToManyField(Specialty, related_name="doctors", verbose_name="especialidades")
    insurances = models.ManyToManyField(
        Insurance, related_name="doctors", blank=True, verbose_name="convênios aceitos"
    )
    price = models.DecimalField(
        "valor da consulta particular (R$)", max_digits=9, decimal_places=2, default=Decimal("0")
    )
    appointment_minutes = models.PositiveSmallIntegerField(
        "duração da consulta (min)",
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
        help_text="Vazio = padrão da clínica.",
    )
    active = models.BooleanField("atende", default=True)
    # The name as a Portuguese reader sorts it (no title, accents or case): "Ícaro" before
    # "Tiago" in every list, on SQLite and PostgreSQL alike. Kept by save().
    sort_name = models.CharField(
        "nome para ordenar", max_length=150, editable=False, default="", db_index=True
    )

    class Meta:
        verbose_name = "médico"
        ordering = ["sort_name", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.sort_name = person_sort_key(self.name)
        fields = kwargs.get("update_fields")
        if fields is not None and "name" in fields:
            kwargs["update_fields"] = {*fields, "sort_name"}
        super().save(*args, **kwargs)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "segunda"
    TUESDAY = 1, "terça"
    WEDNESDAY = 2, "quarta"
    THURSDAY = 3, "quinta"
    FRIDAY = 4, "sexta"
    SATURDAY = 5, "sábado"
    SUNDAY = 6, "domingo"


class ScheduleRange(models.Model):
    """One weekly range of hours when a doctor sees patients (e.g. Monday 08:00-12:00)."""

    doctor = models.ForeignKey(
        Doctor, on_delete=models.CASCADE, related_name="schedule", verbose_name="médico"
    )
    weekday = models.PositiveSmallIntegerField("dia da semana", choices=Weekday.choices)
    start = models.TimeField("início")
    end = models.TimeField("fim")

    class Meta:
        verbose_name = "horário de atendimento"
        verbose_name_plural = "horários de atendimento"
        ordering = ["doctor", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="schedule_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class Exam(models.Model):
    """An exam the clinic performs, with its price and preparation."""

    name = models.CharField("nome", max_length=150, unique=True)
    aliases = models.JSONField("sinônimos", default=list, blank=True)
    price = models.DecimalField("valor (R$)", max_digits=9, decimal_places=2, null=True, blank=True)
    preparation = models.TextField("preparo", blank=True)

    class Meta:
        verbose_name = "exame"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """A date with no appointments."""

    date = models.DateField("data", unique=True)
    name = models.CharField("nome", max_length=100, blank=True)

    class Meta:
        verbose_name = "feriado"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}".strip()


class FaqEntry(models.Model):
    """A frequently asked question and the clinic's answer."""

    question = models.CharField("pergunta", max_length=300, unique=True)
    answer = models.TextField("resposta")

    class Meta:
        verbose_name = "pergunta frequente"
        verbose_name_plural = "perguntas frequentes"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.question


class MessageTemplate(models.Model):
    """Staff-editable wording of one assistant reply; defaults live in the engine."""

    key = models.CharField("chave", max_length=80, unique=True)
    text = models.TextField("texto")
    description = models.CharField("uso", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "modelo de mensagem"
        verbose_name_plural = "modelos de mensagem"
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key

"""Conversations: one session per phone, its messages in time order."""

from __future__ import annotations

from django.db import models


class SessionState(models.TextChoices):
    """Dialogue states (the engine's policy owns the transitions)."""

    IDLE = "idle", "livre"
    COLLECTING = "collecting", "coletando dados"
    CHOOSING_SLOT = "choosing_slot", "escolhendo horário"
    CHOOSING_DOCTOR = "choosing_doctor", "escolhendo médico"
    CONFIRMING = "confirming", "confirmando agendamento"
    CONFIRMING_CANCEL = "confirming_cancel", "confirmando cancelamento"
    CHOOSING_APPOINTMENT = "choosing_appointment", "escolhendo consulta"
    RESCHEDULING = "rescheduling", "remarcando"
    CONFIRMING_RESCHEDULE = "confirming_reschedule", "confirmando remarcação"
    CONFIRMING_REMINDER = "confirming_reminder", "respondendo lembrete"
    WAITLIST_NAME = "waitlist_name", "lista de espera: nome"
    WAITLIST_OFFER = "waitlist_offer", "lista de espera: vaga oferecida"
    HANDOFF = "handoff", "com atendente"


class AlertKind(models.TextChoices):
    EMERGENCY = "emergency", "emergência (SAMU 192)"
    SELF_HARM = "self_harm", "risco à vida (CVV 188)"


class ConversationSession(models.Model):
    """The assistant's memory of one patient's conversation (one row per phone)."""

    phone = models.CharField(
        "conversa",
        max_length=64,
        unique=True,
        help_text="id do gateway: telefone E.164 só dígitos (ou id @lid)",
    )
    contact_phone = models.CharField("telefone informado", max_length=32, blank=True)
    contact_name = models.CharField("nome no WhatsApp", max_length=150, blank=True)
    gateway = models.CharField("gateway", max_length=20, blank=True)
    patient_name = models.CharField("paciente", max_length=150, blank=True)
    current_state = models.CharField(
        "estado", max_length=32, choices=SessionState.choices, default=SessionState.IDLE
    )
    previous_state = models.CharField("estado anterior", max_length=32, blank=True)
    selected_specialty = models.CharField("especialidade", max_length=100, blank=True)
    selected_doctor = models.CharField("médico", max_length=150, blank=True)
    selected_insurance = models.CharField("convênio", max_length=100, blank=True)
    preferred_date = models.DateField("data desejada", null=True, blank=True)
    preferred_time = models.TimeField("horário desejado", null=True, blank=True)
    preferred_period = models.CharField("período", max_length=16, blank=True)
    context = models.JSONField("contexto", default=dict, blank=True)
    handed_off = models.BooleanField("com atendente", default=False, db_index=True)
    created_at = models.DateTimeField("criada em", auto_now_add=True)
    updated_at = models.DateTimeField("atualizada em", auto_now=True)
    last_activity = models.DateTimeField("última atividade", db_index=True)
    # A safety alert for the staff queue: the patient described an emergency or self-harm.
    alert_at = models.DateTimeField("alerta de segurança", null=True, blank=True, db_index=True)
    alert_kind = models.CharField("tipo de alerta", max_length=16, choices=AlertKind.choices, blank=True)

    class Meta:
        verbose_name = "conversa"
        ordering = ["-last_activity"]
        permissions = [
            # Replying speaks as the clinic: reading a conversation (view) is not enough.
            ("reply_conversation", "Pode responder a pacientes e devolver conversas ao assistente"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} {self.patient_name}".strip()


class Direction(models.TextChoices):
    USER = "user", "paciente"
    BOT = "bot", "assistente"
    STAFF = "staff", "atendente"
    SYSTEM = "system", "sistema"


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", "recebida"
    PENDING = "pending", "a enviar"
    SENDING = "sending", "enviando"
    SENT = "sent", "enviada"
    DELIVERED = "delivered", "entregue"
    READ = "read", "lida"
    FAILED = "failed", "falhou"


class ConversationMessage(models.Model):
    """One message of a conversation, inbound or outbound; history is append-only."""

    session = models.ForeignKey(ConversationSession, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField("direção", max_length=8, choices=Direction.choices)
    content = models.TextField("texto")
    intent = models.CharField("intenção", max_length=40, blank=True)
    confidence = models.FloatField("confiança", null=True, blank=True)
    entities = models.JSONField("entidades", default=dict, blank=True)
    gateway_message_id = models.CharField("id no gateway", max_length=200, null=True, blank=True, unique=True)
    delivery_status = models.CharField(
        "entrega", max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED
    )
    payload = models.JSONField("conteúdo interativo", default=dict, blank=True)
    error = models.TextField("erro", blank=True)
    attempts = models.PositiveSmallIntegerField("tentativas", default=0)
    # Committed before every call to the gateway: a reply still "sending" after a crash is
    # one whose outcome nobody recorded (see whatsapp/outbox.py).
    send_started_at = models.DateTimeField("início do último envio", null=True, blank=True)
    uncertain_resends = models.PositiveSmallIntegerField(
        "reenvios sem confirmação",
        default=0,
        help_text="vezes em que foi reenviada sem saber se o envio anterior chegou ao paciente "
        "(processo encerrado ou banco de dados fora do ar durante o envio): pode ter chegado duas vezes",
    )
    processed_at = models.DateTimeField("processada em", null=True, blank=True)
    timestamp = models.DateTimeField("data/hora", db_index=True)

    class Meta:
        verbose_name = "mensagem"
        verbose_name_plural = "mensagens"
        ordering = ["timestamp", "id"]
        indexes = [
            models.Index(fields=["session", "timestamp", "id"], name="msg_session_time"),
            # The worker's "what is left to do" queries.
            models.Index(
                fields=["session", "id"],
                name="msg_unprocessed",
                condition=models.Q(direction="user", processed_at=None),
            ),
            # Replies to send or in flight (the outbox, the sweeper and the health figures).
            models.Index(
                fields=["session", "id"],
                name="msg_outbox",
                condition=models.Q(delivery_status__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.direction}] {self.content[:60]}"


class VoiceStatus(models.TextChoices):
    PENDING = "pending", "a transcrever"
    TRANSCRIBED = "transcribed", "transcrito"
    FAILED = "failed", "não transcrito"


class VoiceNote(models.Model):
    """The audio of a patient's voice note (or audio message) and its transcription.

    Created with its message by the webhook (holding only where to fetch the audio, or the
    bytes a gateway put in the webhook itself); the worker fetches, checks and transcribes
    it before the turn, and the transcript becomes the message's text. The audio is kept
    only until then (LGPD), unless the clinic opts in (``VOICE_KEEP_AUDIO``).
    """

    message = models.OneToOneField(
        ConversationMessage, on_delete=models.CASCADE, primary_key=True, related_name="voice_note"
    )
    gateway = models.CharField("gateway", max_length=20)
    # What the gateway needs to hand the bytes over: Meta's media id, Z-API's URL, or
    # Evolution's message (key and media fields, for getBase64FromMediaMessage).
    source = models.JSONField("origem do áudio", default=dict, blank=True)
    declared_mime = models.CharField("tipo informado", max_length=100, blank=True)
    declared_seconds = models.PositiveIntegerField("duração informada (s)", null=True, blank=True)
    voice = models.BooleanField("gravado como mensagem de voz", default=False)
    audio = models.BinaryField("áudio", null=True, blank=True, editable=False)
    size_bytes = models.PositiveIntegerField("tamanho (bytes)", null=True, blank=True)
    seconds = models.FloatField("duração (s)", null=True, blank=True)
    status = models.CharField(
        "transcrição", max_length=12, choices=VoiceStatus.choices, default=VoiceStatus.PENDING
    )
    failure = models.CharField("motivo da falha", max_length=40, blank=True)
    provider = models.CharField("provedor", max_length=16, blank=True)
    # The exactly-once claim of the transcription (a worker that died leaves it stale).
    claimed_at = models.DateTimeField("em transcrição desde", null=True, blank=True)
    transcribed_at = models.DateTimeField("transcrito em", null=True, blank=True)

    class Meta:
        verbose_name = "mensagem de voz"
        verbose_name_plural = "mensagens de voz"
        indexes = [
            models.Index(fields=["status"], name="voice_pending", condition=models.Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"voz {self.message_id} ({self.get_status_display()})"


class HandoffSource(models.TextChoices):
    ASSISTANT = "assistant", "pelo assistente"  # asked for a person, a complaint, self-harm, stuck
    STAFF = "staff", "pela equipe"  # a staff member wrote to a conversation the assistant had


class HandoffEvent(models.Model):
    """One hand-off of a conversation to a person, when it happened (counted per day).

    An event, not a state: a conversation handed off, handed back and handed off again
    on one day is two hand-offs. Nothing about the patient is stored (not even the
    conversation), so it outlives erasures and retention untouched.
    """

    at = models.DateTimeField("quando", db_index=True)
    source = models.CharField("transferida", max_length=12, choices=HandoffSource.choices)

    class Meta:
        db_table = "ops_handoffevent"  # moved from ops: same table
        verbose_name = "transferência para a equipe"
        verbose_name_plural = "transferências para a equipe"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} ({self.get_source_display()})"

"""What staff read for the engine's internal names: intents and dialogue states in Portuguese."""

from __future__ import annotations

from .models import SessionState

# The 20 intents of the NLU contract (engine/nlu/intents.py), as the front desk says them.
INTENT_LABELS = {
    "greeting": "cumprimento",
    "goodbye": "despedida",
    "thanks": "agradecimento",
    "schedule_appointment": "marcar consulta",
    "cancel_appointment": "cancelar consulta",
    "reschedule_appointment": "remarcar consulta",
    "check_appointment": "ver consultas marcadas",
    "ask_doctors": "pergunta sobre médicos",
    "ask_specialties": "pergunta sobre especialidades",
    "ask_insurance": "pergunta sobre convênios",
    "ask_exams": "pergunta sobre exames",
    "ask_price": "pergunta sobre valores",
    "ask_hours": "pergunta sobre horários",
    "ask_location": "pergunta sobre o endereço",
    "provide_info": "informando dados",
    "confirm": "confirmação",
    "deny": "negativa",
    "human_agent": "pediu um atendente",
    "emergency": "emergência",
    "out_of_scope": "fora do assunto",
}


def intent_label(intent: str) -> str:
    """The Portuguese name of an intent ("marcar consulta"); "não identificada" when none."""
    return INTENT_LABELS.get(intent, "não identificada" if not intent else intent.replace("_", " "))


def state_label(state: str) -> str:
    """The Portuguese name of a dialogue state ("escolhendo horário"), as in admin."""
    return str(dict(SessionState.choices).get(state, state.replace("_", " ")))

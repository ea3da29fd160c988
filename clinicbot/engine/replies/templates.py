"""Default wording of every reply. Staff can override any key in admin (MessageTemplate).

Placeholders use ``str.format`` names; an override that breaks a placeholder falls back
to the default instead of failing the turn.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger(__name__)

DEFAULTS: dict[str, str] = {
    "greeting": (
        "Olá! 😊 Sou o assistente virtual — {clinic}. Posso marcar, remarcar ou cancelar consultas "
        "e tirar dúvidas sobre médicos, convênios, exames, valores, horários e endereço. Como posso ajudar?"
    ),
    "greeting_short": "Olá! 😊",
    "thanks": "Por nada! Se precisar de mais alguma coisa, é só chamar. 😊",
    "goodbye": "Até logo! Obrigado pelo contato. 👋 — {clinic}",
    "out_of_scope": (
        "Desculpe, com isso eu não consigo ajudar. 🙏 Posso marcar, remarcar ou cancelar consultas e "
        "responder dúvidas sobre a clínica. Se preferir, digite *atendente* para falar com a nossa equipe."
    ),
    "emergency": (
        "⚠️ Isso pode ser uma emergência. Ligue *agora* para o SAMU (192) ou vá ao pronto-socorro mais "
        "próximo. Não espere por uma consulta agendada. Se houver risco imediato, ligue 192."
    ),
    "handoff": (
        "Certo! Vou passar a sua conversa para a nossa equipe de atendimento. Uma pessoa vai responder "
        "por aqui em breve. 🙋"
    ),
    "handoff_stuck": (
        "Desculpe, não estou conseguindo concluir o seu agendamento por aqui. 🙏 Vou passar a sua "
        "conversa para a nossa equipe de atendimento; uma pessoa vai responder por aqui em breve."
    ),
    "handoff_closed": "A recepção está fechada agora. Nossa equipe responde a partir de {when}.",
    "ask_specialty": "Com qual especialidade ou médico você quer a consulta?",
    "ask_insurance": "Você vai usar convênio ou será particular? Se for convênio, qual?",
    "ask_name": "Qual o nome completo do paciente?",
    "ask_date": "Para qual dia e horário você prefere?",
    "ask_date_with_options": "Para qual dia e horário você prefere? Os próximos horários livres são:\n{options}",
    "ask_which_doctor": "Temos mais de um médico com esse nome. Com qual deles?\n{options}",
    "offer_times": "Horários livres {who}em {date}:\n{options}\nQual você prefere?",
    "unavailable": "{reason} Os horários livres mais próximos são:\n{options}\nQual deles prefere?",
    "unavailable_none": "{reason} Não encontrei horários livres nos próximos dias. Quer tentar outro médico ou falar com a recepção?",
    "reason_taken": "Esse horário não está disponível.",
    "reason_holiday": "Dia {date} é feriado e a clínica não atende.",
    "reason_off_day": "{doctor} não atende {weekday_plural}.",
    "reason_past": "Esse horário já passou.",
    "reason_horizon": "Nossa agenda abre só para os próximos {days} dias.",
    "reason_no_slot": "{doctor} não tem horário livre às {time} nesse dia.",
    "reason_day_full": "Não há horários livres {who}em {date}.",
    "insurance_not_accepted": "{doctor} não atende pelo convênio {insurance}.",
    "insurance_other_doctors": " Pelo {insurance}, quem atende {specialty} aqui é {names}. Quer marcar {with_whom}?",
    "insurance_private_option": " Você também pode fazer a consulta particular ({price}).",
    "insurance_no_doctor": "Nenhum médico de {specialty} atende pelo convênio {insurance}. A consulta particular custa {price}. Quer marcar particular?",
    "summary": (
        "Confira os dados da consulta:\n"
        "👤 Paciente: {name}\n"
        "🩺 {specialty} com {doctor}\n"
        "💳 {insurance}\n"
        "📅 {date} às {time}\n"
        "Posso confirmar? (sim/não)"
    ),
    "summary_reschedule": (
        "Confira a remarcação:\nDe: {old}\nPara: {date} às {time} com {doctor}\nPosso confirmar? (sim/não)"
    ),
    "booked": (
        "Consulta marcada! ✅\n"
        "👤 {name}\n"
        "🩺 {specialty} com {doctor}\n"
        "📅 {date} às {time}\n"
        "💳 {insurance}\n"
        "Código: *{code}*\n"
        "📍 {address}\n"
        "Chegue 15 minutos antes, com documento com foto{card}. {link}"
    ),
    "rescheduled": "Consulta remarcada! ✅ Agora é {date} às {time} com {doctor}. Código: *{code}*.",
    "slot_lost": "Que pena, esse horário acabou de ser ocupado. 😕",
    "ask_correction": "Tudo bem! O que você quer corrigir? (dia, horário, médico, convênio ou nome)",
    "resume": "Voltando ao seu agendamento: {prompt}",
    "no_appointments": "Não encontrei consultas agendadas para este número. Quer marcar uma?",
    "your_appointments": "Suas consultas agendadas:\n{items}",
    "appointment_item": "{date} às {time} com {doctor} ({specialty}) — {status}, código {code}",
    "confirm_cancel": "Você quer cancelar a consulta de {item}? (sim/não)",
    "confirm_cancel_all": "Você quer cancelar todas estas consultas?\n{items}\n(sim/não)",
    "which_appointment": "Qual consulta?\n{options}",
    "cancelled": "Consulta cancelada. ✅ Se quiser marcar outra data, é só me dizer.",
    "cancelled_by_clinic": (
        "Olá, {name}. A clínica precisou cancelar a sua consulta de {specialty} com {doctor} em {date} às "
        "{time}. Pedimos desculpas. 🙏 Para marcar outro horário, é só responder esta mensagem."
    ),
    "cancel_kept": "Certo, mantive a sua consulta. 👍",
    "reschedule_ask_date": "Para qual dia e horário você quer remarcar a consulta de {item}? Próximos horários livres:\n{options}",
    "reschedule_none": "Não encontrei consulta para remarcar neste número. Quer marcar uma nova?",
    "booking_cancelled_by_patient": "Tudo bem, não marquei nada. Se precisar, é só chamar.",
    "choose_number": "Responda com o número da opção, por favor.",
    "reminder": (
        "Olá, {name}! 👋 Lembrete da sua consulta de {specialty} com {doctor}: {date} às {time}.\n"
        "Responda *1* para confirmar, *2* para cancelar ou *3* para remarcar."
    ),
    "reminder_confirmed": "Obrigado! Sua consulta de {date} às {time} está confirmada. ✅ Até lá!",
    "reminder_options": "Responda *1* para confirmar, *2* para cancelar ou *3* para remarcar a consulta de {date} às {time}.",
    # Added once, to the first answer a phone gets ({link}: " Saiba mais: <PRIVACY_NOTICE_URL>" or "").
    "privacy_notice": (
        "🔒 Usamos seus dados (telefone, nome e mensagens) só para o seu atendimento e as suas consultas, "
        "conforme a LGPD. Para pedir uma cópia ou a exclusão, fale com a recepção.{link}"
    ),
    # Waiting list (see engine/dialogue/waitlist.py).
    "waitlist_option": "Se preferir esperar por uma vaga {who}em {date}, responda *{number}* e eu coloco você na lista de espera.",
    "waitlist_option_yes": "Se preferir, coloco você na lista de espera {who}para {date}: é só responder *sim*.",
    "waitlist_other_day": "Tudo bem. Qual outro dia ou horário seria melhor para você?",
    "waitlist_ask_name": "Para a lista de espera, qual o nome completo do paciente?",
    "waitlist_joined": (
        "Pronto! ✅ {name} está na lista de espera {who}para {date}{period}. Se um horário vagar, "
        "eu aviso por aqui e guardo a vaga por {minutes} minutos para você confirmar."
    ),
    "waitlist_offer": (
        "Boa notícia, {name}! 🎉 Vagou um horário de {specialty} com {doctor}: {date} às {time}. "
        "Guardei a vaga para você por {minutes} minutos.\n"
        "Responda *1* para marcar ou *2* para liberar a vaga."
    ),
    "waitlist_offer_options": "Responda *1* para marcar {date} às {time} com {doctor} ou *2* para liberar a vaga.",
    "waitlist_declined": "Tudo bem! Liberei o horário para a próxima pessoa da lista. Se precisar, é só chamar. 😊",
}


def render(key: str, overrides: Mapping[str, str], **values: Any) -> str:
    """Fill the staff's wording for ``key`` (or the default) with ``values``."""
    template = overrides.get(key) or DEFAULTS[key]
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        logger.warning("message template %r has a bad placeholder; using the default", key)
        return DEFAULTS[key].format(**values)

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
        "Olá! 😊 Sou o assistente virtual {of_clinic}. Posso marcar, remarcar ou cancelar consultas "
        "e tirar dúvidas sobre médicos, convênios, exames, valores, horários e endereço. Como posso ajudar?"
    ),
    "greeting_short": "Olá! 😊",
    "greeting_named": (
        "Olá, {name}! 😊 Sou o assistente virtual {of_clinic}. Posso marcar, remarcar ou cancelar consultas "
        "e tirar dúvidas sobre a clínica. Como posso ajudar?"
    ),
    "thanks": "Por nada! Se precisar de mais alguma coisa, é só chamar. 😊",
    "goodbye": "Até logo! Obrigado pelo contato. 👋 — {clinic}",
    "out_of_scope": (
        "Desculpe, com isso eu não consigo ajudar. 🙏 Posso marcar, remarcar ou cancelar consultas e "
        "responder dúvidas sobre a clínica. Se preferir, digite *atendente* para falar com a nossa equipe."
    ),
    # The clarifying question (engine/dialogue/clarify.py) and the requests it may offer.
    "clarify": (
        "Não sei se entendi bem. 🤔 Você quer:\n{options}\n"
        "É só responder com o número — ou me contar com outras palavras."
    ),
    "clarify_declined": (
        "Tudo bem! Me conte com outras palavras o que você precisa, ou digite *atendente* para falar "
        "com a nossa equipe."
    ),
    "clarify_schedule_appointment": "Marcar uma consulta",
    "clarify_reschedule_appointment": "Remarcar uma consulta",
    "clarify_cancel_appointment": "Cancelar uma consulta",
    "clarify_check_appointment": "Ver minhas consultas",
    "clarify_ask_doctors": "Saber dos médicos",
    "clarify_ask_specialties": "Saber das especialidades",
    "clarify_ask_insurance": "Saber dos convênios",
    "clarify_ask_exams": "Saber dos exames",
    "clarify_ask_price": "Saber os valores",
    "clarify_ask_hours": "Saber os horários",
    "clarify_ask_location": "Saber o endereço",
    "clarify_human_agent": "Falar com a recepção",
    "emergency": (
        "⚠️ Isso pode ser uma emergência. Ligue *agora* para o SAMU (192) ou vá à UPA ou ao pronto-socorro "
        "mais próximo. Não espere por uma consulta agendada. Nossa equipe foi avisada."
    ),
    # Safety mode (engine/dialogue/safety.py): follow-ups alternate between _0 and _1 so the
    # same message is never sent twice in a row.
    "emergency_follow_up_0": (
        "Por favor, não espere: ligue agora para o SAMU (192) ou vá à UPA ou ao pronto-socorro mais "
        "próximo. Por aqui não consigo avaliar nem orientar o atendimento de urgência."
    ),
    "emergency_follow_up_1": (
        "Numa urgência, quem orienta é o SAMU: ligue 192 (a ligação é gratuita) e siga as instruções "
        "deles. Nossa clínica não faz atendimento de urgência; nossa equipe já foi avisada."
    ),
    "self_harm": (
        "Sinto muito que você esteja passando por isso. 💙 Você não está sozinho(a): o CVV atende 24 horas, "
        "de graça, pelo telefone 188 ou pelo chat em cvv.org.br. Se houver risco imediato, ligue 192 (SAMU). "
        "Vou chamar uma pessoa da nossa equipe para falar com você por aqui."
    ),
    "self_harm_follow_up_0": (
        "Estou aqui com você. 💙 Ligue para o CVV no 188 (24 horas, gratuito) — eles estão prontos para "
        "ouvir. Se houver risco imediato, ligue 192. Uma pessoa da nossa equipe vai responder por aqui."
    ),
    "self_harm_follow_up_1": (
        "O que você sente importa. 💙 Conversar ajuda: o CVV atende pelo 188 ou pelo chat em cvv.org.br, "
        "a qualquer hora. Em risco imediato, ligue 192. Nossa equipe já foi chamada."
    ),
    "safety_resolved": (
        "Que bom saber! 🙏 Se precisar de algo — por exemplo, marcar uma consulta de acompanhamento —, "
        "é só me dizer."
    ),
    "safety_resolved_short": "Que bom saber! 🙏",
    "medical_advice": (
        "Não posso orientar sobre remédios, doses ou sintomas por aqui: isso precisa ser avaliado por um "
        "médico. 🙏 Posso marcar uma consulta para você ou chamar alguém da recepção. O que prefere?"
    ),
    "handoff": (
        "Certo! Vou passar a sua conversa para a nossa equipe de atendimento. Uma pessoa vai responder "
        "por aqui em breve. 🙋"
    ),
    "handoff_complaint": (
        "Sinto muito pelo transtorno. 😔 Vou passar a sua mensagem agora para a nossa equipe; uma pessoa "
        "vai responder por aqui em breve."
    ),
    "handoff_stuck": (
        "Desculpe, não estou conseguindo concluir o seu agendamento por aqui. 🙏 Vou passar a sua "
        "conversa para a nossa equipe de atendimento; uma pessoa vai responder por aqui em breve."
    ),
    "handoff_closed": "A recepção está fechada agora. Nossa equipe responde a partir de {when}.",
    "ask_specialty": "Com qual especialidade ou médico você quer a consulta?",
    "ask_insurance": "Você vai usar convênio ou será particular? Se for convênio, qual?",
    "ask_insurance_again": "Vai ser pelo convênio {insurance} de novo? (sim/não)",
    "ask_private_again": "Vai ser particular de novo? (sim/não)",
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
    "noted_choose_time": "Anotado! 👍 Agora só falta escolher o horário.",
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
    "waitlist_choice_title": "Lista de espera",
    "waitlist_choice_description": "Aguardar vaga em {date}",
    # The wished period in "waitlist_joined" ({period}); they start with a space.
    "waitlist_period_morning": " de manhã",
    "waitlist_period_afternoon": " à tarde",
    "waitlist_period_evening": " à noite",
    # Small replies of the dialogue.
    "anything_else": "👍 Posso ajudar em mais alguma coisa?",
    "no_problem": "Tudo bem! Se precisar, é só chamar.",
    # A question the clinic's data cannot answer: honest, and a person is offered ("sim" hands over).
    "dont_know": (
        "Essa eu não sei responder com certeza. 🙏 Quer que eu chame alguém da recepção para te ajudar? "
        "(responda *sim*)"
    ),
    # A complaint with no request: the specialty that usually sees it, as a suggestion.
    "symptom_suggestion": (
        "Para {complaint}, quem costuma atender é {specialty} — é só uma sugestão: o médico é quem avalia. "
        "Quer marcar uma consulta de {specialty}?"
    ),
    "symptom_booking_note": "Para {complaint}, quem costuma atender é {specialty}; vou seguir com {specialty} (se preferir outra especialidade, é só dizer).",
    # The same answer would go out twice in a row: the conversation is stuck.
    "said_again": (
        "Acho que não estou conseguindo te ajudar com isso por aqui. 😕 Quer que eu chame alguém da "
        "recepção? (responda *sim*) Ou me diga de outro jeito o que você precisa."
    ),
    "said_before": "Como eu disse: {text}",
    "flow_dropped": "Tudo bem, deixei isso de lado. 🙂 Quando quiser retomar, é só me chamar.",
    "ask_other_day": "Tudo bem. Qual outro dia ou horário seria melhor para você?",
    "confirm_cancel_again": "Responda *sim* para cancelar ou *não* para manter a consulta.",
    "next_business_day": "o próximo dia útil",
    "reason_no_specialty_day": "Não há atendimento de {specialty} {weekday_plural}.",
    # Pieces of longer replies: whom a booking is with (they end with a space: "Horários livres {who}em …").
    "whom_doctor": "com {doctor} ",
    "whom_specialty": "de {specialty} ",
    "with_her": "com ela",
    "with_him": "com ele",
    "with_one_of_them": "com um deles",
    "slot_label": "{date} às {time}",
    "appointment_label": "{date} às {time} com {doctor}",
    "status_booked": "agendada",
    "status_confirmed": "presença confirmada",
    "insurance_label_private": "Particular",
    "insurance_label_plan": "Convênio {insurance}",
    "price_range": "de {low} a {high}",
    "price_on_request": "sob consulta",
    "booked_card_note": " e a carteirinha do convênio",
    "handoff_link": "Precisa falar com a recepção? {url}",
    # The message the patient sends the clinic from the wa.me link of a booking.
    "handoff_link_summary": "Consulta {code}",
    # Answers to questions about the clinic (engine/dialogue/answers.py). "_one"/"_many": one or
    # several doctors (the verb agrees: "atende" / "atendem").
    "doctor_info": "{doctor} atende {specialties} aqui na clínica{days}.{insurances}",
    "doctor_info_days": ", {days}",
    "doctor_hours": "{doctor} atende {schedule}.",
    "doctor_info_insurances": " Convênios: {insurances}.",
    "specialty_no_doctors": "No momento não temos médicos de {specialty}.",
    "specialty_doctors_one": "Em {specialty}, atende aqui: {names}. Quer marcar uma consulta?",
    "specialty_doctors_many": "Em {specialty}, atendem aqui: {names}. Quer marcar uma consulta?",
    "doctors_list": "Nossos médicos:\n{lines}\nQuer marcar com algum deles?",
    "specialty_offered": "Sim, temos {specialty}{doctors}. Quer marcar uma consulta?",
    "specialty_offered_doctors": " com {names}",
    "specialty_not_offered": "Não temos {asked} aqui na clínica. 😕 Nossas especialidades são: {names}.",
    "specialties_list": "Atendemos as especialidades: {names}. Quer marcar uma consulta?",
    "insurance_doctor_accepts": "Sim, {doctor} atende pelo {insurance}. 👍",
    "insurance_doctor_refuses": "{doctor} não atende pelo {insurance}.{others}",
    "insurance_same_specialty_one": " Pelo {insurance}, {names} atende na mesma especialidade.",
    "insurance_same_specialty_many": " Pelo {insurance}, {names} atendem na mesma especialidade.",
    "insurance_specialty_doctors_one": "Sim! Em {specialty}, pelo {insurance} atende: {names}.",
    "insurance_specialty_doctors_many": "Sim! Em {specialty}, pelo {insurance} atendem: {names}.",
    "insurance_specialty_none": "Em {specialty}, nenhum médico atende pelo {insurance}; a consulta pode ser particular.",
    "insurance_accepted": "Sim, aceitamos {insurance}! 👍{doctors}",
    "insurance_accepted_doctors": " Atendem por ele: {names}.",
    "insurance_private_and_plans": "Atendemos particular e também os convênios: {plans}.",
    "insurance_unknown": "Não atendemos {insurance}. 😕 Os convênios aceitos são: {plans}. Também atendemos particular.",
    "insurance_list": "Aceitamos os convênios: {plans}. Também atendemos particular.",
    "exam_price_note": " O valor é {price}.",
    "exam_preparation": "{exam}: {preparation}{price}",
    "exam_preparation_note": " Preparo: {preparation}",
    "exam_offered": "Sim, fazemos {exam}.{price}{preparation}",
    "exams_none": "No momento a clínica não realiza exames.",
    "exam_not_offered": "Esse exame nós não fazemos aqui. 😕 Os exames disponíveis são: {names}.",
    "exams_list": "Fazemos os exames: {names}. Quer saber o preparo ou o valor de algum?",
    "exam_price": "{exam}: {price}.",
    "exam_price_ask": "Para o valor de {exam}, fale com a recepção.",
    "price_plan_note": " Pelo convênio {insurance}, a cobrança segue as regras do seu plano.",
    "price_doctor": "A consulta particular com {doctor} custa {price}.{plan_note}",
    "price_specialty_one": "A consulta particular de {specialty} ({doctor}) custa {price}.{plan_note}",
    "price_specialty_many": "Consulta particular de {specialty}: {lines}.{plan_note}",
    "price_list": "Valores da consulta particular:\n{lines}\nPelo convênio, vale a regra do seu plano.",
    "hours": "Nosso horário de funcionamento: {hours}.{holidays}",
    "hours_no_holidays": " Não abrimos em feriados.",
    "hours_holiday": "Dia {date} é feriado e a clínica não abre. Nosso horário: {hours}.",
    "hours_open_day": "Sim! {day} abrimos das {ranges}.",
    "hours_closed_day": "Não abrimos {weekday}. Nosso horário: {hours}.",
    "hours_evening_some": "Atendemos até o começo da noite em alguns dias. Nosso horário: {hours}.",
    "hours_evening_none": "Não atendemos à noite. Nosso horário: {hours}.",
    "location": "Estamos na {address}. 📍",
    "location_unknown": "Para o endereço, fale com a recepção.",
    "location_no_parking": "Não temos estacionamento próprio. Endereço: {address}.",
    "location_transit": "{answer} Endereço: {address}.",
}


def render(key: str, overrides: Mapping[str, str], **values: Any) -> str:
    """Fill the staff's wording for ``key`` (or the default) with ``values``."""
    template = overrides.get(key) or DEFAULTS[key]
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        logger.warning("message template %r has a bad placeholder; using the default", key)
        return DEFAULTS[key].format(**values)

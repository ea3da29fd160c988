"""Answers to clinic questions, built only from the clinic snapshot (never invented)."""

from __future__ import annotations

import datetime as dt
import re

from rapidfuzz import fuzz

from ..nlu.normalize import normalize
from ..nlu.vocabulary import NOT_NAME_WORDS
from ..replies.format import WEEKDAYS, fmt_date, fmt_money, fmt_time, join_names
from ..types import Catalog, DoctorInfo, FaqItem, ParseResult, SessionState, TimeRange

_WORD_FORMS = re.compile(r"\w{3,}")
_PARKING = re.compile(r"\b(?:estaciona\w*|carro|vaga (?:pra|para|de) carro|manobrista|valet)\b")
_TRANSIT = re.compile(r"\b(?:metro|estacao|onibus|trem|chegar|chego|perto)\b")


def _ranges(ranges: tuple[TimeRange, ...]) -> str:
    return " e ".join(f"{fmt_time(r.start)} às {fmt_time(r.end)}" for r in ranges)


def opening_hours_text(catalog: Catalog) -> str:
    """ "segunda a sexta, 07:00 às 19:00; sábado, 08:00 às 12:00"."""
    hours = catalog.clinic.opening_hours
    groups: list[tuple[list[int], str]] = []
    for wd in range(7):
        if wd not in hours:
            continue
        text = _ranges(hours[wd])
        if groups and groups[-1][1] == text and groups[-1][0][-1] == wd - 1:
            groups[-1][0].append(wd)
        else:
            groups.append(([wd], text))
    parts = []
    for days, text in groups:
        label = WEEKDAYS[days[0]] if len(days) == 1 else f"{WEEKDAYS[days[0]]} a {WEEKDAYS[days[-1]]}"
        parts.append(f"{label.replace('-feira', '')}, das {text}")
    return "; ".join(parts)


def _doctor_line(d: DoctorInfo) -> str:
    return f"{d.name} ({join_names(d.specialties)})"


def _price_range(doctors: list[DoctorInfo]) -> str:
    prices = sorted({d.price for d in doctors if d.price})
    if not prices:
        return ""
    if len(prices) == 1:
        return fmt_money(prices[0])
    return f"de {fmt_money(prices[0])} a {fmt_money(prices[-1])}"


def best_faq(catalog: Catalog, text: str, *, threshold: float = 62.0) -> FaqItem | None:
    """The FAQ entry whose question best matches the message (content words only)."""
    words = [w for w in _WORD_FORMS.findall(normalize(text)) if w not in NOT_NAME_WORDS]
    if not words or not catalog.faq:
        return None
    query = " ".join(words)
    scored = []
    for item in catalog.faq:
        q_words = [w for w in _WORD_FORMS.findall(normalize(item.question)) if w not in NOT_NAME_WORDS]
        score = fuzz.token_set_ratio(query, " ".join(q_words))
        # Shared stems ("estacionamento" / "estacionar") count as a strong signal.
        stems = {w[:5] for w in words} & {w[:5] for w in q_words}
        scored.append((score + 10 * len(stems), item))
    score, item = max(scored, key=lambda x: x[0])
    return item if score >= threshold else None


def answer_doctors(catalog: Catalog, parse: ParseResult) -> str:
    e = parse.entities
    if "doctor" in e and (doc := catalog.doctor(e["doctor"])):
        days = ", ".join(WEEKDAYS[wd].replace("-feira", "") for wd in sorted(doc.schedule))
        insurances = join_names(doc.insurances)
        return (
            f"{doc.name} atende {join_names(doc.specialties)} aqui na clínica"
            + (f", às {days}" if days else "")
            + (f". Convênios: {insurances}." if insurances else ".")
        )
    if "specialty" in e:
        docs = catalog.doctors_of(e["specialty"])
        if not docs:
            return f"No momento não temos médicos de {e['specialty']}."
        names = join_names(d.name for d in docs)
        return f"Em {e['specialty']}, atende{'m' if len(docs) > 1 else ''} aqui: {names}. Quer marcar uma consulta?"
    lines = "\n".join(f"• {_doctor_line(d)}" for d in catalog.doctors)
    return f"Nossos médicos:\n{lines}\nQuer marcar com algum deles?"


def answer_specialties(catalog: Catalog, parse: ParseResult, text: str) -> str:
    names = join_names(s.name for s in catalog.specialties)
    if "specialty" in parse.entities:
        spec = parse.entities["specialty"]
        docs = join_names(d.name for d in catalog.doctors_of(spec))
        return f"Sim, temos {spec}" + (f" com {docs}" if docs else "") + ". Quer marcar uma consulta?"
    asked = re.findall(r"\b\w{4,}(?:ista|logo|loga|iatra|pedista|terapeuta)s?\b", normalize(text))
    if asked:
        return f"Não temos {asked[0]} aqui na clínica. 😕 Nossas especialidades são: {names}."
    return f"Atendemos as especialidades: {names}. Quer marcar uma consulta?"


def answer_insurance(catalog: Catalog, parse: ParseResult, state: SessionState, text: str) -> str:
    e = parse.entities
    accepted = [i.name for i in catalog.insurances]
    plans = [i for i in accepted if normalize(i) != "particular"]
    if "insurance" in e and normalize(e["insurance"]) != "particular":
        ins = e["insurance"]
        doctor = catalog.doctor(e.get("doctor") or (state.doctor if not e.get("specialty") else ""))
        if doctor:
            if ins in doctor.insurances:
                return f"Sim, {doctor.name} atende pelo {ins}. 👍"
            others = [
                d.name for s in doctor.specialties for d in catalog.doctors_of(s) if ins in d.insurances
            ]
            extra = (
                f" Pelo {ins}, {join_names(others)} atende{'m' if len(others) > 1 else ''} na mesma especialidade."
                if others
                else ""
            )
            return f"{doctor.name} não atende pelo {ins}.{extra}"
        specialty = e.get("specialty") or state.specialty
        if specialty:
            docs = [d.name for d in catalog.doctors_of(specialty) if ins in d.insurances]
            if docs:
                return f"Sim! Em {specialty}, pelo {ins} atende{'m' if len(docs) > 1 else ''}: {join_names(docs)}."
            return f"Em {specialty}, nenhum médico atende pelo {ins}; a consulta pode ser particular."
        docs = [d.name for d in catalog.doctors if ins in d.insurances]
        return f"Sim, aceitamos {ins}! 👍" + (f" Atendem por ele: {join_names(docs)}." if docs else "")
    if "insurance" in e:  # "é só particular?"
        return f"Atendemos particular e também os convênios: {join_names(plans)}."
    unknown = _unknown_insurance(text)
    if unknown:
        return f"Não atendemos {unknown}. 😕 Os convênios aceitos são: {join_names(plans)}. Também atendemos particular."
    return f"Aceitamos os convênios: {join_names(plans)}. Também atendemos particular."


def _unknown_insurance(text: str) -> str:
    t = normalize(text)
    m = re.search(
        r"\b(?:aceita\w*|pega\w*|atende\w* (?:pelo |pela )?|trabalh\w* com|cobre\w*)\s+(?:o |a )?([a-z]{3,}(?: [a-z]{3,})?)",
        t,
    )
    if not m:
        return ""
    words = [w for w in m.group(1).split() if w not in NOT_NAME_WORDS]
    return " ".join(w.capitalize() for w in words)


def answer_exams(catalog: Catalog, parse: ParseResult, text: str) -> str:
    exam = catalog.exam(parse.entities.get("exam"))
    t = normalize(text)
    if exam:
        wants_prep = re.search(r"\b(?:prepar\w*|jejum|dirigir|comer|beber|antes|depois|precis\w*)\b", t)
        price = f" O valor é {fmt_money(exam.price)}." if exam.price is not None else ""
        if wants_prep and exam.preparation:
            return f"{exam.name}: {exam.preparation}{price}"
        prep = f" Preparo: {exam.preparation}" if exam.preparation else ""
        return f"Sim, fazemos {exam.name}.{price}{prep}"
    names = join_names(e.name for e in catalog.exams)
    if not catalog.exams:
        return "No momento a clínica não realiza exames."
    if re.search(r"\b(?:faz|fazem|realiza\w*|tem)\b", t) and not re.search(r"\bquais\b", t):
        return f"Esse exame nós não fazemos aqui. 😕 Os exames disponíveis são: {names}."
    return f"Fazemos os exames: {names}. Quer saber o preparo ou o valor de algum?"


def answer_price(catalog: Catalog, parse: ParseResult, state: SessionState) -> str:
    e = parse.entities
    exam = catalog.exam(e.get("exam"))
    if exam:
        return (
            f"{exam.name}: {fmt_money(exam.price)}."
            if exam.price is not None
            else f"Para o valor de {exam.name}, fale com a recepção."
        )
    doctor = catalog.doctor(e.get("doctor"))
    specialty = e.get("specialty")
    if not doctor and not specialty:
        doctor = catalog.doctor(state.doctor)
        specialty = state.specialty or None
    insurance = e.get("insurance") or ""
    plan_note = ""
    if insurance and normalize(insurance) != "particular":
        plan_note = f" Pelo convênio {insurance}, a cobrança segue as regras do seu plano."
    if doctor:
        return f"A consulta particular com {doctor.name} custa {fmt_money(doctor.price)}.{plan_note}"
    if specialty:
        docs = catalog.doctors_of(specialty)
        if len(docs) == 1:
            return f"A consulta particular de {specialty} ({docs[0].name}) custa {fmt_money(docs[0].price)}.{plan_note}"
        lines = "; ".join(f"{d.name}: {fmt_money(d.price)}" for d in docs)
        return f"Consulta particular de {specialty}: {lines}.{plan_note}"
    lines = "\n".join(
        f"• {s.name}: {_price_range(catalog.doctors_of(s.name))}"
        for s in catalog.specialties
        if catalog.doctors_of(s.name)
    )
    return f"Valores da consulta particular:\n{lines}\nPelo convênio, vale a regra do seu plano."


def answer_hours(catalog: Catalog, parse: ParseResult) -> str:
    hours = opening_hours_text(catalog)
    date = parse.entities.get("date")
    if date:
        day = dt.date.fromisoformat(date)
        if day in catalog.holidays:
            return (
                f"Dia {fmt_date(day, weekday=False)} é feriado e a clínica não abre. Nosso horário: {hours}."
            )
        ranges = catalog.clinic.opening_hours.get(day.weekday())
        if ranges:
            return f"Sim! {fmt_date(day).capitalize()} abrimos das {_ranges(ranges)}."
        return f"Não abrimos {WEEKDAYS[day.weekday()]}. Nosso horário: {hours}."
    if parse.entities.get("period") == "evening":
        late = any(r.end >= dt.time(18, 30) for rs in catalog.clinic.opening_hours.values() for r in rs)
        prefix = "Atendemos até o começo da noite em alguns dias." if late else "Não atendemos à noite."
        return f"{prefix} Nosso horário: {hours}."
    return f"Nosso horário de funcionamento: {hours}." + (
        " Não abrimos em feriados." if catalog.holidays else ""
    )


def answer_location(catalog: Catalog, text: str) -> str:
    c = catalog.clinic
    t = normalize(text)
    if _PARKING.search(t):
        if c.parking:
            return f"{c.parking}"
        faq = best_faq(catalog, text, threshold=50)
        return faq.answer if faq else f"Não temos estacionamento próprio. Endereço: {c.address}."
    if _TRANSIT.search(t):
        faq = best_faq(catalog, text, threshold=50)
        if faq:
            return f"{faq.answer} Endereço: {c.address}."
    return f"Estamos na {c.address}. 📍" if c.address else "Para o endereço, fale com a recepção."

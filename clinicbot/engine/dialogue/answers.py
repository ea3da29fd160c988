"""Answers to clinic questions, built only from the clinic snapshot (never invented).

The wording is the clinic's editable reply templates (``replies/templates.py``).
"""

from __future__ import annotations

import datetime as dt
import re

from ..knowledge.faq import faq_index
from ..nlu.name_words import NOT_NAME_WORDS
from ..nlu.normalize import normalize
from ..replies.format import (
    WEEKDAYS,
    fmt_date,
    fmt_money,
    fmt_opening_hours,
    fmt_ranges,
    fmt_weekly_schedule,
    join_names,
)
from ..replies.templates import render
from ..state import SessionState
from ..types import Catalog, DoctorInfo, FaqItem, ParseResult

_WORD_FORMS = re.compile(r"\w{3,}")
_PARKING = re.compile(r"\b(?:estaciona\w*|carro|vaga (?:pra|para|de) carro|manobrista|valet|onde parar)\b")
_TRANSIT = re.compile(r"\b(?:metro|estacao|onibus|trem|chegar|chego|perto)\b")
_ADDRESS = re.compile(r"\b(?:endereco|onde (?:fica|e|voces ficam)|localizacao|cep|rua|bairro)\b")


def names_its_subject(intent: str, text: str) -> bool:
    """The question says what it is about in its own words ("qual o endereço?", "tem onde
    estacionar?"), so the clinic's own answer to it beats a follow-up of the last FAQ."""
    t = normalize(text)
    return intent == "ask_location" and bool(_PARKING.search(t) or _ADDRESS.search(t))


def _t(catalog: Catalog, key: str, **values: object) -> str:
    return render(key, catalog.templates, **values)


def _counted(key: str, n: int) -> str:
    """``key_one`` for one, else ``key_many`` (verb agreement: "atende" / "atendem")."""
    return f"{key}_one" if n == 1 else f"{key}_many"


def opening_hours_text(catalog: Catalog) -> str:
    """ "segunda a sexta, das 07:00 às 19:00; sábado, das 08:00 às 12:00"."""
    return fmt_opening_hours(catalog.clinic.opening_hours)


def price_range(catalog: Catalog, doctors: list[DoctorInfo]) -> str:
    """ "R$ 300,00", or "de R$ 250,00 a R$ 400,00" when the doctors' prices differ ("" when none)."""
    prices = sorted({d.price for d in doctors if d.price})
    if not prices:
        return ""
    if len(prices) == 1:
        return fmt_money(prices[0])
    return _t(catalog, "price_range", low=fmt_money(prices[0]), high=fmt_money(prices[-1]))


def best_faq(catalog: Catalog, text: str) -> FaqItem | None:
    """The FAQ entry (or the clinic's contacts) that answers ``text``; None when none clearly does."""
    match = faq_index(catalog).search(text)
    return match.item if match else None


# A match this strong answers even a question the intents cover in general ("quanto custa a
# coleta em casa?" is a price question the price list cannot answer).
STRONG_FAQ_SCORE = 6.0


def strong_faq(catalog: Catalog, text: str) -> FaqItem | None:
    """An FAQ entry that matches ``text`` clearly enough to answer instead of a general answer."""
    match = faq_index(catalog).search(text)
    return match.item if match and match.score >= STRONG_FAQ_SCORE else None


def answer_doctors(catalog: Catalog, parse: ParseResult) -> str:
    """Who works here: one doctor (specialties, days, insurances), a specialty's doctors, or all."""
    e = parse.entities
    if "doctor" in e and (doc := catalog.doctor(e["doctor"])):
        days = fmt_weekly_schedule(doc.schedule)
        insurances = join_names(doc.insurances)
        return _t(
            catalog,
            "doctor_info",
            doctor=doc.name,
            specialties=join_names(doc.specialties),
            days=_t(catalog, "doctor_info_days", days=days) if days else "",
            insurances=_t(catalog, "doctor_info_insurances", insurances=insurances) if insurances else "",
        )
    if "specialty" in e:
        docs = catalog.doctors_of(e["specialty"])
        if not docs:
            return _t(catalog, "specialty_no_doctors", specialty=e["specialty"])
        names = join_names(d.name for d in docs)
        return _t(catalog, _counted("specialty_doctors", len(docs)), specialty=e["specialty"], names=names)
    lines = "\n".join(f"• {_doctor_line(d)}" for d in catalog.doctors)
    return _t(catalog, "doctors_list", lines=lines)


def _doctor_line(d: DoctorInfo) -> str:
    return f"{d.name} ({join_names(d.specialties)})"


def answer_specialties(catalog: Catalog, parse: ParseResult, text: str) -> str:
    """Whether the clinic has a specialty (and who sees it), or the list of specialties."""
    names = join_names(s.name for s in catalog.specialties)
    if "specialty" in parse.entities:
        spec = parse.entities["specialty"]
        docs = join_names(d.name for d in catalog.doctors_of(spec))
        with_docs = _t(catalog, "specialty_offered_doctors", names=docs) if docs else ""
        return _t(catalog, "specialty_offered", specialty=spec, doctors=with_docs)
    asked = re.findall(r"\b\w{4,}(?:ista|logo|loga|iatra|pedista|terapeuta)s?\b", normalize(text))
    if asked:
        return _t(catalog, "specialty_not_offered", asked=asked[0], names=names)
    return _t(catalog, "specialties_list", names=names)


def answer_insurance(catalog: Catalog, parse: ParseResult, state: SessionState, text: str) -> str:
    """Whether an insurance is accepted (by a doctor, in a specialty, at all), or the accepted ones."""
    e = parse.entities
    accepted = [i.name for i in catalog.insurances]
    plans = join_names(i for i in accepted if normalize(i) != "particular")
    if "insurance" in e and normalize(e["insurance"]) != "particular":
        ins = e["insurance"]
        doctor = catalog.doctor(e.get("doctor") or (state.doctor if not e.get("specialty") else ""))
        if doctor:
            if ins in doctor.insurances:
                return _t(catalog, "insurance_doctor_accepts", doctor=doctor.name, insurance=ins)
            others = [
                d.name for s in doctor.specialties for d in catalog.doctors_of(s) if ins in d.insurances
            ]
            extra = (
                _t(
                    catalog,
                    _counted("insurance_same_specialty", len(others)),
                    insurance=ins,
                    names=join_names(others),
                )
                if others
                else ""
            )
            return _t(catalog, "insurance_doctor_refuses", doctor=doctor.name, insurance=ins, others=extra)
        specialty = e.get("specialty") or state.specialty
        if specialty:
            docs = [d.name for d in catalog.doctors_of(specialty) if ins in d.insurances]
            if docs:
                key = _counted("insurance_specialty_doctors", len(docs))
                return _t(catalog, key, specialty=specialty, insurance=ins, names=join_names(docs))
            return _t(catalog, "insurance_specialty_none", specialty=specialty, insurance=ins)
        docs = [d.name for d in catalog.doctors if ins in d.insurances]
        who = _t(catalog, "insurance_accepted_doctors", names=join_names(docs)) if docs else ""
        return _t(catalog, "insurance_accepted", insurance=ins, doctors=who)
    if "insurance" in e:  # "é só particular?"
        return _t(catalog, "insurance_private_and_plans", plans=plans)
    unknown = _unknown_insurance(text)
    if unknown:
        return _t(catalog, "insurance_unknown", insurance=unknown, plans=plans)
    return _t(catalog, "insurance_list", plans=plans)


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
    """Whether an exam is done here, its preparation and price, or the list of exams."""
    exam = catalog.exam(parse.entities.get("exam"))
    t = normalize(text)
    if exam:
        wants_prep = re.search(r"\b(?:prepar\w*|jejum|dirigir|comer|beber|antes|depois|precis\w*)\b", t)
        price = _t(catalog, "exam_price_note", price=fmt_money(exam.price)) if exam.price is not None else ""
        if wants_prep and exam.preparation:
            return _t(catalog, "exam_preparation", exam=exam.name, preparation=exam.preparation, price=price)
        prep = _t(catalog, "exam_preparation_note", preparation=exam.preparation) if exam.preparation else ""
        return _t(catalog, "exam_offered", exam=exam.name, price=price, preparation=prep)
    names = join_names(e.name for e in catalog.exams)
    if not catalog.exams:
        return _t(catalog, "exams_none")
    if re.search(r"\b(?:faz|fazem|realiza\w*|tem)\b", t) and not re.search(r"\bquais\b", t):
        return _t(catalog, "exam_not_offered", names=names)
    return _t(catalog, "exams_list", names=names)


def answer_price(catalog: Catalog, parse: ParseResult, state: SessionState) -> str:
    """Private-consultation prices (a doctor, a specialty, all) and exam prices."""
    e = parse.entities
    exam = catalog.exam(e.get("exam"))
    if exam:
        if exam.price is not None:
            return _t(catalog, "exam_price", exam=exam.name, price=fmt_money(exam.price))
        return _t(catalog, "exam_price_ask", exam=exam.name)
    doctor = catalog.doctor(e.get("doctor"))
    specialty = e.get("specialty")
    if not doctor and not specialty:
        doctor = catalog.doctor(state.doctor)
        specialty = state.specialty or None
    insurance = e.get("insurance") or ""
    plan_note = ""
    if insurance and normalize(insurance) != "particular":
        plan_note = _t(catalog, "price_plan_note", insurance=insurance)
    if doctor:
        return _t(
            catalog, "price_doctor", doctor=doctor.name, price=fmt_money(doctor.price), plan_note=plan_note
        )
    if specialty:
        docs = catalog.doctors_of(specialty)
        if len(docs) == 1:
            return _t(
                catalog,
                "price_specialty_one",
                specialty=specialty,
                doctor=docs[0].name,
                price=fmt_money(docs[0].price),
                plan_note=plan_note,
            )
        lines = "; ".join(f"{d.name}: {fmt_money(d.price)}" for d in docs)
        return _t(catalog, "price_specialty_many", specialty=specialty, lines=lines, plan_note=plan_note)
    lines = "\n".join(
        f"• {s.name}: {price_range(catalog, catalog.doctors_of(s.name))}"
        for s in catalog.specialties
        if catalog.doctors_of(s.name)
    )
    return _t(catalog, "price_list", lines=lines)


def answer_hours(catalog: Catalog, parse: ParseResult) -> str:
    """When a doctor (or a specialty's doctors) sees patients, or the clinic's opening hours."""
    e = parse.entities
    doctors = [d] if (d := catalog.doctor(e.get("doctor"))) else catalog.doctors_of(e.get("specialty", ""))
    if doctors and "date" not in e:
        return "\n".join(
            _t(catalog, "doctor_hours", doctor=doc.name, schedule=fmt_weekly_schedule(doc.schedule))
            for doc in doctors[:4]
            if doc.schedule
        )
    hours = opening_hours_text(catalog)
    date = parse.entities.get("date")
    if date:
        day = dt.date.fromisoformat(date)
        if day in catalog.holidays:
            return _t(catalog, "hours_holiday", date=fmt_date(day, weekday=False), hours=hours)
        ranges = catalog.clinic.opening_hours.get(day.weekday())
        if ranges:
            return _t(catalog, "hours_open_day", day=fmt_date(day).capitalize(), ranges=fmt_ranges(ranges))
        return _t(catalog, "hours_closed_day", weekday=WEEKDAYS[day.weekday()], hours=hours)
    if parse.entities.get("period") == "evening":
        late = any(r.end >= dt.time(18, 30) for rs in catalog.clinic.opening_hours.values() for r in rs)
        return _t(catalog, "hours_evening_some" if late else "hours_evening_none", hours=hours)
    holidays = _t(catalog, "hours_no_holidays") if catalog.holidays else ""
    return _t(catalog, "hours", hours=hours, holidays=holidays)


def answer_location(catalog: Catalog, text: str) -> str:
    """The address, parking and how to get there (from the clinic data and its FAQ)."""
    c = catalog.clinic
    t = normalize(text)
    if _PARKING.search(t):
        if c.parking:
            return f"{c.parking}"
        faq = best_faq(catalog, text)
        return faq.answer if faq else _t(catalog, "location_no_parking", address=c.address)
    if _TRANSIT.search(t):
        faq = best_faq(catalog, text)
        if faq:
            return _t(catalog, "location_transit", answer=faq.answer, address=c.address)
    return _t(catalog, "location", address=c.address) if c.address else _t(catalog, "location_unknown")

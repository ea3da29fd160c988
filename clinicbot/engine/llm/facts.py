"""Public clinic facts, one short pt-BR text each, built from the clinic snapshot.

These are the only clinic data an LLM ever sees: doctors, specialties, insurances,
exams, FAQ entries and the clinic's own address, phones and hours. Nothing about any
patient is a fact, so no other patient's data can reach a prompt.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..dialogue.answers import opening_hours_text
from ..replies.format import WEEKDAYS, fmt_money, join_names
from ..types import Catalog, DoctorInfo, ExamInfo, NamedItem


@dataclass(frozen=True)
class Fact:
    """One retrievable piece of clinic knowledge.

    ``kind`` is doctor | specialty | insurance | exam | faq | clinic; ``key`` names the
    item (a doctor's or exam's name, an FAQ question, "address"…); ``text`` is what the
    model reads.
    """

    kind: str
    key: str
    text: str


def _aliases(item: NamedItem) -> str:
    return f" (também chamado: {', '.join(item.aliases)})" if item.aliases else ""


def _doctor_fact(d: DoctorInfo) -> Fact:
    days = ", ".join(WEEKDAYS[wd] for wd in sorted(d.schedule))
    parts = [f"{d.name}: {join_names(d.specialties)}."]
    if d.insurances:
        parts.append(f"Convênios aceitos: {join_names(d.insurances)}.")
    if d.price:
        parts.append(f"Consulta particular: {fmt_money(d.price)}.")
    if days:
        parts.append(f"Atende às {days}.")
    return Fact("doctor", d.name, " ".join(parts))


def _exam_fact(e: ExamInfo) -> Fact:
    text = f"Exame {e.name}{_aliases(e)}."
    if e.price is not None:
        text += f" Preço: {fmt_money(e.price)}."
    if e.preparation:
        text += f" Preparo: {e.preparation}"
    return Fact("exam", e.name, text)


def catalog_facts(catalog: Catalog) -> tuple[Fact, ...]:
    """Every public fact of the clinic, in a stable order."""
    c = catalog.clinic
    facts: list[Fact] = []
    if c.address:
        facts.append(
            Fact("clinic", "address", f"Endereço e localização da {c.name} (onde fica): {c.address}.")
        )
    phones = [
        p
        for p in (f"telefone {c.phone}" if c.phone else "", f"WhatsApp {c.whatsapp}" if c.whatsapp else "")
        if p
    ]
    if phones:
        facts.append(Fact("clinic", "phone", f"Contato da {c.name}: {' e '.join(phones)}."))
    if c.opening_hours:
        facts.append(
            Fact(
                "clinic",
                "hours",
                f"Horário de funcionamento (quando a clínica abre e fecha): {opening_hours_text(catalog)}.",
            )
        )
    if c.parking:
        facts.append(Fact("clinic", "parking", f"Estacionamento (onde deixar o carro): {c.parking}"))
    if catalog.holidays:
        days = ", ".join(f"{d:%d/%m/%Y}" for d in sorted(catalog.holidays))
        facts.append(Fact("clinic", "holidays", f"Feriados em que a clínica não abre: {days}."))
    for s in catalog.specialties:
        names = join_names(d.name for d in catalog.doctors_of(s.name))
        who = f" Médicos: {names}." if names else " No momento sem médicos."
        facts.append(Fact("specialty", s.name, f"Especialidade {s.name}{_aliases(s)}.{who}"))
    for i in catalog.insurances:
        docs = join_names(d.name for d in catalog.doctors if i.name in d.insurances)
        facts.append(
            Fact(
                "insurance",
                i.name,
                f"Convênio (plano de saúde) {i.name}{_aliases(i)}: atendem por ele {docs or 'nenhum médico'}.",
            )
        )
    facts += [_doctor_fact(d) for d in catalog.doctors]
    facts += [_exam_fact(e) for e in catalog.exams]
    facts += [
        Fact("faq", f.question, f"Pergunta frequente: {f.question} Resposta: {f.answer}") for f in catalog.faq
    ]
    return tuple(facts)

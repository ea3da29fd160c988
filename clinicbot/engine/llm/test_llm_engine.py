"""Pure tests of the LLM layer's engine side: facts, retrieval, prompt bounds, reply checks."""

from __future__ import annotations

import pytest

from clinicbot.engine.llm.facts import catalog_facts
from clinicbot.engine.llm.guard import ReplyRejected, check_reply, grounding_for
from clinicbot.engine.llm.prompt import ECONOMY, NORMAL, build_prompt
from clinicbot.engine.llm.retrieval import Bm25Retriever, OverlapRetriever
from clinicbot.engine.tests.fakes import make_catalog

CATALOG = make_catalog()
FACTS = catalog_facts(CATALOG)
GROUNDING = grounding_for(CATALOG, FACTS)


def check(text: str, offline: str = "Desculpe, não entendi.", limit: int = 700) -> str:
    return check_reply(text, offline_text=offline, grounding=GROUNDING, max_chars=limit)


def test_facts_are_public_clinic_data_only():
    kinds = {f.kind for f in FACTS}
    assert kinds <= {"clinic", "specialty", "insurance", "doctor", "exam", "faq"}
    assert any("Dr. Marcos Lins" in f.text and "R$ 300,00" in f.text for f in FACTS)


@pytest.mark.parametrize("retriever", [Bm25Retriever, OverlapRetriever])
def test_retrieval_finds_the_exam_and_the_faq(retriever):
    r = retriever(FACTS)
    assert r.top("quanto custa o ecg?", 3)[0].key == "Eletrocardiograma"
    assert ("faq", "Aceitam pix?") in {(f.kind, f.key) for f in r.top("da pra pagar com pix?", 3)}
    assert r.top("kkkkkk", 3) == []


def test_a_typical_prompt_stays_under_800_tokens():
    history = [("paciente", "oi, bom dia"), ("assistente", "Olá! Como posso ajudar?" * 3)] * 2
    for question in ("quanto custa o ecg?", "aceitam pix?", "quais médicos atendem cardiologia pela unimed?"):
        for spec in (NORMAL, ECONOMY):
            prompt = build_prompt(
                task="answer",
                clinic=CATALOG.clinic.name,
                message=question,
                draft="Desculpe, com isso eu não consigo ajudar. 🙏 Posso marcar, remarcar ou cancelar consultas.",
                facts=Bm25Retriever(FACTS).top(question, spec.max_facts),
                history=history,
                slots={"especialidade": "Cardiologia", "convênio": "Unimed"},
                spec=spec,
            )
            # ~4 characters per token: 3,200 characters ≈ 800 tokens (no tokenizer download).
            assert prompt.chars <= spec.max_chars <= 3200


def test_facts_are_dropped_until_the_prompt_fits():
    prompt = build_prompt(
        task="answer",
        clinic="C",
        message="x" * 2000,
        draft="d",
        facts=FACTS,
        history=[],
        slots={},
        spec=NORMAL,
    )
    assert prompt.chars <= NORMAL.max_chars
    assert "x" * 501 not in prompt.user  # the patient's text is clipped too


def test_grounded_reply_passes():
    assert check("O eletrocardiograma custa R$ 90,00 e não precisa de jejum. Fale com o Dr. Marcos Lins.")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("A consulta custa R$ 99,00 com a gente.", "unknown_price"),
        ("Ligue para (81) 99999-1234 para marcar.", "unknown_phone"),
        ("Veja em https://golpe.example.com/agenda para marcar.", "unknown_link"),
        ("O Dr. Paulo Menezes atende você na segunda.", "unknown_doctor"),
        ("Sure, you can pay with your card and we will help you.", "language"),
        ("", "empty"),
        ("a" * 701, "too_long"),
    ],
)
def test_ungrounded_replies_are_rejected(text, reason):
    with pytest.raises(ReplyRejected) as caught:
        check(text)
    assert caught.value.reason == reason


def test_clinic_phone_and_known_doctor_are_allowed():
    assert check("Pode ligar para (81) 3333-0000 e falar da Dra. Tereza Cavalcanti.")


@pytest.mark.parametrize(
    ("rephrased", "reason"),
    [
        ("Sua consulta é na quarta, 04/03, com o Dr. Marcos Lins. Código ABC123.", "lost_time"),
        ("Sua consulta é às 14:30 com o Dr. Marcos Lins. Código ABC123.", "lost_date"),
        ("Sua consulta é na quarta, 04/03, às 14:30 com o Dr. Marcos Lins.", "lost_code"),
    ],
)
def test_a_rephrasing_keeps_dates_times_and_codes(rephrased, reason):
    offline = "Consulta na quarta-feira, 04/03 às 14:30 com Dr. Marcos Lins. Código: *ABC123*."
    with pytest.raises(ReplyRejected) as caught:
        check(rephrased, offline)
    assert caught.value.reason == reason
    assert check("Tudo certo: quarta, 04/03, às 14:30 com o Dr. Marcos Lins. Código ABC123.", offline)

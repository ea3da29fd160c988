"""The clinic's FAQ answers questions asked in the patients' words, and nothing else."""

from __future__ import annotations

import dataclasses

import pytest

from clinicbot.engine.knowledge.faq import FaqIndex, faq_index
from clinicbot.engine.tests.fakes import make_catalog
from clinicbot.engine.types import FaqItem

FAQ = (
    FaqItem("Quais formas de pagamento vocês aceitam?", "Pix, cartão de crédito e débito, e dinheiro."),
    FaqItem("Tem Wi-Fi para pacientes?", "Sim: rede ClinicaVisitante, senha saude2027."),
    FaqItem("A clínica tem acessibilidade?", "Sim, rampa na entrada e elevador."),
    FaqItem("Vocês atendem por telemedicina?", "Sim, teleconsulta por vídeo para retornos."),
    FaqItem("E se eu me atrasar?", "A tolerância é de 15 minutos."),
)


@pytest.fixture
def index() -> FaqIndex:
    return FaqIndex(dataclasses.replace(make_catalog(), faq=FAQ))


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("aceita pix?", "Quais formas de pagamento vocês aceitam?"),
        ("da pra pagar no cartao?", "Quais formas de pagamento vocês aceitam?"),
        ("qual a senha do wifi", "Tem Wi-Fi para pacientes?"),
        ("tem internet ai?", "Tem Wi-Fi para pacientes?"),
        ("minha mae é cadeirante, tem rampa?", "A clínica tem acessibilidade?"),
        ("a consulta pode ser online por video?", "Vocês atendem por telemedicina?"),
        ("vou atrasar uns 10 min, tem problema?", "E se eu me atrasar?"),
    ],
)
def test_questions_reach_their_entry_through_the_answers_words_and_synonyms(index, text, question):
    match = index.search(text)
    assert match is not None and match.item.question == question


def test_the_clinics_phone_numbers_are_answerable(index):
    match = index.search("qual o telefone de voces?")
    assert match is not None and "3333-0000" in match.item.answer


@pytest.mark.parametrize("text", ["quem ganhou o jogo ontem?", "kkkkk", "", "qual a capital da franca"])
def test_unrelated_messages_get_no_entry(index, text):
    assert index.search(text) is None


def test_the_index_is_built_once_per_snapshot():
    catalog = make_catalog()
    assert faq_index(catalog) is faq_index(catalog)


def test_one_word_about_paying_does_not_outweigh_the_entry_about_its_subject():
    faq = (
        *FAQ,
        FaqItem("O retorno é cobrado?", "O retorno em até 30 dias com o mesmo médico não é cobrado."),
    )
    index = FaqIndex(dataclasses.replace(make_catalog(), faq=faq))
    match = index.search("e se eu precisar voltar depois, paga de novo?")
    assert match is not None and match.item.question == "O retorno é cobrado?"


def test_words_that_name_no_subject_find_no_entry(index):
    assert index.search("vcs atendem unimed?") is None


def test_what_to_bring_is_the_documents_entry_and_bringing_someone_is_the_companion_one():
    faq = (
        *FAQ,
        FaqItem("Quais documentos preciso levar?", "Documento com foto e a carteirinha do plano."),
        FaqItem("Posso levar um acompanhante?", "Sim, um acompanhante por paciente."),
        FaqItem("Posso levar meu cachorro?", "Só cães-guia."),
    )
    index = FaqIndex(dataclasses.replace(make_catalog(), faq=faq))

    def answer(text: str) -> str:
        match = index.search(text)
        return match.item.question if match else ""

    assert answer("o que eu preciso levar no dia da consulta?") == "Quais documentos preciso levar?"
    assert answer("tenho que trazer alguma coisa?") == "Quais documentos preciso levar?"
    assert answer("posso levar minha filha de acompanhante?") == "Posso levar um acompanhante?"
    assert answer("posso levar o cachorro?") == "Posso levar meu cachorro?"

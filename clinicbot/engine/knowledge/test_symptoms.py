"""A complaint points to the clinic's own specialty for it, or the next one it has."""

from __future__ import annotations

import dataclasses

import pytest

from clinicbot.engine.knowledge.symptoms import Suggestion, suggest_specialty
from clinicbot.engine.tests.fakes import make_catalog
from clinicbot.engine.types import NamedItem

CATALOG = dataclasses.replace(
    make_catalog(),
    specialties=(
        NamedItem("Ortopedia e Traumatologia", ("ortopedista",), 1),
        NamedItem("Dermatologia", (), 2),
        NamedItem("Clínica Geral", ("clinico",), 3),
        NamedItem("Otorrinolaringologia", ("otorrino",), 4),
    ),
)


@pytest.mark.parametrize(
    ("text", "complaint", "specialty"),
    [
        ("to com uma dor no joelho faz 3 semanas", "joelho", "Ortopedia e Traumatologia"),
        ("Apareceram umas MANCHAS na pele", "manchas", "Dermatologia"),
        ("minha glicose deu alta", "glicose", "Clínica Geral"),  # no endocrinologist: the generalist
        ("meu ouvido ta doendo", "ouvido", "Otorrinolaringologia"),
    ],
)
def test_a_complaint_suggests_the_clinics_specialty_for_it(text, complaint, specialty):
    assert suggest_specialty(text, CATALOG) == Suggestion(complaint, specialty)


def test_no_complaint_no_suggestion():
    assert suggest_specialty("quero marcar uma consulta", CATALOG) is None


def test_the_clinics_own_phrases_come_first():
    got = suggest_specialty(
        "preciso tratar minha enxaqueca", CATALOG, overrides={"enxaqueca": "Clínica Geral"}
    )
    assert got == Suggestion("enxaqueca", "Clínica Geral")

"""Which specialty usually sees a complaint: "dor no joelho" -> Ortopedia, as a suggestion.

A curated table of what patients say (normalised words, several forms each) and the
specialties that usually see it, most specific first. It is matched to the clinic's own
specialties by name, so a clinic without the specialty gets the next one on the list
(often Clínica Geral) or no suggestion. The dialogue words it as a suggestion, never as a
diagnosis, and a clinic may add its own phrases (``symptom_overrides``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..nlu.normalize import fold, normalize
from ..types import Catalog

GENERAL = ("clinica geral", "clinico geral", "medicina de familia")

# (what the patient says, specialty names the clinic may use for it, best first)
SYMPTOM_TABLE: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        (
            "joelho",
            "coluna",
            "lombar",
            "ombro",
            "tornozelo",
            "fratura",
            "torci",
            "torceu",
            "entorse",
            "osso",
            "ossos",
            "tendinite",
            "hernia de disco",
            "dor nas costas",
            "quadril",
            "menisco",
            "ligamento",
        ),
        ("ortopedia", "traumatologia"),
    ),
    (
        (
            "pele",
            "mancha",
            "manchas",
            "acne",
            "espinha",
            "espinhas",
            "coceira",
            "queda de cabelo",
            "cabelo caindo",
            "unha",
            "micose",
            "verruga",
            "pinta",
            "pintas",
            "psoriase",
            "dermatite",
            "alergia na pele",
            "caspa",
        ),
        ("dermatologia",),
    ),
    (
        (
            "glicose",
            "diabetes",
            "diabetico",
            "diabetica",
            "tireoide",
            "hormonio",
            "hormonios",
            "hormonal",
            "colesterol",
            "obesidade",
            "emagrecer",
            "insulina",
            "hipotireoidismo",
            "hipertireoidismo",
        ),
        ("endocrinologia", "clinica geral"),
    ),
    (
        (
            "coracao",
            "pressao alta",
            "hipertensao",
            "palpitacao",
            "palpitacoes",
            "arritmia",
            "sopro",
            "check up cardiologico",
            "colesterol alto",
        ),
        ("cardiologia",),
    ),
    (
        (
            "olho",
            "olhos",
            "vista",
            "visao",
            "enxergar",
            "enxergando",
            "oculos",
            "catarata",
            "grau",
            "lente de contato",
            "vista embacada",
            "conjuntivite",
            "terçol",
            "tercol",
        ),
        ("oftalmologia",),
    ),
    (
        (
            "ouvido",
            "ouvidos",
            "garganta",
            "nariz",
            "sinusite",
            "rinite",
            "amigdala",
            "amigdalas",
            "zumbido",
            "surdez",
            "nao escuto",
            "rouquidao",
            "ronco",
            "desvio de septo",
        ),
        ("otorrinolaringologia", "otorrino"),
    ),
    (
        (
            "menstruacao",
            "menstrual",
            "gravida",
            "gravidez",
            "pre natal",
            "prenatal",
            "utero",
            "ovario",
            "mioma",
            "preventivo",
            "papanicolau",
            "corrimento",
            "anticoncepcional",
            "menopausa",
            "mama",
            "seio",
        ),
        ("ginecologia", "obstetricia"),
    ),
    (
        (
            "dor de cabeca",
            "enxaqueca",
            "tontura",
            "formigamento",
            "dormencia",
            "memoria",
            "esquecimento",
            "tremor",
            "tremores",
            "epilepsia",
            "desmaios frequentes",
        ),
        ("neurologia", "clinica geral"),
    ),
    (
        (
            "ansiedade",
            "ansiosa",
            "ansioso",
            "depressao",
            "deprimida",
            "deprimido",
            "insonia",
            "panico",
            "crise de panico",
            "tristeza",
            "estresse",
            "estressada",
            "estressado",
        ),
        ("psiquiatria", "psicologia"),
    ),
    (
        (
            "estomago",
            "azia",
            "gastrite",
            "refluxo",
            "intestino",
            "diarreia",
            "prisao de ventre",
            "constipacao",
            "figado",
            "vesicula",
            "hemorroida",
            "barriga inchada",
        ),
        ("gastroenterologia", "clinica geral"),
    ),
    (
        (
            "urina",
            "urinar",
            "xixi",
            "prostata",
            "rim",
            "rins",
            "pedra no rim",
            "calculo renal",
            "bexiga",
            "infeccao urinaria",
        ),
        ("urologia", "nefrologia"),
    ),
    (
        ("asma", "bronquite", "tosse", "pulmao", "falta de ar cronica", "chiado no peito", "enfisema"),
        ("pneumologia", "clinica geral"),
    ),
    (
        ("alergia", "alergias", "alergico", "alergica", "urticaria"),
        ("alergologia", "imunologia", "dermatologia"),
    ),
    (
        ("bebe", "recem nascido", "puericultura", "vacina do bebe", "teste do pezinho"),
        ("pediatria",),
    ),
    (
        ("varizes", "variz", "circulacao", "inchaco nas pernas", "perna inchada", "trombose"),
        ("angiologia", "cirurgia vascular", "clinica geral"),
    ),
    (
        ("artrite", "artrose", "reumatismo", "dor nas juntas", "juntas", "fibromialgia", "lupus", "gota"),
        ("reumatologia", "ortopedia"),
    ),
    (
        ("febre", "gripe", "resfriado", "mal estar", "cansaco", "check up", "exames de rotina", "pressao"),
        ("clinica geral",),
    ),
)


@dataclass(frozen=True)
class Suggestion:
    """A complaint found in a message and the clinic's specialty that usually sees it."""

    complaint: str
    specialty: str


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(
        r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b"
    )


_COMPILED = tuple((_pattern(words), targets) for words, targets in SYMPTOM_TABLE)


def _clinic_specialty(catalog: Catalog, wanted: str) -> str | None:
    """The clinic's specialty whose name or alias starts like ``wanted`` ("otorrino" ~ "Otorrinolaringologia")."""
    for item in catalog.specialties:
        for name in (item.name, *item.aliases):
            folded = fold(name)
            if folded.startswith(wanted) or wanted.startswith(folded):
                return item.name
    return None


def suggest_specialty(
    text: str, catalog: Catalog, overrides: dict[str, str] | None = None
) -> Suggestion | None:
    """The specialty the clinic offers for the complaint in ``text`` (raw message), or None.

    ``overrides`` (phrase -> specialty name) are the clinic's own and are tried first.
    """
    normalized = normalize(text)
    for phrase, specialty in (overrides or {}).items():
        match = re.search(rf"\b{re.escape(normalize(phrase))}\b", normalized)
        if match and (name := _clinic_specialty(catalog, fold(specialty))):
            return Suggestion(match.group(), name)
    for pattern, targets in _COMPILED:
        match = pattern.search(normalized)
        if not match:
            continue
        for target in (*targets, *GENERAL):
            if name := _clinic_specialty(catalog, target):
                return Suggestion(match.group(), name)
        return None
    return None

"""The clinic's own words as a transcription prompt: names spelled the way the NLU knows them.

Speech-to-text models guess proper nouns from sound alone ("Dra. Lúcia Bezerra" may come out
"doutora Lucia Bezerro", "Hapvida" as "rap vida"). Whisper-style models take a short prompt of
preceding text and follow its spelling; Gemini reads it as context. The prompt holds public
clinic data only (never a patient's), most telling names first, and stays within Whisper's
window (about 224 tokens: the rest would be cut from the start).
"""

from __future__ import annotations

from clinicbot.engine.types import Catalog

MAX_CHARS = 600


def transcription_prompt(catalog: Catalog, *, max_chars: int = MAX_CHARS) -> str:
    """One short pt-BR paragraph naming the clinic's doctors, specialties, convênios and exams."""
    parts = [f"Mensagem de voz de um paciente para a {catalog.clinic.name}."]
    groups = (
        ("Médicos", [d.name for d in catalog.doctors]),
        ("Especialidades", [s.name for s in catalog.specialties]),
        ("Convênios", [i.name for i in catalog.insurances]),
        ("Exames", [e.name for e in catalog.exams]),
    )
    for label, names in groups:
        kept: list[str] = []
        for name in names:
            line = f"{label}: {', '.join([*kept, name])}."
            if len(" ".join([*parts, line])) > max_chars:
                break
            kept.append(name)
        if kept:
            parts.append(f"{label}: {', '.join(kept)}.")
    return " ".join(parts)

#!/usr/bin/env python3
"""Align corpus labels with the evaluation contract's public examples where the writers' brief differed.

The writers' brief said "tem cardiologista?" is ask_doctors; the contract's public set (and
two independently written sets) read a bare "is there a <specialist>?" as ask_specialties —
a question about what the clinic offers — and keep ask_doctors for questions about the
doctors themselves (who, which, a woman, how many, another one). The brief also put
complaints under out_of_scope; the assistant hands a complaint to a person, and an
independent set labels them human_agent, so they become human_agent (tag complaint kept).
This script relabels in place (line-based, so comments and layout stay) and prints each.

    python3 scripts/relabel_corpus.py clinicbot/engine/nlu/corpus/*/corpus.yaml
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

FILLERS = r"(?:(?:e|oi|oxe|uai|bah|tche|mano|entao|ei|ola)\s+)*"
SUBJECT = r"(?:(?:voces|vcs|voce|vc|ces|a clinica)\s+)?"
EXISTS = r"(?:tem|teria|tem ai|possuem|tem algum|tem alguma|tem um|tem uma)"
NOUN = r"(?:medic[oa] (?:de|do|da) \w+|[\w ]{2,25}?)"
TAIL = r"(?:\s+(?:ai|aqui|na clinica|tambem|tb|tbm|maninho|sô|so|ou nao tem))*"
BARE = re.compile(rf"^{FILLERS}{SUBJECT}{EXISTS}\s+(?:algum |alguma |um |uma )?(?P<noun>{NOUN}){TAIL}\s*\??$")
QUALIFIERS = re.compile(
    r"\b(?:mulher|homem|masculino|feminin\w*|que|quem|qual|quais|quantos|outro|outra|mais de|alem|"
    r"lista|nome|crm|bom|boa|crianca|infantil|idoso|bebe|atende|joelho|melhor)\b"
)


def fold(text: str) -> str:
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^\w\s]", " ", text.lower()).strip()


def bare_existence_question(text: str) -> bool:
    folded = " ".join(fold(text).split())
    match = BARE.match(folded)
    return bool(match) and not QUALIFIERS.search(match["noun"])


def main(paths: list[str]) -> None:
    for path in paths:
        lines = Path(path).read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines[:-1]):
            m = re.match(r'\s*- text: "(.*)"\s*$', line)
            if not m or lines[i + 1].strip() != "intent: ask_doctors":
                continue
            if bare_existence_question(m[1].replace('\\"', '"')):
                lines[i + 1] = lines[i + 1].replace("ask_doctors", "ask_specialties")
                print(f"{path}: {m[1]}")
        for i, line in enumerate(lines):
            if line.strip() != "tag: complaint":
                continue
            start = i
            while not lines[start].lstrip().startswith("- text"):
                start -= 1
            for k in range(start, i):
                if lines[k].strip() == "intent: out_of_scope":
                    lines[k] = lines[k].replace("out_of_scope", "human_agent")
                    print(f"{path}: complaint -> human_agent: {lines[start].strip()[8:]}")
        Path(path).write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Yes and no: the words, hedges and emojis patients answer a yes/no question with.

Patterns run on normalised text (lower case, no accents); emojis are read from the raw
message, since normalisation drops them.
"""

from __future__ import annotations

import re

from . import intents as cue

# Words that may surround a yes/no without changing it ("sim, pode confirmar por favor",
# "sim senhora", "isso mesmo moça, Deus lhe pague").
FILLER = frozenset(
    [
        "entao",
        "mesmo",
        "ta",
        "bom",
        "por",
        "favor",
        "pode",
        "ser",
        "isso",
        "ai",
        "que",
        "e",
        "eh",
        "pra",
        "gente",
        "ja",
        "agora",
        "beleza",
        "obrigado",
        "obrigada",
        "valeu",
        "sim",
        "claro",
        "certo",
        "ok",
        "marcar",
        "confirmar",
        "confirma",
        "confirmo",
        "confirmado",
        "confirmada",
        "agendar",
        "fechar",
        "fechado",
        "perfeito",
        "otimo",
        "show",
        "tudo",
        "uai",
        "so",
        "bah",
        "tche",
        "oxe",
        "oxente",
        "vixe",
        "ue",
        "opa",
        "ah",
        "hum",
        "eita",
        # vocatives and blessings
        "senhor",
        "senhora",
        "moca",
        "moco",
        "minha",
        "meu",
        "filha",
        "filho",
        "querida",
        "querido",
        "amem",
        "deus",
        "lhe",
        "te",
        "pague",
        "abencoe",
        "muito",
    ]
)
YES = re.compile(
    r"^(?:sim|s|ss|sss|isso|exato|exatamente|certo|certinho|correto|confirm\w*|pode\b.*|fechado|fechou|"
    r"combinado|beleza|ok|okay|okk|ta bom|ta otimo|otimo|perfeito|show|bora|claro|aham|uhum|yes|positivo|"
    r"com certeza|quero sim|isso ai|tudo certo|ta certo|esta certo|ta|pronto|vamos|manda ver|demorou|"
    r"agora sim|afirmativo|de acordo|concordo|sem problemas?|pode ser|ta otimo|ta perfeito)\b"
)
# Regional openers and courtesy words that carry no meaning of their own.
LEADING_FILLERS = re.compile(
    r"^(?:(?:oxe|oxente|uai|bah|tche|ah|opa|entao|ei|ue|eita|visse|so|amem|gracas a deus|"
    r"(?:deus (?:te|lhe) )?(?:abencoe|pague)|senhora|senhor|moca|moco|minha filha|meu filho)\s+)+"
)
YES_WORDS = frozenset(
    [
        "sim",
        "s",
        "ss",
        "isso",
        "exato",
        "exatamente",
        "certo",
        "certinho",
        "correto",
        "confirmo",
        "confirma",
        "confirmar",
        "confirmado",
        "confirmada",
        "pode",
        "ok",
        "okay",
        "claro",
        "fechado",
        "fechou",
        "beleza",
        "aham",
        "uhum",
        "bora",
        "combinado",
        "perfeito",
        "otimo",
        "show",
        "positivo",
        "afirmativo",
        "yes",
    ]
)
# Hedges before a "não" that keep it a no ("na verdade não", "infelizmente não", "melhor não").
_HEDGE = (
    r"(?:na verdade|infelizmente|melhor|acho que|acho melhor|pensando bem|por enquanto|agora|ainda|"
    r"ah|poxa|puxa|olha|entao|desculpa|desculpe|sinto muito|hoje|pior que|mas)"
)
NO = re.compile(
    r"^(?:na+o+|n|nn|nops|nop|nope|negativo|errado|errada|incorreto|nem|jamais|nada disso|de jeito nenhum|nunca)\b"
    r"|\b(?:errad[oa]|incorret[oa]|nada a ver|nada disso|nao (?:e|eh) (?:isso|esse|essa))\b"
    rf"|^(?:{_HEDGE}\s+)+(?:mas\s+)?nao\b"
    r"|^(?:acho\s+)?melhor\s+(?:deixar\s+)?(?:nao|pra la)\b"
)

# Emojis that answer a yes/no on their own (skin tones and variation selectors are ignored).
YES_EMOJIS = frozenset("👍👌✅✔☑🆗🤝💯🙆")
NO_EMOJIS = frozenset("👎❌✖🚫⛔🙅")
_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f\u200d\u2642\u2640]")


def emoji_answer(raw: str) -> str:
    """ "yes" or "no" when the message's emojis answer a yes/no ("👍🏻", "✅", "❌"), else ""."""
    chars = set(_MODIFIERS.sub("", raw))
    yes, no = bool(chars & YES_EMOJIS), bool(chars & NO_EMOJIS)
    if yes == no:
        return ""
    return "yes" if yes else "no"


# The request a yes may name in each confirmation state ("sim, pode cancelar" confirms a cancel).
_AGREEING = {
    "confirming_cancel": cue.CANCEL,
    "confirming": cue.RESCHEDULE,
    "confirming_reschedule": cue.RESCHEDULE,
}


# "pode marcar", "marca sim", "pode confirmar por favor" under a booking summary: the booking
# itself, said as an order — nothing else in the message.
_BOOK_IT = re.compile(
    r"^(?:(?:pode|podes|entao|ok|sim|isso|ta|beleza|certo)\s+)*"
    r"(?:marcar|marca|agendar|agenda|confirmar|confirma|fechar|fecha|reservar|reserva)"
    r"(?:\s+(?:sim|pra mim|entao|por favor|ai|isso|ja))*$"
)


def names_confirmed_action(text: str, state: str) -> bool:
    """The normalised message names the very action the assistant is asking to confirm."""
    agreeing = _AGREEING.get(state)
    return agreeing is not None and cue.has(agreeing, text)


def answer_to_confirmation(text: str, state: str) -> str:
    """ "confirm"/"deny" for a yes or no that names the action being confirmed, else "".

    "sim, pode cancelar" / "não, não cancela" while a cancellation is being confirmed,
    "isso, pode remarcar" under a summary: the action word agrees with the question, so the
    message answers it rather than starting a new request. A different request ("não, quero
    remarcar" while confirming a cancellation) is left to the other rules.
    """
    if state == "confirming" and _BOOK_IT.match(text):
        return "confirm"
    agreeing = _AGREEING.get(state)
    if agreeing is None:
        return ""
    if any(p is not agreeing and cue.has(p, text) for p in (cue.CANCEL, cue.RESCHEDULE, cue.CHECK)):
        return ""
    unfilled = LEADING_FILLERS.sub("", text)
    if NO.search(text):
        return "deny" if NO.match(unfilled) else ""
    return "confirm" if cue.has(agreeing, unfilled) or YES.match(unfilled) else ""

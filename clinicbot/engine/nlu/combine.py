"""How the learned model and the hand-written rules decide together.

The model reads phrasing it was never given a rule for; the rules are precise on the few
things that must never be missed or mistaken. So:

1. an emergency cue of the rules is final, and so is the model's emergency probability
   above a low threshold — a false alarm costs a sentence, a missed one may cost a life;
2. the rules' explicit requests for a person and to cancel stand (their patterns are
   unambiguous: "atendente", "cancelar"), and so does any reading the caller marks as the
   rules' to settle (``rule_final``: a message that is nothing but a name or a time, given
   while a booking waits for one);
3. otherwise the model's probabilities decide, with the rules' reading added as a vote of
   ``RULE_WEIGHT`` × the rules' confidence: a confident model overrules the rules, an unsure
   one (a phrasing far from its corpus) leans on them.
"""

from __future__ import annotations

from .model import Prediction, intent_of, tag_of

EMERGENCY_THRESHOLD = 0.35
# A self-harm reading of a message with none of its words must be this sure.
SELF_HARM_WITHOUT_WORDS = 0.85
RULE_WEIGHT = 0.25
# Below this probability the model is guessing: the rules' reading stands.
UNSURE = 0.35
# The rules' confidence when no rule matched, and the least a model guess needs to beat that.
NO_RULE = 0.5
MODEL_GUESS = 0.25
# The rules' "final" cues stand unless the model is this sure of another intent.
OVERRULE_AT = 0.7
RULE_FINAL = frozenset({"human_agent", "cancel_appointment"})
# A refinement ("out_of_scope/medical_advice") holds this share of its intent's probability.
TAG_SHARE = 0.6


# Intents whose reading depends on what the assistant asked ("sim", "o primeiro", "Ana").
STATE_BOUND = frozenset({"confirm", "deny", "provide_info"})
CLEAR_IDLE_READING = 0.8
UNSURE_WAITING_READING = 0.6


def _plain_question(as_if_idle: Prediction, probs: dict[str, float]) -> bool:
    """Read as if nothing were pending, the message is clearly something no answer depends on."""
    idle = as_if_idle.intent_probabilities()
    best = max(idle, key=lambda k: idle[k])
    return (
        best not in STATE_BOUND
        and idle[best] >= CLEAR_IDLE_READING
        and max(probs.values()) < UNSURE_WAITING_READING
    )


def _overruled(probs: dict[str, float], rule_intent: str) -> bool:
    """The model is sure of something else and all but excludes the rules' cue.

    "vcs desmarcaram minha consulta sem avisar, quero falar com um responsável" has the
    cancel cue ("desmarc…") but asks for a person.
    """
    best = max(probs, key=lambda k: probs[k])
    return best != rule_intent and probs[best] >= OVERRULE_AT and probs.get(rule_intent, 0.0) < 0.1


def _without(prediction: Prediction, label: str) -> Prediction:
    """The prediction with one label removed and the rest renormalised."""
    kept = [(lab, p) for lab, p in prediction.ranked if lab != label]
    total = sum(p for _, p in kept) or 1.0
    return Prediction(tuple((lab, p / total) for lab, p in kept))


def _best_guess(rule_intent: str, rule_confidence: float, probability: float) -> bool:
    """The model's unsure reading still beats rules that found nothing at all.

    The rules' "out_of_scope" at ``NO_RULE`` confidence is their default, not a reading: "me
    confirma os dois horários" is a request to see the bookings the model half-recognises.
    """
    return rule_intent == "out_of_scope" and rule_confidence <= NO_RULE and probability >= MODEL_GUESS


def _probability(prediction: Prediction, label: str) -> float:
    return next((p for lab, p in prediction.ranked if lab == label), 0.0)


def _emergency_probability(prediction: Prediction) -> float:
    return prediction.intent_probabilities().get("emergency", 0.0)


def _best_tag(prediction: Prediction, intent: str) -> str:
    for label, _ in prediction.ranked:
        if intent_of(label) == intent:
            return tag_of(label)
    return ""


def combine(
    prediction: Prediction,
    rule_intent: str,
    rule_confidence: float,
    group: str,
    *,
    rule_emergency: bool,
    as_if_idle: Prediction | None = None,
    rule_final: bool = False,
    self_harm_words: bool = True,
) -> tuple[str, float, str]:
    """Return (intent, confidence, tag) for one message.

    ``as_if_idle`` is the model's reading of the same message as if nothing were pending:
    an emergency is one in any state, and the corpus has fewer of them mid-booking.
    ``self_harm_words``: the message has any word of the self-harm vocabulary (death, life,
    ending, hurting oneself, not standing it any more). A self-harm reading without one
    ("pensando bem, prefiro o dr Henrique") must be near certain to count.
    """
    probs = prediction.intent_probabilities()
    if rule_emergency:
        return "emergency", max(0.95, probs.get("emergency", 0.0)), _best_tag(prediction, "emergency")
    readings = (prediction, as_if_idle) if as_if_idle else (prediction,)
    if (
        not self_harm_words
        and max(_probability(p, "emergency/self_harm") for p in readings) < SELF_HARM_WITHOUT_WORDS
    ):
        # An idiom, most likely ("pensando melhor…"): read the message without that label.
        prediction = _without(prediction, "emergency/self_harm")
        as_if_idle = _without(as_if_idle, "emergency/self_harm") if as_if_idle else None
        probs = prediction.intent_probabilities()
        readings = (prediction, as_if_idle) if as_if_idle else (prediction,)
        alarm = max(readings, key=_emergency_probability)
        p_emergency = _emergency_probability(alarm)
        tag = ""
    else:
        alarm = max(readings, key=_emergency_probability)
        p_emergency = _emergency_probability(alarm)
        tag = _best_tag(alarm, "emergency")
    if p_emergency >= EMERGENCY_THRESHOLD:
        return "emergency", p_emergency, tag
    if as_if_idle is not None and _plain_question(as_if_idle, probs):
        # A clear question stays a question while the assistant waits for an answer.
        probs = as_if_idle.intent_probabilities()
        prediction = as_if_idle
    if rule_final or (rule_intent in RULE_FINAL and not _overruled(probs, rule_intent)):
        return rule_intent, rule_confidence, _best_tag(prediction, rule_intent)
    votes = dict(probs)
    votes[rule_intent] = votes.get(rule_intent, 0.0) + RULE_WEIGHT * rule_confidence
    intent = max(votes, key=lambda k: votes[k])
    if probs.get(intent, 0.0) < UNSURE and not _best_guess(
        rule_intent, rule_confidence, probs.get(intent, 0.0)
    ):
        intent = rule_intent
    confidence = probs.get(intent, 0.0)
    # A refinement is only as good as the reading it refines: unsure, there is none; and it
    # must carry most of its intent's weight ("paga de novo?" split between an FAQ and
    # medical advice is neither for sure).
    tag = _best_tag(prediction, intent) if confidence >= UNSURE else ""
    if tag and _probability(prediction, f"{intent}/{tag}") < TAG_SHARE * confidence:
        tag = ""
    return intent, confidence, tag

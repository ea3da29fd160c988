"""The learned intent model: masking, features, NumPy inference, and how it meets the rules."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from clinicbot.engine.nlu.combine import EMERGENCY_THRESHOLD, combine
from clinicbot.engine.nlu.detect import Understanding, state_group
from clinicbot.engine.nlu.features import featurize, mask, symbol_tokens
from clinicbot.engine.nlu.model import IntentModel, Prediction, intent_of, load_model, tag_of
from clinicbot.engine.nlu.training import Example, augmentations, fit
from clinicbot.engine.tests.fakes import make_catalog

TODAY = dt.date(2027, 6, 1)


def test_masking_replaces_clinic_names_dates_and_numbers_by_placeholders():
    text = "quero cardiologia com a dra tereza amanha cpf 12345678900 opcao 2"
    spans = [(6, 17, "specialty"), (24, 34, "doctor"), (35, 41, "when")]
    assert mask(text, spans) == "quero ESPECIALIDADE com a MEDICO QUANDO cpf NUMD opcao NUMA"


def test_overlapping_spans_keep_the_first_and_longest():
    assert mask("abc def", [(0, 7, "when"), (4, 7, "doctor")]) == "QUANDO"


def test_emojis_become_words_without_skin_tones():
    assert symbol_tokens("ok 👍🏽✅") == ["E_THUMBS_UP_SIGN", "E_WHITE_HEAVY_CHECK_MARK"]
    assert symbol_tokens("sem emoji") == []


def test_understanding_masks_the_clinics_own_names_before_the_model_sees_them():
    nlu = Understanding(make_catalog(), model=None)
    features = nlu.model_features("quero marcar cardiologia amanha", state="collecting", today=TODAY)
    assert "w=ESPECIALIDADE" in features and "w=QUANDO" in features
    assert not any("cardio" in f for f in features)
    assert "s=awaiting_info" in features


@pytest.mark.parametrize(
    ("state", "expect", "group"),
    [
        ("idle", "", "idle"),
        ("handoff", "", "idle"),
        ("collecting", "date", "awaiting_info"),
        ("collecting", "confirm", "awaiting_confirmation"),
        ("choosing_slot", "slot", "awaiting_choice"),
        ("confirming_cancel", "confirm", "awaiting_confirmation"),
        ("waitlist_offer", "", "awaiting_confirmation"),
    ],
)
def test_internal_states_map_onto_the_four_contract_situations(state, expect, group):
    assert state_group(state, expect) == group


def _toy_examples() -> list[Example]:
    def ex(text: str, label: str, state: str = "idle") -> Example:
        return Example(tuple(featurize(text, [], state, "out_of_scope")), label)

    return [
        ex("quero marcar consulta", "schedule_appointment"),
        ex("queria agendar uma consulta", "schedule_appointment"),
        ex("marcar pra amanha", "schedule_appointment"),
        ex("sim", "confirm", "awaiting_confirmation"),
        ex("isso mesmo", "confirm", "awaiting_confirmation"),
        ex("pode confirmar sim", "confirm", "awaiting_confirmation"),
        ex("meu filho engoliu remedio", "emergency/poisoning"),
        ex("minha mae desmaiou", "emergency"),
        ex("ele engoliu agua sanitaria", "emergency/poisoning"),
    ]


def test_a_trained_model_predicts_probabilities_that_sum_to_one_and_survive_a_file_round_trip(tmp_path):
    model = fit(_toy_examples(), min_df=1)
    features = featurize("quero marcar uma consulta", [], "idle", "out_of_scope")
    prediction = model.predict(features)
    assert intent_of(prediction.label) == "schedule_appointment"
    assert sum(p for _, p in prediction.ranked) == pytest.approx(1.0, abs=1e-5)

    model.save(tmp_path / "m.npz")
    again = IntentModel.load(tmp_path / "m.npz")
    reloaded = again.predict(features).ranked  # weights are stored in half precision
    assert [label for label, _ in reloaded] == [label for label, _ in prediction.ranked]
    assert [p for _, p in reloaded] == pytest.approx([p for _, p in prediction.ranked], abs=1e-3)
    assert again.meta["examples"] == 9


def test_training_is_deterministic_to_the_byte(tmp_path):
    fit(_toy_examples(), min_df=1).save(tmp_path / "a.npz")
    fit(_toy_examples(), min_df=1).save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_refined_labels_fold_into_their_intent():
    assert intent_of("emergency/self_harm") == "emergency" and tag_of("emergency/self_harm") == "self_harm"
    prediction = Prediction((("out_of_scope/faq", 0.4), ("out_of_scope", 0.35), ("greeting", 0.25)))
    assert prediction.intent_probabilities() == pytest.approx({"out_of_scope": 0.75, "greeting": 0.25})


def test_unknown_features_give_the_prior_not_an_error():
    model = fit(_toy_examples(), min_df=1)
    assert len(model.predict(["w=palavra_nunca_vista"]).ranked) == len(model.labels)


# ----------------------------------------------------------------------------- combining
def _prediction(**probs: float) -> Prediction:
    return Prediction(tuple(sorted(probs.items(), key=lambda kv: -kv[1])))


def test_an_emergency_cue_of_the_rules_is_final_whatever_the_model_says():
    got = combine(_prediction(greeting=0.9, emergency=0.1), "greeting", 0.9, "idle", rule_emergency=True)
    assert got[0] == "emergency"


def test_the_models_emergency_probability_above_the_threshold_wins_over_its_top_label():
    p = _prediction(schedule_appointment=1 - EMERGENCY_THRESHOLD - 0.01, emergency=EMERGENCY_THRESHOLD + 0.01)
    assert combine(p, "schedule_appointment", 0.9, "idle", rule_emergency=False)[0] == "emergency"


def test_explicit_human_and_cancel_cues_stand_otherwise_the_model_decides():
    p = _prediction(schedule_appointment=0.8, human_agent=0.2)
    assert combine(p, "human_agent", 0.9, "idle", rule_emergency=False)[0] == "human_agent"
    assert combine(p, "greeting", 0.9, "idle", rule_emergency=False)[:1] == ("schedule_appointment",)
    refined = Prediction((("out_of_scope/medical_advice", 0.7), ("out_of_scope", 0.2), ("greeting", 0.1)))
    assert combine(refined, "ask_exams", 0.8, "idle", rule_emergency=False) == (
        "out_of_scope",
        pytest.approx(0.9),
        "medical_advice",
    )


# ----------------------------------------------------------------------------- the shipped model
def test_the_shipped_model_loads_and_reads_unseen_emergencies_and_requests_for_a_person():
    model = load_model()
    assert model is not None, "no artefact: run `manage.py train_nlu`"
    nlu = Understanding(make_catalog(), model=model)

    def intent(text: str, state: str = "idle") -> str:
        return nlu.detect(text, state=state, today=TODAY, now_time=dt.time(9, 0))[0].intent

    assert intent("meu filho bebeu agua sanitaria") == "emergency"
    assert intent("tem alguem de carne e osso pra falar comigo") == "human_agent"
    assert intent("👍", state="confirming") == "confirm"
    assert np.isfinite(model.weights).all()


def test_augmentation_gives_distinct_noisy_copies_and_the_same_ones_every_time():
    text = "Bom dia, eu queria marcar uma consulta para você amanhã"
    copies = augmentations(text, 2, seed=7)
    assert len(copies) == 2 and text not in copies and copies[0] != copies[1]
    assert augmentations(text, 2, seed=7) == copies


def test_a_reading_the_caller_marks_as_the_rules_to_settle_stands_but_an_emergency_still_wins():
    p = _prediction(deny=0.88, provide_info=0.12)
    assert combine(p, "provide_info", 0.8, "awaiting_choice", rule_emergency=False)[0] == "deny"
    assert combine(p, "provide_info", 0.8, "awaiting_choice", rule_emergency=False, rule_final=True)[0] == (
        "provide_info"
    )
    alarm = _prediction(provide_info=0.5, emergency=0.5)
    assert combine(alarm, "provide_info", 0.8, "awaiting_info", rule_emergency=False, rule_final=True)[0] == (
        "emergency"
    )

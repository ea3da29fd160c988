"""The evaluation contract and the quality bar (scores asserted as thresholds)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from clinicbot.conversations.evaluation import EvaluationFileError, run_evaluation

ROOT = Path(settings.BASE_DIR)
SHARED = ROOT.parent / "shared" / "eval"
OWN = ROOT / "tests" / "eval"


@pytest.fixture
def restore_cache_prefix():
    prefix = cache.key_prefix
    yield
    cache.key_prefix = prefix


def _evaluate(folder: Path, clinic: str, nlu: str, dialogues: str) -> dict:
    if not (folder / clinic).exists():
        pytest.skip(f"{folder / clinic} is not available")
    return run_evaluation(
        clinic=str(folder / clinic), nlu=str(folder / nlu), dialogues=str(folder / dialogues)
    )


@pytest.mark.django_db(transaction=True)
def test_public_evaluation_meets_the_bar(restore_cache_prefix):
    report = _evaluate(SHARED, "clinic_dev.yaml", "nlu_dev.yaml", "dialogues_dev.yaml")
    assert report["nlu"]["intent_accuracy"] >= 0.97, report["nlu"]["errors"][:10]
    assert report["nlu"]["entity_f1"] >= 0.93, report["nlu"]["errors"][:10]
    assert report["dialogues"]["success_rate"] >= 0.95, report["dialogues"]["failures"]
    # The turn takes the worker's path (a locked read of the session and a check for other
    # pending messages, on top of the engine's reads and one INSERT and one UPDATE).
    assert report["db_queries_per_turn"]["mean"] <= 7
    assert report["engine_errors"] == 0


@pytest.mark.django_db(transaction=True)
def test_own_evaluation_on_another_clinic_meets_the_bar(restore_cache_prefix):
    report = _evaluate(OWN, "clinic_alt.yaml", "nlu_alt.yaml", "dialogues_alt.yaml")
    assert report["nlu"]["intent_accuracy"] >= 0.93, report["nlu"]["errors"][:10]
    assert report["nlu"]["entity_f1"] >= 0.93, report["nlu"]["errors"][:10]
    assert report["dialogues"]["success_rate"] >= 0.85, report["dialogues"]["failures"]
    assert report["engine_errors"] == 0


@pytest.mark.django_db(transaction=True)
def test_third_evaluation_set_meets_the_bar(restore_cache_prefix):
    report = _evaluate(OWN, "clinic_alt2.yaml", "nlu_alt2.yaml", "dialogues_alt2.yaml")
    assert report["nlu"]["intent_accuracy"] >= 0.93, report["nlu"]["errors"][:10]
    assert report["nlu"]["entity_f1"] >= 0.93, report["nlu"]["errors"][:10]
    assert report["dialogues"]["success_rate"] >= 0.85, report["dialogues"]["failures"]
    assert report["engine_errors"] == 0


@pytest.mark.django_db(transaction=True)
def test_development_set_of_the_dialogue_failure_classes_meets_the_bar(restore_cache_prefix):
    """A São Luís clinic and 80 dialogues written, blind to the engine, around the ways a
    conversation goes wrong (issue 13): emergencies and their follow-ups, self-harm, medical
    advice, names, dates of birth, picks, follow-ups, FAQ, giving up, complaints."""
    report = _evaluate(OWN, "clinic_dev2.yaml", "nlu_dev2.yaml", "dialogues_dev2.yaml")
    assert report["nlu"]["intent_accuracy"] >= 0.95, report["nlu"]["errors"][:10]
    assert report["nlu"]["entity_f1"] >= 0.95, report["nlu"]["errors"][:10]
    assert report["dialogues"]["success_rate"] >= 0.90, report["dialogues"]["failures"]
    assert report["safety"] == {"emergency_recall": 1.0, "human_agent_recall": 1.0}
    assert report["engine_errors"] == 0


@pytest.mark.django_db(transaction=True)
def test_second_development_set_meets_the_bar(restore_cache_prefix):
    """A São José dos Campos clinic, written blind to the engine from the same brief as our
    blind set (which is not in this repository's tests): any order of data, picks among
    offered times, changes of mind, relatives, emergencies, FAQ."""
    report = _evaluate(OWN, "clinic_dev3.yaml", "nlu_dev3.yaml", "dialogues_dev3.yaml")
    assert report["nlu"]["intent_accuracy"] >= 0.95, report["nlu"]["errors"][:10]
    assert report["nlu"]["entity_f1"] >= 0.95, report["nlu"]["errors"][:10]
    assert report["dialogues"]["success_rate"] >= 0.90, report["dialogues"]["failures"]
    assert report["safety"] == {"emergency_recall": 1.0, "human_agent_recall": 1.0}
    assert report["engine_errors"] == 0


@pytest.mark.django_db(transaction=True)
def test_curitiba_development_set_meets_the_bar(restore_cache_prefix):
    """A Curitiba clinic written blind to the engine (southern and elderly writing, shared
    surnames, 20/40-minute slots, FAQ side questions); the engine of 2026-11-29 scored
    intent 0.824 and 30/45 dialogues on it. One FAQ fix was made after reading it."""
    report = _evaluate(OWN, "clinic_dev5.yaml", "nlu_dev5.yaml", "dialogues_dev5.yaml")
    assert report["nlu"]["intent_accuracy"] >= 0.95, report["nlu"]["errors"][:10]
    assert report["nlu"]["entity_f1"] >= 0.95, report["nlu"]["errors"][:10]
    assert report["dialogues"]["success_rate"] >= 0.93, report["dialogues"]["failures"]
    assert report["safety"] == {"emergency_recall": 1.0, "human_agent_recall": 1.0}
    assert report["engine_errors"] == 0


@pytest.mark.django_db
def test_unreadable_dialogue_file_names_file_and_line(tmp_path):
    bad = tmp_path / "dialogues.yaml"
    bad.write_text(
        'now: "2026-03-02T09:00:00-03:00"\ndialogues:\n  - id: x\n    turns: [\n', encoding="utf-8"
    )
    with pytest.raises(EvaluationFileError, match=rf"{bad}:\d+"):
        run_evaluation(clinic=str(OWN / "clinic_alt.yaml"), nlu=None, dialogues=str(bad))


def test_evaluate_command_prints_json_and_exits_2_on_a_bad_file(tmp_path):
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(
        "clinic:\n  name: X\nspecialties:\n  - name: A\ndoctors:\n  - name: Dr. B\n    specialties: [Z]\n"
    )
    env = {"CLINICBOT_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    bad = subprocess.run(
        [sys.executable, "manage.py", "evaluate", "--clinic", str(clinic), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2
    assert f"{clinic}:7:" in bad.stderr and "unknown specialty" in bad.stderr
    if not (OWN / "nlu_alt.yaml").exists():
        pytest.skip("own evaluation set not available")
    good = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "evaluate",
            "--clinic",
            str(OWN / "clinic_alt.yaml"),
            "--nlu",
            str(OWN / "nlu_alt.yaml"),
            "--json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert good.returncode == 0, good.stderr
    report = json.loads(good.stdout)
    assert set(report) >= {"nlu", "turns", "latency_ms", "db_queries_per_turn"}
    assert set(report["nlu"]) == {
        "cases",
        "intent_accuracy",
        "entity_precision",
        "entity_recall",
        "entity_f1",
        "errors",
    }


def test_evaluate_twice_in_one_process_starts_each_run_on_an_empty_database(tmp_path):
    """The command used to restore the *test* database name afterwards, so a second run in
    the same process (a script, a notebook) reused the first run's bookings."""
    if not (OWN / "dialogues_alt.yaml").exists():
        pytest.skip("own evaluation set not available")
    script = (
        "import io, json, django\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        "from django.db import connection\n"
        "for _ in range(2):\n"
        "    out = io.StringIO()\n"
        f"    call_command('evaluate', '--clinic', {str(OWN / 'clinic_alt.yaml')!r},\n"
        f"                 '--dialogues', {str(OWN / 'dialogues_alt.yaml')!r}, '--json', stdout=out)\n"
        "    print(json.loads(out.getvalue())['dialogues']['passed'], connection.settings_dict['NAME'])\n"
    )
    env = {
        "CLINICBOT_VAR_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "clinicbot.settings",
        "LOG_LEVEL": "WARNING",
    }
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    (first, name1), (second, name2) = (line.split() for line in run.stdout.split("\n") if line)
    assert first == second
    assert name1 == name2 == str(tmp_path / "clinicbot.sqlite3")

"""The evaluation harness behind ``manage.py evaluate`` (contract: shared eval README §4).

Every NLU case and dialogue goes through the production code: the NLU for single
messages, and ``handle_inbound`` (engine, persistence, cache) for dialogue turns, on a
throw-away database and cache with the clock frozen at the file's ``now``.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinicbot.clinics import snapshot
from clinicbot.clinics.clinic_file import ClinicFileError, load_clinic_file
from clinicbot.clinics.services import clinic_import
from clinicbot.core import cache as safe_cache
from clinicbot.core.clock import FrozenClock
from clinicbot.core.phones import normalize_phone
from clinicbot.engine.nlu.normalize import fold
from clinicbot.llm.interpreter import interpreter_for
from clinicbot.llm.usage import usage_report
from clinicbot.scheduling.models import Appointment, AppointmentStatus

from .evaluation_checks import reply_failures, statements
from .models import ConversationSession
from .pipeline import InboundText, forget_process_state, handle_inbound, understanding_for

# The four situations of the eval format, mapped onto the assistant's own states.
STATE_IN = {
    "idle": "idle",
    "awaiting_info": "collecting",
    "awaiting_choice": "choosing_slot",
    "awaiting_confirmation": "confirming",
}
STATE_OUT = {
    "idle": "idle",
    "collecting": "awaiting_info",
    "choosing_slot": "awaiting_choice",
    "choosing_doctor": "awaiting_choice",
    "choosing_appointment": "awaiting_choice",
    "confirming": "awaiting_confirmation",
    "confirming_cancel": "awaiting_confirmation",
    "handoff": "handoff",
}


class EvaluationFileError(Exception):
    """An input file cannot be used; ``str()`` names the file and the line."""


def _load_yaml(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except OSError as exc:
        raise EvaluationFileError(f"{path}: cannot read the file: {exc.strerror}") from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise EvaluationFileError(f"{path}:{line}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise EvaluationFileError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise EvaluationFileError(f"{path}:1: expected a mapping with 'now' and cases/dialogues")
    return data


def _now_of(data: dict[str, Any], path: str) -> dt.datetime:
    raw = data.get("now")
    try:
        now = raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(str(raw))
    except ValueError:
        raise EvaluationFileError(f"{path}: 'now' is not an ISO datetime: {raw!r}") from None
    if now.tzinfo is None:
        raise EvaluationFileError(f"{path}: 'now' needs a UTC offset, e.g. 2026-03-02T09:00:00-03:00")
    return now


def _same(a: Any, b: Any) -> bool:
    return fold(str(a)) == fold(str(b))


@dataclass
class Report:
    nlu: dict[str, Any] = field(default_factory=dict)
    dialogues: dict[str, Any] = field(default_factory=dict)
    safety: dict[str, float] = field(default_factory=dict)
    engine_errors: int = 0  # turns the engine failed on (the patient got the apology reply)
    latencies: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        lat = sorted(self.latencies)

        def pct(p: float) -> float:
            if not lat:
                return 0.0
            return round(lat[min(len(lat) - 1, int(round(p * (len(lat) - 1))))], 3)

        out: dict[str, Any] = {}
        if self.nlu:
            out["nlu"] = self.nlu
        if self.dialogues:
            out["dialogues"] = self.dialogues
        if self.safety:
            out["safety"] = self.safety
        out["turns"] = len(self.latencies)
        out["engine_errors"] = self.engine_errors
        out["latency_ms"] = {"p50": pct(0.5), "p99": pct(0.99)}
        out["db_queries_per_turn"] = {
            "mean": round(statistics.mean(self.queries), 3) if self.queries else 0.0,
            "max": max(self.queries) if self.queries else 0,
        }
        return out


class Evaluation:
    """Runs one evaluation on the database and cache currently configured (throw-away)."""

    def __init__(self, clinic_path: str) -> None:
        try:
            self.clinic_file = load_clinic_file(clinic_path)
        except ClinicFileError as exc:
            raise EvaluationFileError(str(exc)) from None
        self.report = Report()

    # -------------------------------------------------------------- environment
    def restart(self) -> None:
        """What a server restart does to caches: every one of them is empty afterwards."""
        cache.key_prefix = f"eval-{uuid.uuid4().hex[:12]}"
        snapshot.forget_process_memo()
        forget_process_state()
        safe_cache.reset_backoff()

    def load_clinic(self) -> None:
        self.restart()
        clinic_import(data=self.clinic_file)
        snapshot.invalidate_snapshot()

    # -------------------------------------------------------------- NLU
    def run_nlu(self, path: str) -> None:
        data = _load_yaml(path)
        now = _now_of(data, path)
        cases = data.get("cases")
        if not isinstance(cases, list):
            raise EvaluationFileError(f"{path}: 'cases' must be a list")
        catalog = snapshot.get_catalog()
        nlu = understanding_for(catalog)
        local = now.astimezone(zoneinfo.ZoneInfo(catalog.clinic.timezone))
        correct = tp = fp = fn = 0
        errors = []
        safety: dict[str, list[int]] = {"emergency": [0, 0], "human_agent": [0, 0]}
        for i, case in enumerate(cases):
            if not isinstance(case, dict) or "text" not in case or "intent" not in case:
                raise EvaluationFileError(f"{path}: case {i + 1} needs 'text' and 'intent'")
            state = STATE_IN.get(str(case.get("state", "idle")), "idle")
            # With --provider, an unsure case is also read by the LLM, as in a conversation.
            llm = interpreter_for(session_id=None, now=now)
            parse, _ = nlu.detect(
                str(case["text"]), state=state, today=local.date(), now_time=local.time(), interpreter=llm
            )
            expected = {k: fold(str(v)) for k, v in (case.get("entities") or {}).items()}
            got = {k: fold(str(v)) for k, v in parse.entities.items()}
            correct += parse.intent == case["intent"]
            if case["intent"] in safety:
                safety[case["intent"]][0] += 1
                safety[case["intent"]][1] += parse.intent == case["intent"]
            tp += sum(1 for k, v in got.items() if expected.get(k) == v)
            fp += sum(1 for k, v in got.items() if expected.get(k) != v)
            fn += sum(1 for k, v in expected.items() if got.get(k) != v)
            if parse.intent != case["intent"] or expected != got:
                errors.append(
                    {
                        "text": case["text"],
                        "expected": {"intent": case["intent"], "entities": case.get("entities") or {}},
                        "got": {"intent": parse.intent, "entities": parse.entities},
                    }
                )
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        self.report.nlu = {
            "cases": len(cases),
            "intent_accuracy": round(correct / len(cases), 4) if cases else 0.0,
            "entity_precision": round(precision, 4),
            "entity_recall": round(recall, 4),
            "entity_f1": round(f1, 4),
            "errors": errors,
        }
        # Recall of the cases that must never be missed (contract §4: --json adds "safety").
        self.report.safety = {
            f"{intent}_recall": round(hit / total, 4) if total else 1.0
            for intent, (total, hit) in safety.items()
        }

    # -------------------------------------------------------------- dialogues
    def run_dialogues(
        self, path: str, *, on_turn: Callable[[str, str, list[str]], None] | None = None
    ) -> None:
        data = _load_yaml(path)
        now = _now_of(data, path)
        dialogues = data.get("dialogues")
        if not isinstance(dialogues, list):
            raise EvaluationFileError(f"{path}: 'dialogues' must be a list")
        clock = FrozenClock(now)
        passed = intent_total = intent_ok = 0
        failures: list[dict[str, Any]] = []
        for d in dialogues:
            ok, i_total, i_ok, dialogue_failures = self._run_dialogue(d, clock, on_turn)
            passed += ok
            intent_total += i_total
            intent_ok += i_ok
            failures += dialogue_failures
        self.report.dialogues = {
            "total": len(dialogues),
            "passed": passed,
            "success_rate": round(passed / len(dialogues), 4) if dialogues else 0.0,
            "turn_intent_accuracy": round(intent_ok / intent_total, 4) if intent_total else 1.0,
            "failures": failures,
        }

    def _run_dialogue(
        self, d: dict[str, Any], clock: FrozenClock, on_turn: Any
    ) -> tuple[bool, int, int, list[dict[str, Any]]]:
        did = str(d.get("id", "?"))
        phone = normalize_phone(str(d.get("phone", "")))
        failures: list[dict[str, Any]] = []
        intent_total = intent_ok = 0
        last_replies: list[str] = []
        for n, turn in enumerate(d.get("turns") or [], 1):
            if turn.get("restart"):
                self.restart()
                continue
            text = str(turn.get("user", ""))
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                outcome = handle_inbound(InboundText(phone=phone, text=text), clock=clock)
            self.report.latencies.append((time.perf_counter() - started) * 1000)
            self.report.queries.append(statements(queries.captured_queries))
            self.report.engine_errors += "engine_error" in outcome.result.events
            last_replies = [r.text for r in outcome.replies]
            if on_turn:
                on_turn(
                    did,
                    text,
                    last_replies
                    + [
                        f"({len(queries.captured_queries)} queries: "
                        + "; ".join(q["sql"][:60] for q in queries.captured_queries)
                        + ")"
                    ],
                )
            parse = outcome.result.parse
            if "intent" in turn:
                intent_total += 1
                intent_ok += parse.intent == turn["intent"]
                if parse.intent != turn["intent"]:
                    failures.append(
                        {
                            "id": did,
                            "turn": n,
                            "reason": f"intent: expected {turn['intent']}, got {parse.intent} ({text!r})",
                            "soft": True,
                        }
                    )
            for key, value in (turn.get("entities") or {}).items():
                if not _same(parse.entities.get(key, ""), value):
                    failures.append(
                        {
                            "id": did,
                            "turn": n,
                            "reason": f"entity {key}: expected {value!r}, got {parse.entities.get(key)!r}",
                            "soft": True,
                        }
                    )
            failures += [
                {"id": did, "turn": n, "reason": reason}
                for reason in reply_failures(turn, last_replies, "reply")
            ]
        failures += self._check_expect(did, phone, d.get("expect") or {}, last_replies)
        hard = [f for f in failures if not f.get("soft")]
        for f in failures:
            f.pop("soft", None)
        return not hard, intent_total, intent_ok, failures

    def _check_expect(
        self, did: str, phone: str, expect: dict[str, Any], last_replies: list[str]
    ) -> list[dict[str, Any]]:
        out = []
        tz = zoneinfo.ZoneInfo(snapshot.get_catalog().clinic.timezone)
        active = list(
            Appointment.objects.active()
            .filter(phone=phone)
            .select_related("doctor", "specialty", "insurance")
        )

        def fail(reason: str) -> None:
            out.append({"id": did, "turn": "expect", "reason": reason})

        def describe(a: Appointment) -> str:
            s = a.start.astimezone(tz)
            return f"{a.patient_name}/{a.specialty.name}/{a.insurance.name}/{a.doctor.name}/{s:%Y-%m-%d %H:%M}/{a.status}"

        if want := expect.get("appointment"):

            def fits(a: Appointment) -> bool:
                s = a.start.astimezone(tz)
                checks = {
                    "patient_name": a.patient_name,
                    "specialty": a.specialty.name,
                    "insurance": a.insurance.name,
                    "doctor": a.doctor.name,
                    "date": s.date().isoformat(),
                    "time": f"{s:%H:%M}",
                }
                return all(_same(checks[k], v) for k, v in want.items() if k in checks)

            if not any(fits(a) for a in active):
                fail(f"no active appointment like {want}; active: {[describe(a) for a in active]}")
        if expect.get("no_appointment") and active:
            fail(f"expected no active appointment, found {[describe(a) for a in active]}")
        if gone := expect.get("cancelled_appointment"):
            cancelled = Appointment.objects.filter(phone=phone, status=AppointmentStatus.CANCELLED)
            if not any(
                all(
                    _same(
                        {
                            "date": a.start.astimezone(tz).date().isoformat(),
                            "time": f"{a.start.astimezone(tz):%H:%M}",
                        }[k],
                        v,
                    )
                    for k, v in gone.items()
                )
                for a in cancelled
            ):
                fail(f"no cancelled appointment like {gone}")
        session = ConversationSession.objects.filter(phone=phone).first()
        if expect.get("human_agent") and not (session and session.handed_off):
            fail("conversation was not handed to a person")
        if "state" in expect:
            got = STATE_OUT.get(session.current_state if session else "idle", "idle")
            if got != expect["state"]:
                fail(
                    f"final state {got} ({session.current_state if session else None}), expected {expect['state']}"
                )
        for reason in reply_failures(expect, last_replies, "last reply"):
            fail(reason)
        return out


def run_evaluation(
    *,
    clinic: str,
    nlu: str | None,
    dialogues: str | None,
    on_turn: Callable[[str, str, list[str]], None] | None = None,
) -> dict[str, Any]:
    """Validate the files, then evaluate on the current (throw-away) database."""
    for path in (nlu, dialogues):
        if path and not Path(path).exists():
            raise EvaluationFileError(f"{path}: file not found")
    evaluation = Evaluation(clinic)
    for path in (nlu, dialogues):
        if path:
            _now_of(_load_yaml(path), path)
    evaluation.load_clinic()
    if nlu:
        evaluation.run_nlu(nlu)
    if dialogues:
        evaluation.run_dialogues(dialogues, on_turn=on_turn)
    report = evaluation.report.as_dict()
    # Tokens spent by the LLM provider (LLM_PROVIDER / --provider); zeros when offline.
    report["llm"] = usage_report(turns=report["turns"])
    return report

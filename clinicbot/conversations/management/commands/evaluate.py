"""manage.py evaluate --clinic FILE [--nlu FILE] [--dialogues FILE] [--json] [--verbose]"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from clinicbot.conversations.evaluation import EvaluationFileError, run_evaluation
from clinicbot.core.logs import logs_to_file


class Command(BaseCommand):
    help = "Score the assistant on evaluation files, on a throw-away database and cache."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", required=True)
        parser.add_argument("--nlu")
        parser.add_argument("--dialogues")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--verbose-turns", action="store_true", help="print every turn and reply")
        parser.add_argument(
            "--verbose", action="store_true", help="print the log lines here (default: var/evaluate.log)"
        )
        parser.add_argument(
            "--provider",
            choices=["offline", "gemini", "openai"],
            help="answer through this LLM provider (default: LLM_PROVIDER); the report's 'llm' has its tokens",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        # The report is the output: the turns' log lines go to a file unless --verbose.
        if opts["verbose"]:
            self._evaluate(opts)
            return
        with logs_to_file(Path(settings.VAR_DIR) / "evaluate.log"):
            self._evaluate(opts)

    def _evaluate(self, opts: dict[str, Any]) -> None:
        # A fresh throw-away database: in-memory SQLite, or a uniquely named PostgreSQL
        # database that is dropped afterwards.
        connection.settings_dict.setdefault("TEST", {})
        if connection.vendor != "sqlite":
            connection.settings_dict["TEST"]["NAME"] = f"clinicbot_eval_{os.getpid()}"

        old_name = connection.settings_dict["NAME"]  # create_test_db returns the *test* name
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        on_turn = None
        if opts["verbose_turns"]:

            def on_turn(did: str, text: str, replies: list[str]) -> None:
                self.stderr.write(f"[{did}] > {text}\n" + "\n".join(f"    < {r}" for r in replies))

        if opts.get("provider"):
            settings.LLM_PROVIDER = opts["provider"]
        try:
            if opts["verbose_turns"]:
                settings.DEBUG = True
            report = run_evaluation(
                clinic=opts["clinic"], nlu=opts.get("nlu"), dialogues=opts.get("dialogues"), on_turn=on_turn
            )
        except EvaluationFileError as exc:
            self.stderr.write(f"evaluate: {exc}")
            sys.exit(2)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            # With the real name restored this really closes the in-memory connection
            # (Django keeps those open), so a next run in this process starts empty.
            connection.close()
        if opts["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        self._print(report)

    def _print(self, r: dict[str, Any]) -> None:
        w = self.stdout.write
        if n := r.get("nlu"):
            w(
                f"NLU: {n['cases']} cases, intent accuracy {n['intent_accuracy']:.3f}, entity P/R/F1 "
                f"{n['entity_precision']:.3f}/{n['entity_recall']:.3f}/{n['entity_f1']:.3f}"
            )
            if sf := r.get("safety"):
                w(
                    f"Safety: emergency recall {sf['emergency_recall']:.3f}, "
                    f"human-agent recall {sf['human_agent_recall']:.3f}"
                )
            for e in n["errors"][:30]:
                w(f"  ✗ {e['text']!r}: expected {e['expected']} got {e['got']}")
        if d := r.get("dialogues"):
            w(
                f"Dialogues: {d['passed']}/{d['total']} passed ({d['success_rate']:.3f}), turn intent accuracy {d['turn_intent_accuracy']:.3f}"
            )
            for f in d["failures"]:
                w(f"  ✗ {f['id']} turn {f['turn']}: {f['reason']}")
        w(
            f"Turns: {r['turns']}, latency p50 {r['latency_ms']['p50']} ms, p99 {r['latency_ms']['p99']} ms, "
            f"DB queries/turn mean {r['db_queries_per_turn']['mean']} max {r['db_queries_per_turn']['max']}"
        )
        if (llm := r.get("llm")) and llm["provider"] != "offline":
            w(
                f"LLM {llm['provider']} replies: {llm['calls']} calls, {llm['fallbacks']} offline fallbacks, "
                f"prompt tokens/turn {llm['mean_prompt_tokens_per_turn']}, "
                f"completion tokens/turn {llm['mean_completion_tokens_per_turn']}"
            )
            u = llm["understanding"]
            w(
                f"LLM readings of unsure messages: {u['calls']} calls, {u['failures']} failures, "
                f"tokens {u['prompt_tokens']} prompt + {u['completion_tokens']} completion "
                f"({u['mean_prompt_tokens_per_call']} prompt tokens/call)"
            )

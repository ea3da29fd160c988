"""``manage.py train_nlu``: train the learned intent model from the corpus and ship it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from clinicbot.conversations.nlu_training import CORPUS_DIR, train_from_corpus
from clinicbot.engine.nlu.model import DEFAULT_PATH


class Command(BaseCommand):
    help = "Train the intent model on the corpus (engine/nlu/corpus) and write the artefact."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--corpus", default=str(CORPUS_DIR), help="folder of <writer>/clinic.yaml + *.yaml"
        )
        parser.add_argument("--output", default=str(DEFAULT_PATH), help="where the .npz artefact goes")
        parser.add_argument(
            "--cross-validate",
            action="store_true",
            help="also report accuracy per writer when trained on the other writers only",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = train_from_corpus(
            corpus=options["corpus"], output=options["output"], cross_validate=options["cross_validate"]
        )
        for line in report:
            self.stdout.write(line)

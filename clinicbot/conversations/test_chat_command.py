"""``manage.py chat``: the conversation on the terminal, the log lines elsewhere."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command

from clinicbot.testing import load_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def terminal(monkeypatch, settings, tmp_path):
    """A terminal's log handler on the root logger (as settings.LOGGING installs one), at INFO."""
    settings.VAR_DIR = tmp_path
    load_clinic()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def chat(monkeypatch, lines: str, *args: str) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    out = io.StringIO()
    call_command("chat", *args, stdout=out)
    return out.getvalue()


def test_the_chat_prints_only_the_conversation_and_logs_to_a_file(monkeypatch, terminal, tmp_path):
    transcript = chat(monkeypatch, "oi\nquero marcar cardiologia\n")

    assert transcript.startswith("> oi\n< ") and "> quero marcar cardiologia" in transcript
    assert "{" not in transcript and terminal.getvalue() == ""
    assert "turn answered" in (tmp_path / "chat.log").read_text()


def test_verbose_chat_shows_the_log_lines_on_the_terminal(monkeypatch, terminal, tmp_path):
    chat(monkeypatch, "oi\n", "--verbose")

    assert "turn answered" in terminal.getvalue()
    assert not (tmp_path / "chat.log").exists()

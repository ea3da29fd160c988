"""A real WhatsApp turn (signed Meta webhook → worker task → reply over HTTP) logs JSON lines
that share the request's correlation id and carry no phone number, name or message text."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
import time

import pytest
from django.test import Client

from clinicbot.core.logs import logging_config
from clinicbot.testing import load_clinic
from clinicbot.testing.fake_gateway import (
    meta_cloud_api,
    meta_signature,
    meta_text_webhook,
)

SECRET = "log-app-secret"
PHONE = "5519991117001"
TEXT = "sou Marta Reis, quero clinico geral amanha as 10h, unimed"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def log_output():
    """Route the root logger through the production logging config into a buffer."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()

    def configure(*, debug: bool) -> io.StringIO:
        cfg = logging_config(fmt="json", level="DEBUG", debug=debug)
        cfg["handlers"]["console"]["stream"] = stream
        logging.config.dictConfig(cfg)
        return stream

    yield configure
    root.handlers[:], root.level = saved


def one_turn() -> str:
    """Post one signed webhook from a new phone; return the request's correlation id."""
    with (
        meta_cloud_api(
            secret=SECRET,
            CELERY_TASK_ALWAYS_EAGER=True,
        ) as api,
    ):
        load_clinic()
        body = json.dumps(
            meta_text_webhook(
                phone=PHONE, text=TEXT, message_id="wamid.L1", timestamp=int(time.time()), name="Marta Reis"
            )
        ).encode()
        response = Client().post(
            "/webhooks/meta/",
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=meta_signature(body, SECRET),
        )
        assert response.status_code == 200, response.content
        assert api.texts_to(PHONE), "the turn was not answered"
        return response["X-Request-ID"]


def test_a_turns_log_lines_are_json_correlated_and_mask_phone_name_and_text(log_output):
    stream = log_output(debug=False)  # production: DEBUG=0, even at LOG_LEVEL=DEBUG
    cid = one_turn()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    (turn,) = [line for line in lines if line["message"] == "turn answered"]
    assert turn["correlation_id"] == cid
    assert turn["phone"] == "5519*****7001" and turn["patient_name"] == "M*** R***"
    assert turn["intent"] == "schedule_appointment"
    (words,) = [line for line in lines if line["message"] == "turn text"]
    assert words["text"] == f"<{len(TEXT)} caracteres>"
    output = stream.getvalue()
    # No run of 10+ digits survives the mask, except inside a decimal fraction (timings)
    # or a hex word such as a Celery task id ("…-d35039736455"), which no phone is.
    assert not re.search(r"(?<![\w.*])\d{10,}(?![\w])", output), "an unmasked phone-like number was logged"
    for secret in (PHONE, PHONE[-8:], "Marta", "Reis", "clinico geral"):
        assert secret not in output


def test_a_debug_machine_shows_the_words_only_in_debug_lines(log_output):
    stream = log_output(debug=True)
    one_turn()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    (words,) = [line for line in lines if line["message"] == "turn text"]
    assert words["text"] == TEXT
    (turn,) = [line for line in lines if line["message"] == "turn answered"]
    assert turn["phone"] == "5519*****7001"

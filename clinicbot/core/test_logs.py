"""Log masking and correlation ids, record by record."""

from __future__ import annotations

import io
import json
import logging

import pytest

from clinicbot.core.correlation import correlation, current_correlation_id
from clinicbot.core.logs import CorrelationFilter, MaskingFilter, logging_config, mask_name, mask_phones


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("5511999990001", "5511*****0001"),
        ("de +55 (11) 99999-0001 agora", "de 5511*****0001 agora"),
        ("fixo 551130000000.", "fixo 5511****0000."),
        ("sessão 12345 às 10:30 em 2026-05-13", "sessão 12345 às 10:30 em 2026-05-13"),
        ("consulta 2026-05-13 10:30:00", "consulta 2026-05-13 10:30:00"),
    ],
)
def test_phone_runs_of_ten_or_more_digits_keep_only_four_at_each_end(text, masked):
    assert mask_phones(text) == masked


def test_names_keep_initials_only():
    assert mask_name("Marta  Reis") == "M*** R***"


def emit(logger_name: str, level: int, msg: str, *args: object, debug: bool = False, **extra: object) -> dict:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(CorrelationFilter())
    handler.addFilter(MaskingFilter(unmasked_debug=debug))
    from pythonjsonlogger.json import JsonFormatter

    handler.setFormatter(JsonFormatter("%(levelname)s %(message)s %(correlation_id)s"))
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.log(level, msg, *args, extra=extra)
    finally:
        logger.removeHandler(handler)
    return json.loads(stream.getvalue())


def test_message_args_and_extra_fields_are_masked():
    line = emit(
        "t.mask",
        logging.INFO,
        "from %s",
        "5511999990001",
        phone="5511999990001",
        patient_name="Marta Reis",
        text="meu cpf é 123.456.789-00",
    )
    assert line["message"] == "from 5511*****0001"
    assert (line["phone"], line["patient_name"], line["text"]) == (
        "5511*****0001",
        "M*** R***",
        "<24 caracteres>",
    )


def test_tracebacks_are_masked():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger("t.exc")
    logger.addHandler(handler)
    try:
        raise ValueError("no session for 5511999990001")
    except ValueError:
        logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    assert "5511*****0001" in stream.getvalue() and "5511999990001" not in stream.getvalue()


def test_only_debug_records_of_a_debug_deployment_stay_unmasked():
    assert emit("t.dbg", logging.DEBUG, "x", text="olá", debug=True)["text"] == "olá"
    assert emit("t.dbg", logging.INFO, "x", text="olá", debug=True)["text"] == "<3 caracteres>"
    assert emit("t.dbg", logging.DEBUG, "x", text="olá", debug=False)["text"] == "<3 caracteres>"


def test_the_correlation_id_of_the_context_is_on_every_line():
    with correlation("abc123def456") as cid:
        assert current_correlation_id() == cid
        assert emit("t.cid", logging.INFO, "x")["correlation_id"] == "abc123def456"
    assert current_correlation_id() is None
    assert emit("t.cid", logging.INFO, "x")["correlation_id"] == "-"


def test_logging_config_builds_the_chosen_format():
    cfg = logging_config(fmt="json", level="INFO", debug=False)
    assert cfg["handlers"]["console"]["formatter"] == "json" and "json" in cfg["formatters"]
    assert "console" in logging_config(fmt="console", level="INFO", debug=True)["formatters"]

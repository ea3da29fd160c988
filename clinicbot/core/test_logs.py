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
        ("ligue (11) 99999-0001 ou 11 3000-0000", "ligue 11*****0001 ou 11****0000"),
        ("celular 11999990001", "celular 11*****0001"),
        ("jid 447911123456@s.whatsapp.net", "jid 4479****3456@s.whatsapp.net"),
        ("uk +44 7911 123456", "uk 4479****3456"),
        ("conversa sim:5511900000099", "conversa sim:5511*****0099"),
        ("telefone: 0800 123 4567", "telefone: 08*****4567"),
        ("GET /api/v1/conversations/447911123456 200", "GET /api/v1/conversations/4479****3456 200"),
        ("GET /api/v1/conversations/%2B447911123456", "GET /api/v1/conversations/%2B4479****3456"),
    ],
)
def test_phone_numbers_are_masked_by_their_shape_or_the_word_before_them(text, masked):
    assert mask_phones(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Task clinicbot.whatsapp.tasks.sweep_unprocessed succeeded in 0.0011373011s: None",
        "created at 1760000000, expires 1760000000123",
        "row 12345678901234 of batch 2026051310",
        "wamid.HBgNNTUxMTk5OTk5MDAwMRUCABIYFjNFQjA",
        "took 1234567.891 ms",
    ],
)
def test_long_numbers_that_are_not_phones_are_left_alone(text):
    assert mask_phones(text) == text


def test_extra_fields_that_hold_phones_are_masked_whatever_their_shape():
    line = emit("t.phonefield", logging.INFO, "sent", to="447911123456", wa_id="12025550123", attempts=3)
    assert (line["to"], line["wa_id"], line["attempts"]) == ("4479****3456", "12*****0123", 3)


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

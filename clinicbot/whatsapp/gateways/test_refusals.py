"""Messages the adapters refuse or treat specially (no database).

Refused (counted, never stored): another business number, a sender that is not a WhatsApp
id. Special: edits, deletions and the first opening of a chat (``request_welcome``).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from clinicbot.core.phones import is_possible_international

from ._testkit import load_fixture, make_request
from .base import BAD_SENDER, OTHER_NUMBER, ParsedWebhook
from .evolution import EvolutionGateway
from .meta import MetaGateway
from .zapi import ZapiGateway

OUR_NUMBER_ID = "109876543210001"  # the fixtures' metadata.phone_number_id
PATIENT = "5511987654321"
MALFORMED_SENDERS = [
    "abc",
    "1" * 300,
    "<WHATSAPP_USER_PHONE_NUMBER>",
    "PHONE_NUMBER",
    "{{wa_id}}",
    "0000000000",  # no country 0
    "99912345678",  # no country 999
    "5511",  # too short to be anyone
    "+5511987654321",  # Meta sends digits only
    "５５１１９８７６５４３２１",  # full-width digits
]


def meta(payload: dict[str, Any]) -> ParsedWebhook:
    gateway = MetaGateway(
        app_secret="s", verify_token="v", access_token="t", phone_number_id=OUR_NUMBER_ID, api_base="x"
    )
    return gateway.parse(make_request(json.dumps(payload).encode()))


def meta_with(*messages: dict[str, Any], number_id: str = OUR_NUMBER_ID) -> dict[str, Any]:
    """The meta_text fixture carrying these messages (each gets from/timestamp unless given)."""
    payload = load_fixture("meta_text")
    value = payload["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = number_id
    value["messages"] = [{"from": PATIENT, "timestamp": "1760000000", **m} for m in messages]
    return payload


TEXT = {"id": "wamid.T1", "type": "text", "text": {"body": "quero marcar"}}


# ---------------------------------------------------------------------------- another business number
def test_a_meta_message_for_another_business_number_is_refused():
    parsed = meta(meta_with(TEXT, number_id="555000111222333"))
    assert parsed.messages == []
    assert [(r.reason, r.detail) for r in parsed.rejected] == [
        (OTHER_NUMBER, "phone_number_id 555000111222333")
    ]


def test_a_meta_change_without_metadata_is_not_taken_as_ours():
    payload = meta_with(TEXT)
    del payload["entry"][0]["changes"][0]["value"]["metadata"]
    parsed = meta(payload)
    assert parsed.messages == [] and [r.reason for r in parsed.rejected] == [OTHER_NUMBER]


def test_only_the_changes_for_our_number_are_kept_from_a_mixed_batch():
    payload = meta_with(TEXT)
    other = copy.deepcopy(payload["entry"][0]["changes"][0])
    other["value"]["metadata"]["phone_number_id"] = "555000111222333"
    other["value"]["messages"][0]["id"] = "wamid.OTHER"
    statuses = load_fixture("meta_statuses")["entry"][0]["changes"][0]
    statuses["value"]["metadata"]["phone_number_id"] = "555000111222333"
    payload["entry"][0]["changes"] += [other, statuses]
    parsed = meta(payload)
    assert [m.gateway_id for m in parsed.messages] == ["wamid.T1"]
    assert [r.reason for r in parsed.rejected] == [OTHER_NUMBER]
    assert parsed.statuses == []  # another number's delivery receipts are not about our sends


# ---------------------------------------------------------------------------- malformed senders
@pytest.mark.parametrize("sender", MALFORMED_SENDERS)
def test_a_meta_message_from_a_malformed_sender_is_refused_and_the_batch_kept(sender: str):
    bad = {**TEXT, "id": "wamid.BAD", "from": sender}
    parsed = meta(meta_with(TEXT, bad))
    assert [m.gateway_id for m in parsed.messages] == ["wamid.T1"]
    (refused,) = parsed.rejected
    assert refused.reason == BAD_SENDER and sender not in str(refused)  # never logged as is


@pytest.mark.parametrize("sender", ["5511987654321", "553188887777", "16505551234", "4915123456789"])
def test_real_phone_ids_of_any_country_are_accepted(sender: str):
    assert is_possible_international(sender)
    (message,) = meta(meta_with({**TEXT, "from": sender})).messages
    assert message.phone == sender


def test_a_business_scoped_user_id_is_a_valid_sender_without_a_phone():
    payload = meta_with({**TEXT, "from": "BR.13491208655302741918"})
    (message,) = meta(payload).messages
    assert (message.conversation_key, message.phone) == ("BR.13491208655302741918", "")


def evolution(item: dict[str, Any]) -> ParsedWebhook:
    gateway = EvolutionGateway(
        base_url="x",
        api_key="k",
        instance="clinica-sp",
        webhook_secret="s",
        clock=lambda: dt.datetime.fromtimestamp(1760000030, tz=dt.UTC),
    )
    payload = load_fixture("evolution_text")
    payload["data"] = [payload["data"], item]
    return gateway.parse(make_request(json.dumps(payload).encode()))


@pytest.mark.parametrize(
    "jid", ["abc@s.whatsapp.net", "1" * 300 + "@s.whatsapp.net", "x@lid", "5511@s.whatsapp.net"]
)
def test_an_evolution_message_from_a_malformed_jid_is_refused_and_the_batch_kept(jid: str):
    item = load_fixture("evolution_text")["data"]
    item["key"] = {**item["key"], "remoteJid": jid, "id": "3EB0BAD"}
    parsed = evolution(item)
    assert [m.conversation_key for m in parsed.messages] == [PATIENT]
    assert [r.reason for r in parsed.rejected] == [BAD_SENDER]


@pytest.mark.parametrize("phone", ["abc", "1" * 300, "<PHONE>", "0000000000", "x@lid"])
def test_a_zapi_message_from_a_malformed_phone_is_refused(phone: str):
    gateway = ZapiGateway(instance_id="I", path_secret="p")
    payload = {**load_fixture("zapi_text"), "phone": phone}
    parsed = gateway.parse(make_request(json.dumps(payload).encode(), path_secret="p"))
    assert parsed.messages == [] and [r.reason for r in parsed.rejected] == [BAD_SENDER]


# ---------------------------------------------------------------------------- edits, deletions, welcome
def test_a_meta_deletion_is_ignored_not_answered():
    revoke = {"id": "wamid.R1", "type": "revoke", "revoke": {"original_message_id": "wamid.T1"}}
    parsed = meta(meta_with(revoke))
    assert parsed.messages == [] and parsed.ignored == 1 and parsed.rejected == []


def test_a_meta_text_edit_is_the_new_text_under_its_own_id():
    edit = {
        "id": "wamid.E1",
        "type": "edit",
        "edit": {
            "original_message_id": "wamid.T1",
            "message": {"type": "text", "text": {"body": "quero cardio"}},
        },
    }
    (message,) = meta(meta_with(edit)).messages
    assert (message.gateway_id, message.kind, message.text) == ("wamid.E1", "text", "quero cardio")


def test_a_meta_caption_edit_under_a_photo_is_ignored():
    edit = {
        "id": "wamid.E2",
        "type": "edit",
        "edit": {
            "original_message_id": "wamid.I1",
            "message": {"type": "image", "image": {"caption": "exame"}},
        },
    }
    parsed = meta(meta_with(edit))
    assert parsed.messages == [] and parsed.ignored == 1


@pytest.mark.parametrize("kind", ["edit", "revoke", "reaction", "pin", "keep_in_chat", "poll_update"])
def test_meta_unsupported_messages_that_act_on_an_earlier_one_are_ignored(kind: str):
    message = {
        "id": "wamid.U1",
        "type": "unsupported",
        "errors": [{"code": 131051, "title": "Message type unknown"}],
        "unsupported": {"type": kind},
    }
    parsed = meta(meta_with(message))
    assert parsed.messages == [] and parsed.ignored == 1


def test_a_meta_unsupported_message_with_content_still_gets_the_polite_reply():
    message = {"id": "wamid.U2", "type": "unsupported", "unsupported": {"type": "poll_creation"}}
    (parsed,) = meta(meta_with(message)).messages
    assert parsed.kind == "unsupported"


def test_the_first_opening_of_a_meta_chat_is_a_welcome_message():
    (message,) = meta(meta_with({"id": "wamid.W1", "type": "request_welcome"})).messages
    assert (message.kind, message.text, message.phone) == ("welcome", "", PATIENT)


def test_an_evolution_encrypted_edit_is_ignored_not_answered():
    item = load_fixture("evolution_text")["data"]
    item["key"] = {**item["key"], "id": "3EB0EDIT"}
    item["message"] = {
        "secretEncryptedMessage": {"encPayload": "b64", "encIv": "b64"},
        "messageContextInfo": {},
    }
    parsed = evolution(item)
    assert [m.gateway_id for m in parsed.messages] == ["3EB0A1B2C3D4E5F60001"] and parsed.ignored == 1

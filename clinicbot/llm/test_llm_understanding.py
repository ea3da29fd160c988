"""The LLM's reading of unsure messages end to end: pipeline, openai SDK, a local OpenAI-compatible server."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinicbot.conversations.models import ConversationMessage, Direction
from clinicbot.llm import providers
from clinicbot.llm.breaker import breaker_is_open
from clinicbot.llm.models import ConversationTokenUsage, Purpose, TokenUsage
from clinicbot.testing import Patient, load_clinic
from clinicbot.testing.fake_llm import Answer, FakeOpenAIServer

pytestmark = pytest.mark.django_db

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
UNSURE = "aquele negocio la sabe"  # the offline NLU: out_of_scope, unsure
CONFIDENT = "quero marcar cardiologia"
OFFLINE_UNKNOWN = "com isso eu não consigo ajudar"


def reading(intent: str, **entities: str | None) -> Answer:
    """A model's structured answer, every entity key present as strict mode makes it."""
    keys = ("specialty", "doctor", "insurance", "exam", "date", "time", "period", "patient_name")
    body = {"intent": intent, "entities": {k: entities.get(k) for k in keys}}
    return Answer(json.dumps(body, ensure_ascii=False), prompt_tokens=700, completion_tokens=60)


CARDIO = reading("schedule_appointment", specialty="Cardiologia")


@pytest.fixture
def llm(settings):
    """LLM_PROVIDER=openai against a fresh local server; yields a function to start it."""
    load_clinic()
    servers: list[FakeOpenAIServer] = []

    def start(*readings: Answer, **options: object) -> FakeOpenAIServer:
        server = FakeOpenAIServer(readings=readings, **options).__enter__()  # type: ignore[arg-type]
        servers.append(server)
        settings.LLM_PROVIDER = "openai"
        settings.OPENAI_BASE_URL = server.base_url
        settings.OPENAI_API_KEY = "sk-test"
        settings.OPENAI_MODEL = "clinic-test-model"
        settings.LLM_TIMEOUT_S = 2.0
        settings.LLM_MAX_RETRIES = 0
        return server

    yield start
    for server in servers:
        server.__exit__()


def _reading_usage() -> TokenUsage:
    return TokenUsage.objects.get(purpose=Purpose.UNDERSTANDING)


def test_offline_makes_no_reading_no_call_and_no_query(settings, monkeypatch):
    load_clinic()
    assert settings.LLM_PROVIDER == "offline"
    monkeypatch.setattr(providers, "get_provider", lambda: pytest.fail("offline must not build a provider"))
    patient = Patient("5511922220000", NOW)
    patient.says("oi")
    with CaptureQueriesContext(connection) as queries:
        assert OFFLINE_UNKNOWN in patient.says(UNSURE)
    assert patient.last.result.parse.intent == "out_of_scope"
    assert not any("llm_" in q["sql"] for q in queries.captured_queries)


def test_llm_understanding_off_keeps_only_the_reply_wording(llm, settings):
    server = llm(CARDIO)
    settings.LLM_UNDERSTANDING = False
    patient = Patient("5511922220001", NOW)
    patient.says(UNSURE)
    assert patient.last.result.parse.intent == "out_of_scope"
    assert server.reading_requests() == []


def test_reading_request_has_the_schema_the_clinics_lists_and_the_fenced_text(llm):
    server = llm(CARDIO)
    Patient("5511922220002", NOW).says(UNSURE)
    [body] = server.reading_requests()
    assert body["model"] == "clinic-test-model"
    assert (body["temperature"], body["max_tokens"]) == (0.0, 160)
    response_format = body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    schema = response_format["json_schema"]["schema"]
    assert "schedule_appointment" in schema["properties"]["intent"]["enum"]
    entities = schema["properties"]["entities"]["properties"]
    assert "Dr. Henrique Bastos" in entities["doctor"]["enum"]
    assert "NotreDame Intermédica" in entities["insurance"]["enum"]
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert "Centro Médico Jequitibá" in system["content"]
    assert "Cardiologia (também: cardio, cardiologista, cardiologo)" in system["content"]
    assert "Dr. Henrique Bastos (Cardiologia)" in system["content"]
    assert "coracao" not in system["content"]
    assert f"<mensagem_do_paciente>\n{UNSURE}\n</mensagem_do_paciente>" in user["content"]
    assert "HOJE: segunda-feira, 2026-03-02" in user["content"]


def test_a_valid_reading_changes_what_an_unsure_message_means_and_is_counted_apart(
    llm, django_capture_on_commit_callbacks
):
    llm(CARDIO)
    patient = Patient("5511922220003", NOW)
    with django_capture_on_commit_callbacks(execute=True):
        reply = patient.says(UNSURE)
    parse = patient.last.result.parse
    assert (parse.intent, parse.entities.get("specialty")) == ("schedule_appointment", "Cardiologia")
    assert OFFLINE_UNKNOWN not in reply and patient.last.result.state.specialty == "Cardiologia"
    usage = _reading_usage()
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens, usage.fallbacks) == (1, 700, 60, 0)
    assert not TokenUsage.objects.filter(purpose=Purpose.PHRASING).exists()
    # The conversation's cost includes its readings.
    assert ConversationTokenUsage.objects.get(session_id=patient.last.session_id).prompt_tokens == 700


def test_a_confident_message_makes_no_reading_call(llm):
    server = llm(CARDIO)
    Patient("5511922220004", NOW).says(CONFIDENT)
    assert server.requests == []


def test_an_invented_doctor_is_dropped_and_the_rest_of_the_reading_kept(llm):
    llm(reading("schedule_appointment", specialty="Cardiologia", doctor="Dr. Inventado Souza"))
    patient = Patient("5511922220005", NOW)
    patient.says(UNSURE)
    parse = patient.last.result.parse
    assert parse.intent == "schedule_appointment"
    assert "doctor" not in parse.entities and parse.entities["specialty"] == "Cardiologia"
    stored = ConversationMessage.objects.get(direction=Direction.USER)
    assert "doctor" not in stored.entities and "Inventado" not in json.dumps(stored.entities)


@pytest.mark.parametrize(
    ("answer", "reason_calls"),
    [
        (Answer("Claro! Parece que o paciente quer marcar cardiologia."), 1),  # prose, not JSON
        (Answer('{"intent": "marcar_consulta", "entities": {}}'), 1),  # not a contract intent
        (Answer(status=500), 0),
        (Answer(CARDIO.text, delay=1.0), 0),  # slower than the timeout
    ],
    ids=["invalid_json", "unknown_intent", "http_500", "timeout"],
)
def test_a_failed_or_unusable_reading_leaves_the_offline_reading_and_is_counted(
    llm, settings, django_capture_on_commit_callbacks, answer, reason_calls
):
    server = llm(answer)
    settings.LLM_TIMEOUT_S = 0.3
    patient = Patient("5511922220006", NOW)
    with django_capture_on_commit_callbacks(execute=True):
        reply = patient.says(UNSURE)
    assert patient.last.result.parse.intent == "out_of_scope" and OFFLINE_UNKNOWN in reply
    assert len(server.reading_requests()) == 1
    usage = _reading_usage()
    assert (usage.calls, usage.fallbacks) == (reason_calls, 1)


def test_a_server_without_json_schema_gets_json_object_and_keeps_getting_it(llm):
    server = llm(CARDIO, reading("ask_price", specialty="Cardiologia"), reject_json_schema=True)
    patient = Patient("5511922220007", NOW)
    patient.says(UNSURE)
    assert patient.last.result.parse.intent == "schedule_appointment"
    Patient("5511922220008", NOW).says(UNSURE)
    kinds = [body["response_format"]["type"] for body in server.reading_requests()]
    assert kinds == ["json_schema", "json_object", "json_object"]
    # json_object needs the format spelled out in the prompt itself.
    assert '"intent": "<rótulo>"' in server.reading_requests()[1]["messages"][0]["content"]


def test_a_spent_budget_makes_no_reading_call_and_economy_asks_smaller(
    llm, settings, django_capture_on_commit_callbacks
):
    settings.LLM_DAILY_TOKEN_BUDGET = 1000
    first = Answer(CARDIO.text, prompt_tokens=800, completion_tokens=50)
    server = llm(first, default_reading=CARDIO)
    patient = Patient("5511922220009", NOW)
    with django_capture_on_commit_callbacks(execute=True):
        patient.says(UNSURE)  # 850 tokens: 85 %, economy next
        Patient("5511922220010", NOW).says(UNSURE)  # 1610 tokens: spent
        spent = Patient("5511922220011", NOW)
        spent.says(UNSURE)
    normal, economy = server.reading_requests()
    assert (normal["max_tokens"], economy["max_tokens"]) == (160, 120)
    assert spent.last.result.parse.intent == "out_of_scope"
    assert _reading_usage().fallbacks == 1


def test_the_breaker_shared_with_replies_stops_readings_after_failures(
    llm, settings, django_capture_on_commit_callbacks
):
    # A dead provider: the reading fails, then the wording of the offline reply fails.
    server = llm(default_reading=Answer(status=500), default=Answer(status=500))
    settings.LLM_BREAKER_FAILURES = 2
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(3):
            Patient(f"551192222002{i}", NOW).says(UNSURE)
    assert len(server.requests) == 2 and breaker_is_open(now=NOW)
    # Open: the next two turns did not even try; their readings count as offline.
    assert _reading_usage().fallbacks == 3
    later = Patient("5511922220029", NOW + dt.timedelta(seconds=61))
    server.default_reading = CARDIO
    later.says(UNSURE)  # the probe works: read, breaker closed
    assert later.last.result.parse.intent == "schedule_appointment"
    assert not breaker_is_open(now=NOW + dt.timedelta(seconds=61))


def test_a_conversation_handed_to_staff_is_never_read_by_the_llm(llm):
    server = llm(default_reading=CARDIO)
    patient = Patient("5511922220030", NOW)
    patient.says("quero falar com um atendente")
    assert patient.last.result.state.handed_off
    patient.says(UNSURE)
    assert server.reading_requests() == []

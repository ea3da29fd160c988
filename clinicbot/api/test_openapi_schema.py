"""The OpenAPI schema, the offline docs page, and schemathesis fuzzing the API against its own schema."""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("get", "/api/v1/doctors"),
    ("get", "/api/v1/slots"),
    ("get", "/api/v1/appointments"),
    ("post", "/api/v1/appointments"),
    ("post", "/api/v1/appointments/{ref}/cancel"),
    ("get", "/api/v1/conversations/{phone}"),
}


def test_the_schema_is_served_without_a_key_and_documents_every_operation_and_its_errors():
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    found = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert found == OPERATIONS
    assert set(schema["components"]["securitySchemes"]) == {"BearerKey", "HeaderKey"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert {"401", "422", "429"} <= set(operation["responses"]), (method, path)
            assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"
            }


def test_the_docs_page_loads_its_assets_from_this_server_not_a_cdn():
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html and "/api/schema/" in html
    assert not re.search(r"""(src|href)=["']https?://""", html), "the docs page must work offline"
    for asset in re.findall(r"""(?:src|href)=["']/static/([^"']+)["']""", html):
        assert finders.find(asset), f"static asset {asset} is not installed"


# Loaded at collection: the schema endpoint touches no database. (schemathesis' lazy
# ``from_fixture`` loader does not work with pytest 9.)
# Every check runs with its defaults, except that a schema-valid request may also get a
# 422: the schema cannot say "a doctor or a specialty", "not in the past" or "a real phone".
FUZZ_CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            }
        }
    }
)
fuzzed = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=FUZZ_CONFIG)


@pytest.fixture
def fuzz_env(settings):  # type: ignore[no-untyped-def]
    """The app called through raw WSGI, as Django's own test client calls it."""
    settings.API_RATE_LIMIT_PER_MINUTE = 0  # the fuzzer's volume would only meet 429s
    # Each WSGI request would otherwise close the database connection when it ends, and with
    # it the test's transaction (Django's test client disconnects these receivers too).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@fuzzed.parametrize()
@hypothesis_settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI failures reproduce
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_honours_its_schema_for_hostile_and_random_input(case, clinic, write_key, fuzz_env):  # type: ignore[no-untyped-def]
    """No 5xx, every answer matches the documented status codes, headers and bodies."""
    case.call_and_validate(headers={"Authorization": f"Bearer {write_key.secret}"})

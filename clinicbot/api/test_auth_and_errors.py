"""Authentication, scopes, the rate limit, and the one error shape for every kind of error."""

from __future__ import annotations

import pytest
from django.test import Client

from clinicbot.testing.api import ApiClient, assert_error, next_weekday

from .services import api_key_revoke

pytestmark = pytest.mark.django_db

DOCTORS = "/api/v1/doctors"


def test_a_request_without_a_key_is_401_with_a_bearer_challenge(clinic):
    response = Client().get(DOCTORS)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_key_is_401(clinic):
    assert_error(ApiClient("cbk_abcdefgh_" + "x" * 43).get(DOCTORS), 401, "invalid_api_key")


def test_a_revoked_key_is_401_at_once(clinic, read_key, reader):
    assert reader.get(DOCTORS).status_code == 200
    api_key_revoke(api_key_id=read_key.api_key.pk)
    assert_error(reader.get(DOCTORS), 401, "invalid_api_key")


def test_the_key_may_come_in_the_x_api_key_header(clinic, read_key):
    assert ApiClient(read_key.secret, header="x-api-key").get(DOCTORS).status_code == 200


def test_a_read_key_on_a_write_endpoint_is_403(clinic, reader):
    assert_error(reader.post("/api/v1/appointments/ABC234/cancel"), 403, "insufficient_scope")


def test_a_write_key_may_read(clinic, writer):
    assert writer.get(DOCTORS).status_code == 200


def test_an_unknown_url_under_api_is_a_json_404(clinic, reader):
    assert_error(reader.get("/api/v1/nothing-here"), 404, "not_found")


def test_a_wrong_method_is_a_json_405_that_names_the_allowed_ones(clinic, reader):
    response = reader.client.delete(DOCTORS, headers=reader.headers)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_invalid_query_parameters_are_422_with_the_fields_in_details(clinic, reader):
    error = assert_error(
        reader.get("/api/v1/slots", {"doctor_id": "abc", "limit": 0}), 422, "validation_error"
    )
    fields = {tuple(d["loc"])[-1] for d in error["details"]}
    assert {"doctor_id", "limit"} <= fields


def test_a_malformed_json_body_is_an_error_in_the_same_shape(clinic, writer):
    response = writer.client.post(
        "/api/v1/appointments", "{not json", content_type="application/json", headers=writer.headers
    )
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)


def test_an_unexpected_failure_is_a_json_500_without_internals(clinic, reader, monkeypatch, caplog):
    def boom(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("clinicbot.api.selectors.slots_free", boom)
    response = reader.get("/api/v1/slots", {"doctor_id": 1})
    error = assert_error(response, 500, "internal_error")
    assert "secret internals" not in response.content.decode()
    assert error["details"] is None
    assert "API error on GET /api/v1/slots" in caplog.text


def test_the_rate_limit_is_per_key_and_answers_429_with_retry_after(clinic, read_key, write_key, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    reader, writer = ApiClient(read_key.secret), ApiClient(write_key.secret)
    assert [reader.get(DOCTORS).status_code for _ in range(3)] == [200, 200, 200]
    response = reader.get(DOCTORS)
    assert_error(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another key has its own budget.
    assert writer.get(DOCTORS).status_code == 200


def test_a_rate_limit_of_zero_means_unlimited(clinic, reader, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 0
    assert {reader.get(DOCTORS).status_code for _ in range(5)} == {200}


def test_errors_of_the_booking_rules_share_the_shape(clinic, writer):
    monday = next_weekday(0)
    body = {
        "patient_name": "Ana",
        "phone": "19999990000",
        "doctor_id": 999999,
        "insurance_id": 1,
        "start": monday.isoformat(),
    }
    assert_error(writer.post("/api/v1/appointments", body), 422, "unknown_doctor")


def test_api_errors_are_logged_by_route_never_with_the_phone(clinic, reader, caplog):
    caplog.set_level("DEBUG")
    assert_error(reader.get("/api/v1/conversations/5519987650000"), 404, "conversation_not_found")
    assert_error(reader.get("/api/v1/appointments", {"phone": "19 98765-0000", "limit": 0}), 422)
    assert "98765" not in caplog.text
    assert "/api/v1/conversations/<phone> -> 404" in caplog.text

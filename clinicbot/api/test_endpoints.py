"""The endpoints: doctors, free slots, appointments (list, book, cancel) and a phone's conversation."""

from __future__ import annotations

import datetime as dt

import pytest

from clinicbot.clinics.models import Doctor, Insurance, Specialty
from clinicbot.clinics.snapshot import get_catalog
from clinicbot.engine.slots import free_starts
from clinicbot.scheduling.agenda import DatabaseAvailability
from clinicbot.scheduling.models import Appointment, AppointmentStatus
from clinicbot.testing import Patient
from clinicbot.testing.api import TZ, assert_error, next_weekday

pytestmark = pytest.mark.django_db

HENRIQUE = "Dr. Henrique Bastos"  # cardiology, Mon 08-12/14-18 in 30-minute slots; takes Unimed


def ids() -> dict[str, int]:
    return {
        "henrique": Doctor.objects.get(name=HENRIQUE).id,
        "cardio": Specialty.objects.get(name="Cardiologia").id,
        "unimed": Insurance.objects.get(name="Unimed").id,
        "notredame": Insurance.objects.get(name="NotreDame Intermédica").id,
    }


def booking(when: dt.datetime, **overrides):
    body = {
        "patient_name": "Marta Reis",
        "phone": "(19) 99330-0001",
        "doctor_id": ids()["henrique"],
        "insurance_id": ids()["unimed"],
        "start": when.isoformat(),
    }
    return {**body, **overrides}


# --------------------------------------------------------------------------- doctors
def test_doctors_lists_the_ids_the_other_endpoints_take(clinic, reader):
    doctors = {d["name"]: d for d in reader.get("/api/v1/doctors").json()["results"]}
    henrique = doctors[HENRIQUE]
    assert henrique["id"] == ids()["henrique"] and henrique["slot_minutes"] == 30
    assert {"id": ids()["cardio"], "name": "Cardiologia"} in henrique["specialties"]
    assert "Unimed" in {i["name"] for i in henrique["insurances"]}


def test_doctors_are_a_paginated_list_like_every_other(clinic, reader):
    everyone = reader.get("/api/v1/doctors").json()
    assert set(everyone) == {"count", "next", "previous", "results"}
    assert everyone["count"] == len(everyone["results"]) > 2 and everyone["next"] is None
    first = reader.get("/api/v1/doctors", {"limit": 2}).json()
    assert [d["id"] for d in first["results"]] == [d["id"] for d in everyone["results"][:2]]
    assert first["count"] == everyone["count"] and "offset=2" in first["next"]
    rest = reader.get(first["next"]).json()
    assert [d["id"] for d in rest["results"]] == [d["id"] for d in everyone["results"][2:4]]
    assert reader.get("/api/v1/doctors", {"limit": 0}).status_code == 422


# --------------------------------------------------------------------------- slots
def test_slots_are_the_free_starts_the_assistant_computes(clinic, reader, writer):
    monday = next_weekday(0)
    writer.post("/api/v1/appointments", booking(monday.replace(hour=9)))
    response = reader.get(
        "/api/v1/slots",
        {"doctor_id": ids()["henrique"], "date_from": monday.date(), "date_to": monday.date(), "limit": 200},
    )
    assert response.status_code == 200
    page = response.json()
    starts = [dt.datetime.fromisoformat(s["start"]) for s in page["results"]]
    catalog = get_catalog()
    expected = free_starts(
        catalog,
        catalog.doctor(HENRIQUE),
        monday.date(),
        DatabaseAvailability(catalog.clinic.timezone).taken_starts,
        dt.datetime.now(TZ).replace(tzinfo=None),
    )
    assert [s.astimezone(TZ).time() for s in starts] == expected
    assert dt.time(9, 0) not in expected and dt.time(9, 30) in expected
    first = page["results"][0]
    assert first["start"].endswith("-03:00") and first["doctor"] == HENRIQUE
    assert dt.datetime.fromisoformat(first["end"]) - dt.datetime.fromisoformat(
        first["start"]
    ) == dt.timedelta(minutes=30)


def test_slots_by_specialty_cover_every_doctor_of_it(clinic, reader):
    monday = next_weekday(0)
    page = reader.get(
        "/api/v1/slots",
        {
            "specialty_id": ids()["cardio"],
            "date_from": monday.date(),
            "date_to": monday.date() + dt.timedelta(days=1),
            "limit": 200,
        },
    ).json()
    assert {s["doctor"] for s in page["results"]} == {HENRIQUE, "Dra. Sílvia Tenório"}
    starts = [s["start"] for s in page["results"]]
    assert starts == sorted(starts)


def test_slots_need_a_doctor_or_a_specialty(clinic, reader):
    assert_error(reader.get("/api/v1/slots"), 422, "doctor_or_specialty_required")


def test_slots_beyond_the_booking_horizon_are_422(clinic, reader, settings):
    too_far = dt.date.today() + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS + 2)
    error = assert_error(
        reader.get("/api/v1/slots", {"doctor_id": ids()["henrique"], "date_to": too_far}),
        422,
        "beyond_horizon",
    )
    assert "last_bookable_date" in error["details"]


def test_slots_with_date_to_before_date_from_are_422(clinic, reader):
    monday = next_weekday(0)
    assert_error(
        reader.get(
            "/api/v1/slots",
            {
                "doctor_id": ids()["henrique"],
                "date_from": monday.date(),
                "date_to": monday.date() - dt.timedelta(days=1),
            },
        ),
        422,
        "invalid_date_range",
    )


def test_slots_are_paginated_with_next_and_previous_links(clinic, reader):
    monday = next_weekday(0)
    params = {
        "doctor_id": ids()["henrique"],
        "date_from": monday.date(),
        "date_to": monday.date(),
        "limit": 5,
    }
    first = reader.get("/api/v1/slots", params).json()
    assert first["count"] == 16 and len(first["results"]) == 5 and first["previous"] is None
    assert "offset=5" in first["next"] and first["next"].startswith("http://testserver/api/v1/slots?")
    second = reader.client.get(first["next"], headers=reader.headers).json()
    assert second["results"][0]["start"] > first["results"][-1]["start"]
    assert "offset=0" in second["previous"]
    last = reader.get("/api/v1/slots", {**params, "offset": 15}).json()
    assert len(last["results"]) == 1 and last["next"] is None


# --------------------------------------------------------------------------- booking
def test_booking_a_free_slot_creates_a_pending_appointment_with_a_code(clinic, writer):
    monday = next_weekday(0, at=dt.time(10, 30))
    response = writer.post("/api/v1/appointments", booking(monday))
    assert response.status_code == 201, response.content
    data = response.json()
    appt = Appointment.objects.get()
    assert data["code"] == appt.confirmation_code and data["status"] == "booked"
    assert data["phone"] == "5519993300001" == appt.phone  # normalised once, at the edge
    assert data["specialty"] == "Cardiologia"  # the doctor's only specialty
    assert dt.datetime.fromisoformat(data["start"]) == monday and data["start"].endswith("-03:00")


def test_a_naive_start_is_read_in_the_clinics_timezone(clinic, writer):
    monday = next_weekday(0, at=dt.time(11, 0))
    response = writer.post(
        "/api/v1/appointments", booking(monday, start=monday.replace(tzinfo=None).isoformat())
    )
    assert response.status_code == 201
    assert Appointment.objects.get().start == monday


def test_booking_a_taken_slot_is_409_with_the_nearest_free_alternatives(clinic, writer):
    monday = next_weekday(0)
    assert writer.post("/api/v1/appointments", booking(monday)).status_code == 201
    error = assert_error(
        writer.post("/api/v1/appointments", booking(monday, patient_name="Outra Pessoa")), 409, "slot_taken"
    )
    alternatives = error["details"]["alternatives"]
    assert len(alternatives) == 3
    assert {a["start"] for a in alternatives} >= {
        (monday - dt.timedelta(minutes=30)).isoformat(),
        (monday + dt.timedelta(minutes=30)).isoformat(),
    }
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "code"),
    [
        (lambda: next_weekday(0) - dt.timedelta(days=14), "in_the_past"),
        (lambda: next_weekday(0, min_days=70), "beyond_horizon"),
        (lambda: next_weekday(0, at=dt.time(9, 10)), "not_a_slot"),
        (lambda: next_weekday(1, at=dt.time(9, 0)), "not_a_slot"),  # he does not work on Tuesdays
    ],
)
def test_an_impossible_start_is_422(clinic, writer, start, code):
    assert_error(writer.post("/api/v1/appointments", booking(start())), 422, code)
    assert not Appointment.objects.exists()


def test_an_insurance_the_doctor_does_not_take_is_422(clinic, writer):
    body = booking(next_weekday(0), insurance_id=ids()["notredame"])
    error = assert_error(writer.post("/api/v1/appointments", body), 422, "insurance_not_accepted")
    assert "Unimed" in error["details"]["accepted"]


def test_an_invalid_body_is_422_naming_the_fields(clinic, writer):
    error = assert_error(writer.post("/api/v1/appointments", {"patient_name": ""}), 422, "validation_error")
    missing = {d["loc"][-1] for d in error["details"]}
    assert {"phone", "doctor_id", "insurance_id", "start", "patient_name"} <= missing


def test_a_phone_that_is_not_a_number_is_422(clinic, writer):
    monday = next_weekday(0)
    assert_error(
        writer.post("/api/v1/appointments", booking(monday, phone="telefone??")), 422, "validation_error"
    )
    too_long = "1234567890 1234567890 1"  # fits the pattern, but no phone has 21 digits
    assert_error(writer.post("/api/v1/appointments", booking(monday, phone=too_long)), 422, "invalid_phone")


def test_a_number_where_a_date_goes_is_422_not_read_as_1970(clinic, reader, writer):
    assert_error(reader.get("/api/v1/appointments", {"date_to": 0}), 422, "validation_error")
    assert_error(
        writer.post("/api/v1/appointments", booking(next_weekday(0), start=1893456000)),
        422,
        "validation_error",
    )


# --------------------------------------------------------------------------- cancel
def test_cancelling_by_code_or_id_frees_the_slot_and_is_idempotent(clinic, writer, reader):
    monday = next_weekday(0)
    code = writer.post("/api/v1/appointments", booking(monday)).json()["code"]
    response = writer.post(f"/api/v1/appointments/{code.lower()}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    appt_id = Appointment.objects.get().id
    assert writer.post(f"/api/v1/appointments/{appt_id}/cancel").json()["status"] == "cancelled"
    slots = reader.get(
        "/api/v1/slots",
        {"doctor_id": ids()["henrique"], "date_from": monday.date(), "date_to": monday.date(), "limit": 200},
    ).json()
    assert monday.isoformat() in {s["start"] for s in slots["results"]}


def test_cancelling_an_unknown_appointment_is_404(clinic, writer):
    assert_error(writer.post("/api/v1/appointments/ZZZZZZ/cancel"), 404, "appointment_not_found")


def test_cancelling_a_completed_appointment_is_409(clinic, writer):
    writer.post("/api/v1/appointments", booking(next_weekday(0)))
    Appointment.objects.update(status=AppointmentStatus.COMPLETED)
    assert_error(
        writer.post(f"/api/v1/appointments/{Appointment.objects.get().id}/cancel"),
        409,
        "appointment_finished",
    )


# --------------------------------------------------------------------------- listing
def test_appointments_filter_by_doctor_days_status_and_phone(clinic, writer, reader):
    monday = next_weekday(0)
    for hour, phone in ((9, "19 99330-0001"), (10, "19 99330-0002"), (14, "19 99330-0001")):
        assert (
            writer.post("/api/v1/appointments", booking(monday.replace(hour=hour), phone=phone)).status_code
            == 201
        )
    wednesday = monday + dt.timedelta(days=2)
    writer.post("/api/v1/appointments", booking(wednesday))
    writer.post(f"/api/v1/appointments/{Appointment.objects.get(start=monday.replace(hour=10)).id}/cancel")

    def starts(**params):
        response = reader.get("/api/v1/appointments", params)
        assert response.status_code == 200, response.content
        return [dt.datetime.fromisoformat(a["start"]).astimezone(TZ).hour for a in response.json()["results"]]

    assert starts() == [9, 10, 14, 9]
    assert starts(date_from=monday.date(), date_to=monday.date()) == [9, 10, 14]
    assert starts(date_from=wednesday.date()) == [9]
    assert starts(status="cancelled") == [10]
    assert starts(phone="+55 (19) 99330-0001") == [9, 14, 9]
    assert starts(doctor_id=ids()["henrique"], status="booked", limit=2) == [9, 14]


def test_listing_appointments_costs_a_bounded_number_of_queries(
    clinic, writer, reader, django_assert_max_num_queries
):
    monday = next_weekday(0)
    for hour in (8, 9, 10, 11, 14, 15, 16, 17):
        writer.post("/api/v1/appointments", booking(monday.replace(hour=hour)))
    # key lookup, its last-use stamp, count, one page with its joins: not one query per row
    with django_assert_max_num_queries(4):
        response = reader.get("/api/v1/appointments", {"limit": 200})
    assert response.json()["count"] == 8


def test_listing_slots_costs_a_bounded_number_of_queries(clinic, reader, django_assert_max_num_queries):
    monday = next_weekday(0)
    params = {
        "specialty_id": ids()["cardio"],
        "date_from": monday.date(),
        "date_to": monday.date() + dt.timedelta(days=13),
    }
    # Warms the clinic snapshot, the key's last use and the cached "no slot is held by the
    # waiting list" (read once a minute, not once per request).
    reader.get("/api/v1/slots", params)
    # key lookup and one read of the agenda for two doctors and two weeks
    with django_assert_max_num_queries(2):
        response = reader.get("/api/v1/slots", params)
    assert response.json()["count"] > 0


# --------------------------------------------------------------------------- conversations
def test_a_phones_conversation_shows_the_state_and_paginated_messages_newest_first(
    clinic, reader, django_assert_max_num_queries
):
    patient = Patient("5519993300009", dt.datetime.now(TZ))
    patient.says("oi, sou Carla Dias")
    patient.says("quero marcar cardiologia")
    # key lookup, its last-use stamp, the session, count, one page
    with django_assert_max_num_queries(5):
        response = reader.get("/api/v1/conversations/+55 (19) 99330-0009", {"limit": 2})
    assert response.status_code == 200
    data = response.json()
    assert data["phone"] == "5519993300009" and data["specialty"] == "Cardiologia"
    assert data["state"] != "idle"
    messages = data["messages"]
    assert messages["count"] >= 4 and len(messages["results"]) == 2 and messages["next"]
    assert messages["results"][0]["direction"] == "bot"
    older = reader.client.get(messages["next"], headers=reader.headers).json()["messages"]["results"]
    assert older[-1]["timestamp"] <= messages["results"][-1]["timestamp"]
    assert any(m["text"] == "quero marcar cardiologia" for m in messages["results"] + older)


def test_an_unknown_phones_conversation_is_404(clinic, reader):
    assert_error(reader.get("/api/v1/conversations/5511900000000"), 404, "conversation_not_found")

"""Importing a clinic file: what it writes, idempotence, updates, and refusing broken files."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from clinicbot.clinics.models import (
    Clinic,
    Doctor,
    Exam,
    FaqEntry,
    Holiday,
    Insurance,
    ScheduleRange,
    Specialty,
)
from clinicbot.clinics.services import clinic_import_file
from clinicbot.clinics.snapshot import get_catalog
from clinicbot.engine.slots import schedule_starts

CLINIC_YAML = """\
clinic:
  name: Clínica Teste
  phone: "+55 11 3000-0000"
  whatsapp: "+55 11 90000-0000"
  address: "Rua X, 100 - Centro, São Paulo - SP"
  timezone: America/Sao_Paulo
  appointment_minutes: 30
  opening_hours:
    mon: ["07:00-19:00"]
    sat: ["08:00-12:00"]
  parking: "Estacionamento no subsolo."
specialties:
  - name: Cardiologia
    aliases: [cardio, cardiologista]
  - name: Pediatria
    aliases: [pediatra]
  - name: Dermatologia
insurances:
  - name: Unimed
    aliases: [unimed nacional]
  - name: Particular
doctors:
  - name: Dra. Ana Souza
    crm: "CRM-SP 123456"
    specialties: [Cardiologia]
    insurances: [Unimed, Particular]
    price: 350.00
    schedule:
      mon: ["08:00-12:00", "14:00-18:00"]
      wed: ["08:00-12:00"]
  - name: Dr. Bruno Lima
    crm: "CRM-SP 654321"
    specialties: [Pediatria, Dermatologia]
    insurances: [Particular]
    price: 250.00
    appointment_minutes: 20
    schedule:
      tue: ["09:00-11:00"]
exams:
  - name: Eletrocardiograma
    aliases: [ecg, eletro]
    price: 120.00
    preparation: "Não é necessário jejum."
holidays: ["2026-04-03", "2026-04-21"]
faq:
  - question: "Vocês têm estacionamento?"
    answer: "Sim, no subsolo."
  - question: "Aceitam cartão?"
    answer: "Sim, débito e crédito."
"""

REFERENCE_MODELS = (Clinic, Specialty, Insurance, Doctor, ScheduleRange, Exam, Holiday, FaqEntry)


def write(tmp_path: Path, text: str, name: str = "clinic.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """1-based number of the only line of ``text`` that contains ``needle``."""
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(lines) == 1, f"{needle!r} is on lines {lines}"
    return lines[0]


def database_rows() -> dict[str, list[dict]]:
    """Every reference row (ids, timestamps and M2M links included), for exact comparisons."""
    rows: dict[str, list[dict]] = {
        m.__name__: list(m.objects.order_by("pk").values()) for m in REFERENCE_MODELS
    }
    rows["Doctor.specialties"] = list(
        Doctor.specialties.through.objects.order_by("pk").values("pk", "doctor_id", "specialty_id")
    )
    rows["Doctor.insurances"] = list(
        Doctor.insurances.through.objects.order_by("pk").values("pk", "doctor_id", "insurance_id")
    )
    return rows


def import_command(path: Path) -> str:
    out = io.StringIO()
    call_command("import_clinic", str(path), stdout=out)
    return out.getvalue()


def nonzero(counts) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


# --------------------------------------------------------------------------- first import
@pytest.mark.django_db
def test_import_creates_every_row_of_the_file(tmp_path):
    output = import_command(write(tmp_path, CLINIC_YAML))

    assert "Clinic imported from" in output
    clinic = Clinic.objects.get()
    assert clinic.name == "Clínica Teste"
    assert clinic.timezone == "America/Sao_Paulo"
    assert clinic.opening_hours == {"mon": ["07:00-19:00"], "sat": ["08:00-12:00"]}
    assert clinic.parking == "Estacionamento no subsolo."
    assert set(Specialty.objects.values_list("name", flat=True)) == {
        "Cardiologia",
        "Pediatria",
        "Dermatologia",
    }
    assert Specialty.objects.get(name="Cardiologia").aliases == ["cardio", "cardiologista"]
    assert set(Insurance.objects.values_list("name", flat=True)) == {"Unimed", "Particular"}
    assert Doctor.objects.filter(active=True).count() == 2
    assert Exam.objects.get().price == Decimal("120.00")
    assert sorted(Holiday.objects.values_list("date", flat=True)) == [
        dt.date(2026, 4, 3),
        dt.date(2026, 4, 21),
    ]
    assert FaqEntry.objects.count() == 2


@pytest.mark.django_db
def test_first_import_counts_each_row_of_the_file_once_as_created():
    demo = Path(settings.BASE_DIR) / "demo" / "clinic.yaml"
    data = yaml.safe_load(demo.read_text())

    counts = clinic_import_file(path=demo)

    # A new doctor with its specialties, convênios and hours is one row created, not 1 + 3 updates.
    assert nonzero(counts) == {
        "created": 1
        + sum(len(data[k]) for k in ("specialties", "insurances", "doctors", "exams", "holidays", "faq"))
    }
    assert {kind: dict(c) for kind, c in counts.by_kind.items()} == {
        "clinic": {"created": 1},
        "specialty": {"created": len(data["specialties"])},
        "insurance": {"created": len(data["insurances"])},
        "doctor": {"created": len(data["doctors"])},
        "exam": {"created": len(data["exams"])},
        "holiday": {"created": len(data["holidays"])},
        "faq": {"created": len(data["faq"])},
    }
    assert counts.summary().startswith(f"created 1 clinic, {len(data['specialties'])} specialties, ")


@pytest.mark.django_db
def test_a_doctor_whose_hours_and_convenios_changed_counts_as_one_update(tmp_path):
    clinic_import_file(path=write(tmp_path, CLINIC_YAML))
    changed = yaml.safe_load(CLINIC_YAML)
    changed["doctors"][0]["insurances"] = changed["doctors"][0]["insurances"][:1]
    changed["doctors"][0]["schedule"] = {"mon": ["08:00-09:00"]}

    counts = clinic_import_file(path=write(tmp_path, yaml.safe_dump(changed, allow_unicode=True)))

    assert counts.by_kind["doctor"]["updated"] == counts["updated"] == 1


@pytest.mark.django_db
def test_import_links_doctors_to_their_specialties_and_insurances(tmp_path):
    clinic_import_file(path=write(tmp_path, CLINIC_YAML))

    ana = Doctor.objects.get(name="Dra. Ana Souza")
    bruno = Doctor.objects.get(name="Dr. Bruno Lima")
    assert {s.name for s in ana.specialties.all()} == {"Cardiologia"}
    assert {i.name for i in ana.insurances.all()} == {"Unimed", "Particular"}
    assert {s.name for s in bruno.specialties.all()} == {"Pediatria", "Dermatologia"}
    assert {i.name for i in bruno.insurances.all()} == {"Particular"}
    assert ana.price == Decimal("350.00") and ana.crm == "CRM-SP 123456"


@pytest.mark.django_db
def test_import_stores_each_weekly_schedule_range(tmp_path):
    clinic_import_file(path=write(tmp_path, CLINIC_YAML))

    ana = sorted(
        (r.weekday, f"{r.start:%H:%M}", f"{r.end:%H:%M}")
        for r in ScheduleRange.objects.filter(doctor__name="Dra. Ana Souza")
    )
    assert ana == [(0, "08:00", "12:00"), (0, "14:00", "18:00"), (2, "08:00", "12:00")]
    assert ScheduleRange.objects.count() == 4


@pytest.mark.django_db
def test_doctor_with_20_minute_appointments_gets_20_minute_slots(tmp_path):
    clinic_import_file(path=write(tmp_path, CLINIC_YAML))

    assert Doctor.objects.get(name="Dr. Bruno Lima").appointment_minutes == 20
    assert Doctor.objects.get(name="Dra. Ana Souza").appointment_minutes is None  # clinic default
    catalog = get_catalog()
    bruno = catalog.doctor("Dr. Bruno Lima")
    assert bruno is not None and bruno.slot_minutes == 20
    tuesday = dt.date(2026, 3, 3)
    assert [f"{t:%H:%M}" for t in schedule_starts(bruno, tuesday)] == [
        "09:00",
        "09:20",
        "09:40",
        "10:00",
        "10:20",
        "10:40",
    ]
    ana = catalog.doctor("Dra. Ana Souza")
    assert ana is not None and ana.slot_minutes == 30


# --------------------------------------------------------------------------- idempotence
@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(tmp_path, django_capture_on_commit_callbacks):
    path = write(tmp_path, CLINIC_YAML)
    clinic_import_file(path=path)
    before = database_rows()

    with django_capture_on_commit_callbacks() as callbacks:
        counts = clinic_import_file(path=path)

    assert set(nonzero(counts)) == {"unchanged"}
    assert database_rows() == before  # same ids, same updated_at, same links
    # Nothing was saved, so the cached snapshot is not even invalidated.
    assert callbacks == []


@pytest.mark.django_db
def test_reimport_through_the_command_reports_only_unchanged_rows(tmp_path):
    path = write(tmp_path, CLINIC_YAML)
    first = import_command(path)
    assert "created" in first

    second = import_command(path)

    assert "unchanged" in second
    for word in ("created", "updated", "deleted", "deactivated"):
        assert word not in second


# --------------------------------------------------------------------------- updates
@pytest.mark.django_db
def test_importing_a_changed_price_updates_only_that_doctor(tmp_path):
    clinic_import_file(path=write(tmp_path, CLINIC_YAML))
    bruno_before = Doctor.objects.filter(name="Dr. Bruno Lima").values().get()

    counts = clinic_import_file(path=write(tmp_path, CLINIC_YAML.replace("price: 350.00", "price: 380.50")))

    assert Doctor.objects.get(name="Dra. Ana Souza").price == Decimal("380.50")
    assert Doctor.objects.filter(name="Dr. Bruno Lima").values().get() == bruno_before
    assert counts["updated"] == 1
    assert counts["created"] == counts["deleted"] == 0


@pytest.mark.django_db
def test_doctor_removed_from_the_file_is_deactivated_not_deleted(tmp_path):
    clinic_import_file(path=write(tmp_path, CLINIC_YAML))
    bruno_id = Doctor.objects.get(name="Dr. Bruno Lima").id
    start = CLINIC_YAML.index("  - name: Dr. Bruno Lima")
    end = CLINIC_YAML.index("exams:")
    without_bruno = CLINIC_YAML[:start] + CLINIC_YAML[end:]

    counts = clinic_import_file(path=write(tmp_path, without_bruno))

    bruno = Doctor.objects.get(id=bruno_id)
    assert bruno.active is False
    assert counts["deactivated"] == 1
    assert Doctor.objects.get(name="Dra. Ana Souza").active is True
    assert [d.name for d in get_catalog().doctors] == ["Dra. Ana Souza"]

    # Putting the doctor back reactivates the same row.
    clinic_import_file(path=write(tmp_path, CLINIC_YAML))
    assert Doctor.objects.get(name="Dr. Bruno Lima").id == bruno_id
    assert Doctor.objects.get(id=bruno_id).active is True


@pytest.mark.django_db
def test_faq_removed_from_the_file_is_deleted(tmp_path):
    clinic_import_file(path=write(tmp_path, CLINIC_YAML))
    start = CLINIC_YAML.index('  - question: "Aceitam cartão?"')
    counts = clinic_import_file(path=write(tmp_path, CLINIC_YAML[:start]))

    assert list(FaqEntry.objects.values_list("question", flat=True)) == ["Vocês têm estacionamento?"]
    assert counts["deleted"] == 1


@pytest.mark.django_db
def test_changed_schedule_and_holidays_replace_the_old_ones(tmp_path):
    clinic_import_file(path=write(tmp_path, CLINIC_YAML))
    changed = CLINIC_YAML.replace('tue: ["09:00-11:00"]', 'thu: ["13:00-15:00"]').replace(
        '["2026-04-03", "2026-04-21"]', '["2026-04-21", "2026-05-01"]'
    )

    clinic_import_file(path=write(tmp_path, changed))

    bruno = [(r.weekday, r.start, r.end) for r in ScheduleRange.objects.filter(doctor__name="Dr. Bruno Lima")]
    assert bruno == [(3, dt.time(13, 0), dt.time(15, 0))]
    assert sorted(Holiday.objects.values_list("date", flat=True)) == [
        dt.date(2026, 4, 21),
        dt.date(2026, 5, 1),
    ]


@pytest.mark.django_db
def test_changed_insurance_list_updates_the_doctor_links(tmp_path):
    clinic_import_file(path=write(tmp_path, CLINIC_YAML))
    changed = CLINIC_YAML.replace("insurances: [Unimed, Particular]", "insurances: [Particular]")

    clinic_import_file(path=write(tmp_path, changed))

    assert {i.name for i in Doctor.objects.get(name="Dra. Ana Souza").insurances.all()} == {"Particular"}
    # Unimed is still listed under 'insurances', so it stays.
    assert Insurance.objects.filter(name="Unimed").exists()


@pytest.mark.django_db
def test_specialty_removed_with_its_last_doctor_link_is_deleted_in_one_import(tmp_path):
    clinic_import_file(path=write(tmp_path, CLINIC_YAML))
    changed = CLINIC_YAML.replace("  - name: Dermatologia\n", "").replace(
        "specialties: [Pediatria, Dermatologia]", "specialties: [Pediatria]"
    )
    path = write(tmp_path, changed)

    clinic_import_file(path=path)

    assert not Specialty.objects.filter(name="Dermatologia").exists()
    assert set(nonzero(clinic_import_file(path=path))) == {"unchanged"}


# --------------------------------------------------------------------------- broken files
BROKEN = {
    "unknown specialty": (
        "specialties: [Pediatria, Dermatologia]",
        "specialties: [Pediatria, Neurologia]",
        "unknown specialty 'Neurologia'",
    ),
    "unknown insurance": (
        "insurances: [Unimed, Particular]",
        "insurances: [Unimed, Amil]",
        "unknown insurance 'Amil'",
    ),
    "time range ending before it starts": (
        'wed: ["08:00-12:00"]',
        'wed: ["12:00-08:00"]',
        "ends before it starts",
    ),
    "malformed time range": ('tue: ["09:00-11:00"]', 'tue: ["9h-11h"]', "is not a range"),
    "invalid hour": ('tue: ["09:00-11:00"]', 'tue: ["09:00-25:00"]', "invalid time"),
    "overlapping ranges": (
        'mon: ["08:00-12:00", "14:00-18:00"]',
        'mon: ["08:00-12:00", "11:30-18:00"]',
        "ranges overlap",
    ),
    "unknown weekday": ('wed: ["08:00-12:00"]', 'qua: ["08:00-12:00"]', "unknown weekday 'qua'"),
    "negative price": ("price: 250.00", "price: -250.00", "must be a positive amount"),
    "price that is not a number": ("price: 250.00", "price: duzentos", "must be a number"),
    "slot length out of range": ("appointment_minutes: 20", "appointment_minutes: 2", "minutes (5-480)"),
    "bad holiday date": ('holidays: ["2026-04-03", "2026-04-21"]', 'holidays: ["2026-04-31"]', "not a date"),
    "unknown timezone": ("timezone: America/Sao_Paulo", "timezone: America/Atlantis", "unknown timezone"),
    "invalid YAML": (
        '    crm: "CRM-SP 654321"',
        '    crm: "CRM-SP 654321": oops',
        "invalid YAML",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_broken_file_is_rejected_with_file_and_line_and_nothing_is_written(tmp_path, case):
    old, new, message = BROKEN[case]
    assert old in CLINIC_YAML
    text = CLINIC_YAML.replace(old, new)
    path = write(tmp_path, text)

    with pytest.raises(CommandError) as excinfo:
        call_command("import_clinic", str(path))

    error = str(excinfo.value)
    assert f"{path}:{line_of(text, new)}:" in error
    assert message in error
    for model in REFERENCE_MODELS:
        assert not model.objects.exists(), f"{model.__name__} rows were written"


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["unknown specialty", "overlapping ranges", "invalid YAML"])
def test_broken_update_leaves_the_imported_clinic_unchanged(tmp_path, case):
    clinic_import_file(path=write(tmp_path, CLINIC_YAML))
    before = database_rows()
    old, new, _ = BROKEN[case]
    # A change that would be valid (the price) plus the error later in the file.
    text = CLINIC_YAML.replace("price: 350.00", "price: 999.00").replace(old, new)
    path = write(tmp_path, text, "changed.yaml")

    with pytest.raises(CommandError, match=rf"{path}:{line_of(text, new)}:"):
        call_command("import_clinic", str(path))

    assert database_rows() == before


def _was_bug(reason: str):
    """These were bugs (fixed); the reason documents what the test guards against."""
    return ()


UNHANDLED = {
    "unquoted impossible date": (
        'holidays: ["2026-04-03", "2026-04-21"]',
        "holidays: [2026-04-31]",
        _was_bug(
            "PyYAML's timestamp constructor raises a bare ValueError, which load_clinic_file "
            "does not catch: a traceback instead of FILE:LINE"
        ),
    ),
    "price .nan": (
        "price: 250.00",
        "price: .nan",
        _was_bug("_Reader.money compares Decimal('NaN') < 0, which raises decimal.InvalidOperation"),
    ),
    "doctor entry that is not a mapping": (
        "  - name: Dr. Bruno Lima\n",
        "  - Dr. Bruno Lima\n  - name: Dr. Bruno Lima\n",
        _was_bug("a scalar list item has no line, so the error has no line number"),
    ),
    "name longer than the column": (
        "  - name: Dermatologia\n",
        "  - name: " + "D" * 150 + "\n",
        _was_bug(
            "lengths are not validated: PostgreSQL raises DataError (a traceback), SQLite "
            "stores the over-long name"
        ),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(UNHANDLED))
def test_every_bad_value_is_a_file_and_line_error(tmp_path, case):
    old, new, _ = UNHANDLED[case]
    text = CLINIC_YAML.replace(old, new).replace("[Pediatria, Dermatologia]", "[Pediatria]")
    path = write(tmp_path, text)
    needle = new.strip().splitlines()[0]

    with pytest.raises(CommandError, match=rf"{path}:{line_of(text, needle)}: "):
        call_command("import_clinic", str(path))
    assert not Doctor.objects.exists()


@pytest.mark.django_db
def test_duplicate_doctor_is_rejected_at_its_second_entry(tmp_path):
    text = CLINIC_YAML.replace("  - name: Dr. Bruno Lima", "  - name: Dra. Ana Souza")
    path = write(tmp_path, text)
    second = [i for i, line in enumerate(text.splitlines(), 1) if "name: Dra. Ana Souza" in line][1]

    with pytest.raises(CommandError, match=rf"{path}:{second}: doctor 'Dra. Ana Souza' appears twice"):
        call_command("import_clinic", str(path))
    assert not Doctor.objects.exists()


@pytest.mark.django_db
def test_missing_file_is_a_command_error_naming_the_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(CommandError, match=rf"{path}: cannot read the file"):
        call_command("import_clinic", str(path))


# --------------------------------------------------------------------------- shipped files
SHIPPED = {
    "demo": Path(settings.BASE_DIR) / "demo" / "clinic.yaml",
    "alt": Path(settings.BASE_DIR) / "tests" / "eval" / "clinic_alt.yaml",
    "dev": Path(settings.BASE_DIR).parent / "shared" / "eval" / "clinic_dev.yaml",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(SHIPPED))
def test_shipped_clinic_file_imports_cleanly_and_idempotently(name):
    path = SHIPPED[name]
    if not path.exists():
        pytest.skip(f"{path} does not exist yet")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))

    import_command(path)

    assert Clinic.objects.get().name == raw["clinic"]["name"]
    assert set(Doctor.objects.filter(active=True).values_list("name", flat=True)) == {
        d["name"] for d in raw["doctors"]
    }
    assert Specialty.objects.count() == len(raw["specialties"])
    for doctor in Doctor.objects.prefetch_related("schedule", "specialties"):
        assert doctor.specialties.exists(), doctor.name
        assert doctor.schedule.exists(), f"{doctor.name} has no hours"
    assert set(nonzero(clinic_import_file(path=path))) == {"unchanged"}

"""Reading and validating a clinic YAML file (format: shared eval README §1).

Every problem is reported with the file, the line and what is wrong, and the whole file
is validated before anything is written.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from clinicbot.engine.types import (
    WEEKDAY_KEYS,
    Catalog,
    ClinicInfo,
    DoctorInfo,
    ExamInfo,
    FaqItem,
    NamedItem,
    TimeRange,
)

from .hours import parse_range


class ClinicFileError(Exception):
    """The clinic file cannot be used; ``str()`` is "FILE:LINE: what is wrong"."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")


class _Map(dict[str, Any]):
    line: int = 0
    key_lines: dict[str, int]


class _Seq(list[Any]):
    line: int = 0
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings and sequences remember their (1-based) line."""


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> _Map:
    result = _Map()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[str(key)] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = value_node.start_mark.line + 1
    return result


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> _Seq:
    result = _Seq(loader.construct_object(n, deep=True) for n in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [n.start_mark.line + 1 for n in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


@dataclass
class ClinicData:
    name: str
    phone: str = ""
    whatsapp: str = ""
    address: str = ""
    timezone: str = "America/Sao_Paulo"
    appointment_minutes: int = 30
    handoff_url: str = ""
    opening_hours: dict[str, list[str]] = field(default_factory=dict)
    parking: str = ""


@dataclass
class DoctorData:
    name: str
    crm: str
    specialties: list[str]
    insurances: list[str]
    price: Decimal
    appointment_minutes: int | None
    schedule: dict[int, list[TimeRange]]


@dataclass
class ExamData:
    name: str
    aliases: list[str]
    price: Decimal | None
    preparation: str


@dataclass
class ClinicFile:
    """A validated clinic file."""

    clinic: ClinicData
    specialties: dict[str, list[str]]
    insurances: dict[str, list[str]]
    doctors: list[DoctorData]
    exams: list[ExamData]
    holidays: list[dt.date]
    faq: list[tuple[str, str]]


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, line: int | None, message: str) -> ClinicFileError:
        return ClinicFileError(self.path, line, message)

    def line_of(self, container: Any, key: str | None = None) -> int | None:
        if isinstance(container, _Map) and key is not None and key in container.key_lines:
            return container.key_lines[key]
        return getattr(container, "line", None) or None

    def items(self, value: Any, where: str, line: int | None) -> list[tuple[Any, int | None]]:
        """A list's items with the line of each one."""
        seq = self.sequence(value, where, line)
        lines = getattr(seq, "item_lines", None) or [line] * len(seq)
        return list(zip(seq, lines, strict=False))

    def name(self, m: _Map, where: str, limit: int) -> str:
        text = self.text(m, "name", where, required=True)
        if len(text) > limit:
            raise self.fail(self.line_of(m, "name"), f"{where}: name longer than {limit} characters")
        return text

    def mapping(self, value: Any, where: str, line: int | None) -> _Map:
        if not isinstance(value, _Map):
            raise self.fail(line, f"{where} must be a mapping")
        return value

    def sequence(self, value: Any, where: str, line: int | None) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(line, f"{where} must be a list")
        return value

    def text(self, m: _Map, key: str, where: str, *, required: bool = False) -> str:
        value = m.get(key)
        if value is None or value == "":
            if required:
                raise self.fail(self.line_of(m), f"{where}: '{key}' is required")
            return ""
        if not isinstance(value, str | int | float):
            raise self.fail(self.line_of(m, key), f"{where}: '{key}' must be text")
        return str(value).strip()

    def minutes(self, m: _Map, key: str, where: str) -> int | None:
        value = m.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not 5 <= value <= 480:
            raise self.fail(
                self.line_of(m, key), f"{where}: '{key}' must be a whole number of minutes (5-480)"
            )
        return value

    def money(self, m: _Map, key: str, where: str, *, required: bool) -> Decimal | None:
        value = m.get(key)
        if value is None:
            if required:
                raise self.fail(self.line_of(m), f"{where}: '{key}' is required")
            return None
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(
                self.line_of(m, key), f"{where}: '{key}' must be a number, got {value!r}"
            ) from None
        if not amount.is_finite() or amount < 0:
            raise self.fail(self.line_of(m, key), f"{where}: '{key}' must be a positive amount")
        return amount.quantize(Decimal("0.01"))

    def names(self, m: _Map, key: str, where: str) -> list[str]:
        values = self.sequence(m.get(key), f"{where}: '{key}'", self.line_of(m, key))
        out = []
        for v in values:
            if not isinstance(v, str | int) or not str(v).strip():
                raise self.fail(self.line_of(m, key), f"{where}: '{key}' must be a list of names")
            out.append(str(v).strip())
        return out

    def week(self, value: Any, where: str, line: int | None) -> dict[int, list[TimeRange]]:
        if value is None:
            return {}
        week = self.mapping(value, where, line)
        out: dict[int, list[TimeRange]] = {}
        for day, ranges in week.items():
            if day not in WEEKDAY_KEYS:
                raise self.fail(
                    self.line_of(week, day),
                    f"{where}: unknown weekday '{day}' (use {', '.join(WEEKDAY_KEYS)})",
                )
            parsed = []
            for text in self.sequence(ranges, f"{where}.{day}", self.line_of(week, day)):
                try:
                    parsed.append(parse_range(text))
                except ValueError as exc:
                    raise self.fail(self.line_of(week, day), f"{where}.{day}: {exc}") from None
            parsed.sort(key=lambda r: r.start)
            for a, b in zip(parsed, parsed[1:], strict=False):
                if b.start < a.end:
                    raise self.fail(self.line_of(week, day), f"{where}.{day}: ranges overlap")
            out[WEEKDAY_KEYS.index(day)] = parsed
        return out


def _line_of_value(path: str, exc: ValueError) -> int | None:
    """Best effort: the first line holding an impossible ISO date, for PyYAML's bare errors."""
    import re

    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for number, text in enumerate(lines, 1):
        for day in re.findall(r"\b\d{4}-\d{2}-\d{2}\b", text):
            try:
                dt.date.fromisoformat(day)
            except ValueError:
                return number
    return None


# Longest names the database columns hold.
MAX_LENGTHS = {"specialties": 100, "insurances": 100, "doctor": 150, "exam": 150, "faq": 300}


def load_clinic_file(path: str | Path) -> ClinicFile:
    """Parse and validate a clinic YAML file; raise :class:`ClinicFileError` on any problem."""
    path = str(path)
    r = _Reader(path)
    try:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.load(fh, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except OSError as exc:
        raise ClinicFileError(path, None, f"cannot read the file: {exc.strerror}") from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ClinicFileError(path, line, f"invalid YAML: {exc.problem}") from None
    except ValueError as exc:  # PyYAML's own constructors: an impossible date like 2026-04-31
        raise ClinicFileError(path, _line_of_value(path, exc), f"invalid value: {exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ClinicFileError(path, None, f"invalid YAML: {exc}") from None
    root = r.mapping(raw, "the file", 1)

    c = r.mapping(root.get("clinic"), "'clinic'", r.line_of(root, "clinic") or 1)
    tz = r.text(c, "timezone", "clinic") or "America/Sao_Paulo"
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise r.fail(r.line_of(c, "timezone"), f"clinic: unknown timezone '{tz}'") from None
    hours = r.week(c.get("opening_hours"), "clinic.opening_hours", r.line_of(c, "opening_hours"))
    clinic = ClinicData(
        name=r.text(c, "name", "clinic", required=True),
        phone=r.text(c, "phone", "clinic"),
        whatsapp=r.text(c, "whatsapp", "clinic"),
        address=r.text(c, "address", "clinic"),
        timezone=tz,
        appointment_minutes=r.minutes(c, "appointment_minutes", "clinic") or 30,
        handoff_url=r.text(c, "handoff_url", "clinic"),
        opening_hours={
            WEEKDAY_KEYS[wd]: [f"{x.start:%H:%M}-{x.end:%H:%M}" for x in ranges]
            for wd, ranges in hours.items()
        },
        parking=r.text(c, "parking", "clinic"),
    )

    def named_list(key: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for item, line in r.items(root.get(key), f"'{key}'", r.line_of(root, key)):
            m = r.mapping(item, f"{key} entry", line)
            name = r.name(m, key, MAX_LENGTHS[key])
            if name in out:
                raise r.fail(r.line_of(m, "name"), f"{key}: '{name}' appears twice")
            out[name] = r.names(m, "aliases", f"{key} '{name}'")
        return out

    specialties = named_list("specialties")
    insurances = named_list("insurances")
    if not specialties:
        raise r.fail(r.line_of(root), "'specialties' must list at least one specialty")

    doctors: list[DoctorData] = []
    seen: set[str] = set()
    for item, line in r.items(root.get("doctors"), "'doctors'", r.line_of(root, "doctors")):
        m = r.mapping(item, "doctor entry", line)
        name = r.name(m, "doctor", MAX_LENGTHS["doctor"])
        where = f"doctor '{name}'"
        if name in seen:
            raise r.fail(r.line_of(m, "name"), f"{where} appears twice")
        seen.add(name)
        specs = r.names(m, "specialties", where)
        if not specs:
            raise r.fail(r.line_of(m), f"{where}: 'specialties' must list at least one specialty")
        for s in specs:
            if s not in specialties:
                raise r.fail(r.line_of(m, "specialties"), f"{where}: unknown specialty '{s}'")
        ins = r.names(m, "insurances", where)
        for i in ins:
            if i not in insurances:
                raise r.fail(r.line_of(m, "insurances"), f"{where}: unknown insurance '{i}'")
        doctors.append(
            DoctorData(
                name=name,
                crm=r.text(m, "crm", where),
                specialties=specs,
                insurances=ins,
                price=r.money(m, "price", where, required=False) or Decimal("0.00"),
                appointment_minutes=r.minutes(m, "appointment_minutes", where),
                schedule=r.week(m.get("schedule"), f"{where}: schedule", r.line_of(m, "schedule")),
            )
        )

    exams: list[ExamData] = []
    for item, line in r.items(root.get("exams"), "'exams'", r.line_of(root, "exams")):
        m = r.mapping(item, "exam entry", line)
        name = r.name(m, "exam", MAX_LENGTHS["exam"])
        exams.append(
            ExamData(
                name=name,
                aliases=r.names(m, "aliases", f"exam '{name}'"),
                price=r.money(m, "price", f"exam '{name}'", required=False),
                preparation=r.text(m, "preparation", f"exam '{name}'"),
            )
        )

    holidays: list[dt.date] = []
    for value in r.sequence(root.get("holidays"), "'holidays'", r.line_of(root, "holidays")):
        try:
            holidays.append(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
        except ValueError:
            raise r.fail(
                r.line_of(root, "holidays"), f"holidays: '{value}' is not a date YYYY-MM-DD"
            ) from None

    faq: list[tuple[str, str]] = []
    for item, line in r.items(root.get("faq"), "'faq'", r.line_of(root, "faq")):
        m = r.mapping(item, "faq entry", line)
        question = r.text(m, "question", "faq", required=True)
        if len(question) > MAX_LENGTHS["faq"]:
            raise r.fail(
                r.line_of(m, "question"), f"faq: question longer than {MAX_LENGTHS['faq']} characters"
            )
        faq.append((question, r.text(m, "answer", "faq", required=True)))

    return ClinicFile(clinic, specialties, insurances, doctors, exams, holidays, faq)


def catalog_from_file(data: ClinicFile) -> Catalog:
    """An engine :class:`Catalog` straight from a clinic file, without a database.

    For tools that read clinics they never import (training the NLU on the corpus's own
    clinics); ids are positions in the file.
    """
    clinic = data.clinic
    opening = {
        WEEKDAY_KEYS.index(day): tuple(parse_range(r) for r in ranges)
        for day, ranges in clinic.opening_hours.items()
    }
    return Catalog(
        clinic=ClinicInfo(
            name=clinic.name,
            phone=clinic.phone,
            whatsapp=clinic.whatsapp,
            address=clinic.address,
            timezone=clinic.timezone,
            appointment_minutes=clinic.appointment_minutes,
            handoff_url=clinic.handoff_url,
            opening_hours=opening,
            parking=clinic.parking,
        ),
        specialties=tuple(NamedItem(n, tuple(a), i) for i, (n, a) in enumerate(data.specialties.items(), 1)),
        insurances=tuple(NamedItem(n, tuple(a), i) for i, (n, a) in enumerate(data.insurances.items(), 1)),
        doctors=tuple(
            DoctorInfo(
                id=i,
                name=d.name,
                crm=d.crm,
                specialties=tuple(d.specialties),
                insurances=tuple(d.insurances),
                price=d.price,
                slot_minutes=d.appointment_minutes or clinic.appointment_minutes,
                schedule={wd: tuple(ranges) for wd, ranges in d.schedule.items()},
            )
            for i, d in enumerate(data.doctors, 1)
        ),
        exams=tuple(
            ExamInfo(e.name, tuple(e.aliases), price=e.price, preparation=e.preparation) for e in data.exams
        ),
        holidays=frozenset(data.holidays),
        faq=tuple(FaqItem(q, a) for q, a in data.faq),
    )

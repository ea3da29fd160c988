"""The dialogue policy: the receptionist's rules as an explicit state machine.

States (``SessionState.state``):

* ``idle`` — nothing pending.
* ``collecting`` — a booking (or a move) is being filled in; ``context["expect"]`` says
  what was asked last.
* ``choosing_slot`` — numbered free times were offered (``context["offered"]``).
* ``choosing_doctor`` — two doctors share the name the patient used.
* ``confirming`` — the summary was shown; a yes books, a no asks what to correct.
* ``choosing_appointment`` / ``confirming_cancel`` — which booking to cancel or move.
* ``handoff`` — a person took over; the assistant stays silent (emergencies excepted).

Side questions never change the state: they are answered and the pending question is
asked again. Every booking goes through the :class:`~clinicbot.engine.ports.Bookings`
port, and only after the patient confirmed the summary.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from ..hours import fmt_opening, is_open, next_opening
from ..nlu.detect import Understanding
from ..nlu.lexicon import Matches
from ..nlu.normalize import normalize
from ..ports import Availability, BookingError, BookingRequest, Bookings, Interpreter, Waitlist
from ..replies.format import (
    WEEKDAYS_PLURAL,
    fmt_date,
    fmt_date_short,
    fmt_money,
    fmt_time,
    join_names,
    numbered,
)
from ..replies.templates import render
from ..slots import Slot, beyond_horizon, free_starts, in_period, nearest_free, schedule_starts
from ..types import AppointmentInfo, Catalog, Choice, DoctorInfo, ParseResult, Reply, SessionState, TurnResult
from . import answers, waitlist

BOOKING_FIELDS = ("specialty", "doctor", "insurance", "date", "time", "period")
QUESTION_INTENTS = frozenset(
    {"ask_doctors", "ask_specialties", "ask_insurance", "ask_exams", "ask_price", "ask_hours", "ask_location"}
)
SOCIAL_INTENTS = frozenset({"greeting", "thanks", "goodbye", "out_of_scope"})
FLOW_STATES = frozenset({"collecting", "choosing_slot", "choosing_doctor", "confirming"})
STATUS_PT = {"pending": "agendada", "confirmed": "confirmada"}
MAX_OFFERED_TIMES = 8
# Turns in a row a booking may go nowhere (same state, nothing new understood) before a
# person takes over: a patient the assistant keeps misunderstanding should not be left
# looping on the same question.
STUCK_TURNS_BEFORE_HANDOFF = 3
_SAME_PLAN = re.compile(r"\b(?:mesmo|mesma) (?:plano|convenio|seguro)\b")


@dataclass
class Turn:
    """Everything one turn needs; built by the pipeline for each message."""

    catalog: Catalog
    understanding: Understanding
    availability: Availability
    bookings: Bookings
    now: dt.datetime  # aware, in the clinic's timezone
    waitlist: Waitlist | None = None  # None: no waiting list offered
    interpreter: Interpreter | None = None  # an LLM's second reading of unsure messages (None: offline)
    replies: list[Reply] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    _taken: dict[tuple[int, dt.date], set[dt.time]] = field(default_factory=dict)

    def say(self, text: str, choices: tuple[Choice, ...] = ()) -> None:
        self.replies.append(Reply(text, choices))

    def t(self, key: str, **values: Any) -> str:
        return render(key, self.catalog.templates, **values)

    def taken(self, doctor_id: int, day: dt.date) -> set[dt.time]:
        key = (doctor_id, day)
        if key not in self._taken:
            self._taken[key] = self.availability.taken_starts(doctor_id, day)
        return self._taken[key]

    @property
    def local_now(self) -> dt.datetime:
        return self.now.replace(tzinfo=None)


class Policy:
    """Decides the replies and the bookings for one message."""

    def handle(self, state: SessionState, text: str, turn: Turn) -> TurnResult:
        """Read ``text`` in ``state`` and return the replies; ``state`` is updated in place."""
        expect = str(state.context.get("expect", ""))
        parse, matches = turn.understanding.detect(
            text,
            state=state.state,
            today=turn.now.date(),
            now_time=turn.now.time(),
            expect=expect,
            interpreter=turn.interpreter,
        )
        if state.handed_off:
            if parse.intent == "emergency":
                self._emergency(state, turn)
            else:
                turn.events.append("silent_handoff")
            return TurnResult(tuple(turn.replies), parse, state, tuple(turn.events))
        before = _progress(state)
        self._dispatch(state, parse, matches, text, turn)
        self._hand_off_if_stuck(before, state, parse, turn)
        return TurnResult(tuple(turn.replies), parse, state, tuple(turn.events))

    def _hand_off_if_stuck(
        self, before: tuple[object, ...], st: SessionState, parse: ParseResult, turn: Turn
    ) -> None:
        """A booking the assistant cannot complete goes to the staff queue.

        Counts the turns in a row that leave a booking exactly where it was (same state,
        same data, same offer); questions answered meanwhile do not count. At the limit
        this turn's re-ask is replaced by an apology and the hand-off.
        """
        in_flow = st.state in FLOW_STATES and before[0] in FLOW_STATES and not st.handed_off
        if not in_flow or _progress(st) != before:
            st.context.pop("stuck", None)
            return
        if parse.intent in QUESTION_INTENTS:
            return  # a question answered on the way is neither progress nor a stuck turn
        stuck = int(st.context.get("stuck", 0)) + 1
        if stuck < STUCK_TURNS_BEFORE_HANDOFF:
            st.context["stuck"] = stuck
            return
        st.context.pop("stuck", None)
        turn.replies.clear()
        turn.events.append("booking_stuck")
        self._handoff(st, turn, lead="handoff_stuck")

    # ------------------------------------------------------------------ dispatch
    def _dispatch(
        self, st: SessionState, parse: ParseResult, matches: Matches, text: str, turn: Turn
    ) -> None:
        last_insurance = st.context.get("last_insurance")
        if last_insurance and "insurance" not in parse.entities and _SAME_PLAN.search(normalize(text)):
            # "quero marcar também um dermatologista, mesmo plano"
            parse = ParseResult(
                parse.intent, parse.confidence, {**parse.entities, "insurance": last_insurance}
            )
        intent = parse.intent
        in_flow = st.state in FLOW_STATES
        if (
            st.state == "confirming_reminder"
            and intent != "emergency"
            and self._answer_reminder(st, parse, turn)
        ):
            return
        if intent != "emergency" and waitlist.handle(self, st, parse, text, turn):
            return
        if intent == "emergency":
            self._emergency(st, turn)
        elif intent == "human_agent":
            self._handoff(st, turn)
        elif intent == "cancel_appointment":
            self._start_cancel(st, parse, text, turn)
        elif intent == "reschedule_appointment" and not (in_flow and st.context.get("mode") != "reschedule"):
            self._start_reschedule(st, parse, turn)
        elif intent == "check_appointment":
            self._check(st, turn)
            self._resume(st, turn)
        elif intent in QUESTION_INTENTS:
            turn.say(self._answer(st, parse, text, turn))
            if self._also_books(parse, text):
                # "vcs aceitam bradesco? queria marcar um dermatologista": answer, then book.
                if st.state not in FLOW_STATES:
                    self._start_booking(st, turn)
                entities = {
                    k: v for k, v in parse.entities.items() if k != "insurance" or st.state in FLOW_STATES
                }
                self._merge(st, ParseResult(parse.intent, parse.confidence, entities), matches, turn)
                self._advance(st, turn, matches)
            else:
                self._resume(st, turn)
        elif st.state == "choosing_appointment":
            self._pick_appointment(st, parse, turn)
        elif st.state == "confirming_cancel":
            self._confirm_cancel(st, parse, turn)
        elif st.state == "confirming":
            self._on_confirming(st, parse, matches, turn)
        elif st.state == "choosing_slot":
            self._on_choosing_slot(st, parse, matches, turn)
        elif st.state == "choosing_doctor":
            self._on_choosing_doctor(st, parse, matches, turn)
        elif st.state == "collecting" and self._has_booking_data(parse, matches):
            self._merge(st, parse, matches, turn)
            self._advance(st, turn, matches)
        elif st.state == "collecting" and intent == "confirm" and st.context.get("yes_means"):
            self._apply_yes(st, turn)
            self._advance(st, turn, matches)
        elif st.state == "collecting" and intent == "deny" and st.context.get("yes_means"):
            st.context.pop("yes_means", None)
            turn.say(turn.t("ask_correction"))
        elif intent in SOCIAL_INTENTS or intent in {"confirm", "deny"}:
            self._social(st, parse, text, turn)
        elif intent in {"schedule_appointment", "provide_info"}:
            if st.state not in FLOW_STATES:
                self._start_booking(st, turn)
            self._merge(st, parse, matches, turn)
            self._advance(st, turn, matches)
        else:
            self._social(st, parse, text, turn)

    @staticmethod
    def _also_books(parse: ParseResult, text: str) -> bool:
        """A question that also asks to book a specialty or doctor."""
        wants = re.search(
            r"\b(?:marc\w*|agend\w*|consulta com|quero (?:um|uma)|queria (?:um|uma))\b", normalize(text)
        )
        return (
            bool(wants)
            and bool({"specialty", "doctor"} & parse.entities.keys())
            and parse.intent != "ask_price"
        )

    @staticmethod
    def _has_booking_data(parse: ParseResult, matches: Matches) -> bool:
        keys = {"specialty", "doctor", "insurance", "date", "time", "period", "patient_name"}
        return bool(keys & parse.entities.keys()) or bool(matches.ambiguous_doctors)

    # ------------------------------------------------------------------ social and questions
    def _social(self, st: SessionState, parse: ParseResult, text: str, turn: Turn) -> None:
        intent = parse.intent
        clinic = turn.catalog.clinic.name
        if intent == "greeting":
            turn.say(
                turn.t("greeting_short") if st.state in FLOW_STATES else turn.t("greeting", clinic=clinic)
            )
        elif intent == "thanks":
            turn.say(turn.t("thanks"))
        elif intent == "goodbye":
            turn.say(turn.t("goodbye", clinic=clinic))
        elif intent == "confirm" and st.state == "idle":
            turn.say("👍 Posso ajudar em mais alguma coisa?")
        elif intent == "deny" and st.state == "idle":
            turn.say("Tudo bem! Se precisar, é só chamar.")
        else:
            faq = answers.best_faq(turn.catalog, text)
            turn.say(faq.answer if faq else turn.t("out_of_scope"))
        if intent != "goodbye":
            self._resume(st, turn)

    def _answer(self, st: SessionState, parse: ParseResult, text: str, turn: Turn) -> str:
        c = turn.catalog
        intent = parse.intent
        if intent == "ask_doctors":
            return answers.answer_doctors(c, parse)
        if intent == "ask_specialties":
            return answers.answer_specialties(c, parse, text)
        if intent == "ask_insurance":
            return answers.answer_insurance(c, parse, st, text)
        if intent == "ask_exams":
            return answers.answer_exams(c, parse, text)
        if intent == "ask_price":
            return answers.answer_price(c, parse, st)
        if intent == "ask_hours":
            return answers.answer_hours(c, parse)
        return answers.answer_location(c, text)

    def _resume(self, st: SessionState, turn: Turn) -> None:
        """After a side question, ask again what the booking was waiting for."""
        prompt = st.context.get("prompt")
        if (
            st.state
            in FLOW_STATES
            | waitlist.STATES
            | {"confirming_cancel", "choosing_appointment", "confirming_reminder"}
            and prompt
        ):
            turn.say(turn.t("resume", prompt=prompt))

    def _ask(
        self,
        st: SessionState,
        turn: Turn,
        text: str,
        *,
        state: str,
        expect: str,
        choices: tuple[Choice, ...] = (),
    ) -> None:
        st.previous_state, st.state = st.state, state
        st.context["expect"] = expect
        st.context["prompt"] = text
        turn.say(text, choices)

    # ------------------------------------------------------------------ emergency, hand-off
    def _emergency(self, st: SessionState, turn: Turn) -> None:
        turn.say(turn.t("emergency"))
        turn.events.append("emergency")
        if not st.handed_off:
            self._reset(st)

    def _handoff(self, st: SessionState, turn: Turn, lead: str = "handoff") -> None:
        text = turn.t(lead)
        hours, holidays, now = turn.catalog.clinic.opening_hours, turn.catalog.holidays, turn.local_now
        if not is_open(hours, holidays, now):
            # Closed: say when a person will read it ("segunda-feira, 8h"), not just the hours.
            opening = next_opening(hours, holidays, now)
            text += " " + turn.t(
                "handoff_closed",
                hours=answers.opening_hours_text(turn.catalog),
                when=fmt_opening(opening, now) if opening else "o próximo dia útil",
            )
        turn.say(text)
        st.previous_state, st.state = st.state, "handoff"
        st.handed_off = True
        st.context.pop("prompt", None)
        st.context["handoff_at"] = turn.now.isoformat()  # the staff queue's "waiting since"
        turn.events.append("handoff")

    @staticmethod
    def _reset(st: SessionState) -> None:
        for name in BOOKING_FIELDS:
            setattr(st, name, "")
        # The insurance of the last booking survives, for "mesmo plano" in the next one.
        st.context = {k: v for k, v in st.context.items() if k == "last_insurance"}
        st.previous_state, st.state = st.state, "idle"

    # ------------------------------------------------------------------ booking: filling
    def _start_booking(self, st: SessionState, turn: Turn) -> None:
        self._reset(st)
        st.context["mode"] = "book"
        st.state = "collecting"

    def _merge(self, st: SessionState, parse: ParseResult, matches: Matches, turn: Turn) -> None:
        """Take what the message says into the draft (newer values correct older ones)."""
        e = parse.entities
        c = turn.catalog
        if "patient_name" in e:
            st.patient_name = e["patient_name"]
        if "insurance" in e:
            st.insurance = e["insurance"]
            st.context.pop("yes_means", None)
        if "doctor" in e:
            doctor = c.doctor(e["doctor"])
            if doctor:
                st.doctor = doctor.name
                st.context["doctor_auto"] = False
                if st.specialty not in doctor.specialties:
                    named = e.get("specialty", "")
                    st.specialty = named if named in doctor.specialties else doctor.specialties[0]
            st.context.pop("doctor_options", None)
        elif "specialty" in e:
            if e["specialty"] != st.specialty:
                st.specialty = e["specialty"]
                doctor = c.doctor(st.doctor)
                if doctor and st.specialty not in doctor.specialties:
                    st.doctor = ""
        elif "specialty" in parse.negated or "doctor" in parse.negated:
            pass
        if matches.ambiguous_doctors and "doctor" not in e:
            st.context["doctor_options"] = list(matches.ambiguous_doctors)
        if "date" in e:
            st.date = e["date"]
        if "time" in e:
            st.time = e["time"]
        if "period" in e:
            st.period = e["period"]
            if "time" not in e and st.time and not in_period(dt.time.fromisoformat(st.time), st.period):
                st.time = ""
        if st.context.get("doctor_auto") and ({"date", "time", "insurance", "specialty"} & e.keys()):
            st.doctor = ""  # the assistant picked this doctor: pick again for the new request

    def _apply_yes(self, st: SessionState, turn: Turn) -> None:
        """A "sim" to a yes/no the assistant asked while collecting."""
        meaning = st.context.pop("yes_means", None) or {}
        if "insurance" in meaning:
            st.insurance = meaning["insurance"]
        if "doctor" in meaning:
            st.doctor = meaning["doctor"]
            st.context["doctor_auto"] = False

    def _advance(self, st: SessionState, turn: Turn, matches: Matches | None = None) -> None:
        """Ask for what is missing, offer times, or show the summary."""
        c = turn.catalog
        options = st.context.get("doctor_options")
        if options and not st.doctor:
            docs = [c.doctor(n) for n in options]
            lines = [f"{d.name} ({join_names(d.specialties)})" for d in docs if d]
            text = turn.t("ask_which_doctor", options=numbered(lines))
            self._ask(
                st,
                turn,
                text,
                state="choosing_doctor",
                expect="doctor",
                choices=tuple(
                    Choice.short(i, d.name, join_names(d.specialties)) for i, d in enumerate(docs, 1) if d
                ),
            )
            return
        if not st.specialty and not st.doctor:
            self._ask(st, turn, turn.t("ask_specialty"), state="collecting", expect="specialty")
            return
        if not st.insurance:
            self._ask(st, turn, turn.t("ask_insurance"), state="collecting", expect="insurance")
            return
        if not self._insurance_fits(st, turn):
            return
        candidates = self._candidates(st, turn)
        if not st.date:
            self._offer_first_free(st, turn, candidates)
            return
        day = dt.date.fromisoformat(st.date)
        if not st.time:
            self._offer_day(st, turn, candidates, day)
            return
        wanted = dt.time.fromisoformat(st.time)
        free = [d for d in candidates if wanted in free_starts(c, d, day, turn.taken, turn.local_now)]
        if not free:
            self._offer_nearest(st, turn, candidates, day, wanted)
            return
        if not st.doctor:
            st.doctor = free[0].name
            st.context["doctor_auto"] = True
        if not st.patient_name:
            self._ask(st, turn, turn.t("ask_name"), state="collecting", expect="name")
            return
        self._summary(st, turn)

    def _candidates(self, st: SessionState, turn: Turn) -> list[DoctorInfo]:
        c = turn.catalog
        if st.doctor and not st.context.get("doctor_auto"):
            doctor = c.doctor(st.doctor)
            return [doctor] if doctor else []
        return [d for d in c.doctors_of(st.specialty) if st.insurance in d.insurances]

    def _insurance_fits(self, st: SessionState, turn: Turn) -> bool:
        """A doctor is never booked with an insurance he does not take: say so and offer the way out."""
        c = turn.catalog
        doctor = c.doctor(st.doctor) if not st.context.get("doctor_auto") else None
        private = next((i.name for i in c.insurances if normalize(i.name) == "particular"), "")
        if doctor:
            if st.insurance in doctor.insurances:
                return True
            text = turn.t("insurance_not_accepted", doctor=doctor.name, insurance=st.insurance)
            others = [
                d
                for s in doctor.specialties
                for d in c.doctors_of(s)
                if st.insurance in d.insurances and d.name != doctor.name
            ]
            yes: dict[str, str] = {}
            if others:
                names = join_names(d.name for d in others)
                with_whom = (
                    ("com ela" if others[0].is_female else "com ele") if len(others) == 1 else "com um deles"
                )
                text += turn.t(
                    "insurance_other_doctors",
                    insurance=st.insurance,
                    specialty=doctor.specialties[0],
                    names=names,
                    with_whom=with_whom,
                )
                yes = {"doctor": others[0].name}
            if private and private in doctor.insurances and st.insurance != private:
                text += turn.t("insurance_private_option", price=fmt_money(doctor.price))
                if not yes:
                    yes = {"insurance": private}
            st.context["yes_means"] = yes
            self._ask(st, turn, text, state="collecting", expect="insurance")
            return False
        docs = c.doctors_of(st.specialty)
        if any(st.insurance in d.insurances for d in docs):
            return True
        if not docs:
            self._ask(
                st,
                turn,
                f"No momento não temos médicos de {st.specialty}. " + turn.t("ask_specialty"),
                state="collecting",
                expect="specialty",
            )
            st.specialty = ""
            return False
        price_docs = [d for d in docs if private in d.insurances]
        prices = sorted({d.price for d in price_docs})
        price = (
            fmt_money(prices[0])
            if len(prices) == 1
            else f"de {fmt_money(prices[0])} a {fmt_money(prices[-1])}"
            if prices
            else "sob consulta"
        )
        st.context["yes_means"] = {"insurance": private} if private else {}
        self._ask(
            st,
            turn,
            turn.t("insurance_no_doctor", specialty=st.specialty, insurance=st.insurance, price=price),
            state="collecting",
            expect="insurance",
        )
        return False

    # ------------------------------------------------------------------ booking: offering times
    def _offer(self, st: SessionState, turn: Turn, slots: list[Slot], text_key: str, **values: Any) -> None:
        day_named = text_key == "offer_times"  # that text already says which day
        labels = [self._slot_label(s, st, slots, day_named) for s in slots]
        st.context["offered"] = [s.key for s in slots]
        text = turn.t(text_key, options=numbered(labels), **values)
        self._ask(
            st,
            turn,
            text,
            state="choosing_slot",
            expect="slot",
            choices=tuple(
                Choice.short(i, self._slot_title(s, day_named, slots), s.doctor)
                for i, s in enumerate(slots, 1)
            ),
        )

    @staticmethod
    def _slot_title(slot: Slot, day_named: bool, slots: list[Slot]) -> str:
        """ "14:00", or "qua 13/05 14:00" when the offer spans several days."""
        if day_named and len({s.date for s in slots}) == 1:
            return fmt_time(slot.time)
        return f"{fmt_date_short(slot.date)} {fmt_time(slot.time)}"

    @staticmethod
    def _slot_label(slot: Slot, st: SessionState, slots: list[Slot], day_named: bool) -> str:
        same_day = day_named and len({s.date for s in slots}) == 1
        same_doctor = len({s.doctor for s in slots}) == 1
        label = fmt_time(slot.time) if same_day else f"{fmt_date_short(slot.date)} às {fmt_time(slot.time)}"
        if not same_doctor or (not st.doctor or st.context.get("doctor_auto")):
            label += f" — {slot.doctor}"
        return label

    def _offer_first_free(self, st: SessionState, turn: Turn, candidates: list[DoctorInfo]) -> None:
        wanted = dt.time.fromisoformat(st.time) if st.time else None
        slots = nearest_free(
            turn.catalog,
            candidates,
            turn.now.date(),
            wanted,
            turn.taken,
            turn.local_now,
            limit=3,
            period=st.period,
        )
        if not slots:
            self._ask(st, turn, turn.t("ask_date"), state="collecting", expect="date")
            return
        self._offer(st, turn, slots, "ask_date_with_options")
        st.context["expect"] = "date"

    def _offer_day(self, st: SessionState, turn: Turn, candidates: list[DoctorInfo], day: dt.date) -> None:
        c = turn.catalog
        slots = sorted(
            {
                Slot(day, t, d.name)
                for d in candidates
                for t in free_starts(c, d, day, turn.taken, turn.local_now)
                if in_period(t, st.period)
            }
        )
        unique: dict[dt.time, Slot] = {}
        for s in slots:
            unique.setdefault(s.time, s)
        options = list(unique.values())
        if len(options) > MAX_OFFERED_TIMES:  # spread the offer over the day
            step = len(options) / MAX_OFFERED_TIMES
            options = [options[int(i * step)] for i in range(MAX_OFFERED_TIMES)]
        who = self._who(st)
        if options:
            self._offer(st, turn, options, "offer_times", who=who, date=fmt_date(day))
            return
        reason = self._why_unavailable(st, turn, candidates, day, None)
        self._offer_alternatives(st, turn, candidates, day, None, reason)

    def _offer_nearest(
        self, st: SessionState, turn: Turn, candidates: list[DoctorInfo], day: dt.date, wanted: dt.time
    ) -> None:
        reason = self._why_unavailable(st, turn, candidates, day, wanted)
        self._offer_alternatives(st, turn, candidates, day, wanted, reason)

    def _offer_alternatives(
        self,
        st: SessionState,
        turn: Turn,
        candidates: list[DoctorInfo],
        day: dt.date,
        wanted: dt.time | None,
        reason: str,
    ) -> None:
        today = turn.now.date()
        last_day = today + dt.timedelta(days=turn.catalog.clinic.booking_horizon_days)
        start = min(max(day, today), last_day)  # search where the agenda is open
        slots = nearest_free(
            turn.catalog,
            candidates,
            start,
            wanted,
            turn.taken,
            turn.local_now,
            limit=3,
            period="" if wanted else st.period,
        )
        if not slots:
            self._ask(st, turn, turn.t("unavailable_none", reason=reason), state="collecting", expect="date")
        else:
            self._offer(st, turn, slots, "unavailable", reason=reason)
        waitlist.offer_to_join(self, st, turn, candidates, day)

    def _who(self, st: SessionState) -> str:
        if st.doctor and not st.context.get("doctor_auto"):
            return f"com {st.doctor} "
        return f"de {st.specialty} " if st.specialty else ""

    def _why_unavailable(
        self, st: SessionState, turn: Turn, candidates: list[DoctorInfo], day: dt.date, wanted: dt.time | None
    ) -> str:
        c = turn.catalog
        if day in c.holidays:
            return turn.t("reason_holiday", date=fmt_date(day, weekday=False))
        if day < turn.now.date() or (wanted and dt.datetime.combine(day, wanted) <= turn.local_now):
            return turn.t("reason_past")
        if beyond_horizon(c, day, turn.local_now):
            return turn.t("reason_horizon", days=c.clinic.booking_horizon_days)
        if len(candidates) == 1 and not schedule_starts(candidates[0], day):
            return turn.t(
                "reason_off_day", doctor=candidates[0].name, weekday_plural=WEEKDAYS_PLURAL[day.weekday()]
            )
        if not any(schedule_starts(d, day) for d in candidates):
            return f"Não há atendimento de {st.specialty} {WEEKDAYS_PLURAL[day.weekday()]}."
        if wanted is None:
            return turn.t("reason_day_full", who=self._who(st), date=fmt_date(day))
        if len(candidates) == 1 and wanted not in schedule_starts(candidates[0], day):
            return turn.t("reason_no_slot", doctor=candidates[0].name, time=fmt_time(wanted))
        return turn.t("reason_taken")

    # ------------------------------------------------------------------ booking: choosing
    def _on_choosing_slot(self, st: SessionState, parse: ParseResult, matches: Matches, turn: Turn) -> None:
        offered = [Slot.from_key(k) for k in st.context.get("offered", [])]
        e = parse.entities
        picked: Slot | None = None
        if parse.choice == -1 and offered:  # "o último"
            picked = offered[-1]
        elif parse.choice and 1 <= parse.choice <= len(offered) and not ({"date", "time"} & e.keys()):
            picked = offered[parse.choice - 1]
        elif "time" in e:
            wanted_date = e.get("date")
            same = [
                s
                for s in offered
                if fmt_time(s.time) == e["time"] and (not wanted_date or s.date.isoformat() == wanted_date)
            ]
            picked = same[0] if same else None
        elif parse.intent == "confirm" and len(offered) == 1:
            picked = offered[0]
        if picked:
            st.date, st.time = picked.date.isoformat(), fmt_time(picked.time)
            if not st.doctor or st.context.get("doctor_auto") or st.doctor != picked.doctor:
                st.context["doctor_auto"] = (
                    st.doctor != picked.doctor if st.doctor and not st.context.get("doctor_auto") else True
                )
                st.doctor = picked.doctor
            st.context.pop("offered", None)
            self._merge(
                st,
                ParseResult(
                    parse.intent,
                    parse.confidence,
                    {k: v for k, v in e.items() if k not in {"date", "time", "period"}},
                ),
                matches,
                turn,
            )
            if st.context.get("doctor_auto") and not st.doctor:
                st.doctor = picked.doctor
            self._advance(st, turn, matches)
            return
        if self._has_booking_data(parse, matches):
            self._merge(st, parse, matches, turn)
            self._advance(st, turn, matches)
            return
        if parse.intent == "deny":
            st.context.pop("offered", None)
            self._ask(
                st,
                turn,
                "Tudo bem. Qual outro dia ou horário seria melhor para você?",
                state="collecting",
                expect="date",
            )
            return
        if parse.intent in SOCIAL_INTENTS:
            self._social(st, parse, "", turn)
            return
        turn.say(turn.t("choose_number"))
        self._resume(st, turn)

    def _on_choosing_doctor(self, st: SessionState, parse: ParseResult, matches: Matches, turn: Turn) -> None:
        options = st.context.get("doctor_options") or []
        if parse.choice and 1 <= parse.choice <= len(options) and "doctor" not in parse.entities:
            parse = ParseResult(
                parse.intent, parse.confidence, {**parse.entities, "doctor": options[parse.choice - 1]}
            )
        if "doctor" not in parse.entities and "specialty" in parse.entities:
            fitting = [
                n
                for n in options
                if (d := turn.catalog.doctor(n)) and parse.entities["specialty"] in d.specialties
            ]
            if len(fitting) == 1:
                parse = ParseResult(parse.intent, parse.confidence, {**parse.entities, "doctor": fitting[0]})
        if "doctor" in parse.entities or self._has_booking_data(parse, matches):
            st.context.pop("doctor_options", None)
            self._merge(st, parse, matches, turn)
            self._advance(st, turn, matches)
            return
        if parse.intent in SOCIAL_INTENTS:
            self._social(st, parse, "", turn)
            return
        turn.say(turn.t("choose_number"))
        self._resume(st, turn)

    # ------------------------------------------------------------------ booking: summary and confirmation
    def _summary(self, st: SessionState, turn: Turn) -> None:
        day = dt.date.fromisoformat(st.date)
        if st.context.get("mode") == "reschedule":
            text = turn.t(
                "summary_reschedule",
                old=st.context.get("old_label", ""),
                date=fmt_date(day),
                time=st.time,
                doctor=st.doctor,
            )
        else:
            text = turn.t(
                "summary",
                name=st.patient_name,
                specialty=st.specialty,
                doctor=st.doctor,
                insurance=self._insurance_label(st.insurance),
                date=fmt_date(day),
                time=st.time,
            )
        self._ask(st, turn, text, state="confirming", expect="confirm")

    @staticmethod
    def _insurance_label(insurance: str) -> str:
        return "Particular" if normalize(insurance) == "particular" else f"Convênio {insurance}"

    def _on_confirming(self, st: SessionState, parse: ParseResult, matches: Matches, turn: Turn) -> None:
        if self._has_booking_data(parse, matches):
            self._merge(st, parse, matches, turn)
            self._advance(st, turn, matches)
        elif parse.intent == "confirm":
            self._book(st, turn)
        elif parse.intent in {"deny", "reschedule_appointment"}:  # "não, quero mudar o horário"
            self._ask(st, turn, turn.t("ask_correction"), state="collecting", expect="correction")
        elif parse.intent in SOCIAL_INTENTS:
            self._social(st, parse, "", turn)
        else:
            self._resume(st, turn)

    def _book(self, st: SessionState, turn: Turn) -> None:
        c = turn.catalog
        doctor = c.doctor(st.doctor)
        if doctor is None:
            self._advance(st, turn)
            return
        tz = zoneinfo.ZoneInfo(c.clinic.timezone)
        day, at = dt.date.fromisoformat(st.date), dt.time.fromisoformat(st.time)
        request = BookingRequest(
            phone=st.phone,
            patient_name=st.patient_name,
            doctor_id=doctor.id,
            specialty=st.specialty,
            insurance=st.insurance,
            start=dt.datetime.combine(day, at, tzinfo=tz),
            minutes=doctor.slot_minutes,
            doctor_name=doctor.name,
            specialty_id=c.specialty_id(st.specialty),
            insurance_id=c.insurance_id(st.insurance),
        )
        rescheduling = st.context.get("mode") == "reschedule" and st.context.get("appointment_id")
        try:
            # The schedule is checked here; whether the slot is still free is the database's
            # call (its unique index), which also settles races between two patients.
            if (
                at not in schedule_starts(doctor, day)
                or day in c.holidays
                or dt.datetime.combine(day, at) <= turn.local_now
            ):
                raise BookingError("not a slot of this doctor")
            if rescheduling:
                appt = turn.bookings.reschedule(int(st.context["appointment_id"]), request)
            else:
                appt = turn.bookings.book(request)
        except BookingError:
            turn._taken.clear()
            turn.say(turn.t("slot_lost"))
            self._offer_nearest(st, turn, [doctor], day, at)
            return
        if rescheduling:
            turn.say(
                turn.t("rescheduled", date=fmt_date(day), time=st.time, doctor=doctor.name, code=appt.code)
            )
            turn.events.append("rescheduled")
        else:
            turn.say(self._booked_text(st, appt, turn))
            turn.events.append("booked")
        name, insurance = st.patient_name, st.insurance
        self._reset(st)
        st.patient_name = name
        st.context["last_insurance"] = insurance

    def _booked_text(self, st: SessionState, appt: AppointmentInfo, turn: Turn) -> str:
        c = turn.catalog
        day = dt.date.fromisoformat(st.date)
        private = normalize(st.insurance) == "particular"
        return turn.t(
            "booked",
            name=st.patient_name,
            specialty=st.specialty,
            doctor=st.doctor,
            date=fmt_date(day),
            time=st.time,
            insurance=self._insurance_label(st.insurance),
            code=appt.code,
            address=c.clinic.address,
            card="" if private else " e a carteirinha do convênio",
            link=handoff_link(c, appt),
        ).strip()

    # ------------------------------------------------------------------ existing appointments
    def _describe(self, appt: AppointmentInfo, turn: Turn) -> str:
        local = appt.start.astimezone(zoneinfo.ZoneInfo(turn.catalog.clinic.timezone))
        return f"{fmt_date(local.date())} às {fmt_time(local.time())} com {appt.doctor}"

    def _short_when(self, appt: AppointmentInfo, turn: Turn) -> str:
        local = appt.start.astimezone(zoneinfo.ZoneInfo(turn.catalog.clinic.timezone))
        return f"{fmt_date_short(local.date())} {fmt_time(local.time())}"

    def _check(self, st: SessionState, turn: Turn) -> None:
        appts = turn.bookings.active_for(st.phone)
        if not appts:
            turn.say(turn.t("no_appointments"))
            return
        tz = zoneinfo.ZoneInfo(turn.catalog.clinic.timezone)
        items = []
        for a in appts:
            local = a.start.astimezone(tz)
            items.append(
                turn.t(
                    "appointment_item",
                    date=fmt_date(local.date()),
                    time=fmt_time(local.time()),
                    doctor=a.doctor,
                    specialty=a.specialty,
                    status=STATUS_PT.get(a.status, a.status),
                    code=a.code,
                )
            )
        turn.say(turn.t("your_appointments", items="\n".join(f"• {i}" for i in items)))

    def _select(self, appts: list[AppointmentInfo], parse: ParseResult, turn: Turn) -> list[AppointmentInfo]:
        """Narrow the patient's bookings by what the message says (date, time, doctor, specialty)."""
        tz = zoneinfo.ZoneInfo(turn.catalog.clinic.timezone)
        e = parse.entities
        chosen = appts
        tests: tuple[tuple[str, Callable[[AppointmentInfo, str], bool]], ...] = (
            ("date", lambda a, v: a.start.astimezone(tz).date().isoformat() == v),
            ("time", lambda a, v: fmt_time(a.start.astimezone(tz).time()) == v),
            ("doctor", lambda a, v: a.doctor == v),
            ("specialty", lambda a, v: a.specialty == v),
        )
        for key, test in tests:
            if key in e:
                narrowed = [a for a in chosen if test(a, e[key])]
                if narrowed:
                    chosen = narrowed
        return chosen

    def _start_cancel(self, st: SessionState, parse: ParseResult, text: str, turn: Turn) -> None:
        appts = turn.bookings.active_for(st.phone)
        if not appts:
            if st.state in FLOW_STATES:
                self._reset(st)
                turn.say(turn.t("booking_cancelled_by_patient"))
            else:
                turn.say(turn.t("no_appointments"))
            return
        chosen = self._select(appts, parse, turn)
        if re.search(r"\b(?:tudo|todas|todos)\b", normalize(text)) and len(chosen) > 1:
            st.context = {"cancel_ids": [a.id for a in chosen]}
            items = "\n".join(f"• {self._describe(a, turn)}" for a in chosen)
            self._ask(
                st,
                turn,
                turn.t("confirm_cancel_all", items=items),
                state="confirming_cancel",
                expect="confirm",
            )
            return
        self._choose_or_confirm(st, chosen, "cancel", turn)

    def _choose_or_confirm(
        self, st: SessionState, chosen: list[AppointmentInfo], action: str, turn: Turn
    ) -> None:
        if len(chosen) == 1:
            if action == "cancel":
                st.context = {"cancel_ids": [chosen[0].id]}
                text = turn.t("confirm_cancel", item=self._describe(chosen[0], turn))
                self._ask(st, turn, text, state="confirming_cancel", expect="confirm")
            else:
                self._begin_move(st, chosen[0], turn)
            return
        labels = [self._describe(a, turn) for a in chosen]
        st.context = {"appointment_options": [a.id for a in chosen], "action": action}
        self._ask(
            st,
            turn,
            turn.t("which_appointment", options=numbered(labels)),
            state="choosing_appointment",
            expect="appointment",
            choices=tuple(
                Choice.short(i, self._short_when(a, turn), a.doctor) for i, a in enumerate(chosen, 1)
            ),
        )

    def _pick_appointment(self, st: SessionState, parse: ParseResult, turn: Turn) -> None:
        ids = st.context.get("appointment_options") or []
        appts = [a for a in turn.bookings.active_for(st.phone) if a.id in ids]
        chosen: list[AppointmentInfo] = []
        if parse.choice and 1 <= parse.choice <= len(ids):
            chosen = [a for a in appts if a.id == ids[parse.choice - 1]]
        elif parse.entities:
            narrowed = self._select(appts, parse, turn)
            chosen = narrowed if len(narrowed) == 1 else []
        if not chosen:
            if parse.intent == "deny":
                self._reset(st)
                turn.say(turn.t("cancel_kept"))
                return
            turn.say(turn.t("choose_number"))
            self._resume(st, turn)
            return
        self._choose_or_confirm(st, chosen, str(st.context.get("action", "cancel")), turn)

    def _confirm_cancel(self, st: SessionState, parse: ParseResult, turn: Turn) -> None:
        if parse.intent == "confirm":
            for appointment_id in st.context.get("cancel_ids", []):
                turn.bookings.cancel(int(appointment_id))
            turn.say(turn.t("cancelled"))
            turn.events.append("cancelled")
            self._reset(st)
        elif parse.intent == "deny":
            turn.say(turn.t("cancel_kept"))
            self._reset(st)
        else:
            turn.say("Responda *sim* para cancelar ou *não* para manter a consulta.")

    def _answer_reminder(self, st: SessionState, parse: ParseResult, turn: Turn) -> bool:
        """The patient's answer to a reminder: 1/confirmo, 2/cancelar, 3/remarcar.

        Returns False for anything else (a side question…), which the normal dispatch
        then handles; the reminder's options are offered again afterwards.
        """
        appointment_id = int(st.context.get("reminder_appointment_id", 0))
        appt = next((a for a in turn.bookings.active_for(st.phone) if a.id == appointment_id), None)
        if appt is None:
            self._reset(st)
            return False
        local = appt.start.astimezone(zoneinfo.ZoneInfo(turn.catalog.clinic.timezone))
        when = {"date": fmt_date(local.date()), "time": fmt_time(local.time())}
        choice = parse.choice if not parse.entities else None
        if choice == 1 or (parse.intent == "confirm" and choice is None):
            turn.bookings.confirm(appt.id)
            turn.say(turn.t("reminder_confirmed", **when))
            turn.events.append("confirmed")
            self._reset(st)
        elif choice == 2 or parse.intent in {"cancel_appointment", "deny"}:
            turn.bookings.cancel(appt.id)
            turn.say(turn.t("cancelled"))
            turn.events.append("cancelled")
            self._reset(st)
        elif choice == 3 or parse.intent == "reschedule_appointment":
            self._begin_move(st, appt, turn, parse)
        else:
            st.context["prompt"] = turn.t("reminder_options", **when)
            return False
        return True

    def _start_reschedule(self, st: SessionState, parse: ParseResult, turn: Turn) -> None:
        appts = turn.bookings.active_for(st.phone)
        if not appts:
            if st.state in FLOW_STATES or {"specialty", "doctor"} & parse.entities.keys():
                # Nothing booked yet: "muda pra quinta" corrects the booking being made, and
                # "dá pra passar com o dr X amanhã?" is a new booking.
                if st.state not in FLOW_STATES:
                    self._start_booking(st, turn)
                self._merge(st, parse, Matches(), turn)
                self._advance(st, turn)
            else:
                turn.say(turn.t("reschedule_none"))
            return
        chosen = self._select(appts, parse, turn)
        if len(chosen) > 1:
            self._choose_or_confirm(st, chosen, "reschedule", turn)
            return
        self._begin_move(st, chosen[0], turn, parse)

    def _begin_move(
        self, st: SessionState, appt: AppointmentInfo, turn: Turn, parse: ParseResult | None = None
    ) -> None:
        tz = zoneinfo.ZoneInfo(turn.catalog.clinic.timezone)
        old_local = appt.start.astimezone(tz)
        self._reset(st)
        st.context = {
            "mode": "reschedule",
            "appointment_id": appt.id,
            "old_label": self._describe(appt, turn),
        }
        st.patient_name = appt.patient_name
        st.doctor, st.specialty, st.insurance = appt.doctor, appt.specialty, appt.insurance
        st.context["doctor_auto"] = False
        st.state = "collecting"
        if parse is not None:
            e = dict(parse.entities)
            # A date/time that names the booking being moved is not the new one
            # ("passar minha consulta de amanhã pra outro dia").
            if e.get("date") == old_local.date().isoformat():
                e.pop("date")
                if e.get("time") == fmt_time(old_local.time()):
                    e.pop("time")
            e.pop("doctor", None) if e.get("doctor") == appt.doctor else None
            self._merge(st, ParseResult(parse.intent, parse.confidence, e), Matches(), turn)
        if not st.date and not st.time:
            doctor = turn.catalog.doctor(st.doctor)
            slots = nearest_free(
                turn.catalog,
                [doctor] if doctor else [],
                turn.now.date(),
                None,
                turn.taken,
                turn.local_now,
                limit=3,
                period=st.period,
            )
            if slots:
                self._offer(st, turn, slots, "reschedule_ask_date", item=st.context["old_label"])
                st.context["expect"] = "date"
                return
        self._advance(st, turn)


def _progress(st: SessionState) -> tuple[object, ...]:
    """Where a booking stands: a turn that changes none of this made no progress."""
    ctx = st.context
    return (
        st.state,
        st.specialty,
        st.doctor,
        st.insurance,
        st.date,
        st.time,
        st.period,
        st.patient_name,
        repr(ctx.get("offered")),
        repr(ctx.get("expect")),
        repr(ctx.get("yes_means")),
    )


def handoff_link(catalog: Catalog, appt: AppointmentInfo) -> str:
    """A link to talk to the clinic about this booking, carrying only the booking's code.

    The clinic's ``handoff_url`` with ``?codigo=…``, or a wa.me link to the clinic's
    WhatsApp with "Consulta <code>" prefilled. Both are third-party sites that log URLs:
    the patient's name, doctor and time stay out (staff find them by the code).
    """
    c = catalog.clinic
    if c.handoff_url:
        sep = "&" if "?" in c.handoff_url else "?"
        return f"Precisa falar com a recepção? {c.handoff_url}{sep}{urlencode({'codigo': appt.code})}"
    digits = re.sub(r"\D", "", c.whatsapp)
    if digits:
        return f"Precisa falar com a recepção? https://wa.me/{digits}?text={quote(f'Consulta {appt.code}')}"
    return ""

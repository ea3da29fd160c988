"""Making a booking: filling in the draft, asking for what is missing, choosing, the summary.

:func:`advance` is the heart of the flow: it asks for the specialty or doctor, the
insurance (checking the doctor takes it), offers free times (:mod:`.offers`), asks the
patient's name and finally shows the summary (``State.CONFIRMING``, answered in
:mod:`.confirmation`). Newer values in a message always correct older ones.
"""

from __future__ import annotations

import datetime as dt

from ..knowledge.symptoms import suggest_specialty
from ..nlu.lexicon import Matches
from ..nlu.normalize import normalize
from ..replies.format import fmt_date, fmt_money, fmt_time, join_names, numbered
from ..slots import Slot, free_starts, in_period
from ..state import Mode, SessionState, State, YesMeans
from ..types import Choice, DoctorInfo, ParseResult
from . import offers, questions
from .turn import SOCIAL_INTENTS, Turn, ask, has_booking_data, resume


def start_booking(st: SessionState, turn: Turn) -> None:
    """Start a new booking draft (the dialogue starts over first)."""
    st.reset()
    st.context.mode = Mode.BOOK
    st.state = State.COLLECTING


def merge(st: SessionState, parse: ParseResult, matches: Matches, turn: Turn) -> None:
    """Take what the message says into the draft (newer values correct older ones)."""
    e = parse.entities
    c = turn.catalog
    if "patient_name" in e:
        st.patient_name = e["patient_name"]
    if "insurance" in e:
        st.insurance = e["insurance"]
        st.context.yes_means = None
    if "doctor" in e:
        doctor = c.doctor(e["doctor"])
        if doctor:
            st.doctor = doctor.name
            st.context.doctor_auto = False
            if st.specialty not in doctor.specialties:
                named = e.get("specialty", "")
                st.specialty = named if named in doctor.specialties else doctor.specialties[0]
        st.context.doctor_options = []
    elif "specialty" in e:
        if e["specialty"] != st.specialty:
            st.specialty = e["specialty"]
            doctor = c.doctor(st.doctor)
            if doctor and st.specialty not in doctor.specialties:
                st.doctor = ""
    elif "specialty" in parse.negated or "doctor" in parse.negated:
        pass
    if matches.ambiguous_doctors and "doctor" not in e:
        st.context.doctor_options = list(matches.ambiguous_doctors)
    if "date" in e:
        st.date = e["date"]
    if "time" in e:
        st.time = e["time"]
    if "period" in e:
        st.period = e["period"]
        if "time" not in e and st.time and not in_period(dt.time.fromisoformat(st.time), st.period):
            st.time = ""
    if st.context.doctor_auto and ({"date", "time", "insurance", "specialty"} & e.keys()):
        st.doctor = ""  # the assistant picked this doctor: pick again for the new request


def apply_yes(st: SessionState, turn: Turn) -> None:
    """A "sim" to a yes/no the assistant asked while collecting."""
    meaning = st.context.yes_means or YesMeans()
    st.context.yes_means = None
    if meaning.insurance:
        st.insurance = meaning.insurance
    if meaning.doctor:
        st.doctor = meaning.doctor
        st.context.doctor_auto = False


def _ask_insurance(st: SessionState, turn: Turn) -> None:
    """Which insurance — or, after a booking with one, whether it is that one again.

    "as duas pela Unimed": a receptionist asks "também pela Unimed?" rather than starting
    over; a "sim" takes it, a "não" asks the open question.
    """
    last = st.context.last_insurance
    if last and any(i.name == last for i in turn.catalog.insurances):
        st.context.yes_means = YesMeans(insurance=last)
        private = normalize(last) == "particular"
        text = turn.t("ask_private_again") if private else turn.t("ask_insurance_again", insurance=last)
        ask(st, turn, text, state=State.COLLECTING, expect="insurance")
        return
    ask(st, turn, turn.t("ask_insurance"), state=State.COLLECTING, expect="insurance")


def advance(st: SessionState, turn: Turn, matches: Matches | None = None) -> None:
    """Ask for what is missing, offer times, or show the summary."""
    c = turn.catalog
    options = st.context.doctor_options
    if options and not st.doctor:
        docs = [c.doctor(n) for n in options]
        lines = [f"{d.name} ({join_names(d.specialties)})" for d in docs if d]
        text = turn.t("ask_which_doctor", options=numbered(lines))
        ask(
            st,
            turn,
            text,
            state=State.CHOOSING_DOCTOR,
            expect="doctor",
            choices=tuple(
                Choice.short(i, d.name, join_names(d.specialties)) for i, d in enumerate(docs, 1) if d
            ),
        )
        return
    if not st.specialty and not st.doctor:
        ask(st, turn, turn.t("ask_specialty"), state=State.COLLECTING, expect="specialty")
        return
    if not st.insurance:
        # "Tem horário com a Dra. X quinta às 15h?": whether she is free is answered first.
        named = c.doctor(st.doctor) if st.doctor and not st.context.doctor_auto else None
        if named and st.date and st.time:
            day, wanted = dt.date.fromisoformat(st.date), dt.time.fromisoformat(st.time)
            if wanted not in free_starts(c, named, day, turn.taken, turn.local_now):
                offers.offer_nearest(st, turn, [named], day, wanted)
                return
        _ask_insurance(st, turn)
        return
    if not _insurance_fits(st, turn):
        return
    candidates = candidate_doctors(st, turn)
    if not st.date:
        offers.offer_first_free(st, turn, candidates)
        return
    day = dt.date.fromisoformat(st.date)
    if not st.time:
        offers.offer_day(st, turn, candidates, day)
        return
    wanted = dt.time.fromisoformat(st.time)
    free = [d for d in candidates if wanted in free_starts(c, d, day, turn.taken, turn.local_now)]
    if not free:
        offers.offer_nearest(st, turn, candidates, day, wanted)
        return
    if not st.doctor:
        st.doctor = free[0].name
        st.context.doctor_auto = True
    if not st.patient_name:
        ask(st, turn, turn.t("ask_name"), state=State.COLLECTING, expect="name")
        return
    summary(st, turn)


def candidate_doctors(st: SessionState, turn: Turn) -> list[DoctorInfo]:
    """Doctors the booking may be with: the one the patient chose, or the specialty's for the insurance."""
    c = turn.catalog
    if st.doctor and not st.context.doctor_auto:
        doctor = c.doctor(st.doctor)
        return [doctor] if doctor else []
    return [d for d in c.doctors_of(st.specialty) if st.insurance in d.insurances]


def _insurance_fits(st: SessionState, turn: Turn) -> bool:
    """A doctor is never booked with an insurance he does not take: say so and offer the way out."""
    c = turn.catalog
    doctor = c.doctor(st.doctor) if not st.context.doctor_auto else None
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
        yes = YesMeans()
        if others:
            names = join_names(d.name for d in others)
            with_whom = turn.t(
                ("with_her" if others[0].is_female else "with_him")
                if len(others) == 1
                else "with_one_of_them"
            )
            text += turn.t(
                "insurance_other_doctors",
                insurance=st.insurance,
                specialty=doctor.specialties[0],
                names=names,
                with_whom=with_whom,
            )
            yes = YesMeans(doctor=others[0].name)
        if private and private in doctor.insurances and st.insurance != private:
            text += turn.t("insurance_private_option", price=fmt_money(doctor.price))
            if not yes:
                yes = YesMeans(insurance=private)
        st.context.yes_means = yes
        ask(st, turn, text, state=State.COLLECTING, expect="insurance")
        return False
    docs = c.doctors_of(st.specialty)
    if any(st.insurance in d.insurances for d in docs):
        return True
    if not docs:
        ask(
            st,
            turn,
            turn.t("specialty_no_doctors", specialty=st.specialty) + " " + turn.t("ask_specialty"),
            state=State.COLLECTING,
            expect="specialty",
        )
        st.specialty = ""
        return False
    price_docs = [d for d in docs if private in d.insurances]
    prices = sorted({d.price for d in price_docs})
    price = (
        fmt_money(prices[0])
        if len(prices) == 1
        else turn.t("price_range", low=fmt_money(prices[0]), high=fmt_money(prices[-1]))
        if prices
        else turn.t("price_on_request")
    )
    st.context.yes_means = YesMeans(insurance=private)
    ask(
        st,
        turn,
        turn.t("insurance_no_doctor", specialty=st.specialty, insurance=st.insurance, price=price),
        state=State.COLLECTING,
        expect="insurance",
    )
    return False


# Booking data that changes which times fit: anything else given while choosing is only noted.
_SLOT_KEYS = frozenset({"date", "time", "period", "doctor", "specialty"})


def offered_slot_for(st: SessionState, parse: ParseResult) -> Slot | None:
    """The offered time the message picks by its number or its time ("2", "o das 10", "11:30")."""
    offered = [Slot.from_key(k) for k in st.context.offered]
    e = parse.entities
    if parse.choice == -1 and offered:
        return offered[-1]
    if parse.choice and 1 <= parse.choice <= len(offered) and not ({"date", "time"} & e.keys()):
        return offered[parse.choice - 1]
    if "time" in e:
        same = [
            s
            for s in offered
            if fmt_time(s.time) == e["time"] and (not e.get("date") or s.date.isoformat() == e["date"])
        ]
        return same[0] if same else None
    return None


def on_choosing_slot(
    st: SessionState, parse: ParseResult, matches: Matches, turn: Turn, text: str = ""
) -> None:
    """The answer to the numbered times: a number, a time shown, new booking data or a refusal."""
    offered = [Slot.from_key(k) for k in st.context.offered]
    e = parse.entities
    picked = offered_slot_for(st, parse)
    if picked is None and parse.intent == "confirm" and len(offered) == 1:
        picked = offered[0]
    if picked is None and {"period", "date"} & e.keys() and not {"time", "specialty", "doctor"} & e.keys():
        # "o da tarde", "o de segunda": the one offered time that fits (several: ask among them).
        fitting = [
            s
            for s in offered
            if in_period(s.time, e.get("period", ""))
            and (s.date.isoformat() == e.get("date", s.date.isoformat()))
        ]
        picked = fitting[0] if len(fitting) == 1 else None
    if picked:
        st.date, st.time = picked.date.isoformat(), fmt_time(picked.time)
        if not st.doctor or st.context.doctor_auto or st.doctor != picked.doctor:
            st.context.doctor_auto = (
                st.doctor != picked.doctor if st.doctor and not st.context.doctor_auto else True
            )
            st.doctor = picked.doctor
        st.context.offered = []
        merge(
            st,
            ParseResult(
                parse.intent,
                parse.confidence,
                {k: v for k, v in e.items() if k not in {"date", "time", "period"}},
            ),
            matches,
            turn,
        )
        if st.context.doctor_auto and not st.doctor:
            st.doctor = picked.doctor
        advance(st, turn, matches)
        return
    if has_booking_data(parse, matches):
        merge(st, parse, matches, turn)
        if not _SLOT_KEYS & parse.entities.keys() and not matches.ambiguous_doctors:
            # "particular", a name: kept for later; the times on offer still wait for a pick.
            turn.say(turn.t("noted_choose_time"))
            resume(st, turn)
            return
        advance(st, turn, matches)
        return
    if parse.intent == "deny":
        st.context.offered = []
        ask(
            st,
            turn,
            turn.t("ask_other_day"),
            state=State.COLLECTING,
            expect="date",
        )
        return
    if parse.intent in SOCIAL_INTENTS:
        questions.social(st, parse, text, turn)
        return
    turn.say(turn.t("choose_number"))
    resume(st, turn)


def doctor_option_for(st: SessionState, text: str, turn: Turn, specialty: str = "") -> str | None:
    """The one offered doctor of ``specialty`` — or of the one that sees what ``text`` describes
    ("a da tireoide", "o do joelho") — or None."""
    if not specialty:
        suggestion = suggest_specialty(text, turn.catalog)
        specialty = suggestion.specialty if suggestion else ""
    fitting = [
        n for n in st.context.doctor_options if (d := turn.catalog.doctor(n)) and specialty in d.specialties
    ]
    return fitting[0] if specialty and len(fitting) == 1 else None


def on_choosing_doctor(
    st: SessionState, parse: ParseResult, matches: Matches, turn: Turn, text: str = ""
) -> None:
    """The answer to "com qual deles?" (two doctors share a name)."""
    options = st.context.doctor_options
    if parse.choice and 1 <= parse.choice <= len(options) and "doctor" not in parse.entities:
        parse = ParseResult(
            parse.intent, parse.confidence, {**parse.entities, "doctor": options[parse.choice - 1]}
        )
    # "a da tireoide": the option whose specialty fits, named or by what it treats.
    if "doctor" not in parse.entities and (
        picked := doctor_option_for(st, text, turn, parse.entities.get("specialty", ""))
    ):
        parse = ParseResult(parse.intent, parse.confidence, {**parse.entities, "doctor": picked})
    if "doctor" in parse.entities or has_booking_data(parse, matches):
        st.context.doctor_options = []
        merge(st, parse, matches, turn)
        advance(st, turn, matches)
        return
    if parse.intent in SOCIAL_INTENTS:
        questions.social(st, parse, text, turn)
        return
    turn.say(turn.t("choose_number"))
    resume(st, turn)


def summary(st: SessionState, turn: Turn) -> None:
    """Show the booking (or the move) for confirmation."""
    day = dt.date.fromisoformat(st.date)
    if st.context.mode == Mode.RESCHEDULE:
        text = turn.t(
            "summary_reschedule",
            old=st.context.old_label,
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
            insurance=insurance_label(st.insurance, turn),
            date=fmt_date(day),
            time=st.time,
        )
    ask(st, turn, text, state=State.CONFIRMING, expect="confirm")


def insurance_label(insurance: str, turn: Turn) -> str:
    """ "Particular" or "Convênio Unimed", as the summary and the booking receipt show it."""
    if normalize(insurance) == "particular":
        return turn.t("insurance_label_private")
    return turn.t("insurance_label_plan", insurance=insurance)

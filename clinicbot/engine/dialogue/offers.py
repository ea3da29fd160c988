"""Offering free times: the first free ones, a day's, or the nearest when the wish is taken.

Each offer is a numbered list (``State.CHOOSING_SLOT``, the slot keys in
``Context.offered``). When the wished day is simply booked up, the alternatives come with
one more choice: waiting for a vacancy on the waiting list (:func:`offer_waitlist`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from ..replies.format import WEEKDAYS_PLURAL, fmt_date, fmt_date_short, fmt_time, numbered
from ..slots import Slot, beyond_horizon, free_starts, in_period, nearest_free, schedule_starts
from ..state import SessionState, State, WaitlistWish, YesMeans
from ..types import Choice, DoctorInfo, Reply
from .turn import Turn, ask, whom

MAX_OFFERED_TIMES = 8


def offer(st: SessionState, turn: Turn, slots: list[Slot], text_key: str, **values: Any) -> None:
    """Offer ``slots`` numbered in template ``text_key`` and wait for a choice."""
    day_named = text_key == "offer_times"  # that text already says which day
    labels = [_slot_label(s, st, slots, day_named, turn) for s in slots]
    st.context.offered = [s.key for s in slots]
    text = turn.t(text_key, options=numbered(labels), **values)
    ask(
        st,
        turn,
        text,
        state=State.CHOOSING_SLOT,
        expect="slot",
        choices=tuple(
            Choice.short(i, _slot_title(s, day_named, slots), s.doctor) for i, s in enumerate(slots, 1)
        ),
    )


def _slot_title(slot: Slot, day_named: bool, slots: list[Slot]) -> str:
    """ "14:00", or "qua 13/05 14:00" when the offer spans several days."""
    if day_named and len({s.date for s in slots}) == 1:
        return fmt_time(slot.time)
    return f"{fmt_date_short(slot.date)} {fmt_time(slot.time)}"


def _slot_label(slot: Slot, st: SessionState, slots: list[Slot], day_named: bool, turn: Turn) -> str:
    same_day = day_named and len({s.date for s in slots}) == 1
    label = (
        fmt_time(slot.time)
        if same_day
        else turn.t("slot_label", date=fmt_date_short(slot.date), time=fmt_time(slot.time))
    )
    # Always whose time it is: a patient who switched doctors mid-way must see it.
    return f"{label} — {slot.doctor}"


def offer_first_free(st: SessionState, turn: Turn, candidates: list[DoctorInfo]) -> None:
    """No day wished yet: offer the first free times (or ask for a day)."""
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
        ask(st, turn, turn.t("ask_date"), state=State.COLLECTING, expect="date")
        return
    offer(st, turn, slots, "ask_date_with_options")
    st.context.expect = "date"


def offer_day(st: SessionState, turn: Turn, candidates: list[DoctorInfo], day: dt.date) -> None:
    """Offer the wished day's free times (spread over the day), or the nearest alternatives."""
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
    who = whom(st, turn)
    if options:
        offer(st, turn, options, "offer_times", who=who, date=fmt_date(day))
        return
    reason = _why_unavailable(st, turn, candidates, day, None)
    _offer_alternatives(st, turn, candidates, day, None, reason)


def offer_nearest(
    st: SessionState, turn: Turn, candidates: list[DoctorInfo], day: dt.date, wanted: dt.time
) -> None:
    """The wished time is not free: say why and offer the nearest free times."""
    reason = _why_unavailable(st, turn, candidates, day, wanted)
    _offer_alternatives(st, turn, candidates, day, wanted, reason)


def _offer_alternatives(
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
    if day > last_day:
        # Beyond the horizon: the latest days that can be booked, closest to the asked time.
        slots = _latest_free(st, turn, candidates, last_day, wanted)
    else:
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
        # Nothing near the wished day: look over the whole open agenda before saying so.
        slots = nearest_free(
            turn.catalog,
            candidates,
            start,
            None,
            turn.taken,
            turn.local_now,
            limit=3,
            period=st.period,
            horizon_days=max(1, (last_day - start).days),
        )
    if not slots:
        ask(st, turn, turn.t("unavailable_none", reason=reason), state=State.COLLECTING, expect="date")
    else:
        offer(st, turn, slots, "unavailable", reason=reason)
    offer_waitlist(st, turn, candidates, day)


def _latest_free(
    st: SessionState, turn: Turn, candidates: list[DoctorInfo], last_day: dt.date, wanted: dt.time | None
) -> list[Slot]:
    """The free times of the last bookable day that has any, walking back from ``last_day``."""
    for back in range(turn.catalog.clinic.booking_horizon_days + 1):
        day = last_day - dt.timedelta(days=back)
        slots = nearest_free(
            turn.catalog,
            candidates,
            day,
            wanted,
            turn.taken,
            turn.local_now,
            limit=3,
            period="" if wanted else st.period,
            horizon_days=0,
        )
        if slots:
            return slots
    return []


def _why_unavailable(
    st: SessionState, turn: Turn, candidates: list[DoctorInfo], day: dt.date, wanted: dt.time | None
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
        return turn.t(
            "reason_no_specialty_day", specialty=st.specialty, weekday_plural=WEEKDAYS_PLURAL[day.weekday()]
        )
    if wanted is None:
        return turn.t("reason_day_full", who=whom(st, turn), date=fmt_date(day))
    if len(candidates) == 1 and wanted not in schedule_starts(candidates[0], day):
        return turn.t("reason_no_slot", doctor=candidates[0].name, time=fmt_time(wanted))
    return turn.t("reason_taken")


def offer_waitlist(st: SessionState, turn: Turn, candidates: list[DoctorInfo], day: dt.date) -> None:
    """Add the waiting list to the alternatives just offered, when the wished day is full.

    Only a day the doctors work and that is simply booked up qualifies: a holiday, the
    past, an off day or a day beyond the booking horizon can never free up.
    """
    if turn.waitlist is None or not turn.replies or not _day_full(turn, candidates, day, st.period):
        return
    who, date = whom(st, turn), fmt_date(day)
    wish = WaitlistWish(date=day.isoformat(), period=st.period)
    last = turn.replies[-1]
    choices = last.choices
    if st.state == State.CHOOSING_SLOT:
        offered = tuple(st.context.offered)
        number = len(offered) + 1
        wish = dataclasses.replace(wish, offered=offered, option=number)
        extra = turn.t("waitlist_option", who=who, date=date, number=number)
        title = turn.t("waitlist_choice_title")
        description = turn.t("waitlist_choice_description", date=fmt_date_short(day))
        choices += (Choice.short(number, title, description),)
    else:  # no alternative at all: a plain yes joins
        extra = turn.t("waitlist_option_yes", who=who, date=date)
        st.context.yes_means = YesMeans(waitlist=True)
    st.context.waitlist_wish = wish
    turn.replies[-1] = Reply(f"{last.text}\n{extra}", choices)
    st.context.prompt = f"{st.context.prompt}\n{extra}".strip()


def _day_full(turn: Turn, candidates: list[DoctorInfo], day: dt.date, period: str) -> bool:
    c, now = turn.catalog, turn.local_now
    if not candidates or day in c.holidays or day < now.date() or beyond_horizon(c, day, now):
        return False
    if not any(in_period(t, period) for d in candidates for t in schedule_starts(d, day)):
        return False
    return not any(in_period(t, period) for d in candidates for t in free_starts(c, d, day, turn.taken, now))

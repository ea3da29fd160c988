"""The staff dashboard (``/ops/dashboard/``): the daily roll-ups as charts."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe

from clinicbot.core.access import staff_permission_required

from .charts import dashboard_charts, funnel_totals
from .models import DailyMetrics
from .rollup import today_metrics

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30


def dashboard_rows(*, now: dt.datetime, days: int) -> list[DailyMetrics]:
    """One row per day of the period ending today, oldest first.

    Today is computed live (:func:`~clinicbot.ops.rollup.today_metrics`); earlier days are
    the stored roll-ups, and days never rolled up are zeros.
    """
    last = timezone.localdate(now)
    first = last - dt.timedelta(days=days - 1)
    stored = {row.date: row for row in DailyMetrics.objects.filter(date__gte=first, date__lt=last)}
    earlier = [
        stored.get(day) or DailyMetrics(date=day)
        for day in (first + dt.timedelta(n) for n in range(days - 1))
    ]
    return [*earlier, today_metrics(now=now)]


@staff_permission_required("ops.view_dailymetrics")
def dashboard(request: HttpRequest) -> HttpResponse:
    """Conversations, bookings, conversion, funnel, hand-offs, no-shows and tokens per day."""
    try:
        days = int(request.GET.get("dias", DEFAULT_PERIOD))
    except ValueError:
        days = DEFAULT_PERIOD
    days = days if days in PERIODS else DEFAULT_PERIOD
    rows = dashboard_rows(now=timezone.now(), days=days)
    conversations = sum(r.conversations for r in rows)
    bookings = sum(r.bookings for r in rows)
    computed = [r.computed_at for r in rows[:-1] if r.computed_at]
    context = {
        **admin.site.each_context(request),  # the admin's header, links and theme
        "title": "Painel do assistente",
        "days": days,
        "periods": PERIODS,
        "totals": {
            "conversations": conversations,
            "bookings": bookings,
            "conversion": bookings / conversations if conversations else 0.0,
            "handoffs": sum(r.handoffs for r in rows),
            "no_shows": sum(r.no_shows for r in rows),
            "llm_tokens": sum(r.llm_tokens for r in rows),
        },
        "funnel": funnel_totals(rows),
        # pygal builds the SVG from numbers and our own labels: nothing user-supplied.
        "charts": [(c.key, c.title, mark_safe(c.svg)) for c in dashboard_charts(rows)],  # noqa: S308
        "computed_at": max(computed) if computed else None,  # of the earlier days' roll-ups
        "today": rows[-1],
    }
    return render(request, "ops/dashboard.html", context)

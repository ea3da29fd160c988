"""The dashboard's charts: ``DailyMetrics`` rows → server-rendered SVG (pygal).

Pure presentation: no queries here. The SVG is inlined in the page (no JavaScript
needed; pygal's tooltip script, served from a CDN by default, is switched off because
the clinic's server may have no internet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pygal
from pygal.style import Style

from .models import DailyMetrics

_STYLE = Style(
    background="white",
    plot_background="white",
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    colors=("#417690", "#2e9d5b", "#e0a526", "#c0392b", "#8e44ad"),
    value_font_size=14,
    title_font_size=16,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
)
_COMMON = {
    "style": _STYLE,
    "js": [],  # no CDN script: static SVG only
    "disable_xml_declaration": True,
    "height": 320,
    "width": 800,
    "legend_at_bottom": True,
    "show_y_guides": True,
    "no_data_text": "Sem dados no período",
    "x_label_rotation": 0,
    "truncate_label": -1,  # "13/05", never "1..."
}


@dataclass(frozen=True)
class Chart:
    key: str  # stable id for the page (and its test)
    title: str
    svg: str


def _labels(rows: Sequence[DailyMetrics]) -> list[str]:
    return [f"{row.date:%d/%m}" for row in rows]


def _thin_labels(chart: pygal.graph.graph.Graph, rows: Sequence[DailyMetrics]) -> None:
    chart.x_labels = _labels(rows)
    if len(rows) > 14:  # a label every few days keeps a month readable
        step = -(-len(rows) // 10)
        chart.x_labels_major = chart.x_labels[::step]
        chart.show_minor_x_labels = False


def funnel_totals(rows: Sequence[DailyMetrics]) -> list[tuple[str, int]]:
    """The period's booking funnel: conversations, then how many got at least to each step."""
    return [
        ("Conversas", sum(r.conversations for r in rows)),
        ("Informando dados", sum(r.funnel_collecting for r in rows)),
        ("Escolhendo horário", sum(r.funnel_choosing_slot for r in rows)),
        ("Confirmando", sum(r.funnel_confirming for r in rows)),
        ("Agendou", sum(r.funnel_booked for r in rows)),
    ]


def dashboard_charts(rows: Sequence[DailyMetrics]) -> list[Chart]:
    """Every chart of the staff dashboard for ``rows`` (oldest first)."""
    charts: list[Chart] = []

    volume = pygal.Bar(title="Conversas e agendamentos por dia", **_COMMON)
    _thin_labels(volume, rows)
    volume.add("Conversas", [r.conversations for r in rows])
    volume.add("Agendamentos", [r.bookings for r in rows])
    charts.append(Chart("volume", volume.config.title, volume.render(is_unicode=True)))

    conversion = pygal.Line(
        title="Taxa de conversão (agendamentos ÷ conversas)",
        range=(0, 100),
        value_formatter=lambda v: f"{v:.0f}%",
        **_COMMON,
    )
    _thin_labels(conversion, rows)
    conversion.add("Conversão", [round(r.conversion_rate * 100, 1) for r in rows])
    charts.append(Chart("conversion", conversion.config.title, conversion.render(is_unicode=True)))

    funnel = pygal.HorizontalBar(title="Funil do agendamento no período", print_values=True, **_COMMON)
    stages = funnel_totals(rows)
    funnel.x_labels = [name for name, _ in reversed(stages)]  # top of the chart = first step
    funnel.add("Conversas", [count for _, count in reversed(stages)])
    funnel.show_legend = False
    charts.append(Chart("funnel", funnel.config.title, funnel.render(is_unicode=True)))

    care = pygal.Bar(title="Transferências para a equipe e faltas por dia", **_COMMON)
    _thin_labels(care, rows)
    care.add("Transferências", [r.handoffs for r in rows])
    care.add("Faltas", [r.no_shows for r in rows])
    charts.append(Chart("handoffs", care.config.title, care.render(is_unicode=True)))

    tokens = pygal.Bar(title="Tokens de LLM por dia", **_COMMON)
    _thin_labels(tokens, rows)
    tokens.add("Tokens", [r.llm_tokens for r in rows])
    charts.append(Chart("tokens", tokens.config.title, tokens.render(is_unicode=True)))
    return charts

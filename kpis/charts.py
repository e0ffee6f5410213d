"""plotly figures, built on the server and handed to the page as JSON (no inline scripts).

Each figure carries its own plotly config: a small mode bar (download and zoom, no share or
editing links), so every chart of a page looks and behaves the same.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import plotly.graph_objects as go

from kpis import metrics
from kpis.registry import COUNT, MONEY, PERCENT, Metric

CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "displayModeBar": "hover",
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "modeBarButtonsToRemove": [
        "sendDataToCloud",
        "editInChartStudio",
        "select2d",
        "lasso2d",
        "autoScale2d",
        "zoomIn2d",
        "zoomOut2d",
        "toggleSpikelines",
        "hoverClosestCartesian",
        "hoverCompareCartesian",
    ],
}


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _yaxis(metric: Metric, values: list[float | None]) -> dict:
    axis: dict = {"rangemode": "tozero", "automargin": True}
    if metric.unit == PERCENT:
        axis["ticksuffix"] = "%"
    if metric.unit == MONEY:
        axis["tickprefix"] = metrics.currency() + " "
    if metric.unit == COUNT or metric.per_month:
        top = max((v for v in values if v is not None), default=0)
        axis["tickformat"] = ",d"  # whole things: no 0.2 of a handoff
        if top < 5:
            axis["dtick"] = 1
    return axis


def _json(fig: go.Figure) -> str:
    figure = json.loads(fig.to_json())
    figure["config"] = CONFIG
    return json.dumps(figure)


def trend_figure(
    metric: Metric,
    series: list[tuple[date, Decimal | None]],
    target: Decimal | None,
    annotations: list[tuple[date, str]],
) -> str:
    """The metric over time; per-month counts as bars per month. Events (launches, errors,
    rules switched on) are numbered markers above the plot, told in full in the hover text and
    in the list under the charts."""
    x = [d.isoformat() for d, _ in series]
    y = [_num(v) for _, v in series]
    fig = go.Figure()
    if metric.per_month:
        # Months as categories: one labelled bar each, never a date axis between them.
        labels = [
            d.strftime("%b %Y") if i == 0 or d.month == 1 else d.strftime("%b")
            for i, (d, _) in enumerate(series)
        ]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=y,
                name=metric.label,
                marker_color="#0172ad",
                hovertemplate="%{x}: %{y}<extra></extra>",
            )
        )
        fig.update_xaxes(type="category", tickangle=0)
    else:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines+markers",
                name=metric.label,
                connectgaps=False,
                line={"color": "#0172ad"},
            )
        )
    if target is not None and x and not metric.per_month:  # buckets hold plain counts
        fig.add_trace(
            go.Scatter(
                x=[x[0], x[-1]],
                y=[float(target)] * 2,
                mode="lines",
                name="Target",
                line={"dash": "dash", "color": "#b26a00"},
            )
        )
    if annotations and not metric.per_month:
        for day, _ in annotations[:20]:
            fig.add_vline(x=day.isoformat(), line={"width": 1, "dash": "dot", "color": "#888"})
        fig.add_trace(
            go.Scatter(
                x=[day.isoformat() for day, _ in annotations[:20]],
                y=[1.0] * min(len(annotations), 20),
                yaxis="y2",
                mode="markers+text",
                text=[str(i) for i in range(1, min(len(annotations), 20) + 1)],
                textposition="middle center",
                textfont={"size": 9, "color": "#fff"},
                marker={"size": 15, "color": "#555"},
                hovertext=[label for _, label in annotations[:20]],
                hoverinfo="text",
                name="Events",
                showlegend=False,
            )
        )
    fig.update_layout(
        margin={"l": 50, "r": 10, "t": 24, "b": 30},
        height=280,
        showlegend=target is not None and not metric.per_month,
        legend={"orientation": "h", "y": -0.2},
        yaxis=_yaxis(metric, y),
        yaxis2={"overlaying": "y", "range": [0, 1.05], "visible": False, "fixedrange": True},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return _json(fig)


def bar_figure(metric: Metric, rows: list[tuple[str, Decimal | None]]) -> str:
    values = [_num(v) for _, v in rows]
    fig = go.Figure(go.Bar(x=[n for n, _ in rows], y=values, marker_color="#0172ad"))
    fig.update_layout(
        margin={"l": 50, "r": 10, "t": 10, "b": 60},
        height=240,
        yaxis=_yaxis(metric, values),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return _json(fig)

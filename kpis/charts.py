"""plotly figures, built on the server and handed to the page as JSON (no inline scripts)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import plotly.graph_objects as go

from kpis.registry import PERCENT, Metric


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def trend_figure(
    metric: Metric,
    series: list[tuple[date, Decimal | None]],
    target: Decimal | None,
    annotations: list[tuple[date, str]],
) -> str:
    x = [d.isoformat() for d, _ in series]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[_num(v) for _, v in series],
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
    for day, label in annotations[:20]:
        fig.add_vline(x=day.isoformat(), line={"width": 1, "dash": "dot", "color": "#888"})
        fig.add_annotation(
            x=day.isoformat(),
            y=1,
            yref="paper",
            text=label[:40],
            showarrow=False,
            textangle=-90,
            xanchor="right",
            yanchor="top",
            font={"size": 10},
        )
    fig.update_layout(
        margin={"l": 40, "r": 10, "t": 10, "b": 30},
        height=280,
        showlegend=target is not None,
        legend={"orientation": "h", "y": -0.2},
        yaxis={"ticksuffix": "%" if metric.unit == PERCENT else "", "rangemode": "tozero"},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig.to_json()


def bar_figure(metric: Metric, rows: list[tuple[str, Decimal | None]]) -> str:
    fig = go.Figure(
        go.Bar(x=[n for n, _ in rows], y=[_num(v) for _, v in rows], marker_color="#0172ad")
    )
    fig.update_layout(
        margin={"l": 40, "r": 10, "t": 10, "b": 60},
        height=240,
        yaxis={"ticksuffix": "%" if metric.unit == PERCENT else ""},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig.to_json()

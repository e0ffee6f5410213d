"""plotly figures of survey results, built on the server and handed to the page as JSON."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

BLUE = "#0172ad"


def _layout(fig: go.Figure, height: int = 260) -> str:
    fig.update_layout(
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        height=height,
        showlegend=False,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig.to_json()


def distribution_figure(distribution: dict[int, int], scale: range) -> str:
    colours = []
    for n in scale:
        if len(scale) == 11:  # NPS: detractors, passives, promoters
            colours.append("#c62828" if n <= 6 else "#b26a00" if n <= 8 else "#2e7d32")
        else:
            colours.append("#c62828" if n <= 2 else "#b26a00" if n == 3 else "#2e7d32")
    fig = go.Figure(
        go.Bar(
            x=[str(n) for n in scale],
            y=[distribution.get(n, 0) for n in scale],
            marker_color=colours,
        )
    )
    fig.update_xaxes(title_text="Score", type="category")
    fig.update_yaxes(title_text="Responses")
    return _layout(fig)


def trend_figure(trend: list[tuple[date, float | None, int]], label: str) -> str:
    fig = go.Figure(
        go.Scatter(
            x=[d.isoformat() for d, _, _ in trend],
            y=[v for _, v, _ in trend],
            mode="lines+markers",
            line={"color": BLUE},
            text=[f"{n} responses" for _, _, n in trend],
            name=label,
        )
    )
    fig.update_xaxes(tickformat="%b %Y", dtick="M1", type="date")
    fig.update_yaxes(title_text=label, rangemode="tozero")
    return _layout(fig)

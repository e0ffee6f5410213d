"""plotly figures for standup pages, built on the server and handed over as JSON."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import plotly.graph_objects as go

COLOURS = ["#0172ad", "#b26a00", "#2e7d32", "#8e24aa", "#546e7a", "#c62828"]


def hours_figure(weeks: list[tuple[date, dict[str, Decimal]]], teams: list[str]) -> str:
    """Firefighting hours per team per meeting week, stacked: the week's total is the bar."""
    x = [day.isoformat() for day, _ in weeks]
    fig = go.Figure()
    for i, team in enumerate(teams):
        fig.add_trace(
            go.Bar(
                x=x,
                y=[float(hours.get(team, 0)) for _, hours in weeks],
                name=team,
                marker_color=COLOURS[i % len(COLOURS)],
            )
        )
    fig.update_layout(
        barmode="stack",
        margin={"l": 40, "r": 10, "t": 10, "b": 30},
        height=280,
        legend={"orientation": "h", "y": -0.2},
        yaxis={"ticksuffix": " h", "rangemode": "tozero"},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    # The JSON sits in a <script type="application/json">: never let a name close it.
    return fig.to_json().replace("</", "<\\/")

"""plotly figures, built on the server and handed to the page as JSON (no inline scripts).

Each figure carries its own plotly config: a small mode bar (download and zoom, no share or
editing links), so every chart of a page looks and behaves the same.
"""

from __future__ import annotations

import functools
import json
from datetime import date
from decimal import Decimal
from itertools import dropwhile, pairwise

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


@functools.cache
def _template() -> dict:
    """plotly's default theme, as every figure carries it (built once per process)."""
    return json.loads(go.Figure().to_json())["layout"]["template"]


def _json(data: list[dict], layout: dict) -> str:
    """The figure as plotly's ``Figure.to_json()`` writes it, built from plain dicts: plotly's
    validating objects cost tens of milliseconds a chart, the JSON is the same."""
    return json.dumps(
        {"data": data, "layout": {"template": _template(), **layout}, "config": CONFIG},
        separators=(", ", ": "),
    )


def trend_figure(
    metric: Metric,
    series: list[tuple[date, Decimal | None]],
    target: Decimal | None,
    annotations: list[tuple[date, str]],
) -> str:
    """The metric over time; per-month counts as bars per month. Events (launches, errors,
    rules switched on) are numbered markers above the plot, told in full in the hover text and
    in the list under the charts."""
    if metric.per_month:
        # Months before the first with any data (before the company's history) are left out,
        # rather than drawn as empty slots that read as zero.
        series = list(dropwhile(lambda point: point[1] is None, series))
    x = [d.isoformat() for d, _ in series]
    y = [_num(v) for _, v in series]
    data: list[dict] = []
    layout: dict = {}
    if metric.per_month:
        # Months as categories: one labelled bar each, never a date axis between them. The year
        # goes on a line of its own, so labels stay apart in a narrow chart.
        labels = [
            d.strftime("%b<br>%Y") if i == 0 or d.month == 1 else d.strftime("%b")
            for i, (d, _) in enumerate(series)
        ]
        data.append(
            {
                "hovertemplate": "%{x}: %{y}<extra></extra>",
                "marker": {"color": "#0172ad"},
                "name": metric.label,
                "x": labels,
                "y": y,
                "type": "bar",
            }
        )
        xaxis: dict = {"tickangle": 0, "type": "category"}
    else:
        data.append(
            {
                "connectgaps": False,
                "line": {"color": "#0172ad"},
                "mode": "lines+markers",
                "name": metric.label,
                "x": x,
                "y": y,
                "type": "scatter",
            }
        )
        # A few horizontal date labels: rotated ones ran into the legend in a narrow chart.
        xaxis = {"nticks": 5, "tickangle": 0}
    if target is not None and x and not metric.per_month:  # buckets hold plain counts
        data.append(
            {
                "line": {"color": "#b26a00", "dash": "dash"},
                "mode": "lines",
                "name": "Target",
                "x": [x[0], x[-1]],
                "y": [float(target)] * 2,
                "type": "scatter",
            }
        )
    shapes = []
    if annotations and not metric.per_month:
        shown = annotations[:20]
        for day, _ in shown:
            shapes.append(
                {
                    "line": {"color": "#888", "dash": "dot", "width": 1},
                    "type": "line",
                    "x0": day.isoformat(),
                    "x1": day.isoformat(),
                    "xref": "x",
                    "y0": 0,
                    "y1": 1,
                    "yref": "y domain",
                }
            )
        data.append(
            {
                "hoverinfo": "text",
                "hovertext": [label for _, label in shown],
                "marker": {"color": "#555", "size": 15},
                "mode": "markers+text",
                "name": "Events",
                "showlegend": False,
                "text": [str(i) for i in range(1, len(shown) + 1)],
                "textfont": {"color": "#fff", "size": 9},
                "textposition": "middle center",
                "x": [day.isoformat() for day, _ in shown],
                "y": _marker_heights([day for day, _ in shown], series),
                "yaxis": "y2",
                "type": "scatter",
            }
        )
    layout["xaxis"] = xaxis
    if shapes:
        layout["shapes"] = shapes
    layout.update(
        {
            "margin": {"b": 30, "l": 50, "r": 10, "t": 36},
            "height": 280,
            "showlegend": target is not None and not metric.per_month,
            # Above the plot, clear of the date labels and of the numbered event markers.
            "legend": {
                "orientation": "h",
                "x": 0,
                "xanchor": "left",
                "y": 1.08,
                "yanchor": "bottom",
                "font": {"size": 11},
            },
            "yaxis": _yaxis(metric, y),
            "yaxis2": {"fixedrange": True, "overlaying": "y", "range": [0, 1.05], "visible": False},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
        }
    )
    return _json(data, layout)


def _marker_heights(days: list[date], series: list[tuple[date, Decimal | None]]) -> list[float]:
    """Where each numbered event marker sits (1.0 is the top of the plot): a marker too close
    to the one before it (within a twelfth of the chart's span) drops a step, so two numbers
    never print over each other."""
    if not days:
        return []
    span = max((series[-1][0] - series[0][0]).days if series else 0, 12)
    heights = [1.0]
    for before, day in pairwise(days):
        close = abs((day - before).days) < span / 12
        heights.append(0.88 if close and heights[-1] == 1.0 else 1.0)
    return heights


def bar_figure(metric: Metric, rows: list[tuple[str, Decimal | None]]) -> str:
    values = [_num(v) for _, v in rows]
    data = [{"marker": {"color": "#0172ad"}, "x": [n for n, _ in rows], "y": values, "type": "bar"}]
    layout = {
        "margin": {"b": 60, "l": 50, "r": 10, "t": 10},
        "height": 240,
        "yaxis": _yaxis(metric, values),
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    return _json(data, layout)

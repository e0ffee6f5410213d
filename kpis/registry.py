"""The metric registry: where every KPI is declared once and every source of numbers plugs in.

Two kinds of entries:

**Sources** provide *daily inputs*: named additive numbers per local day (``completed``,
``spend``, ``csat_sum``, ``csat_count``…), or lists of samples (``ack_minutes``) for medians.
A source is a function ``daily(period, filters) -> {date: {input: Decimal | list[float]}}``
and the filters it can split by (``"zone"``, ``"campaign"``). Inputs are summed over any
period and ratios are taken of the sums, so a month's on-time % is on-time ÷ completed of the
month, never an average of daily percentages.

**Metrics** are one declaration each: key, label, function, unit, direction, formula text,
the inputs they read, ``compute(inputs, period)`` over the summed inputs, the bounds a target,
baseline or manual value must lie in, the filters they honour, whether they are a per-month
count, whether they are on the collaboration scorecard, whether a manager may enter a monthly
value by hand, and where their rows can be seen. Pages, the API, the scorecard, the monthly
review and the exports iterate over the registry; none of them names a metric.

A metric honours a filter only if its declaration says so *and* every registered source of
its inputs can split by it; otherwise, under that filter, it is "not available" with a reason
(never a company-wide number presented as the zone's).

How a module feeds KPIs (e.g. ``feedback`` with survey responses), in its ``AppConfig.ready()``::

    from kpis import registry

    def survey_daily(period, filters):
        # {date: {"csat_sum": Decimal, "csat_count": Decimal, "csat_sumsq": Decimal, ...}}
        return feedback.selectors.csat_by_day(period.start, period.end, zone=filters.zone)

    registry.register_source(
        "survey_responses",
        inputs={"csat_sum": "sum of CSAT scores", "csat_count": "CSAT responses",
                "csat_sumsq": "sum of squared CSAT scores"},
        daily=survey_daily,
        honours={"zone"},
        since=feedback.selectors.first_response_day,  # optional: before it, metrics show "—"
    )

That is all: CSAT, NPS, promo CSAT, team communication satisfaction and manual hours/week are
already declared in ``kpis.metrics`` over these inputs (names below), with the response count
and a 95% margin carried on the value. A period for which the source counted nothing
(``*_count`` = 0) falls back to the manager's monthly value, labelled "manual".

Inputs the core metrics wait for (any app may provide them):

================================  =============================================================
``csat_sum``, ``csat_count``,      customer satisfaction answers (1–5): sum, number, sum of
``csat_sumsq``                     squares (for the margin)
``nps_promoters``,                 "how likely to recommend" answers (0–10): 9–10, 0–6, all
``nps_detractors``, ``nps_count``
``promo_csat_sum``,                CSAT answers of customers who used a promo code
``promo_csat_count``,
``promo_csat_sumsq``
``comm_sum``, ``comm_count``,      staff pulse: satisfaction with cross-team communication (1–5)
``comm_sumsq``
``firefighting_hours``,            hours of cross-team firefighting reported in standups, and
``firefighting_reports``           the number of updates that reported them
================================  =============================================================

A module may also declare a metric of its own::

    registry.register_metric(registry.Metric(
        key="survey_response_rate", label="Survey response rate", function="support",
        unit=registry.PERCENT, direction=registry.UP,
        formula="Responses ÷ invitations sent in the period",
        inputs=("survey_responses", "survey_invitations"),
        compute=lambda v, period: registry.ratio(v["survey_responses"], v["survey_invitations"]),
        bounds=(Decimal(0), Decimal(100)), honours=frozenset({"zone"}),
    ))

The public surface: ``register_source``, ``unregister_source``, ``register_metric``,
``unregister_metric``, the ``Metric`` and ``Value`` declarations and the compute helpers
(``ratio``, ``per``, ``per_month``, ``mean_with_margin``, ``nps_with_margin``, ``quantize``);
reads: ``metric``, ``get_metric``, ``metric_list``, ``source_list``, ``scorecard_metrics``,
``honours``, ``daily_inputs``, ``total``, ``evaluate``, ``first_days``.

Registering is idempotent per name (a second registration under the same name replaces the
first, so a reloaded module does not count twice). Source functions must be read-only and use
other apps only through their ``selectors``.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    from hub.models import Campaign, Zone

PERCENT, COUNT, MONEY, SCORE, MINUTES, HOURS = (
    "percent",
    "count",
    "money",
    "score",
    "minutes",
    "hours",
)
UP, DOWN, NEITHER = 1, -1, 0
FUNCTIONS = {
    "marketing": "Marketing",
    "operations": "Operations",
    "support": "Customer support",
    "collaboration": "Collaboration",
}
FILTERS = {"zone": "zone", "campaign": "campaign"}


# --- Periods and filters ------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def whole_months(self) -> bool:
        return self.start.day == 1 and (self.end + timedelta(days=1)).day == 1

    @property
    def months(self) -> float:
        if self.whole_months:
            return float(
                (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            )
        return self.days / 30.4375

    def previous(self) -> Period:
        if self.whole_months:
            start = self.start
            for _ in range(round(self.months)):
                start = (start - timedelta(days=1)).replace(day=1)
            return Period(start, self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def elapsed(self, today: date) -> Period:
        """The part of the period up to ``today`` (rates per week don't count future days)."""
        if self.start <= today < self.end:
            return Period(self.start, today)
        return self

    def bounds(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )


def month_period(month: date) -> Period:
    first = month.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return Period(first, nxt - timedelta(days=1))


@dataclass(frozen=True)
class Filters:
    zone: Zone | None = None
    campaign: Campaign | None = None

    @property
    def active(self) -> frozenset[str]:
        return frozenset(n for n in FILTERS if getattr(self, n) is not None)

    def only(self, names: Iterable[str]) -> Filters:
        names = set(names)
        return Filters(
            zone=self.zone if "zone" in names else None,
            campaign=self.campaign if "campaign" in names else None,
        )


# --- Inputs and values --------------------------------------------------------------------------


class Inputs:
    """Summed inputs of some days: ``v["spend"]`` (0 when absent), ``v.samples("ack_minutes")``."""

    def __init__(self) -> None:
        self.values: dict[str, Decimal] = defaultdict(Decimal)
        self.lists: dict[str, list[float]] = defaultdict(list)

    def __getitem__(self, key: str) -> Decimal:
        return self.values.get(key, Decimal(0))

    def samples(self, key: str) -> list[float]:
        return self.lists.get(key, [])

    def put(self, key: str, value: Any) -> None:
        if isinstance(value, list | tuple):
            self.lists[key].extend(float(x) for x in value)
        else:
            self.values[key] += Decimal(value or 0)

    def add(self, other: Inputs) -> None:
        for key, value in other.values.items():
            self.values[key] += value
        for key, items in other.lists.items():
            self.lists[key].extend(items)


@dataclass(frozen=True)
class Value:
    """A metric's value for a period, with what a reader needs to trust it."""

    value: Decimal | None
    count: int | None = None  # responses / rows behind it, when it is a sample
    margin: Decimal | None = None  # ± of a 95% confidence interval
    manual: bool = False  # a manager's monthly value, not computed
    unavailable: str = ""  # why there is no value under the chosen filters
    note: str = ""  # e.g. "count in 7 days (not per month)"


@dataclass(frozen=True)
class Source:
    name: str
    inputs: Mapping[str, str]  # input key -> label
    daily: Callable[[Period, Filters], Mapping[date, Mapping[str, Any]]]
    honours: frozenset[str] = frozenset()
    # The first local day it has data for (None: none yet); before it, its metrics show "—".
    since: Callable[[], date | None] | None = None


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    function: str  # one of FUNCTIONS
    unit: str
    direction: int
    formula: str
    inputs: tuple[str, ...]
    compute: Callable[[Inputs, Period], Decimal | Value | None]
    bounds: tuple[Decimal | None, Decimal | None] = (None, None)
    honours: frozenset[str] = frozenset()
    per_month: str = ""  # the input counted, for "… / month" metrics
    scorecard: bool = False
    manual: bool = False  # a manager may enter a monthly value when no source counted any
    count_input: str = ""  # responses behind a sampled value; 0 → the manual value
    link: Callable[[Period, Filters], str] | None = None
    scale: str = ""  # e.g. "1–5"
    definition: str | Callable[[], str] = ""  # longer text for its page (may read settings)
    available: Callable[[Period, Filters, Inputs], str] | None = None  # "" or why not

    @property
    def definition_text(self) -> str:
        return self.definition() if callable(self.definition) else self.definition


logger = logging.getLogger(__name__)

_sources: dict[str, Source] = {}
_metrics: dict[str, Metric] = {}


def register_source(
    name: str,
    *,
    inputs: Mapping[str, str],
    daily: Callable[[Period, Filters], Mapping[date, Mapping[str, Any]]],
    honours: Iterable[str] = (),
    since: Callable[[], date | None] | None = None,
) -> Source:
    """Register (or replace) a named provider of daily inputs. Call from ``AppConfig.ready()``.

    ``since()``: the first day the source has data for; a period that ends before it shows
    "—" (no data), not 0. Without it the source counts from the beginning of time.
    """
    unknown = set(honours) - set(FILTERS)
    if unknown:
        raise ValueError(f"Unknown filters {sorted(unknown)}; known: {sorted(FILTERS)}")
    for other in _sources.values():
        clash = set(inputs) & set(other.inputs)
        if other.name != name and clash:
            raise ValueError(f"Inputs {sorted(clash)} are already provided by {other.name!r}")
    source = Source(name, dict(inputs), daily, frozenset(honours), since)
    _sources[name] = source
    return source


def unregister_source(name: str) -> None:
    """Remove a source (tests and app reloads)."""
    _sources.pop(name, None)


def register_metric(metric: Metric) -> Metric:
    """Register (or replace) a metric declaration."""
    if metric.function not in FUNCTIONS:
        raise ValueError(f"Unknown function {metric.function!r}")
    _metrics[metric.key] = metric
    return metric


def unregister_metric(key: str) -> None:
    _metrics.pop(key, None)


def metric_list(function: str | None = None) -> list[Metric]:
    """Every metric, in declaration order (optionally of one function)."""
    return [m for m in _metrics.values() if function is None or m.function == function]


def get_metric(key: str) -> Metric | None:
    return _metrics.get(key)


def metric(key: str) -> Metric:
    """The metric declared under ``key`` (KeyError when there is none)."""
    return _metrics[key]


def source_list() -> list[Source]:
    return list(_sources.values())


def scorecard_metrics() -> list[Metric]:
    return [m for m in _metrics.values() if m.scorecard]


def input_label(key: str) -> str:
    for source in _sources.values():
        if key in source.inputs:
            return source.inputs[key]
    return key.replace("_", " ")


def sources_of(metric: Metric) -> list[Source]:
    return [s for s in _sources.values() if set(metric.inputs) & set(s.inputs)]


def honours(metric: Metric) -> frozenset[str]:
    """The filters a metric can be split by: declared, and supported by all its sources."""
    result = metric.honours
    for source in sources_of(metric):
        result &= source.honours
    return result


def unavailable_reason(metric: Metric, filters: Filters) -> str:
    """Why the metric has no value under these filters ("" when it has one)."""
    missing = filters.active - honours(metric)
    if not missing:
        return ""
    names = " or ".join(sorted(missing))
    return f"{metric.label} is not split by {names}: not available for this filter."


# --- Computing ----------------------------------------------------------------------------------


def _sources_key() -> str:
    return ",".join(
        f"{s.name}={getattr(s.daily, '__module__', '')}.{getattr(s.daily, '__qualname__', '')}"
        for s in _sources.values()
    )


def _filters_key(filters: Filters) -> tuple:
    return (
        filters.zone.pk if filters.zone is not None else "",
        filters.campaign.pk if filters.campaign is not None else "",
    )


def daily_inputs(period: Period, filters: Filters) -> dict[date, Inputs]:
    """Every source's inputs per day of the period (a source that cannot split by an active
    filter contributes nothing: the metrics reading it are not available under that filter).

    Computed once per period, filters and KPI cache generation (``kpis.cache``)."""
    from kpis import cache

    return cache.memo(
        "days",
        (period.start, period.end, *_filters_key(filters), _sources_key()),
        lambda: _daily_inputs(period, filters),
    )


def _daily_inputs(period: Period, filters: Filters) -> dict[date, Inputs]:
    days: dict[date, Inputs] = defaultdict(Inputs)
    for source in _sources.values():
        if filters.active - source.honours:
            continue
        for day, values in source.daily(period, filters).items():
            for key, value in values.items():
                days[day].put(key, value)
    return days


def total(days: Mapping[date, Inputs], period: Period | None = None) -> Inputs:
    """The sum of the days (within ``period`` when given)."""
    agg = Inputs()
    for day, inputs in days.items():
        if period is None or period.start <= day <= period.end:
            agg.add(inputs)
    return agg


def first_days() -> dict[str, date | None]:
    """Each source's first day of data (one or two queries per source, once per KPI cache
    generation)."""
    from kpis import cache

    return cache.memo("since", (_sources_key(),), _first_days)


def _first_days() -> dict[str, date | None]:
    seen: dict[Any, date | None] = {}  # sources may share one since()
    out: dict[str, date | None] = {}
    for source in _sources.values():
        if source.since is None:
            out[source.name] = date.min
            continue
        if source.since not in seen:
            seen[source.since] = source.since()
        out[source.name] = seen[source.since]
    return out


def before_data(metric: Metric, period: Period, since: Mapping[str, date | None]) -> bool:
    """Whether the period ends before any of the metric's sources had data."""
    sources = sources_of(metric)
    if not sources:
        return False
    starts = [since.get(s.name, date.min) for s in sources]
    return all(start is None or period.end < start for start in starts)


def evaluate(
    metric: Metric,
    inputs: Inputs,
    period: Period,
    filters: Filters,
    *,
    today: date | None = None,
    manual_values: Mapping[tuple[str, date, int | None], Decimal] | None = None,
    since: Mapping[str, date | None] | None = None,
) -> Value:
    """The metric's value for a period whose summed inputs are ``inputs``.

    ``manual_values``: {(metric, month, zone id or None): value}, when the caller has them;
    ``since``: ``first_days()``, when the caller wants "—" for periods before any data.
    """
    reason = unavailable_reason(metric, filters)
    if not reason and metric.available is not None:
        reason = metric.available(period, filters, inputs)
    if reason:
        return Value(None, unavailable=reason)
    counted = period.elapsed(today or timezone.localdate())
    if metric.manual and (not metric.count_input or not inputs[metric.count_input]):
        from kpis import dashboard  # the manual values are rows of this module

        value = dashboard.manual_value(metric.key, period, filters, manual_values)
        if value is None and filters.zone is not None:
            return Value(
                None,
                unavailable=f"No value of {metric.label} was entered for {filters.zone} "
                "(only for the whole company): not available for this filter.",
            )
        return Value(value, manual=value is not None)
    if since is not None and before_data(metric, period, since):
        return Value(None, note="no data yet")
    result = metric.compute(inputs, counted)
    if isinstance(result, Value):
        return result
    if metric.per_month and not counted.whole_months and counted.days < 28:
        return Value(result, note=f"count in {counted.days} days (not per month)")
    return Value(result)


# --- Sections of the monthly review -------------------------------------------------------------


@dataclass(frozen=True)
class ReviewSection:
    """A part of the monthly KPI review another module fills (standups' blockers, feedback's
    themes, pilots): ``items(month)`` returns JSON-ready rows {"text", "url", "note"} — frozen
    with the review's numbers when it closes."""

    key: str
    title: str
    items: Callable[[date], list[dict[str, str]]]
    empty: str = "Nothing this month."
    order: int = 100


_review_sections: dict[str, ReviewSection] = {}


def register_review_section(section: ReviewSection) -> ReviewSection:
    """Add (or replace) a section of the monthly review. Call from ``AppConfig.ready()``."""
    _review_sections[section.key] = section
    return section


def review_sections(month: date) -> list[dict[str, Any]]:
    """Every registered section's rows for ``month`` (a failing section says so, alone)."""
    out = []
    for section in sorted(_review_sections.values(), key=lambda s: (s.order, s.title)):
        try:
            items = [
                {k: str(v) for k, v in item.items() if k in ("text", "url", "note")}
                for item in section.items(month)
            ]
        except Exception:  # one module's bug must not take the review down
            logger.exception("Review section %s failed", section.key)
            items = [{"text": "This section could not be computed; see the server log."}]
        out.append(
            {"key": section.key, "title": section.title, "items": items, "empty": section.empty}
        )
    return out


# --- Helpers for compute functions --------------------------------------------------------------


def quantize(value: Decimal | float, places: str = "0.01") -> Decimal:
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def ratio(numerator: Decimal, denominator: Decimal, scale: int = 100) -> Decimal | None:
    """numerator × scale ÷ denominator, or None when the denominator is 0."""
    if not denominator:
        return None
    return quantize(Decimal(numerator) * scale / Decimal(denominator))


def per(amount: Decimal, units: float) -> Decimal | None:
    if units <= 0:
        return None
    return quantize(Decimal(amount) / Decimal(str(units)))


def per_month(count: Decimal, period: Period) -> Decimal | None:
    """A count per month; a period shorter than a month gives its plain count (not × 30)."""
    if not period.whole_months and period.days < 28:
        return quantize(count)
    return per(count, period.months)


def mean_with_margin(total_: Decimal, count: Decimal, sumsq: Decimal) -> Value:
    """The mean of ``count`` answers and the ± of its 95% confidence interval."""
    n = int(count)
    if n <= 0:
        return Value(None, count=0)
    mean = Decimal(total_) / n
    margin = None
    if n > 1:
        variance = (Decimal(sumsq) - n * mean * mean) / (n - 1)
        sd = math.sqrt(max(float(variance), 0.0))
        margin = quantize(1.96 * sd / math.sqrt(n))
    return Value(quantize(mean), count=n, margin=margin)


def nps_with_margin(promoters: Decimal, detractors: Decimal, count: Decimal) -> Value:
    """% promoters − % detractors, and the ± of its 95% confidence interval."""
    n = int(count)
    if n <= 0:
        return Value(None, count=0)
    p, d = float(promoters) / n, float(detractors) / n
    score = (p - d) * 100
    variance = p + d - (p - d) ** 2
    margin = quantize(1.96 * 100 * math.sqrt(max(variance, 0.0) / n)) if n > 1 else None
    return Value(quantize(score), count=n, margin=margin)

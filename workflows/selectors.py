"""Reads of workflow maps and pilots, aware of who is asking.

Members of any team read and edit maps (mapping the flow is everyone's work); deleting a map
takes its author or a manager; a pilot's decision takes a member of one of its owner teams or
a manager.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from handoffs import selectors as handoff_selectors
from hub import roles
from hub.errors import DomainError
from hub.models import Membership, Team, User
from workflows import exchange, kpi_source, render, stats
from workflows.models import FrictionPoint, Lane, Pilot, Step, Transition, WorkflowMap

# --- Maps -------------------------------------------------------------------------------------


def _require_member(user: User) -> None:
    if not roles.is_member(user):
        raise PermissionDenied


def map_list(user: User) -> QuerySet[WorkflowMap]:
    """Every map, newest change first, with its size and open friction points."""
    _require_member(user)
    return WorkflowMap.objects.annotate(
        step_count=Count("steps", distinct=True),
        open_frictions=Count(
            "frictions", filter=Q(frictions__status__in=["open", "piloting"]), distinct=True
        ),
    ).order_by("-updated_at", "-id")


def get_map_for_user(user: User, pk: int, *, delete: bool = False) -> WorkflowMap:
    """One map: PermissionDenied for outsiders (and for deleting, unless author or manager)."""
    _require_member(user)
    found = WorkflowMap.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("No such map.")
    if delete and not (roles.is_manager(user) or found.created_by_id == user.pk):
        raise PermissionDenied
    return found


def _get_in_map(user: User, model: Any, map_: WorkflowMap, pk: int, what: str) -> Any:
    _require_member(user)
    found = model.objects.filter(pk=pk, map=map_).first()
    if found is None:
        raise Http404(f"No such {what} on this map.")
    return found


def get_step_for_user(user: User, map_: WorkflowMap, pk: int) -> Step:
    return _get_in_map(user, Step, map_, pk, "step")


def get_transition_for_user(user: User, map_: WorkflowMap, pk: int) -> Transition:
    return _get_in_map(user, Transition, map_, pk, "transition")


def get_lane_for_user(user: User, map_: WorkflowMap, pk: int) -> Lane:
    return _get_in_map(user, Lane, map_, pk, "lane")


def get_friction_for_user(user: User, map_: WorkflowMap, pk: int) -> FrictionPoint:
    return _get_in_map(user, FrictionPoint, map_, pk, "friction point")


@dataclass
class MapData:
    """Everything a map page needs, read in a fixed number of queries."""

    map: WorkflowMap
    lanes: list[Lane]
    steps: list[Step]
    transitions: list[Transition]
    frictions: list[FrictionPoint]
    drawing: render.Drawing = field(init=False)

    def __post_init__(self) -> None:
        self.drawing = render.Drawing(
            name=self.map.name,
            lanes=[render.LaneD(lane.pk, lane.team_id, lane.team.name) for lane in self.lanes],
            steps=[render.StepD(s.pk, s.lane_id, s.name, s.order) for s in self.steps],
            transitions=[
                render.TransitionD(
                    t.pk,
                    t.source_id,
                    t.target_id,
                    t.label,
                    tuple(link.rule.name for link in t.links.all()),
                )
                for t in self.transitions
            ],
            frictions=[
                render.FrictionD(f.pk, f.step_id, f.transition_id, f.kind, f.severity, f.status)
                for f in self.frictions
            ],
        )

    @property
    def handoff_points(self) -> list[Transition]:
        lane = {s.pk: s.lane_id for s in self.steps}
        return [t for t in self.transitions if lane[t.source_id] != lane[t.target_id]]


def map_data(map_: WorkflowMap) -> MapData:
    """The map's lanes, steps, transitions (with their rules) and friction points."""
    from workflows.models import HandoffLink

    return MapData(
        map=map_,
        lanes=list(map_.lanes.select_related("team")),
        steps=list(map_.steps.select_related("lane__team")),
        transitions=list(
            map_.transitions.select_related("source", "target").prefetch_related(
                Prefetch("links", queryset=HandoffLink.objects.select_related("rule"))
            )
        ),
        frictions=list(
            map_.frictions.select_related(
                "owner_team", "step", "transition__source", "transition__target"
            )
        ),
    )


def handoff_point_figures(
    data: MapData, start: datetime, end: datetime
) -> dict[int, render.Figures]:
    """Live figures of each automated handoff point in [start, end): handoffs its linked rules
    created, their median time to acknowledge, and how many were missed."""
    rules_of = {
        t.pk: [link.rule_id for link in t.links.all()] for t in data.handoff_points if t.links.all()
    }
    all_rules = sorted({r for ids in rules_of.values() for r in ids})
    per_rule = handoff_selectors.handoff_figures_by_rule(all_rules, start, end)
    out = {}
    for transition_id, rule_ids in rules_of.items():
        rows = [per_rule[r] for r in rule_ids if r in per_rule]
        acks = [m for row in rows for m in row.ack_minutes]
        out[transition_id] = render.Figures(
            created=sum(row.created for row in rows),
            median_ack_minutes=statistics.median(acks) if acks else None,
            missed=sum(row.missed for row in rows),
        )
    return out


EXPORTS = {
    "svg": ("image/svg+xml", "svg"),
    "mermaid": ("text/plain; charset=utf-8", "mmd"),
    "json": ("application/json", "json"),
}


def map_export(map_: WorkflowMap, fmt: str) -> tuple[str, str, str]:
    """(body, content type, file extension) of the map as svg, mermaid or json."""
    if fmt not in EXPORTS:
        raise DomainError("Export as svg, mermaid or json.", field="format")
    data = map_data(map_)
    if fmt == "svg":
        body = render.svg(data.drawing)
    elif fmt == "mermaid":
        body = render.mermaid(data.drawing)
    else:
        body = json.dumps(exchange.export(data), indent=2, ensure_ascii=False)
    content_type, ext = EXPORTS[fmt]
    return body, content_type, ext


PERIODS = {"7": 7, "30": 30, "90": 90}


def period_bounds(days: int, now: datetime) -> tuple[datetime, datetime]:
    """The last ``days`` whole local days up to now."""
    today = timezone.localdate(now)
    tz = timezone.get_current_timezone()
    start = datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=tz)
    return start, now


def linkable_rules() -> QuerySet:
    return handoff_selectors.rules_for_linking()


def teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")


# --- Pilots -----------------------------------------------------------------------------------


def pilot_list(user: User) -> QuerySet[Pilot]:
    _require_member(user)
    return (
        Pilot.objects.select_related(
            "friction__map",
            "friction__step",
            "friction__transition__source",
            "friction__transition__target",
        )
        .prefetch_related("owner_teams")
        .order_by("-starts_on", "-id")
    )


def get_pilot_for_user(user: User, pk: int, *, decide: bool = False) -> Pilot:
    _require_member(user)
    pilot = pilot_list(user).filter(pk=pk).first()
    if pilot is None:
        raise Http404("No such pilot.")
    if decide and not can_decide(user, pilot):
        raise PermissionDenied
    return pilot


def maps_named(user: User, ids: list[int]) -> dict[int, WorkflowMap]:
    """Maps by id, for links to them elsewhere (docs chips); nothing for outsiders."""
    if not roles.is_member(user) or not ids:
        return {}
    return {m.pk: m for m in WorkflowMap.objects.filter(pk__in=ids).only("id", "name", "version")}


def pilots_named(user: User, ids: list[int]) -> dict[int, Pilot]:
    """Pilots by id, for links to them elsewhere (docs chips); nothing for outsiders."""
    if not roles.is_member(user) or not ids:
        return {}
    return {p.pk: p for p in Pilot.objects.filter(pk__in=ids)}


def pilots_written_up_in(user: User, page_id: int) -> list[Pilot]:
    """The pilots whose write-up is the docs page ``page_id``."""
    if not roles.is_member(user):
        return []
    return list(Pilot.objects.filter(writeup_page_id=page_id).order_by("-starts_on", "-id"))


def can_decide(user: User, pilot: Pilot) -> bool:
    if roles.is_manager(user):
        return True
    team_ids = {t.pk for t in pilot.owner_teams.all()}
    return Membership.objects.filter(user=user, team_id__in=team_ids).exists()


@dataclass(frozen=True)
class PilotResult:
    """Before (the same number of days before the pilot) and during, and what it means."""

    metric: str
    metric_label: str
    unit: str
    baseline_start: date
    baseline_end: date
    during_start: date
    during_end: date  # the last day with data so far (today while running)
    baseline: float | None
    during: float | None
    comparison: stats.Comparison
    statement: str
    baseline_daily: list[tuple[str, float | None]]
    during_daily: list[tuple[str, float | None]]

    @property
    def change(self) -> float | None:
        if self.baseline is None or self.during is None:
            return None
        return self.during - self.baseline

    def as_json(self) -> dict[str, Any]:
        c = self.comparison
        return {
            "metric": self.metric,
            "metric_label": self.metric_label,
            "unit": self.unit,
            "baseline": {
                "start": self.baseline_start.isoformat(),
                "end": self.baseline_end.isoformat(),
                "value": self.baseline,
                "daily": self.baseline_daily,
            },
            "during": {
                "start": self.during_start.isoformat(),
                "end": self.during_end.isoformat(),
                "value": self.during,
                "daily": self.during_daily,
            },
            "change": self.change,
            "difference_per_day": c.difference,
            "ci95": [c.low, c.high] if c.low is not None else None,
            "verdict": c.verdict,
            "statement": self.statement,
        }


def _f(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def pilot_result(pilot: Pilot, today: date | None = None) -> PilotResult | None:
    """The pilot's numbers: frozen at the decision, else computed now. None before it starts."""
    if pilot.result:
        return _result_from_json(pilot.result)
    today = today or timezone.localdate()
    if today < pilot.starts_on:
        return None
    days = (pilot.ends_on - pilot.starts_on).days + 1
    b_start = pilot.starts_on - timedelta(days=days)
    b_end = pilot.starts_on - timedelta(days=1)
    d_end = min(pilot.ends_on, today)
    key = pilot.metric
    baseline_daily = kpi_source.daily_values(key, b_start, b_end)
    during_daily = kpi_source.daily_values(key, pilot.starts_on, d_end)
    comparison = stats.compare(
        [v for _, v in baseline_daily if v is not None],
        [v for _, v in during_daily if v is not None],
        kpi_source.metric_direction(key),
    )
    unit = kpi_source.metric_unit(key)
    return PilotResult(
        metric=key,
        metric_label=kpi_source.metric_label(key),
        unit=unit,
        baseline_start=b_start,
        baseline_end=b_end,
        during_start=pilot.starts_on,
        during_end=d_end,
        baseline=_f(kpi_source.period_value(key, b_start, b_end)),
        during=_f(kpi_source.period_value(key, pilot.starts_on, d_end)),
        comparison=comparison,
        statement=stats.statement(comparison, unit),
        baseline_daily=[(d.isoformat(), v) for d, v in baseline_daily],
        during_daily=[(d.isoformat(), v) for d, v in during_daily],
    )


def _result_from_json(data: dict[str, Any]) -> PilotResult:
    ci = data.get("ci95") or [None, None]
    b, d = data["baseline"], data["during"]
    comparison = stats.Comparison(
        baseline_mean=None,
        during_mean=None,
        baseline_days=len([v for _, v in b["daily"] if v is not None]),
        during_days=len([v for _, v in d["daily"] if v is not None]),
        difference=data.get("difference_per_day"),
        low=ci[0],
        high=ci[1],
        verdict=data["verdict"],
    )
    return PilotResult(
        metric=data["metric"],
        metric_label=data["metric_label"],
        unit=data["unit"],
        baseline_start=date.fromisoformat(b["start"]),
        baseline_end=date.fromisoformat(b["end"]),
        during_start=date.fromisoformat(d["start"]),
        during_end=date.fromisoformat(d["end"]),
        baseline=b["value"],
        during=d["value"],
        comparison=comparison,
        statement=data["statement"],
        baseline_daily=[(x[0], x[1]) for x in b["daily"]],
        during_daily=[(x[0], x[1]) for x in d["daily"]],
    )


@dataclass(frozen=True)
class PilotSummary:
    pilot: Pilot
    result: PilotResult | None


def review_pilots(month: date) -> list[PilotSummary]:
    """For the monthly KPI review: pilots running during ``month`` or finished (window ended or
    decided) in it, each with its before/during result. Read-only; not permission-aware (the
    review page checks its own role)."""
    first = month.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    month_start = datetime.combine(first, time.min, tzinfo=tz)
    month_end = datetime.combine(nxt, time.min, tzinfo=tz)
    pilots = (
        Pilot.objects.filter(
            Q(starts_on__lt=nxt, ends_on__gte=first)
            | Q(decided_at__gte=month_start, decided_at__lt=month_end)
        )
        .select_related("friction__map")
        .prefetch_related("owner_teams")
        .order_by("starts_on", "id")
    )
    today = min(timezone.localdate(), nxt - timedelta(days=1))
    return [PilotSummary(p, pilot_result(p, today)) for p in pilots]


def frictions_open(map_: WorkflowMap) -> QuerySet[FrictionPoint]:
    return map_.frictions.filter(status__in=["open", "piloting"])

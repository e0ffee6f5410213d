"""The only writers of workflow maps and pilots. Keyword-only, atomic, audited.

Every change to a map's drawing (lanes, steps, transitions, rule links) saves a version
snapshot, so any earlier drawing can be restored. Friction points and pilots are not part of
the drawing: they stay when a version is restored (unless their step is gone).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from handoffs import services as handoff_services
from hub import audit, events
from hub.errors import DomainError
from hub.models import Team, User
from standups import selectors as standup_selectors
from standups import services as standup_services
from wiki import selectors as wiki_selectors
from wiki import services as wiki_services
from workflows import exchange, kpi_source, selectors
from workflows.models import (
    FrictionPoint,
    HandoffLink,
    Lane,
    MapVersion,
    Pilot,
    Step,
    Transition,
    WorkflowMap,
)

PILOT_DAYS = 14

# --- Maps and versions ----------------------------------------------------------------------


def _save_version(map_: WorkflowMap, actor: User | None, note: str) -> MapVersion:
    """Snapshot the drawing as the map's next version (the map row is locked by the caller)."""
    map_.version += 1
    map_.updated_at = timezone.now()
    map_.save(update_fields=["version", "updated_at"])
    snapshot = exchange.export(selectors.map_data(map_), with_frictions=False)
    return MapVersion.objects.create(
        map=map_,
        number=map_.version,
        snapshot=snapshot,
        note=note[:200],
        created_by=actor if actor and actor.is_authenticated else None,
    )


def _locked(map_: WorkflowMap) -> WorkflowMap:
    """Re-read the map under a row lock, so two saves never take the same version number."""
    return WorkflowMap.objects.select_for_update().get(pk=map_.pk)


def _name(value: str, what: str, limit: int = 120) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(f"Give the {what} a name.", field="name")
    if len(value) > limit:
        raise DomainError(f"Keep the {what}'s name under {limit} characters.", field="name")
    return value


@transaction.atomic
def map_create(
    *, actor: User, name: str, description: str = "", teams: list[Team] | None = None
) -> WorkflowMap:
    """A new map with one lane per team given; saves version 1."""
    map_ = WorkflowMap.objects.create(
        name=_name(name, "map", 160), description=description.strip(), created_by=actor
    )
    for i, team in enumerate(teams or []):
        Lane.objects.create(map=map_, team=team, position=i)
    _save_version(map_, actor, "created")
    audit.record(actor=actor, action="workflows.map.create", obj=map_)
    return map_


@transaction.atomic
def map_update(*, actor: User, map: WorkflowMap, name: str, description: str) -> WorkflowMap:
    """Rename or re-describe a map (a new version)."""
    map_ = _locked(map)
    map_.name = _name(name, "map", 160)
    map_.description = description.strip()
    map_.save(update_fields=["name", "description"])
    _save_version(map_, actor, "renamed")
    audit.record(actor=actor, action="workflows.map.update", obj=map_)
    return map_


@transaction.atomic
def map_delete(*, actor: User, map: WorkflowMap) -> None:
    """Delete a map with its drawing; refused while any of its friction points has a pilot."""
    if Pilot.objects.filter(friction__map=map).exists():
        raise DomainError("This map has pilots; their history needs it. Keep the map.")
    audit.record(actor=actor, action="workflows.map.delete", obj=map)
    map.delete()


@transaction.atomic
def lane_add(*, actor: User, map: WorkflowMap, team: Team) -> Lane:
    """Add a team's lane at the bottom."""
    map_ = _locked(map)
    if map_.lanes.filter(team=team).exists():
        raise DomainError(f"{team.name} already has a lane.", field="team")
    position = (map_.lanes.aggregate(m=Max("position"))["m"] or 0) + 1
    lane = Lane.objects.create(map=map_, team=team, position=position)
    _save_version(map_, actor, f"lane {team.name} added")
    return lane


@transaction.atomic
def lane_move(*, actor: User, lane: Lane, direction: int) -> None:
    """Move a lane up (-1) or down (+1) by swapping with its neighbour."""
    map_ = _locked(lane.map)
    lanes = list(map_.lanes.order_by("position", "id"))
    i = next(k for k, x in enumerate(lanes) if x.pk == lane.pk)
    j = i + (1 if direction > 0 else -1)
    if not 0 <= j < len(lanes):
        return
    lanes[i], lanes[j] = lanes[j], lanes[i]
    for pos, x in enumerate(lanes):
        Lane.objects.filter(pk=x.pk).update(position=pos)
    _save_version(map_, actor, f"lane {lane.team.name} moved")


@transaction.atomic
def lane_remove(*, actor: User, lane: Lane) -> None:
    """Remove an empty lane."""
    map_ = _locked(lane.map)
    if lane.steps.exists():
        raise DomainError(f"Move or delete the steps in {lane.team.name}'s lane first.")
    name = lane.team.name
    lane.delete()
    _save_version(map_, actor, f"lane {name} removed")


def _lane_on(map_: WorkflowMap, lane: Lane) -> Lane:
    if lane.map_id != map_.pk:
        raise DomainError("That lane is on another map.", field="lane")
    return lane


@transaction.atomic
def step_add(*, actor: User, map: WorkflowMap, lane: Lane, name: str) -> Step:
    """Add a step at the end of the flow in ``lane``."""
    map_ = _locked(map)
    order = (map_.steps.aggregate(m=Max("order"))["m"] or 0) + 1
    step = Step.objects.create(
        map=map_, lane=_lane_on(map_, lane), name=_name(name, "step"), order=order
    )
    _save_version(map_, actor, f"step {step.name} added")
    return step


@transaction.atomic
def step_update(*, actor: User, step: Step, name: str, lane: Lane) -> Step:
    """Rename a step or move it to another lane."""
    map_ = _locked(step.map)
    step.name = _name(name, "step")
    step.lane = _lane_on(map_, lane)
    step.save(update_fields=["name", "lane"])
    _save_version(map_, actor, f"step {step.name} changed")
    return step


@transaction.atomic
def step_move(*, actor: User, step: Step, direction: int) -> None:
    """Move a step earlier (-1) or later (+1) in the flow's order (ties in the layout)."""
    map_ = _locked(step.map)
    steps = list(map_.steps.order_by("order", "id"))
    i = next(k for k, s in enumerate(steps) if s.pk == step.pk)
    j = i + (1 if direction > 0 else -1)
    if not 0 <= j < len(steps):
        return
    steps[i], steps[j] = steps[j], steps[i]
    for pos, s in enumerate(steps, start=1):
        if s.order != pos:
            Step.objects.filter(pk=s.pk).update(order=pos)
    _save_version(map_, actor, f"step {step.name} moved")


@transaction.atomic
def step_place(*, actor: User, step: Step, lane: Lane, before: Step | None = None) -> Step:
    """Put a step in ``lane`` just before ``before`` (a step of that lane), or after the
    lane's last step: what dragging a step with the mouse does. Renumbers the flow's order."""
    map_ = _locked(step.map)
    lane = _lane_on(map_, lane)
    if before is not None and (before.map_id != map_.pk or before.lane_id != lane.pk):
        raise DomainError("Drop the step next to a step of the same lane.", field="before")
    if before is not None and before.pk == step.pk:
        return step
    steps = [s for s in map_.steps.order_by("order", "id") if s.pk != step.pk]
    if before is not None:
        at = next(i for i, s in enumerate(steps) if s.pk == before.pk)
    else:
        in_lane = [i for i, s in enumerate(steps) if s.lane_id == lane.pk]
        at = in_lane[-1] + 1 if in_lane else len(steps)
    steps.insert(at, step)
    moved_lane = step.lane_id != lane.pk
    for pos, s in enumerate(steps, start=1):
        if s.pk == step.pk:
            Step.objects.filter(pk=s.pk).update(order=pos, lane=lane)
        elif s.order != pos:
            Step.objects.filter(pk=s.pk).update(order=pos)
    step.refresh_from_db()
    where = f"to {lane.team.name}" if moved_lane else "within its lane"
    _save_version(map_, actor, f"step {step.name} moved {where}")
    return step


def _refuse_if_piloted(frictions: Any, what: str) -> None:
    if Pilot.objects.filter(friction__in=frictions).exists():
        raise DomainError(f"A pilot is tied to a friction point on this {what}; keep it.")


@transaction.atomic
def step_delete(*, actor: User, step: Step) -> None:
    """Delete a step with its transitions and friction points (not if a pilot needs them)."""
    map_ = _locked(step.map)
    _refuse_if_piloted(
        FrictionPoint.objects.filter(step=step)
        | FrictionPoint.objects.filter(transition__source=step)
        | FrictionPoint.objects.filter(transition__target=step),
        "step",
    )
    name = step.name
    step.delete()
    _save_version(map_, actor, f"step {name} deleted")


def _transition_checks(map_: WorkflowMap, source: Step, target: Step, pk: int | None) -> None:
    if source.map_id != map_.pk or target.map_id != map_.pk:
        raise DomainError("Both steps must be on this map.", field="target")
    if source.pk == target.pk:
        raise DomainError("A step cannot lead to itself.", field="target")
    clash = Transition.objects.filter(source=source, target=target)
    if pk is not None:
        clash = clash.exclude(pk=pk)
    if clash.exists():
        raise DomainError(f"{source} already leads to {target}.", field="target")


@transaction.atomic
def transition_add(
    *, actor: User, map: WorkflowMap, source: Step, target: Step, label: str = ""
) -> Transition:
    """Connect two steps; across lanes this makes a handoff point."""
    map_ = _locked(map)
    _transition_checks(map_, source, target, None)
    t = Transition.objects.create(map=map_, source=source, target=target, label=label.strip()[:120])
    _save_version(map_, actor, f"{source} → {target} added")
    return t


@transaction.atomic
def transition_update(
    *, actor: User, transition: Transition, source: Step, target: Step, label: str
) -> Transition:
    """Relabel a transition or change its ends."""
    map_ = _locked(transition.map)
    _transition_checks(map_, source, target, transition.pk)
    transition.source, transition.target = source, target
    transition.label = label.strip()[:120]
    transition.save(update_fields=["source", "target", "label"])
    if source.lane_id == target.lane_id:
        transition.links.all().delete()  # not a handoff point any more
    _save_version(map_, actor, f"{source} → {target} changed")
    return transition


@transaction.atomic
def transition_delete(*, actor: User, transition: Transition) -> None:
    map_ = _locked(transition.map)
    _refuse_if_piloted(FrictionPoint.objects.filter(transition=transition), "transition")
    what = str(transition)
    transition.delete()
    _save_version(map_, actor, f"{what} deleted")


@transaction.atomic
def transition_link_rule(*, actor: User, transition: Transition, rule: Any) -> HandoffLink:
    """Link a handoff rule that automates this handoff point. Idempotent."""
    map_ = _locked(transition.map)
    if transition.source.lane_id == transition.target.lane_id:
        raise DomainError(
            "Only a handoff point (a transition between lanes) is automated by a rule.",
            field="rule",
        )
    link, created = HandoffLink.objects.get_or_create(transition=transition, rule=rule)
    if created:
        _save_version(map_, actor, f"rule {rule.name} linked to {transition}")
        audit.record(
            actor=actor,
            action="workflows.handoff_point.link_rule",
            obj=transition,
            changes={"rule": rule.pk},
        )
    return link


@transaction.atomic
def transition_unlink_rule(*, actor: User, transition: Transition, rule_id: int) -> None:
    map_ = _locked(transition.map)
    deleted, _ = HandoffLink.objects.filter(transition=transition, rule_id=rule_id).delete()
    if deleted:
        _save_version(map_, actor, f"rule unlinked from {transition}")


# --- Friction points --------------------------------------------------------------------------


def _friction_fields(kind: str, severity: int, status: str | None = None) -> None:
    if kind not in FrictionPoint.Kind.values:
        raise DomainError("Choose what kind of friction this is.", field="kind")
    if severity not in (1, 2, 3):
        raise DomainError("Severity is low, medium or high.", field="severity")
    if status is not None and status not in FrictionPoint.Status.values:
        raise DomainError("Unknown status.", field="status")


@transaction.atomic
def friction_add(
    *,
    actor: User,
    map: WorkflowMap,
    step: Step | None = None,
    transition: Transition | None = None,
    kind: str,
    severity: int = 2,
    notes: str = "",
    owner_team: Team | None = None,
) -> FrictionPoint:
    """Mark a friction point on a step or on a handoff point."""
    if (step is None) == (transition is None):
        raise DomainError("Mark the friction on one step or one handoff point.", field="where")
    target = step or transition
    assert target is not None  # noqa: S101 - checked just above
    if target.map_id != map.pk:
        raise DomainError("That is on another map.", field="where")
    _friction_fields(kind, severity)
    friction = FrictionPoint.objects.create(
        map=map,
        step=step,
        transition=transition,
        kind=kind,
        severity=severity,
        notes=notes.strip(),
        owner_team=owner_team,
        created_by=actor,
    )
    WorkflowMap.objects.filter(pk=map.pk).update(updated_at=timezone.now())
    audit.record(actor=actor, action="workflows.friction.create", obj=friction)
    return friction


@transaction.atomic
def friction_update(
    *,
    actor: User,
    friction: FrictionPoint,
    kind: str,
    severity: int,
    notes: str,
    owner_team: Team | None,
    status: str,
) -> FrictionPoint:
    _friction_fields(kind, severity, status)
    before = {"status": friction.status, "severity": friction.severity, "kind": friction.kind}
    friction.kind, friction.severity, friction.notes = kind, severity, notes.strip()
    friction.owner_team, friction.status = owner_team, status
    friction.resolved_at = timezone.now() if status == "resolved" else None
    friction.save()
    audit.record(actor=actor, action="workflows.friction.update", obj=friction, changes=before)
    return friction


@transaction.atomic
def friction_delete(*, actor: User, friction: FrictionPoint) -> None:
    _refuse_if_piloted(FrictionPoint.objects.filter(pk=friction.pk), "friction point")
    audit.record(actor=actor, action="workflows.friction.delete", obj=friction)
    friction.delete()


# --- Import and restore -----------------------------------------------------------------------


def _parse(raw: Any) -> exchange.Parsed:
    teams = {t.name: t for t in Team.objects.all()}
    rules = {r.pk: r for r in selectors.linkable_rules()}
    return exchange.parse(raw, teams_by_name=teams, rules_by_id=rules)


def _apply(map_: WorkflowMap, parsed: exchange.Parsed, *, keep_ids: bool) -> dict[str, Step]:
    """Make the map's drawing what ``parsed`` says. With ``keep_ids`` a step whose id is
    ``s<pk>`` of a step on this map keeps that row (and its friction points)."""
    lanes = {lane.team_id: lane for lane in map_.lanes.all()}
    for pos, team in enumerate(parsed.lanes):
        if team.pk in lanes:
            Lane.objects.filter(pk=lanes[team.pk].pk).update(position=pos)
        else:
            lanes[team.pk] = Lane.objects.create(map=map_, team=team, position=pos)
    existing = {f"s{s.pk}": s for s in map_.steps.all()} if keep_ids else {}
    wanted = {s["id"] for s in parsed.steps}
    gone = [s for sid, s in existing.items() if sid not in wanted]
    if gone:
        _refuse_if_piloted(
            FrictionPoint.objects.filter(step__in=gone)
            | FrictionPoint.objects.filter(transition__source__in=gone)
            | FrictionPoint.objects.filter(transition__target__in=gone),
            "map's steps",
        )
        Step.objects.filter(pk__in=[s.pk for s in gone]).delete()
    steps: dict[str, Step] = {}
    for s in parsed.steps:
        lane = lanes[s["team"].pk]
        row = existing.get(s["id"])
        if row is not None:
            Step.objects.filter(pk=row.pk).update(lane=lane, name=s["name"], order=s["order"])
            row.lane, row.name, row.order = lane, s["name"], s["order"]
            steps[s["id"]] = row
        else:
            steps[s["id"]] = Step.objects.create(
                map=map_, lane=lane, name=s["name"], order=s["order"]
            )
    current = {(t.source_id, t.target_id): t for t in map_.transitions.all()}
    keep: set[int] = set()
    for t in parsed.transitions:
        a, b = steps[t["from"]], steps[t["to"]]
        edge = current.get((a.pk, b.pk))
        if edge is None:
            edge = Transition.objects.create(map=map_, source=a, target=b, label=t["label"])
        elif edge.label != t["label"]:
            Transition.objects.filter(pk=edge.pk).update(label=t["label"])
        keep.add(edge.pk)
        rule_ids = {r.pk for r in t["rules"]} if a.lane_id != b.lane_id else set()
        HandoffLink.objects.filter(transition=edge).exclude(rule_id__in=rule_ids).delete()
        for rule_id in rule_ids:
            HandoffLink.objects.get_or_create(transition=edge, rule_id=rule_id)
    extra = map_.transitions.exclude(pk__in=keep)
    _refuse_if_piloted(FrictionPoint.objects.filter(transition__in=extra), "map's transitions")
    extra.delete()
    wanted_teams = {t.pk for t in parsed.lanes}
    map_.lanes.exclude(team_id__in=wanted_teams).delete()
    return steps


@transaction.atomic
def map_import(*, actor: User, raw: Any) -> WorkflowMap:
    """A new map from an exported JSON document. Bad input raises DomainError and writes nothing."""
    parsed = _parse(raw)
    map_ = WorkflowMap.objects.create(
        name=parsed.name, description=parsed.description, created_by=actor
    )
    steps = _apply(map_, parsed, keep_ids=False)
    transitions = {(t.source_id, t.target_id): t for t in map_.transitions.all()}
    for f in parsed.frictions:
        on = f["on"]
        step = steps[on] if isinstance(on, str) else None
        transition = None if step else transitions[(steps[on["from"]].pk, steps[on["to"]].pk)]
        FrictionPoint.objects.create(
            map=map_,
            step=step,
            transition=transition,
            kind=f["kind"],
            severity=f["severity"],
            status=f["status"],
            notes=f["notes"],
            owner_team=f["owner_team"],
            created_by=actor,
        )
    _save_version(map_, actor, "imported")
    audit.record(actor=actor, action="workflows.map.import", obj=map_)
    return map_


@transaction.atomic
def map_restore(*, actor: User, map: WorkflowMap, number: int) -> MapVersion:
    """Make the drawing what version ``number`` was; saved as a new version."""
    map_ = _locked(map)
    version = map_.versions.filter(number=number).first()
    if version is None:
        raise DomainError(f"This map has no version {number}.", field="number")
    _apply(map_, _parse(version.snapshot), keep_ids=True)
    map_.name = version.snapshot.get("name", map_.name)
    map_.save(update_fields=["name"])
    saved = _save_version(map_, actor, f"restored version {number}")
    audit.record(actor=actor, action="workflows.map.restore", obj=map_, changes={"version": number})
    return saved


# --- Pilots -----------------------------------------------------------------------------------


@transaction.atomic
def pilot_start(
    *,
    actor: User,
    friction: FrictionPoint,
    title: str,
    hypothesis: str,
    fix: str,
    metric: str,
    owner_teams: list[Team],
    starts_on: date,
    fix_rule: Any = None,
    days: int = PILOT_DAYS,
) -> Pilot:
    """Start a pilot on a friction point: a ``days``-long window from ``starts_on``."""
    if not hypothesis.strip():
        raise DomainError("Say what you expect the fix to change.", field="hypothesis")
    if not fix.strip():
        raise DomainError("Describe the cross-team fix.", field="fix")
    if not kpi_source.is_known(metric):
        raise DomainError("Choose the KPI that should move.", field="metric")
    if not owner_teams:
        raise DomainError("Name at least one owner team.", field="owner_teams")
    if friction.status in ("resolved", "dropped"):
        raise DomainError("This friction point is closed; reopen it to pilot a fix.")
    if friction.pilots.exclude(status=Pilot.Status.DECIDED).exists():
        raise DomainError("A pilot on this friction point is still running or awaiting review.")
    pilot = Pilot.objects.create(
        friction=friction,
        title=_name(title, "pilot", 160),
        hypothesis=hypothesis.strip(),
        fix=fix.strip(),
        fix_rule=fix_rule,
        metric=metric,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=days - 1),
        created_by=actor,
    )
    pilot.owner_teams.set(owner_teams)
    FrictionPoint.objects.filter(pk=friction.pk).update(status=FrictionPoint.Status.PILOTING)
    audit.record(actor=actor, action="workflows.pilot.start", obj=pilot)
    pilot_writeup_page_ensure(actor=actor, pilot=pilot)
    return pilot


def pilots_schedule_reviews(*, now: datetime | None = None) -> int:
    """Pilots whose window has ended get their review: each is claimed once (a conditional
    update), every owner team is told, the review goes on the next meeting of every standup
    series an owner team is in, and ``workflows.pilot.review_due`` is recorded (rules may act
    on it too). Safe to run twice."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = list(
        Pilot.objects.filter(status=Pilot.Status.RUNNING, ends_on__lt=today).values_list(
            "pk", flat=True
        )
    )
    scheduled = 0
    for pk in due:
        with transaction.atomic():
            claimed = Pilot.objects.filter(pk=pk, status=Pilot.Status.RUNNING).update(
                status=Pilot.Status.REVIEW, review_scheduled_at=now
            )
            if not claimed:
                continue
            pilot = Pilot.objects.select_related("friction__map").get(pk=pk)
            _announce_review(pilot, now)
            scheduled += 1
    return scheduled


def _announce_review(pilot: Pilot, now: datetime) -> None:
    link = pilot.get_absolute_url()
    for team in pilot.owner_teams.all():
        handoff_services.notify(
            to=team,
            title=f"Pilot review due: {pilot.title}",
            body=(
                f"The two weeks of “{pilot.title}” are over. Look at before and during, and "
                "decide together: adopt, adjust and rerun, or drop."
            ),
            link=link,
            link_label="Open the review",
            dedupe_key=f"workflows.pilot.review:{pilot.pk}:{team.pk}",
            now=now,
        )
    recorded = events.record(
        "workflows",
        "workflows.pilot.review_due",
        f"pilot:{pilot.pk}:review_due",
        {
            "pilot_id": pilot.pk,
            "title": pilot.title,
            "map_id": pilot.friction.map_id,
            "metric": pilot.metric,
            "owner_teams": [t.name for t in pilot.owner_teams.all()],
            "ends_on": pilot.ends_on.isoformat(),
            "url": link,
        },
        occurred_at=now,
        subject=f"pilot:{pilot.pk}",
    )
    _review_on_standup_agenda(pilot, recorded.event, now)


def _review_on_standup_agenda(pilot: Pilot, event: Any, now: datetime) -> int:
    """Put the review on the next meeting of every standup series of the owner teams, once per
    meeting (agenda items are unique per meeting and event). Returns the items added."""
    teams = list(pilot.owner_teams.order_by("name"))
    added = 0
    for series in standup_selectors.series_of_teams([t.pk for t in teams]):
        meeting = standup_selectors.next_meeting(series, now)
        if meeting is None:
            standup_services.meetings_generate(now=now, series=series)
            meeting = standup_selectors.next_meeting(series, now)
        if meeting is None:
            continue
        in_series = {t.pk for t in standup_selectors.series_teams(series)}
        bringer = next((t for t in teams if t.pk in in_series), None)
        standup_services.agenda_item_add(
            meeting=meeting,
            title=f"Pilot review: {pilot.title}",
            body=(
                f"The two weeks are over ({pilot.starts_on:%d %b} – {pilot.ends_on:%d %b}). "
                f"Look at before and during and decide: adopt, adjust and rerun, or drop. "
                f"{pilot.get_absolute_url()}"
            ),
            team=bringer,
            event=event,
        )
        added += 1
    return added


def pilot_review_open(*, pilot_id: Any, now: datetime | None = None) -> str:
    """Open a pilot's review (for the rule action): its owner teams are told once."""
    pilot = Pilot.objects.filter(pk=pilot_id).first() if str(pilot_id).isdigit() else None
    if pilot is None:
        raise DomainError("The event names no pilot (payload.pilot_id).")
    now = now or timezone.now()
    if pilot.status == Pilot.Status.RUNNING:
        Pilot.objects.filter(pk=pilot.pk, status=Pilot.Status.RUNNING).update(
            status=Pilot.Status.REVIEW, review_scheduled_at=now
        )
    for team in pilot.owner_teams.all():
        handoff_services.notify(
            to=team,
            title=f"Review the pilot “{pilot.title}”",
            body="Before and during are on the review page; the decision is yours.",
            link=pilot.get_absolute_url(),
            link_label="Open the review",
            dedupe_key=f"workflows.pilot.review_open:{pilot.pk}:{team.pk}",
            now=now,
        )
    names = ", ".join(t.name for t in pilot.owner_teams.all())
    return f"Opened the review of “{pilot.title}” for {names}."


@transaction.atomic
def pilot_decide(
    *, actor: User, pilot: Pilot, decision: str, notes: str = "", writeup: str | None = None
) -> Pilot:
    """Record the decision and freeze the numbers it was taken on. Adopting resolves the
    friction point; adjusting or dropping reopens it."""
    if decision not in Pilot.Decision.values:
        raise DomainError("Decide: adopt, adjust and rerun, or drop.", field="decision")
    locked = Pilot.objects.select_for_update().get(pk=pilot.pk)
    if locked.status == Pilot.Status.DECIDED:
        raise DomainError("This pilot has been decided already.")
    today = timezone.localdate()
    if today <= locked.ends_on and locked.status == Pilot.Status.RUNNING:
        raise DomainError(
            f"The pilot runs until {locked.ends_on:%d %b}; decide at its review.",
            field="decision",
        )
    result = selectors.pilot_result(locked, today)
    locked.result = result.as_json() if result else {}
    locked.decision = decision
    locked.decision_notes = notes.strip()
    locked.status = Pilot.Status.DECIDED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save()
    friction_status = (
        FrictionPoint.Status.RESOLVED
        if decision == Pilot.Decision.ADOPT
        else FrictionPoint.Status.OPEN
    )
    FrictionPoint.objects.filter(pk=locked.friction_id).update(
        status=friction_status,
        resolved_at=locked.decided_at if decision == Pilot.Decision.ADOPT else None,
    )
    audit.record(
        actor=actor, action="workflows.pilot.decide", obj=locked, changes={"decision": decision}
    )
    if writeup and writeup.strip():
        _writeup_append(actor, locked, "At the decision", writeup)
    return locked


def _writeup_page(pilot: Pilot) -> Any:
    return wiki_selectors.page_get(pilot.writeup_page_id) if pilot.writeup_page_id else None


@transaction.atomic
def pilot_writeup_page_ensure(*, actor: User, pilot: Pilot) -> Any:
    """The pilot's write-up: a docs page from the pilot template in the first owner team's
    space, linked both ways (the pilot names the page; the page shows the pilot). Text of the
    write-up field of pilots from before docs moves into the page, as its own revision.
    Idempotent: returns the existing page."""
    existing = _writeup_page(pilot)
    if existing is not None:
        return existing
    locked = (
        Pilot.objects.select_for_update(of=("self",))
        .select_related("friction__map")
        .get(pk=pilot.pk)
    )
    page = _writeup_page(locked)
    if page is not None:
        return page
    team = locked.owner_teams.order_by("name").first()
    if team is None:
        raise DomainError("The pilot has no owner team to keep its write-up.")
    link = f"[{locked.get_absolute_url()}]({locked.get_absolute_url()})"
    page = wiki_services.page_create_from_template(
        actor=actor,
        space=wiki_services.space_for_team(team),
        template="pilot",
        title=f"Pilot write-up: {locked.title}"[:200],
        context={
            "summary": f"{locked.friction} on “{locked.friction.map.name}”. Pilot: {link}\n\n"
            f"**Hypothesis:** {locked.hypothesis}\n\n**Fix:** {locked.fix}",
            "dates": f"{locked.starts_on:%d %b %Y} – {locked.ends_on:%d %b %Y}",
            "owner_teams": [t.name for t in locked.owner_teams.order_by("name")],
            "metric": kpi_source.metric_label(locked.metric),
        },
        owner_team=team,
    )
    Pilot.objects.filter(pk=locked.pk).update(writeup_page=page, writeup="")
    pilot.writeup_page_id = page.pk
    if locked.writeup.strip():
        pilot.writeup = ""
        page = _writeup_append(actor, locked, "Write-up", locked.writeup, page=page)
    audit.record(actor=actor, action="workflows.pilot.writeup_page", obj=locked)
    return page


def _writeup_append(actor: User, pilot: Pilot, heading: str, text: str, page: Any = None) -> Any:
    page = page or pilot_writeup_page_ensure(actor=actor, pilot=pilot)
    saved = wiki_services.page_save(
        actor=actor,
        page=page,
        title=page.title,
        body=f"{page.body.rstrip()}\n\n## {heading}\n{text.strip()}\n",
        base_number=page.revision_number,
        note=f"{heading} of the pilot",
    )
    return saved.page

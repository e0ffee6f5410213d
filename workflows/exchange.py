"""A map as JSON (export, import, version snapshots): the format and its validation.

``parse`` checks everything before anything is written, and says in words what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hub.errors import DomainError

if TYPE_CHECKING:
    from workflows.selectors import MapData

FORMAT = "crossdock.workflow-map"
FORMAT_VERSION = 1
MAX_STEPS = 500
MAX_TRANSITIONS = 2000
KINDS = ["delay", "duplicate", "missing", "manual", "unclear"]
STATUSES = ["open", "piloting", "resolved", "dropped"]


def export(data: MapData, *, with_frictions: bool = True) -> dict[str, Any]:
    """The map as plain JSON. Step ids are ``s<id>``; teams and rules go by name and id."""
    lane_team = {lane.pk: lane.team.name for lane in data.lanes}
    sid = {s.pk: f"s{s.pk}" for s in data.steps}
    out: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": data.map.name,
        "description": data.map.description,
        "lanes": [{"team": lane.team.name} for lane in data.lanes],
        "steps": [
            {"id": sid[s.pk], "lane": lane_team[s.lane_id], "name": s.name, "order": s.order}
            for s in data.steps
        ],
        "transitions": [
            {
                "from": sid[t.source_id],
                "to": sid[t.target_id],
                "label": t.label,
                "rules": [{"id": link.rule_id, "name": link.rule.name} for link in t.links.all()],
            }
            for t in data.transitions
        ],
    }
    if with_frictions:
        out["frictions"] = [
            {
                "on": _on(f, sid),
                "kind": f.kind,
                "severity": f.severity,
                "notes": f.notes,
                "owner_team": f.owner_team.name if f.owner_team else None,
                "status": f.status,
            }
            for f in data.frictions
        ]
    return out


def _on(friction: Any, sid: dict[int, str]) -> str | dict[str, str]:
    """Where a friction point sits: a step id, or the ends of its transition."""
    if friction.step_id:
        return sid[friction.step_id]
    return {"from": sid[friction.transition.source_id], "to": sid[friction.transition.target_id]}


@dataclass
class Parsed:
    name: str
    description: str
    lanes: list[Any]  # Team rows, in order
    steps: list[dict[str, Any]]  # {"id", "team", "name", "order"}
    transitions: list[dict[str, Any]]  # {"from", "to", "label", "rules": [Rule]}
    frictions: list[dict[str, Any]] = field(default_factory=list)


def _fail(message: str, where: str = "") -> DomainError:
    return DomainError(f"{where}: {message}" if where else message, field="file")


def _text(value: Any, where: str, *, limit: int, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise _fail("must be text", where)
    value = value.strip()
    if required and not value:
        raise _fail("must not be empty", where)
    if len(value) > limit:
        raise _fail(f"is longer than {limit} characters", where)
    return value


def parse(raw: Any, *, teams_by_name: dict[str, Any], rules_by_id: dict[int, Any]) -> Parsed:
    """Validate an exported map. Raises DomainError naming the first problem found."""
    if not isinstance(raw, dict):
        raise _fail("The file is not a Crossdock map: expected a JSON object.")
    if raw.get("format") not in (None, FORMAT):
        raise _fail(f"The file is a {raw.get('format')!r}, not a {FORMAT}.")
    name = _text(raw.get("name"), "name", limit=160)
    description = _text(raw.get("description", ""), "description", limit=5000, required=False)
    for key in ("lanes", "steps", "transitions"):
        if not isinstance(raw.get(key), list):
            raise _fail(f"'{key}' must be a list.")
    if len(raw["steps"]) > MAX_STEPS:
        raise _fail(f"A map holds at most {MAX_STEPS} steps.")
    if len(raw["transitions"]) > MAX_TRANSITIONS:
        raise _fail(f"A map holds at most {MAX_TRANSITIONS} transitions.")
    lookup = {k.casefold(): v for k, v in teams_by_name.items()}
    lanes: list[Any] = []
    for i, lane in enumerate(raw["lanes"]):
        where = f"lanes[{i}]"
        team_name = _text(lane.get("team") if isinstance(lane, dict) else None, where, limit=80)
        team = lookup.get(team_name.casefold())
        if team is None:
            raise _fail(f"no team is called {team_name!r}; add the team first", where)
        if team in lanes:
            raise _fail(f"{team_name} has two lanes", where)
        lanes.append(team)
    lane_names = {t.name.casefold(): t for t in lanes}
    steps: list[dict[str, Any]] = []
    ids: set[str] = set()
    for i, step in enumerate(raw["steps"]):
        where = f"steps[{i}]"
        if not isinstance(step, dict):
            raise _fail("must be an object", where)
        sid = _text(step.get("id"), f"{where}.id", limit=40)
        if sid in ids:
            raise _fail(f"the id {sid!r} is used twice", where)
        ids.add(sid)
        lane_name = _text(step.get("lane"), f"{where}.lane", limit=80)
        team = lane_names.get(lane_name.casefold())
        if team is None:
            raise _fail(f"lane {lane_name!r} is not in 'lanes'", where)
        order = step.get("order", i)
        if not isinstance(order, int) or isinstance(order, bool) or order < 0:
            raise _fail("order must be a whole number, 0 or more", where)
        steps.append(
            {
                "id": sid,
                "team": team,
                "name": _text(step.get("name"), f"{where}.name", limit=120),
                "order": order,
            }
        )
    transitions: list[dict[str, Any]] = []
    pairs: set[tuple[str, str]] = set()
    for i, t in enumerate(raw["transitions"]):
        where = f"transitions[{i}]"
        if not isinstance(t, dict):
            raise _fail("must be an object", where)
        a, b = t.get("from"), t.get("to")
        if a not in ids or b not in ids:
            raise _fail("'from' and 'to' must be ids of steps in the file", where)
        if a == b:
            raise _fail("a step cannot lead to itself", where)
        if (a, b) in pairs:
            raise _fail(f"{a} → {b} appears twice", where)
        pairs.add((a, b))
        rules = []
        for r in t.get("rules") or []:
            rule_id = r.get("id") if isinstance(r, dict) else r
            rule = rules_by_id.get(rule_id) if isinstance(rule_id, int) else None
            if rule is None:
                raise _fail(f"no handoff rule has id {rule_id!r}", where)
            rules.append(rule)
        transitions.append(
            {
                "from": a,
                "to": b,
                "label": _text(t.get("label", ""), f"{where}.label", limit=120, required=False),
                "rules": rules,
            }
        )
    frictions: list[dict[str, Any]] = []
    for i, f in enumerate(raw.get("frictions") or []):
        where = f"frictions[{i}]"
        if not isinstance(f, dict):
            raise _fail("must be an object", where)
        on = f.get("on")
        if isinstance(on, str):
            if on not in ids:
                raise _fail(f"step {on!r} is not in the file", where)
        elif isinstance(on, dict):
            if (on.get("from"), on.get("to")) not in pairs:
                raise _fail("'on' names no transition in the file", where)
        else:
            raise _fail("'on' must be a step id or {'from': …, 'to': …}", where)
        if f.get("kind") not in KINDS:
            raise _fail(f"kind must be one of {', '.join(KINDS)}", where)
        severity = f.get("severity", 2)
        if severity not in (1, 2, 3):
            raise _fail("severity must be 1, 2 or 3", where)
        status = f.get("status", "open")
        if status not in STATUSES:
            raise _fail(f"status must be one of {', '.join(STATUSES)}", where)
        owner = None
        if f.get("owner_team"):
            owner = lookup.get(str(f["owner_team"]).casefold())
            if owner is None:
                raise _fail(f"no team is called {f['owner_team']!r}", where)
        frictions.append(
            {
                "on": on,
                "kind": f["kind"],
                "severity": severity,
                # A pilot does not travel with the file, so a piloted point arrives open.
                "status": "open" if status == "piloting" else status,
                "notes": _text(f.get("notes", ""), f"{where}.notes", limit=5000, required=False),
                "owner_team": owner,
            }
        )
    return Parsed(name, description, lanes, steps, transitions, frictions)

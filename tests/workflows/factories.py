"""Helpers that draw maps through the services, as people do."""

from __future__ import annotations

import itertools

from hub.models import Team
from workflows import services

DEMO_FLOW = [
    ("Marketing", "Lead generation"),
    ("Marketing", "Signup"),
    ("Operations", "First order"),
    ("Operations", "Dispatch"),
    ("Operations", "Delivery"),
    ("Customer Support", "Feedback"),
    ("Marketing", "Campaign refinement"),
]


def team(name: str) -> Team:
    team, _ = Team.objects.get_or_create(
        name=name, defaults={"slug": name.lower().replace(" ", "-")}
    )
    return team


def draw(actor, steps=DEMO_FLOW, *, name="Lead to feedback", loop=True):
    """A map with one step per (team, name), chained in order (and closed into a loop)."""
    team_names = list(dict.fromkeys(t for t, _ in steps))
    map_ = services.map_create(actor=actor, name=name, teams=[team(t) for t in team_names])
    lanes = {lane.team.name: lane for lane in map_.lanes.select_related("team")}
    made = [services.step_add(actor=actor, map=map_, lane=lanes[t], name=n) for t, n in steps]
    for a, b in itertools.pairwise(made):
        services.transition_add(actor=actor, map=map_, source=a, target=b)
    if loop and len(made) > 2:
        services.transition_add(
            actor=actor, map=map_, source=made[-1], target=made[0], label="next campaign"
        )
    map_.refresh_from_db()
    return map_, made

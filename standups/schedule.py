"""Pure time arithmetic for standups: when meetings fall, who chairs a month, how the minutes
are split. No ORM, no clock: callers pass ``now``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, month: date) -> int:
    return (month.year - start.year) * 12 + (month.month - start.month)


def chair_index(rotation_start: date, month: date, teams: int) -> int | None:
    """Position (in chair order) of the team chairing ``month``; each team chairs one month."""
    if teams <= 0:
        return None
    return months_between(month_start(rotation_start), month_start(month)) % teams


def occurrences(
    *, weekday: int, at: time, tz: ZoneInfo, now: datetime, weeks: int
) -> list[datetime]:
    """The aware starts of the next ``weeks`` meetings from ``now`` (a meeting already under way
    today counts), in the series' time zone so daylight saving keeps the local hour."""
    local_today = now.astimezone(tz).date()
    ahead = (weekday - local_today.weekday()) % 7
    first = local_today + timedelta(days=ahead)
    starts = [datetime.combine(first + timedelta(weeks=n), at, tzinfo=tz) for n in range(weeks)]
    return starts


@dataclass(frozen=True)
class Turn:
    """One team's slot in the room view."""

    index: int
    seconds: int  # the fair share plus whatever the chair added
    deadline: datetime | None  # when the slot runs out; None before the meeting starts


def fair_share_seconds(duration_minutes: int, teams: int) -> int:
    """The meeting's minutes split evenly across its teams (at least one minute each)."""
    if teams <= 0:
        return duration_minutes * 60
    return max(60, (duration_minutes * 60) // teams)


def current_turn(
    *,
    duration_minutes: int,
    teams: int,
    turn: int,
    turn_started_at: datetime | None,
    extra_seconds: int,
) -> Turn:
    seconds = fair_share_seconds(duration_minutes, teams) + extra_seconds
    deadline = turn_started_at + timedelta(seconds=seconds) if turn_started_at else None
    return Turn(index=turn, seconds=seconds, deadline=deadline)


_WORD = re.compile(r"[a-z0-9]+")


def blocker_key(text: str) -> str:
    """Lower-case words, so "Promo codes not in Onfleet!" and "promo codes not in onfleet"
    are the same blocker raised twice."""
    return " ".join(_WORD.findall(text.lower()))[:300]


def is_running_long(durations: Sequence[int | None], planned: int, *, weeks: int = 3) -> bool:
    """True when each of the last ``weeks`` recorded meetings ran over the planned minutes."""
    recorded = [d for d in durations if d is not None][:weeks]
    return len(recorded) >= weeks and all(d > planned for d in recorded)

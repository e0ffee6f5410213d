"""Reads of standups, aware of who is asking.

For other modules: ``review_blockers(month)`` (the monthly KPI review's blockers section) and
``firefighting_hours_by_week`` in ``standups.metrics`` (the "manual hours/week" source).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from hub import roles
from hub.models import Membership, Team, User
from standups import schedule
from standups.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Blocker,
    ChairSwap,
    Decision,
    Meeting,
    Series,
    SeriesTeam,
    Update,
)

# --- Permissions ----------------------------------------------------------------------------


def _require_member(user: User) -> None:
    if not roles.is_member(user):
        raise PermissionDenied


def series_list(user: User) -> QuerySet[Series]:
    _require_member(user)
    return Series.objects.prefetch_related(
        Prefetch("members", queryset=SeriesTeam.objects.select_related("team"))
    ).order_by("-active", "name")


def get_series_for_user(user: User, pk: int, *, write: bool = False) -> Series:
    """Members read a series; only admins change it (PermissionDenied), 404 if there is none."""
    _require_member(user)
    if write and not roles.is_admin(user):
        raise PermissionDenied
    series = Series.objects.filter(pk=pk).first()
    if series is None:
        raise Http404("No such standup.")
    return series


def can_run(user: User, meeting: Meeting) -> bool:
    """The chair team's members and admins run the meeting (start, next, extend, end, notes)."""
    if roles.is_admin(user):
        return True
    return meeting.chair_id is not None and (
        Membership.objects.filter(user=user, team_id=meeting.chair_id).exists()
    )


def can_contribute(user: User, meeting: Meeting) -> bool:
    """Members of the series' teams and admins put items on the agenda."""
    if roles.is_admin(user):
        return True
    return Membership.objects.filter(
        user=user,
        team_id__in=SeriesTeam.objects.filter(series_id=meeting.series_id).values("team_id"),
    ).exists()


def get_meeting_for_user(
    user: User, pk: int, *, run: bool = False, contribute: bool = False
) -> Meeting:
    """Members read every meeting; ``run=True`` also requires the chair's team or an admin,
    ``contribute=True`` a team of the series or an admin."""
    _require_member(user)
    meeting = Meeting.objects.select_related("series", "chair").filter(pk=pk).first()
    if meeting is None:
        raise Http404("No such meeting.")
    if run and not can_run(user, meeting):
        raise PermissionDenied
    if contribute and not can_contribute(user, meeting):
        raise PermissionDenied
    return meeting


def removable_agenda_items(user: User, meeting: Meeting, items: list[AgendaItem]) -> set[int]:
    """The ids among ``items`` that ``user`` may take off the agenda: their own, or any as the
    chair's team or an admin."""
    if meeting.status == Meeting.Status.ENDED:
        return set()
    if can_run(user, meeting):
        return {i.pk for i in items}
    return {i.pk for i in items if i.created_by_id == user.pk}


def get_agenda_item_for_user(user: User, pk: int, *, remove: bool = False) -> AgendaItem:
    """Members read agenda items; ``remove=True`` requires its author, the chair's team or an
    admin."""
    _require_member(user)
    item = AgendaItem.objects.select_related("meeting__series", "team").filter(pk=pk).first()
    if item is None:
        raise Http404("No such agenda item.")
    if remove and item.created_by_id != user.pk and not can_run(user, item.meeting):
        raise PermissionDenied
    return item


def agenda_item_list(user: User, *, meeting_id: int | None = None) -> QuerySet[AgendaItem]:
    """Agenda items newest first."""
    _require_member(user)
    qs = AgendaItem.objects.select_related("team", "created_by")
    if meeting_id is not None:
        qs = qs.filter(meeting_id=meeting_id)
    return qs.order_by("-id")


def can_close_action_item(user: User, item: ActionItem) -> bool:
    """Its owner, its team, the chair of its meeting, or an admin marks it done."""
    if roles.is_admin(user) or item.owner_id == user.pk:
        return True
    allowed = {item.owner_team_id, item.meeting.chair_id} - {None}
    return Membership.objects.filter(user=user, team_id__in=allowed).exists()


def closable_action_items(user: User, items: list[ActionItem]) -> set[int]:
    """The ids among ``items`` that ``user`` may mark done or reopen, in one query."""
    if roles.is_admin(user):
        return {i.pk for i in items}
    mine = set(Membership.objects.filter(user=user).values_list("team_id", flat=True))
    return {
        i.pk
        for i in items
        if i.owner_id == user.pk or i.owner_team_id in mine or i.meeting.chair_id in mine
    }


def get_action_item_for_user(user: User, pk: int, *, close: bool = False) -> ActionItem:
    """Members read action items; ``close=True`` requires :func:`can_close_action_item`."""
    _require_member(user)
    item = (
        ActionItem.objects.select_related("meeting__series", "owner_team", "owner", "done_by")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404("No such action item.")
    if close and not can_close_action_item(user, item):
        raise PermissionDenied
    return item


def get_blocker_for_user(user: User, pk: int) -> Blocker:
    """A blocker may be resolved by its own team, the team it needs, the chair, or an admin."""
    _require_member(user)
    blocker = Blocker.objects.select_related("meeting", "handoff").filter(pk=pk).first()
    if blocker is None:
        raise Http404("No such blocker.")
    if roles.is_admin(user):
        return blocker
    allowed = {blocker.team_id, blocker.needs_team_id, blocker.meeting.chair_id}
    if not Membership.objects.filter(user=user, team_id__in=allowed).exists():
        raise PermissionDenied
    return blocker


def postable_teams(user: User, meeting: Meeting) -> list[Team]:
    """The series' teams ``user`` may post an update for (their own)."""
    qs = Team.objects.filter(
        pk__in=SeriesTeam.objects.filter(series_id=meeting.series_id).values("team_id")
    )
    if not user.is_superuser:
        qs = qs.filter(memberships__user=user)
    return list(qs.order_by("name"))


# --- Series, chairs, meetings -------------------------------------------------------------


def series_teams(series: Series) -> list[Team]:
    """The series' teams in chair order (also the order of turns in the meeting)."""
    return [m.team for m in SeriesTeam.objects.filter(series=series).select_related("team")]


def meeting_month(meeting: Meeting) -> date:
    return schedule.month_start(timezone.localtime(meeting.scheduled_at, meeting.series.tz).date())


def chair_for(series: Series, month: date) -> Team | None:
    """The team chairing ``month``: a swap if the admin made one, else the rotation."""
    month = schedule.month_start(month)
    swap = ChairSwap.objects.filter(series=series, month=month).select_related("team").first()
    if swap is not None:
        return swap.team
    teams = series_teams(series)
    index = schedule.chair_index(series.rotation_start, month, len(teams))
    return teams[index] if index is not None else None


def chair_calendar(series: Series, today: date, months: int = 6) -> list[tuple[date, Team | None]]:
    """(month, chair) for this month and the next ones."""
    first = schedule.month_start(today)
    return [
        (m, chair_for(series, m)) for m in (schedule.add_months(first, i) for i in range(months))
    ]


def next_meeting(series: Series, now: datetime) -> Meeting | None:
    """The running meeting, else the next one to start."""
    return (
        series.meetings.exclude(status=Meeting.Status.ENDED)
        .filter(Q(status=Meeting.Status.RUNNING) | Q(scheduled_at__gte=now - timedelta(hours=2)))
        .select_related("series", "chair")
        .order_by("-status", "scheduled_at")  # "running" sorts before "scheduled"
        .first()
    )


def series_overview(user: User, now: datetime) -> list[tuple[Series, Meeting | None]]:
    """Every series with its running or next meeting, in two queries."""
    series = list(series_list(user))
    soonest: dict[int, Meeting] = {}
    for meeting in (
        Meeting.objects.filter(series__in=series)
        .filter(Q(status=Meeting.Status.RUNNING) | Q(scheduled_at__gte=now - timedelta(hours=2)))
        .exclude(status=Meeting.Status.ENDED)
        .select_related("chair")
        .order_by("-status", "scheduled_at")  # "running" sorts before "scheduled"
    ):
        soonest.setdefault(meeting.series_id, meeting)
    return [(s, soonest.get(s.pk)) for s in series]


def upcoming_meetings(series: Series, now: datetime, limit: int = 4) -> QuerySet[Meeting]:
    return (
        series.meetings.filter(status=Meeting.Status.SCHEDULED, scheduled_at__gte=now)
        .select_related("chair")
        .annotate(posted=Count("updates"))
        .order_by("scheduled_at")[:limit]
    )


def past_meetings(series: Series) -> QuerySet[Meeting]:
    """Ended meetings with their counts; ``attendees`` is 0 where nobody took attendance
    (pages show "—" then, not "nobody came")."""
    return (
        series.meetings.filter(status=Meeting.Status.ENDED)
        .select_related("chair", "series")
        .annotate(
            posted=Count("updates", distinct=True),
            blockers_raised=Count("blockers", distinct=True),
            present_teams=Count("attendance__team", distinct=True),
            attendees=Count("attendance", distinct=True),
        )
        .order_by("-scheduled_at")
    )


def teams_without_update(meeting: Meeting) -> list[Team]:
    posted = Update.objects.filter(meeting=meeting).values("team_id")
    return [
        m.team
        for m in SeriesTeam.objects.filter(series_id=meeting.series_id)
        .exclude(team_id__in=posted)
        .select_related("team")
    ]


def update_url(meeting: Meeting, team: Team) -> str:
    return reverse("standups:update_post", args=[meeting.pk]) + f"?team={team.slug}"


@dataclass
class TeamSlot:
    """One team's place in the meeting: its update (or none yet) and its blockers."""

    team: Team
    update: Update | None
    blockers: list[Blocker]
    carried: list[Blocker]


@dataclass
class MeetingBoard:
    meeting: Meeting
    slots: list[TeamSlot]
    decisions: list[Decision]
    action_items: list[ActionItem]
    agenda: list[AgendaItem]
    turn: schedule.Turn
    fair_share_seconds: int
    current: TeamSlot | None  # None before the start and in the wrap-up
    carried_action_items: list[ActionItem] = field(default_factory=list)
    attendance: list[Attendance] = field(default_factory=list)

    @property
    def attendance_taken(self) -> bool:
        return bool(self.attendance)

    @property
    def present_teams(self) -> list[Team]:
        present = {a.team_id for a in self.attendance}
        return [s.team for s in self.slots if s.team.pk in present]

    @property
    def present_by_team(self) -> list[tuple[Team, list[User]]]:
        """The teams present, in chair order, each with its people who were there."""
        return [
            (team, [a.user for a in self.attendance if a.team_id == team.pk])
            for team in self.present_teams
        ]

    @property
    def absent_teams(self) -> list[Team]:
        present = {a.team_id for a in self.attendance}
        return [s.team for s in self.slots if s.team.pk not in present]

    @property
    def share_label(self) -> str:
        """Each team's share of the meeting, as people say it: "5 min", "6 min 40 s"."""
        minutes, seconds = divmod(self.fair_share_seconds, 60)
        return f"{minutes} min" + (f" {seconds} s" if seconds else "")

    @property
    def posted(self) -> int:
        return sum(1 for s in self.slots if s.update is not None)

    @property
    def in_wrap_up(self) -> bool:
        return self.meeting.status == Meeting.Status.RUNNING and self.current is None


def carried_blockers(meeting: Meeting) -> list[Blocker]:
    """Blockers from the series' earlier meetings still unresolved: shown again this week."""
    return list(
        Blocker.objects.filter(
            meeting__series_id=meeting.series_id,
            meeting__scheduled_at__lt=meeting.scheduled_at,
            resolved_at__isnull=True,
        )
        .select_related("team", "needs_team", "handoff", "meeting")
        .order_by("raised_at")
    )


def carried_action_items(meeting: Meeting) -> list[ActionItem]:
    """Action items from the series' earlier meetings still not done: shown again this week."""
    return list(
        ActionItem.objects.filter(
            meeting__series_id=meeting.series_id,
            meeting__scheduled_at__lt=meeting.scheduled_at,
            done_at__isnull=True,
        )
        .select_related("owner_team", "owner", "meeting")
        .order_by("created_at", "id")
    )


def meeting_attendance(meeting: Meeting) -> list[Attendance]:
    return list(
        Attendance.objects.filter(meeting=meeting)
        .select_related("user", "team")
        .order_by("team__name", "user__first_name", "user__email")
    )


def attendance_roster(meeting: Meeting) -> list[tuple[Team, list[User]]]:
    """The series' teams in chair order with their active people: whom the chair can mark."""
    teams = series_teams(meeting.series)
    people: dict[int, list[User]] = defaultdict(list)
    for m in (
        Membership.objects.filter(team__in=teams, user__is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__email")
    ):
        people[m.team_id].append(m.user)
    return [(t, people[t.pk]) for t in teams]


def meeting_board(meeting: Meeting) -> MeetingBoard:
    """Everything the meeting and room pages show, in a fixed number of queries."""
    teams = series_teams(meeting.series)
    updates = {
        u.team_id: u for u in Update.objects.filter(meeting=meeting).select_related("author")
    }
    raised: dict[int, list[Blocker]] = defaultdict(list)
    for b in Blocker.objects.filter(meeting=meeting).select_related(
        "needs_team", "handoff", "team"
    ):
        raised[b.team_id].append(b)
    carried: dict[int, list[Blocker]] = defaultdict(list)
    for b in carried_blockers(meeting):
        carried[b.team_id].append(b)
    slots = [TeamSlot(t, updates.get(t.pk), raised[t.pk], carried[t.pk]) for t in teams]
    share = schedule.fair_share_seconds(meeting.series.duration_minutes, len(teams))
    turn = schedule.current_turn(
        duration_minutes=meeting.series.duration_minutes,
        teams=len(teams),
        turn=meeting.turn,
        turn_started_at=meeting.turn_started_at,
        extra_seconds=meeting.turn_extra_seconds,
    )
    current = (
        slots[meeting.turn]
        if meeting.status == Meeting.Status.RUNNING and meeting.turn < len(slots)
        else None
    )
    return MeetingBoard(
        meeting=meeting,
        slots=slots,
        decisions=list(meeting.decisions.select_related("created_by")),
        action_items=list(meeting.action_items.select_related("owner_team", "owner", "done_by")),
        agenda=list(meeting.agenda_items.select_related("team", "created_by")),
        turn=turn,
        fair_share_seconds=share,
        current=current,
        carried_action_items=carried_action_items(meeting),
        attendance=meeting_attendance(meeting),
    )


def summary_markdown(meeting: Meeting) -> str:
    """The meeting's record as Markdown: wins, blockers, decisions, action items."""
    board = meeting_board(meeting)
    local = timezone.localtime(meeting.scheduled_at, meeting.series.tz)
    lines = [f"# {meeting.series.name} — {local:%A %d %B %Y, %H:%M}", ""]
    chair = meeting.chair.name if meeting.chair else "—"
    lines.append(f"Chair: {chair}")
    if meeting.duration_minutes is not None:
        lines.append(
            f"Duration: {meeting.duration_minutes} min (planned {meeting.series.duration_minutes})"
        )
    lines.append(f"Updates: {board.posted} of {len(board.slots)} teams")
    if board.attendance_taken:
        present = ", ".join(
            f"{team.name} ({', '.join(str(u) for u in people)})"
            for team, people in board.present_by_team
        )
        lines.append(f"Present: {present}")
        if board.absent_teams:
            lines.append("Absent: " + ", ".join(t.name for t in board.absent_teams))
    lines += ["", "## Wins", ""]
    for slot in board.slots:
        if slot.update is None:
            lines.append(f"- {slot.team.name}: no update")
            continue
        for win in slot.update.wins:
            lines.append(f"- {slot.team.name}: {win}")
    lines += ["", "## Blockers", ""]
    blockers = [b for s in board.slots for b in s.blockers + s.carried]
    for b in blockers:
        state = "resolved" if b.is_resolved else "open"
        carried = " (carried over)" if b.meeting_id != meeting.pk else ""
        lines.append(f"- {b.team.name} needs {b.needs_team.name}: {b.text} [{state}]{carried}")
    if not blockers:
        lines.append("- None")
    needs = [(s.team.name, s.update.needs) for s in board.slots if s.update and s.update.needs]
    if needs:
        lines += ["", "## Needs", ""]
        lines += [f"- {team}: {text}" for team, text in needs]
    lines += ["", "## Decisions", ""]
    lines += [f"- {d.text}" for d in board.decisions] or ["- None"]
    lines += ["", "## Action items", ""]
    for item in board.action_items + board.carried_action_items:
        who = f"{item.owner_team.name}" + (f" ({item.owner})" if item.owner else "")
        due = f", due {item.due_on:%d %b}" if item.due_on else ""
        state = " [done]" if item.is_done else ""
        carried = " (carried over)" if item.meeting_id != meeting.pk else ""
        lines.append(f"- {item.text} — {who}{due}{state}{carried}")
    if not board.action_items and not board.carried_action_items:
        lines.append("- None")
    if board.agenda:
        lines += ["", "## Also on the agenda", ""]
        lines += [f"- {item.title}" for item in board.agenda]
    hours = [(s.team.name, s.update.firefighting_hours) for s in board.slots if s.update]
    if hours:
        lines += ["", "## Firefighting hours this week", ""]
        lines += [f"- {team}: {h} h" for team, h in hours]
    return "\n".join(lines) + "\n"


# --- Home -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeStandup:
    meeting: Meeting
    teams_to_post: list[Team]
    posted: int
    teams: int
    # The person's teams' action items from this series still open, oldest first.
    open_action_items: list[ActionItem] = field(default_factory=list)


def standup_for_home(user: User) -> HomeStandup | None:
    """This week's standup for the person's teams: the next or running meeting, and which of
    their teams still have to post."""
    if not roles.is_member(user):
        return None
    now = timezone.now()
    mine = list(Membership.objects.filter(user=user).values_list("team_id", flat=True))
    meeting = (
        Meeting.objects.filter(
            series__active=True,
            series__members__team_id__in=mine,
            scheduled_at__gte=now - timedelta(hours=2),
            scheduled_at__lte=now + timedelta(days=7),
        )
        .exclude(status=Meeting.Status.ENDED)
        .select_related("series", "chair")
        .order_by("scheduled_at")
        .first()
    )
    if meeting is None:
        return None
    missing = [t for t in teams_without_update(meeting) if t.pk in mine]
    teams = SeriesTeam.objects.filter(series_id=meeting.series_id).count()
    posted = Update.objects.filter(meeting=meeting).count()
    open_items = list(
        ActionItem.objects.filter(
            meeting__series_id=meeting.series_id, owner_team_id__in=mine, done_at__isnull=True
        )
        .select_related("owner_team", "owner")
        .order_by("created_at", "id")[:5]
    )
    return HomeStandup(
        meeting=meeting,
        teams_to_post=missing,
        posted=posted,
        teams=teams,
        open_action_items=open_items,
    )


# --- History --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecurringBlocker:
    team: str
    needs_team: str
    text: str
    times: int
    open: bool
    last_raised_at: datetime


@dataclass
class SeriesHistory:
    meetings: int
    # Share of (meeting, team) slots where someone of the team was marked present, over the
    # meetings whose attendance was taken (``attendance_meetings``).
    attendance_rate: float | None
    attendance_meetings: int
    posted_rate: float | None  # share of (meeting, team) slots with an update
    on_time_rate: float | None  # share of updates posted before the meeting started
    blockers_raised: int
    resolved_within_week: int
    resolved_within_week_rate: float | None
    recurring: list[RecurringBlocker]
    durations: list[tuple[Meeting, int | None]]
    running_long: bool
    hours_by_week: list[tuple[date, dict[str, Decimal]]] = field(default_factory=list)


def recurring_blockers(
    qs: QuerySet[Blocker], *, min_times: int = 2, limit: int = 10
) -> list[RecurringBlocker]:
    """The same blocker (team and words) raised in ``min_times`` or more meetings."""
    rows = list(
        qs.values("team__name", "key")
        .annotate(
            times=Count("meeting", distinct=True),
            still_open=Count("pk", filter=Q(resolved_at__isnull=True)),
        )
        .filter(times__gte=min_times)
        .order_by("-times", "team__name")[:limit]
    )
    latest: dict[tuple[str, str], Blocker] = {}
    wanted = Q(pk__in=[])
    for row in rows:
        wanted |= Q(team__name=row["team__name"], key=row["key"])
    for b in qs.filter(wanted).select_related("team", "needs_team").order_by("raised_at"):
        latest[(b.team.name, b.key)] = b  # the last one raised wins
    result = []
    for row in rows:
        last = latest[(row["team__name"], row["key"])]
        result.append(
            RecurringBlocker(
                team=row["team__name"],
                needs_team=last.needs_team.name,
                text=last.text,
                times=row["times"],
                open=row["still_open"] > 0,
                last_raised_at=last.raised_at,
            )
        )
    return result


def series_history(series: Series, *, weeks: int = 12) -> SeriesHistory:
    """Attendance, on-time updates, blockers resolved within a week, recurring blockers,
    meeting lengths and firefighting hours for the last ``weeks`` ended meetings."""
    meetings = list(
        series.meetings.filter(status=Meeting.Status.ENDED).order_by("-scheduled_at")[:weeks]
    )
    ids = [m.pk for m in meetings]
    teams = SeriesTeam.objects.filter(series=series).count()
    updates = Update.objects.filter(meeting_id__in=ids)
    counts = updates.aggregate(n=Count("pk"), on_time=Count("pk", filter=Q(on_time=True)))
    slots = len(meetings) * teams
    present = list(
        Attendance.objects.filter(meeting_id__in=ids)
        .values("meeting_id")
        .annotate(teams=Count("team", distinct=True))
        .values_list("meeting_id", "teams")
    )
    taken = len(present) * teams
    blockers = Blocker.objects.filter(meeting_id__in=ids)
    raised = blockers.count()
    quick = 0
    for raised_at, resolved_at in blockers.filter(resolved_at__isnull=False).values_list(
        "raised_at", "resolved_at"
    ):
        quick += int(resolved_at is not None and resolved_at - raised_at <= timedelta(days=7))
    durations = [(m, m.duration_minutes) for m in meetings]
    by_week: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for scheduled_at, team, hours in updates.values_list(
        "meeting__scheduled_at", "team__name", "firefighting_hours"
    ):
        by_week[timezone.localtime(scheduled_at, series.tz).date()][team] = hours
    return SeriesHistory(
        meetings=len(meetings),
        attendance_rate=sum(n for _, n in present) / taken if taken else None,
        attendance_meetings=len(present),
        posted_rate=counts["n"] / slots if slots else None,
        on_time_rate=counts["on_time"] / counts["n"] if counts["n"] else None,
        blockers_raised=raised,
        resolved_within_week=quick,
        resolved_within_week_rate=quick / raised if raised else None,
        recurring=recurring_blockers(Blocker.objects.filter(meeting__series=series)),
        durations=durations,
        running_long=schedule.is_running_long([d for _, d in durations], series.duration_minutes),
        hours_by_week=sorted(by_week.items()),
    )


def meeting_search(user: User, query: str, *, series: Series | None = None) -> QuerySet[Meeting]:
    """Past and upcoming meetings whose updates, blockers, decisions, action items, agenda or
    record mention ``query`` (case-insensitive), newest first."""
    _require_member(user)
    query = query.strip()
    qs = Meeting.objects.select_related("series", "chair")
    if series is not None:
        qs = qs.filter(series=series)
    if not query:
        return qs.none()

    def mentions(model, *fields: str) -> Exists:
        cond = Q()
        for f in fields:
            cond |= Q(**{f"{f}__icontains": query})
        return Exists(model.objects.filter(cond, meeting=OuterRef("pk")))

    return qs.filter(
        Q(summary__icontains=query)
        | mentions(Update, "win_1", "win_2", "needs")
        | mentions(Blocker, "text")
        | mentions(Decision, "text")
        | mentions(ActionItem, "text")
        | mentions(AgendaItem, "title", "body")
    ).order_by("-scheduled_at")


# --- For the monthly KPI review ---------------------------------------------------------------


@dataclass(frozen=True)
class ReviewBlockers:
    month: date
    unresolved: list[Blocker]
    recurring: list[RecurringBlocker]


def review_blockers(month: date) -> ReviewBlockers:
    """The month's blockers for the monthly KPI review: those raised up to the month's end and
    still unresolved at its end (or now), and those raised again and again within the month."""
    start = schedule.month_start(month)
    tz = timezone.get_current_timezone()
    lo = datetime.combine(start, datetime.min.time(), tzinfo=tz)
    hi = datetime.combine(schedule.add_months(start, 1), datetime.min.time(), tzinfo=tz)
    unresolved = list(
        Blocker.objects.filter(raised_at__lt=hi)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=hi))
        .select_related("team", "needs_team", "handoff", "meeting__series")
        .order_by("raised_at")
    )
    in_month = Blocker.objects.filter(raised_at__gte=lo, raised_at__lt=hi)
    return ReviewBlockers(
        month=start, unresolved=unresolved, recurring=recurring_blockers(in_month)
    )


# --- API lists ------------------------------------------------------------------------------


def meeting_list(user: User, *, series_id: int | None = None) -> QuerySet[Meeting]:
    """Meetings newest first, with what their API representation reads prefetched."""
    _require_member(user)
    qs = Meeting.objects.select_related("series", "chair").prefetch_related(
        Prefetch("updates", queryset=Update.objects.select_related("team", "author")),
        Prefetch(
            "updates__blockers",
            queryset=Blocker.objects.select_related("team", "needs_team", "handoff"),
        ),
        Prefetch(
            "blockers",
            queryset=Blocker.objects.select_related("team", "needs_team", "handoff"),
        ),
        "decisions",
        Prefetch(
            "action_items",
            queryset=ActionItem.objects.select_related("owner_team", "owner", "done_by"),
        ),
        Prefetch("agenda_items", queryset=AgendaItem.objects.select_related("team")),
        Prefetch("attendance", queryset=Attendance.objects.select_related("user", "team")),
    )
    if series_id is not None:
        qs = qs.filter(series_id=series_id)
    return qs.order_by("-scheduled_at", "-id")


def update_list(
    user: User, *, meeting_id: int | None = None, team_slug: str | None = None
) -> QuerySet[Update]:
    """Updates newest first, with their blockers."""
    _require_member(user)
    qs = Update.objects.select_related("team", "author", "meeting").prefetch_related(
        Prefetch(
            "blockers", queryset=Blocker.objects.select_related("team", "needs_team", "handoff")
        )
    )
    if meeting_id is not None:
        qs = qs.filter(meeting_id=meeting_id)
    if team_slug:
        qs = qs.filter(team__slug=team_slug)
    return qs.order_by("-id")


def action_item_list(
    user: User,
    *,
    meeting_id: int | None = None,
    series_id: int | None = None,
    team_slug: str | None = None,
    open_only: bool | None = None,
) -> QuerySet[ActionItem]:
    """Action items newest first; ``open_only`` True for not done, False for done."""
    _require_member(user)
    qs = ActionItem.objects.select_related(
        "owner_team", "owner", "done_by", "meeting", "meeting__series"
    )
    if meeting_id is not None:
        qs = qs.filter(meeting_id=meeting_id)
    if series_id is not None:
        qs = qs.filter(meeting__series_id=series_id)
    if team_slug:
        qs = qs.filter(owner_team__slug=team_slug)
    if open_only is not None:
        qs = qs.filter(done_at__isnull=open_only)
    return qs.order_by("-id")


def series_of_teams(team_ids: list[int]) -> list[Series]:
    """Active series any of these teams is in (for another module that puts an item on their
    next meeting, e.g. a pilot's review); no user: the caller decides who may trigger it."""
    return list(
        Series.objects.filter(active=True, members__team_id__in=team_ids).distinct().order_by("id")
    )

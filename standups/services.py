"""The only writers of standups: series, meetings, updates, blockers, decisions, action items,
agenda items and attendance.

Every service is keyword-only, atomic and audited. Messages go through the one outbox
(``handoffs.services.notify``) with dedupe keys, so beat tasks that run twice send once;
blockers that need another team become handoffs through ``handoffs.services.handoff_create``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import IntegrityError, transaction
from django.utils import timezone

from handoffs import selectors as handoff_selectors
from handoffs import services as handoff_services
from hub import audit, events
from hub.errors import DomainError
from hub.models import Event, Membership, Team, User
from standups import schedule, selectors
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

WEEKS_AHEAD = 4
MAX_EXTEND_SECONDS = 600
# Reminders: the day before (from 24 h out) and an hour before the meeting starts.
REMINDERS = (("day", timedelta(hours=24)), ("hour", timedelta(hours=1)))


# --- Series and chairs --------------------------------------------------------------------------


def _check_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(
            f"“{name}” is not a time zone; use a name like Europe/Berlin.", field="time_zone"
        ) from None
    return name


def _check_teams(teams: Sequence[Team]) -> list[Team]:
    unique = list(dict.fromkeys(teams))
    if len(unique) < 2:
        raise DomainError("A cross-team standup needs at least two teams.", field="teams")
    return unique


@transaction.atomic
def series_create(
    *,
    actor: User | None,
    name: str,
    teams: Sequence[Team],
    weekday: int = 1,
    start_time: time = time(10, 0),
    duration_minutes: int = 20,
    time_zone: str = "",
    rotation_start: date | None = None,
    now: datetime | None = None,
) -> Series:
    """Create a series with its teams in chair order and generate its next meetings."""
    now = now or timezone.now()
    name = name.strip()
    if not name:
        raise DomainError("Give the standup a name.", field="name")
    if Series.objects.filter(name__iexact=name).exists():
        raise DomainError(f"There is already a standup called “{name}”.", field="name")
    if not 5 <= duration_minutes <= 120:
        raise DomainError("A standup lasts between 5 and 120 minutes.", field="duration_minutes")
    teams = _check_teams(teams)
    series = Series.objects.create(
        name=name,
        weekday=weekday,
        start_time=start_time,
        duration_minutes=duration_minutes,
        time_zone=_check_time_zone(time_zone or timezone.get_current_timezone_name()),
        rotation_start=schedule.month_start(rotation_start or timezone.localdate(now)),
        created_by=actor,
        created_at=now,
    )
    SeriesTeam.objects.bulk_create(
        SeriesTeam(series=series, team=team, position=i) for i, team in enumerate(teams)
    )
    audit.record(
        actor=actor,
        action="standups.series.create",
        obj=series,
        changes={"teams": [t.name for t in teams]},
    )
    meetings_generate(now=now, series=series)
    return series


@transaction.atomic
def series_set_chair_order(
    *,
    actor: User | None,
    series: Series,
    teams: Sequence[Team],
    from_month: date | None = None,
) -> Series:
    """Set the series' teams and their chair order; upcoming meetings get the new chairs (but a
    meeting whose chair was skipped keeps it). With ``from_month`` the first team chairs that
    month and the rotation goes on from there; without it the rotation keeps its start."""
    teams = _check_teams(teams)
    SeriesTeam.objects.filter(series=series).delete()
    SeriesTeam.objects.bulk_create(
        SeriesTeam(series=series, team=team, position=i) for i, team in enumerate(teams)
    )
    changes: dict = {"teams": [t.name for t in teams]}
    if from_month is not None:
        series.rotation_start = schedule.month_start(from_month)
        series.save(update_fields=["rotation_start"])
        changes["from"] = f"{series.rotation_start:%Y-%m}"
    audit.record(actor=actor, action="standups.series.chair_order", obj=series, changes=changes)
    _rechair_upcoming(series)
    return series


def _rechair_upcoming(series: Series) -> None:
    upcoming = series.meetings.filter(status=Meeting.Status.SCHEDULED, chair_skipped=False)
    for meeting in upcoming:
        chair = selectors.chair_for(series, selectors.meeting_month(meeting))
        if meeting.chair_id != (chair.pk if chair else None):
            Meeting.objects.filter(pk=meeting.pk).update(chair=chair)


@transaction.atomic
def meeting_skip_chair(
    *, meeting: Meeting, actor: User | None, now: datetime | None = None
) -> Meeting:
    """The chair team is away this week: the next team in chair order chairs this meeting only
    (skipping again moves on once more). The new chair team is told once."""
    now = now or timezone.now()
    meeting = _locked(meeting)
    if meeting.status != Meeting.Status.SCHEDULED:
        raise DomainError("Only a meeting that hasn't started can pass its chair on.")
    teams = selectors.series_teams(meeting.series)
    if len(teams) < 2:
        raise DomainError("This standup has no other team to chair it.")
    ids = [t.pk for t in teams]
    position = ids.index(meeting.chair_id) if meeting.chair_id in ids else -1
    away = meeting.chair
    meeting.chair = teams[(position + 1) % len(teams)]
    meeting.chair_skipped = True
    meeting.save(update_fields=["chair", "chair_skipped"])
    audit.record(
        actor=actor,
        action="standups.meeting.skip_chair",
        obj=meeting,
        changes={"away": away.name if away else None, "chair": meeting.chair.name},
    )
    local = timezone.localtime(meeting.scheduled_at, meeting.series.tz)
    handoff_services.notify(
        to=meeting.chair,
        title=f"{meeting.chair.name} chairs “{meeting.series.name}” on {local:%a %d %b}",
        body=(
            f"{away.name if away else 'The chair'} is away this week, so {meeting.chair.name} "
            f"chairs the meeting on {local:%A %d %B at %H:%M}: open it, keep every team to its "
            "share of the minutes and send the summary."
        ),
        link=meeting.get_absolute_url(),
        link_label="Open the meeting",
        dedupe_key=f"standups:skip:{meeting.pk}:{meeting.chair.pk}",
        now=now,
    )
    return meeting


@transaction.atomic
def series_pause(*, actor: User | None, series: Series, now: datetime | None = None) -> Series:
    """Pause a series: no meetings are generated and no reminders or chair announcements sent.
    Upcoming meetings nobody has written anything into are removed; the others stay. Pausing a
    paused series changes nothing."""
    now = now or timezone.now()
    if not Series.objects.filter(pk=series.pk, active=True).update(active=False, paused_at=now):
        series.refresh_from_db()
        return series
    empty = (
        series.meetings.filter(status=Meeting.Status.SCHEDULED, scheduled_at__gt=now)
        .filter(
            updates__isnull=True,
            blockers__isnull=True,
            agenda_items__isnull=True,
            decisions__isnull=True,
            action_items__isnull=True,
        )
        .values_list("pk", flat=True)
    )
    removed, _ = Meeting.objects.filter(pk__in=list(empty)).delete()
    audit.record(
        actor=actor, action="standups.series.pause", obj=series, changes={"removed": removed}
    )
    series.refresh_from_db()
    return series


@transaction.atomic
def series_resume(*, actor: User | None, series: Series, now: datetime | None = None) -> Series:
    """Resume a paused series and generate its next meetings at once. Idempotent."""
    now = now or timezone.now()
    if Series.objects.filter(pk=series.pk, active=False).update(active=True, paused_at=None):
        audit.record(actor=actor, action="standups.series.resume", obj=series)
    series.refresh_from_db()
    meetings_generate(now=now, series=series)
    return series


@transaction.atomic
def chair_swap(*, actor: User | None, series: Series, month: date, other_month: date) -> None:
    """Swap the chairs of two months (e.g. a team on holiday); their meetings follow."""
    month, other_month = schedule.month_start(month), schedule.month_start(other_month)
    if month == other_month:
        raise DomainError("Pick two different months to swap.", field="other_month")
    first = selectors.chair_for(series, month)
    second = selectors.chair_for(series, other_month)
    if first is None or second is None:
        raise DomainError("This standup has no teams to chair it.")
    for when, team in ((month, second), (other_month, first)):
        ChairSwap.objects.update_or_create(
            series=series, month=when, defaults={"team": team, "created_by": actor}
        )
    audit.record(
        actor=actor,
        action="standups.chair.swap",
        obj=series,
        changes={
            f"{month:%Y-%m}": second.name,
            f"{other_month:%Y-%m}": first.name,
        },
    )
    _rechair_upcoming(series)


def meetings_generate(
    *, now: datetime, series: Series | None = None, weeks: int = WEEKS_AHEAD
) -> int:
    """Create the next ``weeks`` meetings of every active series (or one). Idempotent: a meeting
    is unique per series and start. Returns how many were created."""
    created = 0
    all_series = [series] if series is not None else list(Series.objects.filter(active=True))
    for one in all_series:
        if not one.active:  # paused
            continue
        for start in schedule.occurrences(
            weekday=one.weekday, at=one.start_time, tz=one.tz, now=now, weeks=weeks
        ):
            if start + timedelta(minutes=one.duration_minutes) < now:
                continue
            month = schedule.month_start(start.date())
            try:
                with transaction.atomic():
                    _, made = Meeting.objects.get_or_create(
                        series=one,
                        scheduled_at=start,
                        defaults={"chair": selectors.chair_for(one, month)},
                    )
            except IntegrityError:  # generated at the same moment by an overlapping run
                made = False
            created += int(made)
    return created


def chairs_announce(*, now: datetime) -> int:
    """Tell every team of each active series who chairs this month. Once per series and month
    (dedupe key), so beat may call it hourly. Returns how many series announced."""
    announced = 0
    for series in Series.objects.filter(active=True):
        month = schedule.month_start(now.astimezone(series.tz).date())
        chair = selectors.chair_for(series, month)
        if chair is None:
            continue
        title = f"{chair.name} chairs “{series.name}” in {month:%B %Y}"
        body = (
            f"Each team chairs the standup for a month. In {month:%B} it is {chair.name}: "
            "they open each meeting, keep every team to its share of the "
            f"{series.duration_minutes} minutes and send the summary."
        )
        with transaction.atomic():
            for team in selectors.series_teams(series):
                handoff_services.notify(
                    to=team,
                    title=title,
                    body=body,
                    link=series.get_absolute_url(),
                    link_label="Open the standup",
                    dedupe_key=f"standups:chair:{series.pk}:{month:%Y-%m}",
                    now=now,
                )
        announced += 1
    return announced


# --- Updates and blockers -----------------------------------------------------------------------


@dataclass(frozen=True)
class BlockerInput:
    text: str
    needs_team: Team


WIN_MAX_LENGTH = 300


@transaction.atomic
def update_post(
    *,
    meeting: Meeting,
    team: Team,
    author: User,
    win_1: str,
    win_2: str = "",
    needs: str = "",
    firefighting_hours: Decimal | float | int = 0,
    blockers: Sequence[BlockerInput] = (),
    now: datetime | None = None,
) -> Update:
    """Post (or edit) a team's update. Blockers are added (never removed); each that needs
    another team becomes a handoff to it. On time when first posted before the meeting starts."""
    now = now or timezone.now()
    if not author.is_superuser and not Membership.objects.filter(user=author, team=team).exists():
        raise DomainError(f"Only members of {team.name} can post its update.", field="team")
    if not SeriesTeam.objects.filter(series_id=meeting.series_id, team=team).exists():
        raise DomainError(f"{team.name} is not in this standup.", field="team")
    if meeting.status == Meeting.Status.ENDED:
        raise DomainError("This standup has ended; post to the next one.")
    win_1, win_2 = win_1.strip(), win_2.strip()
    if not win_1:
        raise DomainError("Share at least one win from this week.", field="win_1")
    for field, text in (("win_1", win_1), ("win_2", win_2)):
        if len(text) > WIN_MAX_LENGTH:
            raise DomainError(
                f"Keep each win to {WIN_MAX_LENGTH} characters (this one has {len(text)}).",
                field=field,
            )
    hours = Decimal(str(firefighting_hours))
    if hours < 0 or hours > 168:
        raise DomainError("Firefighting hours are between 0 and 168.", field="firefighting_hours")
    update = Update.objects.select_for_update().filter(meeting=meeting, team=team).first()
    if update is None:
        update = Update.objects.create(
            meeting=meeting,
            team=team,
            author=author,
            win_1=win_1,
            win_2=win_2,
            needs=needs.strip(),
            firefighting_hours=hours,
            posted_at=now,
            on_time=now < meeting.scheduled_at,
        )
        action = "standups.update.post"
    else:
        update.win_1, update.win_2, update.needs = win_1, win_2, needs.strip()
        update.firefighting_hours, update.author, update.edited_at = hours, author, now
        update.save(
            update_fields=["win_1", "win_2", "needs", "firefighting_hours", "author", "edited_at"]
        )
        action = "standups.update.edit"
    audit.record(actor=author, action=action, obj=update, changes={"hours": str(hours)})
    for blocker in blockers:
        if blocker.text.strip():
            blocker_raise(
                meeting=meeting,
                team=team,
                needs_team=blocker.needs_team,
                text=blocker.text,
                actor=author,
                update=update,
                now=now,
            )
    return update


@transaction.atomic
def blocker_raise(
    *,
    meeting: Meeting,
    team: Team,
    needs_team: Team,
    text: str,
    actor: User | None,
    update: Update | None = None,
    now: datetime | None = None,
) -> Blocker:
    """Record a blocker once per meeting and team (same words = same blocker). One that needs
    another team is handed to it, with the standup as the source; ``standups.blocker.raised``
    is recorded so rules can react."""
    now = now or timezone.now()
    text = text.strip()[:300]
    key = schedule.blocker_key(text)
    if not key:
        raise DomainError("Describe the blocker in a few words.", field="blockers")
    existing = Blocker.objects.filter(meeting=meeting, team=team, key=key).first()
    if existing is not None:
        return existing
    blocker = Blocker.objects.create(
        meeting=meeting,
        update=update,
        team=team,
        needs_team=needs_team,
        text=text,
        key=key,
        raised_by=actor,
        raised_at=now,
    )
    if needs_team.pk != team.pk:
        local = timezone.localtime(meeting.scheduled_at, meeting.series.tz)
        blocker.handoff = handoff_services.handoff_create(
            team=needs_team,
            from_team=team,
            title=f"Blocker from {team.name}: {text}",
            body=(
                f"{team.name} raised this blocker for the standup “{meeting.series.name}” on "
                f"{local:%A %d %B}. It stays on the standup's agenda until it is done."
            ),
            link=meeting.get_absolute_url(),
            created_by=actor,
            requires_ack=True,
            due_at=meeting.scheduled_at + timedelta(days=7),
            now=now,
        )
        blocker.save(update_fields=["handoff"])
    audit.record(actor=actor, action="standups.blocker.raise", obj=blocker)
    events.record(
        "standups",
        "standups.blocker.raised",
        f"blocker:{blocker.pk}",
        {
            "blocker_id": blocker.pk,
            "text": text,
            "team": team.name,
            "needs_team": needs_team.name,
            "meeting_id": meeting.pk,
            "series": meeting.series.name,
            "handoff_id": blocker.handoff_id,
            "recurring": Blocker.objects.filter(team=team, key=key).exclude(pk=blocker.pk).exists(),
        },
        occurred_at=now,
        subject=f"standup-meeting:{meeting.pk}",
    )
    return blocker


@transaction.atomic
def blocker_resolve(*, blocker: Blocker, actor: User | None, now: datetime | None = None) -> bool:
    """Mark a blocker resolved (and its handoff done). False if it already was."""
    now = now or timezone.now()
    updated = Blocker.objects.filter(pk=blocker.pk, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=actor
    )
    if not updated:
        return False
    if blocker.handoff is not None and actor is not None:
        handoff_services.handoff_done(handoff=blocker.handoff, user=actor, now=now)
    audit.record(actor=actor, action="standups.blocker.resolve", obj=blocker)
    return True


def blockers_sync(*, now: datetime) -> int:
    """Resolve open blockers whose handoff the other team marked done. Idempotent (only open
    blockers are updated). Returns how many were resolved."""
    open_ = dict(
        Blocker.objects.filter(resolved_at__isnull=True, handoff__isnull=False).values_list(
            "handoff_id", "pk"
        )
    )
    done = handoff_selectors.handoffs_done(list(open_))
    if not done:
        return 0
    return Blocker.objects.filter(pk__in=[open_[h] for h in done], resolved_at__isnull=True).update(
        resolved_at=now
    )


# --- Reminders ----------------------------------------------------------------------------------


def reminders_send(*, now: datetime) -> int:
    """Remind each team that hasn't posted: once the day before and once an hour before the
    meeting. Dedupe keys make a second run (or an overlapping one) send nothing new."""
    sent = 0
    horizon = now + REMINDERS[0][1]
    meetings = Meeting.objects.filter(
        status=Meeting.Status.SCHEDULED,
        scheduled_at__gt=now,
        scheduled_at__lte=horizon,
        series__active=True,  # a paused series reminds nobody
    ).select_related("series", "chair")
    for meeting in meetings:
        left = meeting.scheduled_at - now
        which = "hour" if left <= REMINDERS[1][1] else "day"
        local = timezone.localtime(meeting.scheduled_at, meeting.series.tz)
        when = f"{local:%H:%M}" if which == "hour" else f"{local:%A} at {local:%H:%M}"
        for team in selectors.teams_without_update(meeting):
            alerts = handoff_services.notify(
                to=team,
                title=f"Post {team.name}'s standup update before {when}",
                body=(
                    f"“{meeting.series.name}” starts {when}. {team.name} hasn't posted its "
                    "update yet: one or two wins, blockers (and the team each needs), needs, "
                    "and this week's firefighting hours. It takes two minutes."
                ),
                link=selectors.update_url(meeting, team),
                link_label="Post the update",
                dedupe_key=f"standups:remind:{meeting.pk}:{team.pk}:{which}",
                now=now,
            )
            sent += int(any(alerts))
    return sent


# --- Running the meeting ------------------------------------------------------------------------


def _locked(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",)).select_related("series").get(pk=meeting.pk)
    )


@transaction.atomic
def meeting_start(*, meeting: Meeting, actor: User | None, now: datetime | None = None) -> Meeting:
    """Start the meeting (first team's turn). Starting a running meeting changes nothing."""
    now = now or timezone.now()
    meeting = _locked(meeting)
    if meeting.status == Meeting.Status.ENDED:
        raise DomainError("This standup has already ended.")
    if meeting.status == Meeting.Status.SCHEDULED:
        meeting.status = Meeting.Status.RUNNING
        meeting.started_at = meeting.turn_started_at = now
        meeting.turn, meeting.turn_extra_seconds = 0, 0
        meeting.save(
            update_fields=["status", "started_at", "turn_started_at", "turn", "turn_extra_seconds"]
        )
        audit.record(actor=actor, action="standups.meeting.start", obj=meeting)
        blockers_sync(now=now)
    return meeting


@transaction.atomic
def meeting_next(*, meeting: Meeting, actor: User | None, now: datetime | None = None) -> Meeting:
    """Hand the floor to the next team (the last turn moves to the wrap-up)."""
    now = now or timezone.now()
    meeting = _locked(meeting)
    if meeting.status != Meeting.Status.RUNNING:
        raise DomainError("Start the standup first.")
    teams = len(selectors.series_teams(meeting.series))
    meeting.turn = min(meeting.turn + 1, teams)  # == teams: decisions and action items
    meeting.turn_started_at, meeting.turn_extra_seconds = now, 0
    meeting.save(update_fields=["turn", "turn_started_at", "turn_extra_seconds"])
    return meeting


@transaction.atomic
def meeting_extend(
    *, meeting: Meeting, actor: User | None, seconds: int = 60, now: datetime | None = None
) -> Meeting:
    """Give the current team more time (at most ten minutes per turn)."""
    meeting = _locked(meeting)
    if meeting.status != Meeting.Status.RUNNING:
        raise DomainError("Start the standup first.")
    if meeting.turn_extra_seconds + seconds > MAX_EXTEND_SECONDS:
        raise DomainError("This turn has had ten extra minutes; move on and follow up after.")
    meeting.turn_extra_seconds += seconds
    meeting.save(update_fields=["turn_extra_seconds"])
    audit.record(actor=actor, action="standups.meeting.extend", obj=meeting, changes={"s": seconds})
    return meeting


@transaction.atomic
def meeting_end(
    *,
    meeting: Meeting,
    actor: User | None,
    now: datetime | None = None,
    send_summary: bool = True,
) -> Meeting:
    """End the meeting: record its duration, keep its summary and send it to every team once
    (``send_summary=False`` keeps the record without sending it, for imported history)."""
    now = now or timezone.now()
    meeting = _locked(meeting)
    if meeting.status == Meeting.Status.ENDED:
        return meeting
    if meeting.status == Meeting.Status.SCHEDULED:
        raise DomainError("Start the standup before ending it.")
    meeting.status, meeting.ended_at = Meeting.Status.ENDED, now
    meeting.save(update_fields=["status", "ended_at"])
    audit.record(
        actor=actor,
        action="standups.meeting.end",
        obj=meeting,
        changes={"minutes": meeting.duration_minutes},
    )
    if not send_summary:
        meeting.summary = selectors.summary_markdown(meeting)
        meeting.save(update_fields=["summary"])
        return meeting
    return summary_send(meeting=meeting, now=now)


@transaction.atomic
def summary_send(*, meeting: Meeting, now: datetime | None = None) -> Meeting:
    """Write the meeting's record and post it to every team of the series (once per team)."""
    now = now or timezone.now()
    meeting.summary = selectors.summary_markdown(meeting)
    meeting.summary_sent_at = meeting.summary_sent_at or now
    meeting.save(update_fields=["summary", "summary_sent_at"])
    local = timezone.localtime(meeting.scheduled_at, meeting.series.tz)
    for team in selectors.series_teams(meeting.series):
        handoff_services.notify(
            to=team,
            title=f"Standup summary: {meeting.series.name}, {local:%a %d %b}",
            body=meeting.summary,
            link=meeting.get_absolute_url(),
            link_label="Open the meeting's record",
            dedupe_key=f"standups:summary:{meeting.pk}",
            now=now,
        )
    return meeting


@transaction.atomic
def decision_add(*, meeting: Meeting, actor: User | None, text: str) -> Decision:
    """Add a decision to the meeting's running list."""
    text = text.strip()
    if not text:
        raise DomainError("Write the decision down in a sentence.", field="text")
    decision = Decision.objects.create(meeting=meeting, text=text[:500], created_by=actor)
    audit.record(actor=actor, action="standups.decision.add", obj=decision)
    return decision


@transaction.atomic
def action_item_add(
    *,
    meeting: Meeting,
    actor: User | None,
    text: str,
    owner_team: Team,
    owner: User | None = None,
    due_on: date | None = None,
) -> ActionItem:
    """Add an action item: what, which team, who in it, by when."""
    text = text.strip()
    if not text:
        raise DomainError("Say what will be done.", field="text")
    if owner is not None and not Membership.objects.filter(user=owner, team=owner_team).exists():
        raise DomainError(f"{owner} is not in {owner_team.name}.", field="owner")
    if due_on is not None and due_on < meeting.scheduled_at.date():
        raise DomainError("The due date is before the meeting.", field="due_on")
    item = ActionItem.objects.create(
        meeting=meeting,
        text=text[:300],
        owner_team=owner_team,
        owner=owner,
        due_on=due_on,
        created_by=actor,
    )
    audit.record(actor=actor, action="standups.action_item.add", obj=item)
    return item


@transaction.atomic
def agenda_item_add(
    *,
    meeting: Meeting,
    title: str,
    body: str = "",
    team: Team | None = None,
    event: Event | None = None,
    actor: User | None = None,
    now: datetime | None = None,
) -> AgendaItem:
    """Put an item on a meeting's agenda, by hand or from a rule. Idempotent per (meeting,
    event)."""
    title = title.strip()
    if not title:
        raise DomainError("An agenda item needs a title.", field="title")
    if meeting.status == Meeting.Status.ENDED:
        raise DomainError("That standup has ended.")
    if event is not None:
        existing = AgendaItem.objects.filter(meeting=meeting, event=event).first()
        if existing:
            return existing
    item = AgendaItem.objects.create(
        meeting=meeting,
        title=title[:300],
        body=body.strip(),
        team=team,
        event=event,
        created_by=actor,
        created_at=now or timezone.now(),
    )
    audit.record(actor=actor, action="standups.agenda_item.add", obj=item)
    return item


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, actor: User | None) -> None:
    """Take an item off a meeting's agenda (not once the meeting has ended: it is the record)."""
    if item.meeting.status == Meeting.Status.ENDED:
        raise DomainError("That standup has ended; its agenda is part of the record.")
    audit.record(
        actor=actor,
        action="standups.agenda_item.remove",
        obj=item.meeting,
        changes={"title": item.title},
    )
    AgendaItem.objects.filter(pk=item.pk).delete()


# --- Action items done, attendance ---------------------------------------------------------------


@transaction.atomic
def action_item_complete(
    *, item: ActionItem, actor: User | None, now: datetime | None = None
) -> bool:
    """Mark an action item done, by whom and when, and record ``standups.action_item.done``.
    False (nothing changes) if it already was."""
    now = now or timezone.now()
    claimed = ActionItem.objects.filter(pk=item.pk, done_at__isnull=True).update(
        done_at=now, done_by=actor
    )
    if not claimed:
        return False
    item.done_at, item.done_by = now, actor
    audit.record(actor=actor, action="standups.action_item.done", obj=item)
    events.record(
        "standups",
        "standups.action_item.done",
        f"action-item:{item.pk}:{now.isoformat()}",
        {
            "action_item_id": item.pk,
            "text": item.text,
            "owner_team": item.owner_team.name,
            "meeting_id": item.meeting_id,
            "done_by": str(actor) if actor else None,
        },
        occurred_at=now,
        subject=f"standup-meeting:{item.meeting_id}",
    )
    return True


@transaction.atomic
def action_item_reopen(*, item: ActionItem, actor: User | None) -> bool:
    """Open a done action item again (it carries over again). False if it was open."""
    if not ActionItem.objects.filter(pk=item.pk, done_at__isnull=False).update(
        done_at=None, done_by=None
    ):
        return False
    item.done_at = item.done_by = None
    audit.record(actor=actor, action="standups.action_item.reopen", obj=item)
    return True


@dataclass(frozen=True)
class AttendeeInput:
    user: User
    team: Team | None = None  # which of the series' teams they spoke for; else their first


@transaction.atomic
def attendance_set(
    *,
    meeting: Meeting,
    actor: User | None,
    attendees: Sequence[AttendeeInput | User],
    now: datetime | None = None,
) -> list[Attendance]:
    """Record who attended the meeting (replaces the list; setting the same list twice changes
    nothing). Only people of the series' teams, during or after the meeting. An ended meeting's
    record is rewritten with the attendance, not sent again."""
    now = now or timezone.now()
    meeting = _locked(meeting)
    if meeting.status == Meeting.Status.SCHEDULED:
        raise DomainError("Take attendance once the standup has started.")
    wanted = [a if isinstance(a, AttendeeInput) else AttendeeInput(a) for a in attendees]
    if not wanted:
        raise DomainError("Mark at least one person present.", field="attendees")
    teams = selectors.series_teams(meeting.series)
    order = {t.pk: i for i, t in enumerate(teams)}
    memberships: dict[int, list[int]] = {}
    for user_id, team_id in Membership.objects.filter(
        user__in=[a.user for a in wanted], team_id__in=order
    ).values_list("user_id", "team_id"):
        memberships.setdefault(user_id, []).append(team_id)
    rows: dict[int, int] = {}
    for a in wanted:
        mine = sorted(memberships.get(a.user.pk, []), key=order.__getitem__)
        if not mine:
            raise DomainError(f"{a.user} is not in any team of this standup.", field="attendees")
        if a.team is not None and a.team.pk not in mine:
            raise DomainError(f"{a.user} is not in {a.team.name}.", field="attendees")
        rows.setdefault(a.user.pk, a.team.pk if a.team is not None else mine[0])
    Attendance.objects.filter(meeting=meeting).exclude(user_id__in=rows).delete()
    kept = dict(Attendance.objects.filter(meeting=meeting).values_list("user_id", "team_id"))
    for user_id, team_id in rows.items():
        if user_id not in kept:
            Attendance.objects.create(
                meeting=meeting, user_id=user_id, team_id=team_id, marked_by=actor, marked_at=now
            )
        elif kept[user_id] != team_id:
            Attendance.objects.filter(meeting=meeting, user_id=user_id).update(team_id=team_id)
    audit.record(
        actor=actor, action="standups.attendance.set", obj=meeting, changes={"present": len(rows)}
    )
    if meeting.status == Meeting.Status.ENDED and meeting.summary:
        meeting.summary = selectors.summary_markdown(meeting)
        meeting.save(update_fields=["summary"])
    return list(meeting.attendance.select_related("user", "team"))

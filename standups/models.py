"""Weekly cross-team standups: a series, its meetings, each team's update, blockers, decisions,
action items and the agenda items rules add."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


def _default_time_zone() -> str:
    return settings.TIME_ZONE


class Series(models.Model):
    """A recurring standup: which weekday and time, how long, and which teams (in chair order)."""

    name = models.CharField(max_length=120, unique=True)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.TUESDAY)
    start_time = models.TimeField(default=time(10, 0))
    duration_minutes = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(5), MaxValueValidator(120)]
    )
    time_zone = models.CharField(max_length=64, default=_default_time_zone)
    # The month the rotation starts from: the first team in chair order chairs this month.
    rotation_start = models.DateField()
    # Paused: no meetings generated, no reminders or chair announcements sent.
    active = models.BooleanField(default=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "series"
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="standup_series_weekday_valid"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=120),
                name="standup_series_duration_valid",
            ),
            models.CheckConstraint(
                condition=Q(active=False) | Q(paused_at__isnull=True),
                name="standup_series_running_not_paused",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("standups:series_detail", args=[self.pk])

    @property
    def teams(self) -> list:
        """The teams in chair order (prefetch ``members__team`` when listing)."""
        return [m.team for m in self.members.all()]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def occurrence_on(self, day: date) -> datetime:
        """The aware start of the meeting held on ``day`` (in the series' time zone)."""
        return datetime.combine(day, self.start_time, tzinfo=self.tz)


class SeriesTeam(models.Model):
    """A team in a series; ``position`` is its place in the chair rotation (0 chairs first)."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="members")
    team = models.ForeignKey("hub.Team", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["series", "position"]
        constraints = [
            models.UniqueConstraint(fields=["series", "team"], name="standup_series_team_unique"),
            models.UniqueConstraint(
                fields=["series", "position"], name="standup_series_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} in {self.series} (#{self.position + 1})"


class ChairSwap(models.Model):
    """A month whose chair is not the rotation's: the admin swapped it."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="swaps")
    month = models.DateField(help_text="The first day of the month.")
    team = models.ForeignKey("hub.Team", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["series", "month"]
        constraints = [
            models.UniqueConstraint(fields=["series", "month"], name="standup_swap_unique_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="standup_swap_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.team} chairs {self.series} in {self.month:%B %Y}"


class Meeting(models.Model):
    """One week's standup. Generated ahead by beat; started and ended by its chair."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        RUNNING = "running", "Running"
        ENDED = "ended", "Ended"

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="meetings")
    scheduled_at = models.DateTimeField()
    chair = models.ForeignKey(
        "hub.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The rotation's chair was away this week and the chair passed to the next team: a new
    # chair order or a swap leaves this meeting's chair alone.
    chair_skipped = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The room view: whose turn it is (index into the meeting's teams), since when, and the
    # seconds the chair added to this turn.
    turn = models.PositiveSmallIntegerField(default=0)
    turn_started_at = models.DateTimeField(null=True, blank=True)
    turn_extra_seconds = models.PositiveIntegerField(default=0)
    # The meeting's record (Markdown), written when it ends and sent to every team.
    summary = models.TextField(blank=True)
    summary_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "scheduled_at"], name="standup_meeting_unique_time"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "running", "ended"]),
                name="standup_meeting_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True)
                | Q(started_at__isnull=True)
                | Q(ended_at__gte=models.F("started_at")),
                name="standup_meeting_ends_after_start",
            ),
        ]
        indexes = [
            # Reminders and the home page: upcoming meetings, soonest first.
            models.Index(
                fields=["scheduled_at"],
                name="standup_meeting_upcoming_idx",
                condition=Q(status="scheduled"),
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.scheduled_at, self.series.tz)
        return f"{self.series.name}, {local:%a %d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("standups:meeting_detail", args=[self.pk])

    @property
    def duration(self) -> timedelta | None:
        if self.started_at and self.ended_at:
            return self.ended_at - self.started_at
        return None

    @property
    def duration_minutes(self) -> int | None:
        d = self.duration
        return round(d.total_seconds() / 60) if d is not None else None


class Update(models.Model):
    """One team's update for one meeting: wins, needs and firefighting hours (blockers apart)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="updates")
    team = models.ForeignKey("hub.Team", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    win_1 = models.CharField(max_length=300)
    win_2 = models.CharField(max_length=300, blank=True)
    needs = models.TextField(blank=True)
    firefighting_hours = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        default=0,
        help_text="Hours the team spent this week on cross-team firefighting.",
    )
    posted_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Posted before the meeting started (kept from the first post; edits don't change it).
    on_time = models.BooleanField(default=True)

    class Meta:
        ordering = ["meeting", "team__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "team"], name="standup_update_unique_team"),
            models.CheckConstraint(
                condition=Q(firefighting_hours__gte=0, firefighting_hours__lte=168),
                name="standup_update_hours_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} for {self.meeting}"

    @property
    def wins(self) -> list[str]:
        return [w for w in (self.win_1, self.win_2) if w]


class Blocker(models.Model):
    """Something stopping a team that another team (or itself) must clear.

    A blocker that needs another team is handed to it (``handoff``) and stays open until that
    handoff is done or someone marks it resolved; open ones carry over to the next meetings.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="blockers")
    update = models.ForeignKey(
        Update, on_delete=models.SET_NULL, null=True, blank=True, related_name="blockers"
    )
    team = models.ForeignKey("hub.Team", on_delete=models.CASCADE, related_name="+")
    needs_team = models.ForeignKey("hub.Team", on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    # Lower-case words of the text: the same blocker raised again is "recurring".
    key = models.CharField(max_length=300)
    handoff = models.ForeignKey(
        "handoffs.Handoff",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "team", "key"], name="standup_blocker_unique_per_meeting"
            ),
        ]
        indexes = [
            # Carry-over and the sync with handoffs: WHERE resolved_at IS NULL.
            models.Index(
                fields=["meeting"],
                name="standup_blocker_open_idx",
                condition=Q(resolved_at__isnull=True),
            ),
            # Recurring blockers: the same key raised by a team in several meetings.
            models.Index(fields=["team", "key"], name="standup_blocker_key_idx"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.CharField(max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text


class ActionItem(models.Model):
    """Something a team (and a person in it) will do by a date."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    text = models.CharField(max_length=300)
    owner_team = models.ForeignKey("hub.Team", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # Carry-over: a series' open action items from earlier meetings.
            models.Index(
                fields=["meeting"],
                name="standup_action_open_idx",
                condition=Q(done_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class AgendaItem(models.Model):
    """An item put on a meeting's agenda, by a person or by a rule reacting to an event."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    team = models.ForeignKey(
        "hub.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event = models.ForeignKey(
        "hub.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # A rule run retried for the same event adds the item once.
            models.UniqueConstraint(
                fields=["meeting", "event"],
                condition=Q(event__isnull=False),
                name="standup_agenda_unique_event",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """A person the chair marked present at a meeting, with the team they spoke for."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("hub.Team", on_delete=models.CASCADE, related_name="+")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting", "team__name", "user__first_name", "user__email"]
        verbose_name_plural = "attendance"
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"], name="standup_attendance_unique_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.meeting}"

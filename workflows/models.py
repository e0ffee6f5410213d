"""Workflow maps (lanes = teams, steps, transitions, friction points, versions) and pilots."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class WorkflowMap(models.Model):
    """One drawn flow of work across teams, e.g. lead generation to campaign refinement."""

    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    # The number of the latest version snapshot (every save makes one).
    version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("workflows:map_detail", args=[self.pk])


class Lane(models.Model):
    """One team's swimlane on a map."""

    map = models.ForeignKey(WorkflowMap, on_delete=models.CASCADE, related_name="lanes")
    team = models.ForeignKey("hub.Team", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["map", "team"], name="lane_one_per_team"),
        ]

    def __str__(self) -> str:
        return self.team.name


class Step(models.Model):
    """A piece of work one team does. ``order`` breaks ties in the automatic layout."""

    map = models.ForeignKey(WorkflowMap, on_delete=models.CASCADE, related_name="steps")
    lane = models.ForeignKey(Lane, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=120)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Transition(models.Model):
    """Work moving from one step to the next. Across lanes it is a handoff point."""

    map = models.ForeignKey(WorkflowMap, on_delete=models.CASCADE, related_name="transitions")
    source = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="outgoing")
    target = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="incoming")
    label = models.CharField(max_length=120, blank=True)
    rules = models.ManyToManyField(  # type: ignore[var-annotated]
        "handoffs.Rule", through="HandoffLink", related_name="+", blank=True
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="transition_once"),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="transition_not_to_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


class HandoffLink(models.Model):
    """A handoff rule that automates a handoff point."""

    transition = models.ForeignKey(Transition, on_delete=models.CASCADE, related_name="links")
    rule = models.ForeignKey("handoffs.Rule", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transition", "rule"], name="handoff_link_once"),
        ]

    def __str__(self) -> str:
        return f"{self.transition} ← rule {self.rule_id}"


class FrictionPoint(models.Model):
    """Where the flow hurts: on a step, or on a handoff point (a cross-lane transition)."""

    class Kind(models.TextChoices):
        DELAY = "delay", "Delay"
        DUPLICATE = "duplicate", "Duplicate work"
        MISSING = "missing", "Missing step"
        MANUAL = "manual", "Manual handoff"
        UNCLEAR = "unclear", "Unclear owner"

    class Severity(models.IntegerChoices):
        LOW = 1, "Low"
        MEDIUM = 2, "Medium"
        HIGH = 3, "High"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PILOTING = "piloting", "Pilot running"
        RESOLVED = "resolved", "Resolved"
        DROPPED = "dropped", "Won't fix"

    map = models.ForeignKey(WorkflowMap, on_delete=models.CASCADE, related_name="frictions")
    step = models.ForeignKey(
        Step, on_delete=models.CASCADE, null=True, blank=True, related_name="frictions"
    )
    transition = models.ForeignKey(
        Transition, on_delete=models.CASCADE, null=True, blank=True, related_name="frictions"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.MEDIUM)
    notes = models.TextField(blank=True)
    owner_team = models.ForeignKey(
        "hub.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-severity", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(step__isnull=False, transition__isnull=True)
                | Q(step__isnull=True, transition__isnull=False),
                name="friction_on_step_or_transition",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["delay", "duplicate", "missing", "manual", "unclear"]),
                name="friction_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=3), name="friction_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "piloting", "resolved", "dropped"]),
                name="friction_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.where}"

    @property
    def where(self) -> str:
        return str(self.step if self.step_id else self.transition)


class MapVersion(models.Model):
    """What a map's drawing looked like after one save."""

    map = models.ForeignKey(WorkflowMap, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["map", "number"], name="map_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.map} v{self.number}"


class Pilot(models.Model):
    """A two-week cross-team fix for one friction point, with its metric before and during."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        REVIEW = "review", "Review due"
        DECIDED = "decided", "Decided"

    class Decision(models.TextChoices):
        ADOPT = "adopt", "Adopt"
        ADJUST = "adjust", "Adjust and rerun"
        DROP = "drop", "Drop"

    friction = models.ForeignKey(FrictionPoint, on_delete=models.PROTECT, related_name="pilots")
    title = models.CharField(max_length=160)
    hypothesis = models.TextField()
    fix = models.TextField(help_text="The cross-team change: a handoff rule, a changed step…")
    fix_rule = models.ForeignKey(
        "handoffs.Rule", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    metric = models.CharField(max_length=40)
    owner_teams = models.ManyToManyField("hub.Team", related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    review_scheduled_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decision_notes = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The numbers the decision was taken on, frozen at the decision.
    result = models.JSONField(default=dict, blank=True)
    # The write-up field of pilots from before docs; its text moves into ``writeup_page``.
    writeup = models.TextField(blank=True)
    # The docs page (from the pilot template) written up for this pilot; the page shows the
    # pilot back through wiki.chips.
    writeup_page = models.ForeignKey(
        "wiki.Page", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="pilot_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["running", "review", "decided"]),
                name="pilot_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["", "adopt", "adjust", "drop"]),
                name="pilot_decision_valid",
            ),
        ]
        indexes = [
            # The review sweeper: WHERE status = 'running' AND ends_on < today.
            models.Index(
                fields=["ends_on"], name="pilot_running_end_idx", condition=Q(status="running")
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workflows:pilot_detail", args=[self.pk])


# --- Campaign launches ----------------------------------------------------------------------


class LaunchPlan(models.Model):
    """What a campaign's launch needs from the teams: expected volume, the message customers
    see, the services promoted, and the brief (a docs page from the campaign-plan template)."""

    campaign = models.OneToOneField(
        "hub.Campaign", on_delete=models.CASCADE, related_name="launch_plan"
    )
    expected_orders_per_day = models.PositiveIntegerField(default=0)
    services = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True, help_text="What customers are told.")
    # The brief and FAQ in the docs module: a plain id, read through wiki.selectors.
    brief_page_id = models.BigIntegerField(null=True, blank=True)
    checklist_opened_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_orders_per_day__lte=1_000_000),
                name="launch_expected_orders_sane",
            )
        ]

    def __str__(self) -> str:
        return f"Launch of campaign {self.campaign_id}"


class ReadinessItem(models.Model):
    """One team's confirmation a launch waits for, tracked as a handoff to that team."""

    class Kind(models.TextChoices):
        CAPACITY = "capacity", "Operations capacity"
        BRIEF = "brief", "Support brief and FAQ"
        CODES = "codes", "Promo codes work"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CONFIRMED = "confirmed", "Confirmed"
        SHORT = "short", "Capacity short"

    plan = models.ForeignKey(LaunchPlan, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    team = models.ForeignKey("hub.Team", on_delete=models.CASCADE, related_name="+")
    # Capacity is confirmed per zone; the other kinds have none.
    zone = models.ForeignKey(
        "hub.Zone", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    expected_per_day = models.PositiveIntegerField(default=0)
    capacity_per_day = models.PositiveIntegerField(null=True, blank=True)
    # Days operations can take a different number than capacity_per_day: {"2026-12-24": 20}.
    capacity_by_day = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    handoff_id = models.BigIntegerField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "zone__name", "id"]
        constraints = [
            # One item per kind (and zone) per launch, however often scheduling is processed.
            models.UniqueConstraint(
                fields=["plan", "kind", "zone"],
                name="readiness_once_per_zone",
                condition=Q(zone__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["plan", "kind"],
                name="readiness_once_per_kind",
                condition=Q(zone__isnull=True),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "confirmed", "short"]),
                name="readiness_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}{f' in {self.zone}' if self.zone_id else ''}"

    def get_absolute_url(self) -> str:
        return reverse("workflows:readiness_item", args=[self.pk])

    @property
    def done(self) -> bool:
        return self.status == self.Status.CONFIRMED

    def capacity_on(self, day: date) -> int | None:
        """Orders a day operations confirmed for ``day``: its own number, else the default."""
        special = (self.capacity_by_day or {}).get(day.isoformat())
        return int(special) if special is not None else self.capacity_per_day

    def capacity_days(self) -> list[tuple[date, int]]:
        """The days with their own capacity, in order."""
        return sorted(
            (date.fromisoformat(day), int(n)) for day, n in (self.capacity_by_day or {}).items()
        )


class Detection(models.Model):
    """Something Crossdock found wrong with a campaign, with its evidence, waiting for a person:
    confirmed, it becomes a campaign-error incident (and counts); dismissed, it never does."""

    class Kind(models.TextChoices):
        OUTSIDE = "outside", "Code redeemed outside the campaign's zones or dates"
        UNACKED = "unacked", "Code operations never acknowledged"
        NOT_IN_FAQ = "not_in_faq", "Code the support FAQ does not mention"
        OVER_CAPACITY = "over_capacity", "Orders above the confirmed capacity"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a person"
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Dismissed"

    campaign = models.ForeignKey("hub.Campaign", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # What it is about, so the same finding is raised once: a code, "zone:day", …
    subject = models.CharField(max_length=120)
    title = models.CharField(max_length=200)
    evidence = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    incident_id = models.BigIntegerField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind", "subject"], name="detection_once_per_subject"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "confirmed", "dismissed"]),
                name="detection_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

"""Daily rollups of the shared facts, targets, manual values, the monthly review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone


class DailyRollup(models.Model):
    """Counts of one day, per zone and per acquisition campaign (null: none/unknown).

    Dashboards sum these instead of scanning deliveries, so their cost grows with
    days × zones × campaigns, not with deliveries. Rebuilt per day, in one transaction.
    """

    day = models.DateField()
    zone = models.ForeignKey("hub.Zone", on_delete=models.CASCADE, null=True, blank=True)
    campaign = models.ForeignKey("hub.Campaign", on_delete=models.CASCADE, null=True, blank=True)
    completed = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # Completed without a promised window: never on time or late, so outside the on-time rate.
    no_window = models.PositiveIntegerField(default=0)
    first_completed = models.PositiveIntegerField(default=0)
    first_on_time = models.PositiveIntegerField(default=0)
    first_no_window = models.PositiveIntegerField(default=0)
    new_customers = models.PositiveIntegerField(default=0)
    leads = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # Every dashboard query: WHERE day BETWEEN :start AND :end [AND zone/campaign].
            models.Index(fields=["day", "zone", "campaign"], name="rollup_day_dims_idx"),
        ]
        constraints = [
            # One row per day and dimensions (null: none), whatever runs the rebuild; two
            # rebuilds at once can never leave two rows that both get summed.
            models.UniqueConstraint(
                F("day"),
                Coalesce("zone", Value(0)),
                Coalesce("campaign", Value(0)),
                name="rollup_unique_day_dims",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} zone={self.zone_id} campaign={self.campaign_id}"


class Target(models.Model):
    """The value a KPI should reach (set by managers)."""

    metric = models.CharField(max_length=60, unique=True)
    value = models.DecimalField(max_digits=14, decimal_places=4)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.metric} → {self.value}"


class Baseline(models.Model):
    """Where a collaboration metric started (set once: first month of data, or by hand)."""

    metric = models.CharField(max_length=60, unique=True)
    value = models.DecimalField(max_digits=14, decimal_places=4)
    month = models.DateField(null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.metric} baseline {self.value}"


class ManualValue(models.Model):
    """A value entered by hand for a metric whose source module has not landed yet."""

    metric = models.CharField(max_length=60)
    month = models.DateField(help_text="The first day of the month it is for.")
    zone = models.ForeignKey("hub.Zone", on_delete=models.CASCADE, null=True, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=4)
    note = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "month"],
                condition=Q(zone__isnull=True),
                name="manual_value_once_per_month",
            ),
            models.UniqueConstraint(
                fields=["metric", "month", "zone"],
                condition=Q(zone__isnull=False),
                name="manual_value_once_per_month_zone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.month:%Y-%m}: {self.value}"


class KpiState(models.Model):
    """Whether a KPI was on target at the last check, so a crossing is told once."""

    metric = models.CharField(max_length=60, unique=True)
    on_target = models.BooleanField()
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True)
    checked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.metric}: {'on' if self.on_target else 'off'} target"


class Review(models.Model):
    """The monthly KPI review: the numbers, what was decided, frozen when closed."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    month = models.DateField(unique=True, help_text="The first day of the month reviewed.")
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    notes = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    snapshot = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"KPI review {self.month:%B %Y}"


class ReviewActionItem(models.Model):
    """A decision someone must act on, handed to a team as a handoff."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="action_items")
    team = models.ForeignKey("hub.Team", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=300)
    handoff_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class RollupRun(models.Model):
    """One rebuild of the rollups: dashboards say when their data was last updated."""

    first_day = models.DateField()
    last_day = models.DateField()
    rows = models.PositiveIntegerField()
    finished_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-finished_at"]
        get_latest_by = "finished_at"

    def __str__(self) -> str:
        return f"Rollups {self.first_day}–{self.last_day} at {self.finished_at:%Y-%m-%d %H:%M}"


class DirtyDay(models.Model):
    """A local day whose facts changed since its rollups were built: refreshed by beat.

    Marked in the same transaction as the change; the refresh deletes a mark only if it was
    not marked again while the day was being rebuilt (``marked_at`` unchanged). A day has a
    mark per ``lane`` (the writing process's): the events of one day, processed side by side
    by several workers, would otherwise all queue on the lock of one row until each commits.
    """

    LANES = 16

    day = models.DateField()
    lane = models.PositiveSmallIntegerField(default=0)
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["day", "lane"], name="kpis_dirtyday_day_lane"),
        ]

    def __str__(self) -> str:
        return f"{self.day} changed at {self.marked_at:%Y-%m-%d %H:%M}"

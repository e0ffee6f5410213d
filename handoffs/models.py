"""Inbound integrations: who may post events to us, with which secret, and how it went."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Integration(models.Model):
    """One inbound webhook endpoint: a provider account posting to /hooks/<token>/."""

    class Kind(models.TextChoices):
        ONFLEET = "onfleet", "Onfleet"
        HUBSPOT = "hubspot", "HubSpot"
        TYPEFORM = "typeform", "Typeform"
        GENERIC = "generic", "Generic JSON (Zapier, Make, in-house)"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    # Write-only after creation: never shown again, never returned by the API.
    secret = models.CharField(max_length=255)
    previous_secret = models.CharField(max_length=255, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_event_at = models.DateTimeField(null=True, blank=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["onfleet", "hubspot", "typeform", "generic"]),
                name="integration_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "paused"]), name="integration_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("handoffs:integration_detail", args=[self.pk])

    @property
    def webhook_path(self) -> str:
        return reverse("webhook", args=[self.token])

    def webhook_url(self, base_url: str | None = None) -> str:
        return (base_url or settings.SITE_URL).rstrip("/") + self.webhook_path

    def secrets_valid_at(self, now) -> list[str]:
        """The current secret, and the previous one during its grace period."""
        valid = [self.secret] if self.secret else []
        if (
            self.previous_secret
            and self.previous_secret_expires_at
            and self.previous_secret_expires_at > now
        ):
            valid.append(self.previous_secret)
        return valid

    @property
    def secret_hint(self) -> str:
        return f"…{self.secret[-4:]}" if len(self.secret) >= 8 else "set"


class WebhookRejection(models.Model):
    """A request to an integration's URL that we refused (bad signature, bad body, …)."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="rejections"
    )
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=300)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["integration", "-at"], name="rejection_recent_idx")]

    def __str__(self) -> str:
        return f"{self.status_code} {self.reason}"


class ImportJob(models.Model):
    """One CSV import of past data, with its progress and what became of each row."""

    class Kind(models.TextChoices):
        ONFLEET_TASKS = "onfleet_tasks", "Onfleet task export (CSV)"
        HUBSPOT_CONTACTS = "hubspot_contacts", "HubSpot contacts export (CSV)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    filename = models.CharField(max_length=255)
    content = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # What a running import is doing: checking rows (with a count) or writing them.
    stage = models.CharField(max_length=20, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # [{"row": 7, "reason": "…"}], at most a few hundred.
    rejections = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweeper: WHERE status IN ('queued', 'running').
            models.Index(
                fields=["created_at"],
                name="import_unfinished_idx",
                condition=Q(status__in=["queued", "running"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status in (self.Status.DONE, self.Status.FAILED) else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

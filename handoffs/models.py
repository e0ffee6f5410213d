"""Inbound integrations: who may post events to us, with which secret, and how it went."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from hub import links


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
    # Data rows read and settled (imported or rejected), committed with them batch by batch: a
    # resumed import starts after them.
    position = models.PositiveIntegerField(default=0)
    # The runner holding the job, until when: renewed with every batch, so a slow import is never
    # taken for a dead one; a batch commits only while its runner still holds the lease.
    lease_token = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
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


# --- Channels, rules, handoffs and their alerts ---------------------------------------------


class Channel(models.Model):
    """Where a team hears about handoffs: Slack, email, Teams, a webhook, or the in-app inbox."""

    class Kind(models.TextChoices):
        SLACK = "slack", "Slack (incoming webhook)"
        EMAIL = "email", "Email"
        TEAMS = "teams", "Microsoft Teams (incoming webhook)"
        WEBHOOK = "webhook", "Outbound webhook (JSON, signed)"
        INBOX = "inbox", "In-app inbox"

    team = models.ForeignKey("hub.Team", on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=120)
    # Slack/Teams/webhook: the URL (a secret: admins only). Email: addresses, comma-separated;
    # empty means every member of the team.
    target = models.CharField(max_length=1000, blank=True)
    # Outbound webhooks sign their body with this.
    signing_secret = models.CharField(max_length=128, blank=True)
    fallback = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="fallback_for"
    )
    enabled = models.BooleanField(default=True)
    # Pacing: the earliest time the next message may go out (Slack: about one per second).
    next_send_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["slack", "email", "teams", "webhook", "inbox"]),
                name="channel_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(fallback=models.F("id")), name="channel_not_its_own_fallback"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team.name}: {self.name}" if self.team_id else self.name


class TeamAlertSettings(models.Model):
    """A team's quiet hours and daily digest."""

    team = models.OneToOneField("hub.Team", on_delete=models.CASCADE, related_name="alert_settings")
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    daily_digest = models.BooleanField(
        default=False, help_text="Hold non-urgent alerts and send one summary a day."
    )
    digest_hour = models.PositiveSmallIntegerField(default=8)

    class Meta:
        verbose_name_plural = "team alert settings"
        constraints = [
            models.CheckConstraint(condition=Q(digest_hour__lte=23), name="digest_hour_valid")
        ]

    def __str__(self) -> str:
        return f"Alert settings of {self.team}"


class Rule(models.Model):
    """When an event of ``trigger`` matches the conditions, hand work to the teams."""

    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    trigger = models.CharField(
        max_length=120, help_text="An event type, e.g. hubspot.contact.creation, or prefix.*"
    )
    # {"match": "all"|"any", "conditions": [{"field": "...", "op": "...", "value": "..."}]}
    conditions = models.JSONField(default=dict, blank=True)
    teams = models.ManyToManyField("hub.Team", related_name="rules")
    channels = models.ManyToManyField(Channel, blank=True, related_name="rules")
    title_template = models.CharField(max_length=300)
    message_template = models.TextField(blank=True)
    requires_ack = models.BooleanField(default=True)
    sla_minutes = models.PositiveIntegerField(null=True, blank=True)
    escalate_to_team = models.ForeignKey(
        "hub.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalate_channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalate_to_managers = models.BooleanField(default=True)
    dedupe_key = models.CharField(
        max_length=200, blank=True, help_text="e.g. {{ customer.id }}: one handoff per customer…"
    )
    dedupe_minutes = models.PositiveIntegerField(default=60, help_text="…per this many minutes.")
    owner_team = models.ForeignKey("hub.Team", on_delete=models.PROTECT, related_name="owned_rules")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    minutes_saved = models.PositiveIntegerField(
        default=5, help_text="Manual minutes one run of this rule saves."
    )
    # What the rule does when it matches: a key of the action registry (handoffs.actions), and
    # that action's own settings (its form's cleaned data).
    action = models.CharField(max_length=60, default="handoffs.create")
    action_params = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    template_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            # Every event: WHERE enabled AND trigger IN (:type, :prefix.*).
            models.Index(
                fields=["trigger"], name="rule_enabled_trigger_idx", condition=Q(enabled=True)
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("handoffs:rule_detail", args=[self.pk])


class RuleVersion(models.Model):
    """What a rule looked like at each version, and who made it so."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "version"], name="rule_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rule} v{self.version}"


class Handoff(models.Model):
    """A cross-team item that one team must acknowledge."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        DONE = "done", "Done"
        MISSED = "missed", "Missed"

    rule = models.ForeignKey(
        Rule, on_delete=models.SET_NULL, null=True, blank=True, related_name="handoffs"
    )
    rule_version = models.PositiveIntegerField(null=True, blank=True)
    event = models.ForeignKey(
        "hub.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="handoffs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_team = models.ForeignKey(
        "hub.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey("hub.Team", on_delete=models.CASCADE, related_name="handoffs")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    requires_ack = models.BooleanField(default=True)
    due_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_via = models.CharField(max_length=20, blank=True)
    missed_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One handoff per rule, event and team, however often the event is processed.
            models.UniqueConstraint(
                fields=["rule", "event", "team"],
                name="handoff_once_per_rule_event_team",
                condition=Q(rule__isnull=False, event__isnull=False),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "acknowledged", "done", "missed"]),
                name="handoff_status_valid",
            ),
        ]
        indexes = [
            # The SLA sweeper: WHERE status = 'open' AND due_at < now().
            models.Index(
                fields=["due_at"], name="handoff_open_due_idx", condition=Q(status="open")
            ),
            models.Index(fields=["team", "status"], name="handoff_team_status_idx"),
            # Dedupe: the rule's recent handoffs with one key.
            models.Index(fields=["rule", "dedupe_key", "-created_at"], name="handoff_dedupe_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("handoffs:handoff_detail", args=[self.pk])

    @property
    def site_link(self) -> str:
        """The link, when it is a path on this site (rows stored before that was checked may
        hold anything, e.g. ``javascript:``); else empty."""
        return self.link if links.is_site_path(self.link) else ""


class HandoffComment(models.Model):
    """A note on a handoff by anyone who may see it: a question, an answer, why it moved on."""

    MAX_LENGTH = 4000

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="handoff_comment_not_empty"),
        ]
        # A handoff's page and its API list: WHERE handoff_id = … ORDER BY created_at.
        indexes = [models.Index(fields=["handoff", "created_at"], name="handoff_comment_idx")]

    def __str__(self) -> str:
        return self.body[:60]


class Alert(models.Model):
    """One outbound message on one channel, or to one person or address: written before it is
    sent (the outbox). A handoff's alerts take their words from the handoff; a message sent with
    ``notify`` (a reminder, an invitation, a mention) carries its own."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        HELD = "held", "Held for the digest"

    class Purpose(models.TextChoices):
        NOTIFY = "notify", "Notification"
        ESCALATION = "escalation", "Escalation"
        FALLBACK = "fallback", "Fallback"
        TEST = "test", "Test message"
        MESSAGE = "message", "Message"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    handoff = models.ForeignKey(
        Handoff, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    # A team's channel; none for a message straight to a person or an address (``kind`` says how).
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    kind = models.CharField(max_length=10, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="direct_alerts",
    )
    address = models.EmailField(blank=True)
    purpose = models.CharField(max_length=12, choices=Purpose.choices, default=Purpose.NOTIFY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    fallback_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="fallbacks"
    )
    # Test messages and ``notify`` messages carry their own words.
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    # e.g. {"unsubscribe_url": "…"} (email adds a List-Unsubscribe header and a footer line).
    extra = models.JSONField(default=dict, blank=True)
    # ``notify(dedupe_key=…)``: the same message to the same place is written once.
    dedupe_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One notification of a handoff per channel, however often the rule runs.
            models.UniqueConstraint(
                fields=["handoff", "channel", "purpose"],
                name="alert_once_per_handoff_channel",
                condition=Q(handoff__isnull=False),
            ),
            models.CheckConstraint(
                condition=Q(channel__isnull=False) | Q(kind__in=["email", "inbox"]),
                name="alert_has_a_way_out",
            ),
        ]
        indexes = [
            # The sweeper and the pacer: WHERE status IN ('pending','sending') ORDER BY due time.
            models.Index(
                fields=["next_attempt_at"],
                name="alert_unsent_idx",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["channel", "status"], name="alert_channel_status_idx"),
        ]

    def __str__(self) -> str:
        where = self.channel or self.address or self.recipient or self.kind
        return f"{where} · {self.handoff or self.subject}"

    @property
    def way_out(self) -> str:
        """The kind of channel it goes out on."""
        return self.channel.kind if self.channel_id and self.channel else self.kind


class AlertAttempt(models.Model):
    """One try at sending an alert, with what the other side answered."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    response = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    # Written (False) before the request leaves, finished when its answer is recorded: an
    # unfinished attempt of a stale alert means the message may have gone out (at most once).
    finished = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.status_code or self.error}"


class RuleEvaluation(models.Model):
    """What a rule made of one event: each condition's outcome, and the handoffs it created."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="evaluations")
    rule_version = models.PositiveIntegerField()
    event = models.ForeignKey(
        "hub.Event", on_delete=models.CASCADE, related_name="rule_evaluations"
    )
    matched = models.BooleanField()
    # [{"field": ..., "op": ..., "value": ..., "actual": ..., "held": bool}]
    details = models.JSONField(default=list)
    outcome = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "event"], name="evaluation_once_per_rule_event")
        ]

    def __str__(self) -> str:
        return f"{self.rule} on {self.event_id}: {'match' if self.matched else 'no match'}"

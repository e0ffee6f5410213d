"""The shared core: people, teams, the business facts every team joins, the event log,
the in-app inbox and the audit log."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone


class User(AbstractUser):
    """A person who signs in. Email is the login; the username stays for Django's own tools."""

    email = models.EmailField("email address", unique=True)

    class Meta:
        ordering = ["first_name", "last_name", "email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Admin"


ROLE_RANK = {Role.MEMBER: 1, Role.MANAGER: 2, Role.ADMIN: 3}


class Team(models.Model):
    """One function of the company: Marketing, Operations, Customer Support, Tech, …"""

    class Kind(models.TextChoices):
        MARKETING = "marketing", "Marketing"
        OPERATIONS = "operations", "Operations"
        SUPPORT = "support", "Customer support"
        TECH = "tech", "Tech"
        OTHER = "other", "Other"

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    members = models.ManyToManyField(  # type: ignore[var-annotated]
        User, through="Membership", related_name="teams"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_unique_user_team"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


class Invitation(models.Model):
    """An admin's invitation by email; accepting it creates the person and their membership."""

    email = models.EmailField()
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    def is_usable(self, now) -> bool:
        return self.accepted_at is None and self.expires_at > now


# --- Business facts ---------------------------------------------------------------------


class Zone(models.Model):
    """A delivery zone ops can serve (or is preparing to)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    launched_on = models.DateField(null=True, blank=True)
    # How dispatch data finds its zone: the dispatch tool's team id, or postal-code prefixes.
    dispatch_team_id = models.CharField(max_length=64, blank=True, db_index=True)
    postal_codes = models.CharField(
        max_length=500, blank=True, help_text="Comma-separated postal codes or prefixes."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    class Channel(models.TextChoices):
        SEARCH = "search", "Paid search"
        SOCIAL = "social", "Paid social"
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"
        REFERRAL = "referral", "Referral"
        PARTNER = "partner", "Partner"
        OFFLINE = "offline", "Offline"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        LIVE = "live", "Live"
        ENDED = "ended", "Ended"
        CANCELLED = "cancelled", "Cancelled"

    name = models.CharField(max_length=120)
    external_id = models.CharField(max_length=120, unique=True, null=True, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.OTHER)
    segment = models.CharField(max_length=120, blank=True)
    zones = models.ManyToManyField(Zone, blank=True, related_name="campaigns")
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    budget = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    owner_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="campaigns"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="campaign_budget_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class PromoCode(models.Model):
    code = models.CharField(max_length=40, unique=True)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="promo_codes"
    )
    discount_percent = models.PositiveSmallIntegerField(default=10)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    # Switched off by marketing: kept (customers and deliveries still point at it) but no
    # longer offered.
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_percent__lte=100), name="promo_discount_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class MarketingSpend(models.Model):
    """What one campaign cost on one day, in one zone when the spend was aimed at one."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="spend")
    day = models.DateField()
    # Null: not aimed at one zone (attributed to the campaign's zone if it has exactly one).
    zone = models.ForeignKey(
        Zone, on_delete=models.PROTECT, null=True, blank=True, related_name="spend"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day"],
                condition=Q(zone__isnull=True),
                name="spend_unique_campaign_day",
            ),
            models.UniqueConstraint(
                fields=["campaign", "day", "zone"],
                condition=Q(zone__isnull=False),
                name="spend_unique_campaign_day_zone",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="spend_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.day}: {self.amount}"


class Customer(models.Model):
    """One customer, whether CRM or dispatch saw them first (matched by email or phone)."""

    name = models.CharField(max_length=160, blank=True)
    # Stored normalised (lower-case email, E.164-ish phone) so CRM and dispatch records meet.
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=32, blank=True, db_index=True)
    crm_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    dispatch_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    lifecycle_stage = models.CharField(max_length=40, blank=True)
    acquisition_source = models.CharField(max_length=80, blank=True)
    acquisition_campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="customers"
    )
    promo_code = models.ForeignKey(
        PromoCode, on_delete=models.SET_NULL, null=True, blank=True, related_name="customers"
    )
    zone = models.ForeignKey(
        Zone, on_delete=models.SET_NULL, null=True, blank=True, related_name="customers"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Provider time of the last value applied per source field, so late events never
    # overwrite newer ones: {"hubspot:email": 1700000000000, ...} (epoch milliseconds).
    sync_state = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-first_seen_at"]
        indexes = [
            # New customers per period (CAC, first-delivery KPIs).
            models.Index(fields=["first_seen_at"], name="customer_first_seen_idx"),
            # KPI refresh: customers changed lately, including by bulk updates (imports).
            models.Index(fields=["updated_at"], name="customer_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"Customer {self.pk}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        IN_PROGRESS = "in_progress", "In progress"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    dispatch_id = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    zone = models.ForeignKey(
        Zone, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    failure_reason = models.CharField(max_length=120, blank=True)
    # Completed within the promised window; null until the delivery is completed.
    on_time = models.BooleanField(null=True, blank=True)
    is_first_for_customer = models.BooleanField(default=False)
    promo_code = models.ForeignKey(
        PromoCode, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Provider time (epoch ms) of the last dispatch event applied; older events are ignored.
    sync_state = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-window_start"]
        verbose_name_plural = "deliveries"
        indexes = [
            # Daily rollups scan one period of completed deliveries, optionally per zone.
            models.Index(fields=["completed_at"], name="delivery_completed_idx"),
            models.Index(fields=["zone", "completed_at"], name="delivery_zone_completed_idx"),
            models.Index(fields=["customer", "window_start"], name="delivery_customer_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__isnull=True)
                | Q(window_start__isnull=True)
                | Q(window_end__gte=models.F("window_start")),
                name="delivery_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.dispatch_id}"


class Driver(models.Model):
    """A courier who delivers for the company: learned from dispatch (an Onfleet worker seen in
    a task or duty event) or entered once by operations. Driver surveys go to active drivers."""

    name = models.CharField(max_length=160, blank=True)
    # Stored normalised (lower-case) like customers' emails; dispatch rarely knows it.
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    dispatch_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    zone = models.ForeignKey(
        Zone, on_delete=models.SET_NULL, null=True, blank=True, related_name="drivers"
    )
    active = models.BooleanField(default=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Provider time (epoch ms) of the last dispatch values applied; older events are ignored.
    sync_state = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # One driver per address: surveys and reminders go to it once.
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="driver_unique_email"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"Driver {self.pk}"


class Incident(models.Model):
    """Something that went wrong across teams: a campaign error, a complaint, an outage."""

    class Kind(models.TextChoices):
        CAMPAIGN_ERROR = "campaign_error", "Campaign error"
        COMPLAINT = "complaint", "Customer complaint"
        OPERATIONS = "operations", "Operations incident"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    zone = models.ForeignKey(
        Zone, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    # Complaint tied to a communication error between teams (the article's success metric).
    communication_error = models.BooleanField(default=False)
    reported_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["kind", "occurred_at"], name="incident_kind_time_idx")]

    def __str__(self) -> str:
        return self.title


# --- Event log --------------------------------------------------------------------------


class Event(models.Model):
    """Something that happened, outside (a provider webhook) or inside (an app's action).

    Written once per (source, external_id); processing runs after commit in a Celery task.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=40)
    type = models.CharField(max_length=120)
    external_id = models.CharField(max_length=255)
    payload = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Stored and visible, but no adapter understood its type.
    unmapped = models.BooleanField(default=False)
    # The inbound integration (handoffs.Integration) that received it; none for internal
    # events. A plain id: the hub depends on no other app.
    integration_id = models.BigIntegerField(null=True, blank=True)
    # What the event is about, as "<kind>:<id>[:<detail>]" (e.g. "task:abc", "contact:42:email"):
    # finds the previous event about the same thing, and every event about a customer.
    subject = models.CharField(max_length=255, blank=True)
    # Each subscriber's own progress: {name: {"status": "done"|"failed", "attempts": n,
    # "error": "…"}}. A subscriber that is done is not run again when another one fails.
    progress = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="event_unique_source_external_id"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "processing", "processed", "failed"]),
                name="event_status_valid",
            ),
        ]
        indexes = [
            # The sweeper: WHERE status IN ('pending', 'processing') AND received_at < :cutoff.
            models.Index(
                fields=["received_at"],
                name="event_unfinished_idx",
                condition=Q(status__in=["pending", "processing"]),
            ),
            # The event browser filters by type, newest first.
            models.Index(fields=["type", "-id"], name="event_type_idx"),
            # An integration's page: its events, newest first, and per-day counts.
            models.Index(fields=["integration_id", "-id"], name="event_integration_idx"),
            # "Changed to" conditions and Explain: the events about one subject, newest first.
            models.Index(fields=["subject", "-id"], name="event_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} ({self.external_id})"

    @property
    def failed_subscribers(self) -> list[tuple[str, str]]:
        """(name, error) of each subscriber whose last run on this event failed."""
        return [
            (name, state.get("error", ""))
            for name, state in (self.progress or {}).items()
            if state.get("status") == "failed"
        ]


# --- Inbox and audit ---------------------------------------------------------------------


class ConfigGeneration(models.Model):
    """One row the database counts configuration writes on (see hub/configuration.py)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"configuration generation {self.value}"


class Notification(models.Model):
    """One message in a person's in-app inbox."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The header's unread count: WHERE recipient_id = :me AND read_at IS NULL.
            models.Index(
                fields=["recipient"],
                name="notification_unread_idx",
                condition=Q(read_at__isnull=True),
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class AuditLog(models.Model):
    """Who changed what, and when. Written by services, never edited."""

    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"


class IdempotencyKey(models.Model):
    """The first answer to an API call made with an ``Idempotency-Key`` header (hub.idempotency)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=100)
    key = models.CharField(max_length=255)
    # SHA-256 of the request body: the same key with another body is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"

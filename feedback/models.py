"""Surveys, their questions, invitations (public links), responses and answers, opt-outs and
themes. Anonymous surveys keep no link between a response and the person who gave it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from hub.models import Campaign, Customer, Delivery, Driver, Team, Zone

TEXT_LIMIT = 2000


class Survey(models.Model):
    class Audience(models.TextChoices):
        CUSTOMERS = "customers", "Customers"
        DRIVERS = "drivers", "Drivers"
        STAFF = "staff", "Staff (teams)"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    class DriverScope(models.TextChoices):
        ALL = "all", "Every active driver"
        CHOSEN = "chosen", "Only the drivers chosen below"

    class Schedule(models.TextChoices):
        NONE = "", "Only when sent by hand or by a rule"
        FIRST_MONDAY = "first_monday", "First Monday of each month"
        FIRST_DAY = "first_day", "First day of each month"

    title = models.CharField(max_length=160)
    description = models.TextField(blank=True, help_text="Shown above the questions.")
    audience = models.CharField(max_length=12, choices=Audience.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    anonymous = models.BooleanField(
        default=False, help_text="Keep no link between an answer and the person who gave it."
    )
    min_group_size = models.PositiveSmallIntegerField(
        default=5, help_text="Fewest responses before results are shown for one team or zone."
    )
    template_key = models.CharField(max_length=40, blank=True)
    schedule = models.CharField(max_length=16, choices=Schedule.choices, blank=True, default="")
    # Driver surveys: every active driver with an address, or the chosen ones.
    driver_scope = models.CharField(
        max_length=8,
        choices=DriverScope.choices,
        default=DriverScope.ALL,
        help_text="For driver surveys: who is invited.",
    )
    drivers = models.ManyToManyField(
        Driver, blank=True, related_name="+", help_text="For driver surveys sent to chosen drivers."
    )
    recipients = models.TextField(
        blank=True, help_text="Extra email addresses, one a line (anyone else to invite)."
    )
    reminder_after_days = models.PositiveSmallIntegerField(default=3)
    max_reminders = models.PositiveSmallIntegerField(default=2)
    expires_after_days = models.PositiveSmallIntegerField(default=14)
    # Typeform responses to this form are stored as this survey's responses.
    typeform_form_id = models.CharField(max_length=64, blank=True, db_index=True)
    embed_key = models.CharField(max_length=32, unique=True)
    embed_origins = models.CharField(
        max_length=500,
        blank=True,
        help_text="Sites that may embed the survey, space-separated (empty: any https site).",
    )
    thank_you = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "active", "closed"]), name="survey_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=["customers", "drivers", "staff"]),
                name="survey_audience_valid",
            ),
            models.CheckConstraint(condition=Q(min_group_size__gte=1), name="survey_min_group"),
            models.CheckConstraint(
                condition=Q(driver_scope__in=["all", "chosen"]), name="survey_driver_scope_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        NPS = "nps", "NPS (0–10)"
        CSAT = "csat", "CSAT (1–5)"
        RATING = "rating", "Rating (1–5)"
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        SHORT = "short", "Short text"
        LONG = "long", "Long text"

    class Measure(models.TextChoices):
        NONE = "", "Nothing"
        CSAT = "csat", "Customer satisfaction (CSAT)"
        NPS = "nps", "Net promoter score"
        COMMUNICATION = "comm", "Cross-team communication"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=False)
    choices = models.JSONField(default=list, blank=True)
    # What the KPIs read from this question's answers (one per survey at most).
    measures = models.CharField(max_length=8, choices=Measure.choices, blank=True, default="")
    # Skip logic: show only if the earlier question's answer is one of these values.
    show_if = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    show_if_values = models.JSONField(default=list, blank=True)
    # The Typeform field ref (or id), or the CSV column heading, that carries this answer.
    external_ref = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["survey", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=["nps", "csat", "rating", "single", "multiple", "short", "long"]
                ),
                name="question_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_scale(self) -> bool:
        return self.kind in (self.Kind.NPS, self.Kind.CSAT, self.Kind.RATING)

    @property
    def is_text(self) -> bool:
        return self.kind in (self.Kind.SHORT, self.Kind.LONG)

    @property
    def scale(self) -> range:
        return range(0, 11) if self.kind == self.Kind.NPS else range(1, 6)


class Invitation(models.Model):
    """One person's link to one survey: answered once, until it expires."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Sent by hand"
        SCHEDULE = "schedule", "Schedule"
        RULE = "rule", "Handoff rule"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    # The send this belongs to (a month, a delivery, a day): one invitation per person per round.
    round = models.CharField(max_length=80)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delivery = models.ForeignKey(
        Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The driver invited (empty on anonymous surveys).
    driver = models.ForeignKey(
        Driver, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A group-level fact kept on anonymous surveys too, like the team: a driver's zone.
    zone = models.ForeignKey(
        Zone, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "email", "round"], name="invitation_once_per_round"
            ),
        ]
        indexes = [
            # The reminder sweep: WHERE answered_at IS NULL AND sent_at IS NOT NULL.
            models.Index(
                fields=["sent_at"],
                name="invitation_unanswered_idx",
                condition=Q(answered_at__isnull=True, sent_at__isnull=False),
            ),
            # "At most one survey per customer per 30 days".
            models.Index(fields=["email", "-created_at"], name="invitation_email_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.email}"


class Response(models.Model):
    class Source(models.TextChoices):
        LINK = "link", "Invitation link"
        EMBED = "embed", "Order-tracking page"
        TYPEFORM = "typeform", "Typeform"
        IMPORT = "import", "CSV import"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.LINK)
    # Empty on anonymous surveys: nothing leads from a response back to a person.
    invitation = models.OneToOneField(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="response"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delivery = models.ForeignKey(
        Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Group-level facts, kept on anonymous responses too (shown only for big enough groups).
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    zone = models.ForeignKey(
        Zone, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    promo = models.BooleanField(default=False, help_text="The customer's delivery used a promo.")
    order_ref = models.CharField(max_length=64, blank=True)
    # Typeform's response token, an imported row's id: a repeat is not stored twice.
    external_id = models.CharField(max_length=120, blank=True)
    # The answer to the survey's measuring question (CSAT 1–5, NPS 0–10, communication 1–5).
    score = models.SmallIntegerField(null=True, blank=True)
    measure = models.CharField(max_length=8, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "external_id"],
                condition=~Q(external_id=""),
                name="response_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["survey", "order_ref"],
                condition=~Q(order_ref=""),
                name="response_once_per_order",
            ),
        ]
        indexes = [
            # Results and KPI sources: one survey's (or one measure's) responses over a period.
            models.Index(fields=["survey", "-submitted_at"], name="response_survey_time_idx"),
            models.Index(fields=["measure", "submitted_at"], name="response_measure_time_idx"),
        ]

    def __str__(self) -> str:
        return f"Response {self.pk} to {self.survey}"


class Theme(models.Model):
    """A recurring subject of text answers (late delivery, driver conduct, promo confusion…)."""

    name = models.CharField(max_length=60, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True)
    # Stored as typed and escaped wherever shown; length-limited by the services.
    text = models.TextField(blank=True)
    choices = models.JSONField(default=list, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="answers")

    class Meta:
        ordering = ["response", "question__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_once"),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"

    @property
    def display(self) -> str:
        if self.number is not None:
            return str(self.number)
        if self.choices:
            return ", ".join(str(c) for c in self.choices)
        return self.text


class OptOut(models.Model):
    """An address that asked for no more surveys: honoured forever."""

    email = models.EmailField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email

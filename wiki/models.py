"""Shared docs: spaces, pages in a tree, revisions, conflict copies, attachments, comments,
watchers, mentions, page views, links between pages and onboarding progress."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from hub.models import Team, User


class Template(models.TextChoices):
    BLANK = "blank", "Blank page"
    CAMPAIGN_PLAN = "campaign_plan", "Campaign plan"
    DELIVERY_SCHEDULE = "delivery_schedule", "Delivery schedule"
    FAQ = "faq", "FAQ"
    ONBOARDING = "onboarding", "Onboarding module"
    PILOT = "pilot", "Pilot write-up"
    MEETING = "meeting", "Meeting notes"


class Space(models.Model):
    """Where pages live: one per team, and one shared by everyone (no team)."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    team = models.OneToOneField(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="wiki_space"
    )
    description = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("wiki:space", args=[self.slug])


class Page(models.Model):
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="pages")
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    body = models.TextField(blank=True)
    template = models.CharField(max_length=30, choices=Template.choices, default=Template.BLANK)
    owner_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="wiki_pages")
    review_every_days = models.PositiveSmallIntegerField(default=90)
    # Last save or explicit review; the page is due for review review_every_days later.
    reviewed_at = models.DateTimeField(default=timezone.now)
    # The number of the latest revision: an editor sends the number it started from.
    revision_number = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    # Title (weight A) and body (weight B), kept by the services on Postgres; null elsewhere.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["space", "slug"], name="wiki_page_unique_space_slug"),
            models.CheckConstraint(
                condition=Q(review_every_days__gte=1), name="wiki_page_review_positive"
            ),
        ]
        indexes = [
            # Recently changed on the wiki home: ORDER BY updated_at DESC.
            models.Index(fields=["-updated_at"], name="wiki_page_updated_idx"),
            # The GIN index on search_vector is created by migration 0002 (Postgres only).
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("wiki:page", args=[self.pk, self.slug or "-"])

    def review_due_at(self) -> datetime:
        return self.reviewed_at + timedelta(days=self.review_every_days)

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.review_due_at() < (now or timezone.now())


class Revision(models.Model):
    """Every save of a page: what it said, who wrote it and when."""

    class Kind(models.TextChoices):
        CREATE = "create", "Created"
        EDIT = "edit", "Edited"
        RESTORE = "restore", "Restored"
        MERGE = "merge", "Merged a conflict"

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EDIT)
    note = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="wiki_revisions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="wiki_revision_unique_number"),
        ]
        indexes = [
            # Watcher digests and the silo check: revisions since a moment, by author.
            models.Index(fields=["created_at"], name="wiki_revision_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.page} r{self.number}"


class ConflictCopy(models.Model):
    """A save refused because the page changed meanwhile: the refused text, kept to merge."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="conflicts")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="wiki_conflicts")
    base_number = models.PositiveIntegerField()
    current_number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Conflict copy of {self.page} by {self.author}"

    def get_absolute_url(self) -> str:
        return reverse("wiki:conflict", args=[self.page_id, self.pk])


def _attachment_path(instance: Attachment, filename: str) -> str:
    now = timezone.now()
    return f"wiki/{now:%Y/%m}/{instance.page_id}-{filename}"


class Attachment(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("wiki:attachment", args=[self.pk])

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/png", "image/jpeg", "image/gif", "image/webp")


class Comment(models.Model):
    """A comment on a page, or inline on a quoted passage; replies point at their parent."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    quote = models.TextField(blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(quote=""),
                name="wiki_comment_reply_has_no_quote",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment on {self.page}"


class Watch(models.Model):
    """A person watching a page or a whole space; digests cover changes since notified_through."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="wiki_watches")
    page = models.ForeignKey(
        Page, on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )
    space = models.ForeignKey(
        Space, on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )
    notified_through = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(page__isnull=False) & Q(space__isnull=True))
                | (Q(page__isnull=True) & Q(space__isnull=False)),
                name="wiki_watch_page_xor_space",
            ),
            models.UniqueConstraint(
                fields=["user", "page"],
                condition=Q(page__isnull=False),
                name="wiki_watch_unique_page",
            ),
            models.UniqueConstraint(
                fields=["user", "space"],
                condition=Q(space__isnull=False),
                name="wiki_watch_unique_space",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} watches {self.page or self.space}"


class Mention(models.Model):
    """Someone or a team named with @ in a page or a comment; notified once."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="mentions")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, null=True, blank=True)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(team__isnull=False),
                name="wiki_mention_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.user or self.team} in {self.page}"


class PageView(models.Model):
    """Reads per person per day: most read pages, and who outside the owner team reads."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="views")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    count = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "user", "day"], name="wiki_view_unique_day"),
        ]
        indexes = [
            # Most read: WHERE day >= :since GROUP BY page.
            models.Index(fields=["day", "page"], name="wiki_view_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.page} on {self.day}"


class PageLink(models.Model):
    """A link from one page's body to another page, rebuilt on every save."""

    source = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="links_in")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="wiki_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


class OnboardingStep(models.Model):
    """A new hire has worked through one onboarding module."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="wiki_onboarding")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="onboarding_steps")
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "page"], name="wiki_onboarding_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} finished {self.page}"

"""The only writers of shared docs. Pages, API, tasks, commands and other apps call these.

Public seams for other modules:

- ``page_create_from_template(actor=, space=, template=, title=, context=)``: a campaign plan,
  delivery schedule, FAQ, onboarding module, pilot write-up or meeting notes, filled in.
- ``space_for_team(team)`` / ``shared_space()``: where to put it.
- ``page_save(actor=, page=, title=, body=, base_number=)``: an edit, refused (and kept as a
  conflict copy) when the page changed since ``base_number``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from handoffs import services as handoff_services
from hub import audit, events
from hub.errors import DomainError
from hub.models import Event, Team, User
from wiki import page_templates, rendering
from wiki.models import (
    Attachment,
    Comment,
    ConflictCopy,
    Mention,
    OnboardingStep,
    Page,
    PageLink,
    PageView,
    Revision,
    Space,
    Template,
    Watch,
)

logger = logging.getLogger(__name__)

SHARED_SLUG = "shared"
MAX_BODY = 200_000
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_UPLOADS = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


# --- Spaces -------------------------------------------------------------------------------


def shared_space() -> Space:
    """The space every team shares. Created on first use; idempotent."""
    space, _ = Space.objects.get_or_create(
        slug=SHARED_SLUG,
        defaults={"name": "Shared", "description": "Campaign plans, schedules and FAQs for all."},
    )
    return space


def space_for_team(team: Team) -> Space:
    """The team's own space. Created on first use; idempotent."""
    space = Space.objects.filter(team=team).first()
    if space is not None:
        return space
    slug = slugify(team.slug or team.name)[:70] or f"team-{team.pk}"
    if slug == SHARED_SLUG or Space.objects.filter(slug=slug).exists():
        slug = f"{slug}-{team.pk}"
    try:
        with transaction.atomic():
            return Space.objects.create(name=team.name, slug=slug, team=team)
    except IntegrityError:  # another request made it first
        return Space.objects.get(team=team)


def spaces_ensure() -> list[Space]:
    """One space per team and the shared one. Idempotent."""
    return [shared_space(), *(space_for_team(t) for t in Team.objects.order_by("name"))]


# --- Pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    """What a save did: the new revision, or the conflict copy when it was refused."""

    page: Page
    revision: Revision | None = None
    conflict: ConflictCopy | None = None

    @property
    def refused(self) -> bool:
        return self.conflict is not None


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise DomainError("Give the page a title.", field="title")
    if len(title) > 200:
        raise DomainError("Keep the title under 200 characters.", field="title")
    return title


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n")
    if len(body) > MAX_BODY:
        raise DomainError("This page is too long: split it into several pages.", field="body")
    return body


def _unique_slug(space: Space, title: str, exclude: int | None = None) -> str:
    base = slugify(title)[:180] or "page"
    slug, n = base, 1
    taken = Page.objects.filter(space=space)
    if exclude:
        taken = taken.exclude(pk=exclude)
    while taken.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_parent(page: Page | None, space: Space, parent: Page | None) -> None:
    if parent is None:
        return
    if parent.space_id != space.pk:
        raise DomainError("A parent page must be in the same space.", field="parent")
    node: Page | None = parent
    while node is not None and page is not None:
        if node.pk == page.pk:
            raise DomainError("A page cannot sit under itself.", field="parent")
        node = node.parent


def _default_owner(actor: User, space: Space) -> Team:
    if space.team_id:
        return space.team  # type: ignore[return-value]
    team = Team.objects.filter(memberships__user=actor).order_by("id").first()
    if team is None:
        raise DomainError("Pick the team that owns this page.", field="owner_team")
    return team


def page_create(
    *,
    actor: User,
    space: Space,
    title: str,
    body: str = "",
    template: str = Template.BLANK,
    parent: Page | None = None,
    owner_team: Team | None = None,
    review_every_days: int | None = None,
    now: datetime | None = None,
) -> Page:
    """Create a page with its first revision; notifies its mentions. The author watches it."""
    now = now or timezone.now()
    title, body = _clean_title(title), _clean_body(body)
    if template not in Template.values:
        raise DomainError("No such template.", field="template")
    _check_parent(None, space, parent)
    days = review_every_days or page_templates.DEFAULTS[template]["review_every_days"]
    if days < 1 or days > 3650:
        raise DomainError("Review every 1 to 3650 days.", field="review_every_days")
    with transaction.atomic():
        page = Page.objects.create(
            space=space,
            parent=parent,
            title=title,
            slug=_unique_slug(space, title),
            body=body,
            template=template,
            owner_team=owner_team or _default_owner(actor, space),
            review_every_days=days,
            reviewed_at=now,
            revision_number=1,
            created_by=actor,
            created_at=now,
            updated_by=actor,
            updated_at=now,
        )
        revision = Revision.objects.create(
            page=page,
            number=1,
            title=title,
            body=body,
            kind=Revision.Kind.CREATE,
            author=actor,
            created_at=now,
        )
        _after_write(page, previous_body="", revision=revision, actor=actor, now=now)
        watch_set(user=actor, page=page, on=True, now=now)
        audit.record(actor=actor, action="wiki.page.create", obj=page, changes={"title": title})
    return page


def page_create_from_template(
    *,
    actor: User,
    space: Space,
    template: str,
    title: str,
    context: dict[str, Any] | None = None,
    parent: Page | None = None,
    owner_team: Team | None = None,
    now: datetime | None = None,
) -> Page:
    """Create a page from a ready-made template filled with ``context`` (e.g. zones, dates,
    promo_codes, expected_volume, campaign). Same side effects as ``page_create``."""
    if template not in Template.values:
        raise DomainError("No such template.", field="template")
    return page_create(
        actor=actor,
        space=space,
        title=title,
        body=page_templates.fill(template, context),
        template=template,
        parent=parent,
        owner_team=owner_team,
        now=now,
    )


def page_save(
    *,
    actor: User,
    page: Page,
    title: str,
    body: str,
    base_number: int,
    note: str = "",
    kind: str = Revision.Kind.EDIT,
    now: datetime | None = None,
) -> Saved:
    """Save an edit as a new revision, unless the page changed since ``base_number``: then
    nothing on the page changes and the author's text is kept as a conflict copy to merge.
    A save that changes nothing writes no revision."""
    now = now or timezone.now()
    title, body = _clean_title(title), _clean_body(body)
    with transaction.atomic():
        locked = Page.objects.select_for_update().get(pk=page.pk)
        if locked.revision_number != base_number:
            conflict = ConflictCopy.objects.create(
                page=locked,
                author=actor,
                base_number=base_number,
                current_number=locked.revision_number,
                title=title,
                body=body,
                created_at=now,
            )
            audit.record(
                actor=actor,
                action="wiki.page.conflict",
                obj=locked,
                changes={"base": base_number, "current": locked.revision_number},
            )
            return Saved(page=locked, conflict=conflict)
        if locked.title == title and locked.body == body:
            return Saved(page=locked)
        previous_body = locked.body
        number = locked.revision_number + 1
        revision = Revision.objects.create(
            page=locked,
            number=number,
            title=title,
            body=body,
            kind=kind,
            note=note[:200],
            author=actor,
            created_at=now,
        )
        if title != locked.title:
            locked.slug = _unique_slug(locked.space, title, exclude=locked.pk)
        locked.title, locked.body, locked.revision_number = title, body, number
        locked.updated_by, locked.updated_at, locked.reviewed_at = actor, now, now
        locked.save(
            update_fields=[
                "title",
                "slug",
                "body",
                "revision_number",
                "updated_by",
                "updated_at",
                "reviewed_at",
            ]
        )
        _after_write(locked, previous_body=previous_body, revision=revision, actor=actor, now=now)
        watch_set(user=actor, page=locked, on=True, now=now)
        audit.record(actor=actor, action=f"wiki.page.{kind}", obj=locked, changes={"r": number})
    return Saved(page=locked, revision=revision)


def page_restore(*, actor: User, page: Page, number: int, now: datetime | None = None) -> Saved:
    """Make an old revision the current text again (as a new revision)."""
    old = Revision.objects.filter(page=page, number=number).first()
    if old is None:
        raise DomainError("No such revision.")
    return page_save(
        actor=actor,
        page=page,
        title=old.title,
        body=old.body,
        base_number=Page.objects.values_list("revision_number", flat=True).get(pk=page.pk),
        note=f"Restored revision {number}",
        kind=Revision.Kind.RESTORE,
        now=now,
    )


def conflict_merge(
    *, actor: User, conflict: ConflictCopy, title: str, body: str, base_number: int
) -> Saved:
    """Save the merged text of a conflict copy; the copy is marked resolved when it lands."""
    if conflict.author_id != actor.pk:
        raise DomainError("Only its author can merge a conflict copy.")
    saved = page_save(
        actor=actor,
        page=conflict.page,
        title=title,
        body=body,
        base_number=base_number,
        note="Merged a conflicting edit",
        kind=Revision.Kind.MERGE,
    )
    if not saved.refused:
        ConflictCopy.objects.filter(pk=conflict.pk).update(resolved_at=timezone.now())
    return saved


def conflict_discard(*, actor: User, conflict: ConflictCopy) -> None:
    """Put a conflict copy away. Idempotent."""
    if conflict.author_id != actor.pk:
        raise DomainError("Only its author can discard a conflict copy.")
    ConflictCopy.objects.filter(pk=conflict.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )


def page_update_settings(
    *,
    actor: User,
    page: Page,
    owner_team: Team,
    review_every_days: int,
    parent: Page | None = None,
) -> Page:
    """Change who owns a page, how often it is reviewed and where it sits in the tree."""
    if review_every_days < 1 or review_every_days > 3650:
        raise DomainError("Review every 1 to 3650 days.", field="review_every_days")
    _check_parent(page, page.space, parent)
    with transaction.atomic():
        before = {
            "owner_team": page.owner_team_id,
            "review_every_days": page.review_every_days,
            "parent": page.parent_id,
        }
        page.owner_team, page.review_every_days, page.parent = (
            owner_team,
            review_every_days,
            parent,
        )
        page.save(update_fields=["owner_team", "review_every_days", "parent"])
        audit.record(actor=actor, action="wiki.page.settings", obj=page, changes=before)
    return page


def page_mark_reviewed(*, actor: User, page: Page, now: datetime | None = None) -> Page:
    """Someone checked the page is still right: its review clock starts again."""
    now = now or timezone.now()
    Page.objects.filter(pk=page.pk).update(reviewed_at=now)
    page.reviewed_at = now
    audit.record(actor=actor, action="wiki.page.reviewed", obj=page)
    return page


def _after_write(
    page: Page, *, previous_body: str, revision: Revision, actor: User, now: datetime
) -> None:
    _index(page)
    _relink(page)
    before_users, before_teams = mention_targets(previous_body)
    users, teams = mention_targets(page.body)
    _notify_mentions(
        page,
        users=[u for u in users if u not in before_users],
        teams=[t for t in teams if t not in before_teams],
        actor=actor,
        revision=revision,
        comment=None,
        now=now,
    )


def _index(page: Page) -> None:
    if connection.vendor != "postgresql":
        return
    Page.objects.filter(pk=page.pk).update(
        search_vector=SearchVector("title", weight="A", config="english")
        + SearchVector("body", weight="B", config="english")
    )


def titles_to_ids(titles: list[str]) -> dict[str, int]:
    """Lower-cased title → page id, for [[Page title]] links (the oldest page wins)."""
    wanted = {t.strip().lower() for t in titles if t.strip()}
    if not wanted:
        return {}
    query = Q()
    for title in wanted:
        query |= Q(title__iexact=title)
    found: dict[str, int] = {}
    for pk, title in Page.objects.filter(query).order_by("id").values_list("pk", "title"):
        found.setdefault(title.lower(), pk)
    return found


def _relink(page: Page) -> None:
    targets = rendering.linked_page_ids(page.body, titles_to_ids) - {page.pk}
    targets &= set(Page.objects.filter(pk__in=targets).values_list("pk", flat=True))
    PageLink.objects.filter(source=page).exclude(target_id__in=targets).delete()
    existing = set(PageLink.objects.filter(source=page).values_list("target_id", flat=True))
    PageLink.objects.bulk_create(
        [PageLink(source=page, target_id=t) for t in targets - existing], ignore_conflicts=True
    )


# --- Mentions -----------------------------------------------------------------------------

MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z][\w\-.]*[\w])")


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def mention_targets(text: str) -> tuple[list[User], list[Team]]:
    """The people and teams ``text`` names with @: a team by slug or name without spaces
    (@Operations, @customer-support, @CustomerSupport), a person by their login or the part
    of their email before the @ (@jonas)."""
    handles = {m.group(1) for m in MENTION.finditer(text or "")}
    if not handles:
        return [], []
    squashed = {_squash(h) for h in handles}
    teams = [
        t
        for t in Team.objects.order_by("id")
        if _squash(t.slug) in squashed or _squash(t.name) in squashed
    ]
    team_keys = {_squash(t.slug) for t in teams} | {_squash(t.name) for t in teams}
    lowered = {h.lower() for h in handles if _squash(h) not in team_keys}
    users: list[User] = []
    if lowered:
        query = Q(username__in=lowered)
        for handle in lowered:
            query |= Q(email__istartswith=f"{handle}@")
        users = list(User.objects.filter(query, is_active=True).order_by("id"))
    return users, teams


def _notify_mentions(
    page: Page,
    *,
    users: list[User],
    teams: list[Team],
    actor: User,
    revision: Revision | None,
    comment: Comment | None,
    now: datetime,
) -> None:
    where = "a comment on" if comment else "the page"
    who = actor.display_name
    link = page.get_absolute_url() + (f"#comment-{comment.pk}" if comment else "")
    key_of = f"c{comment.pk}" if comment else f"r{revision.number if revision else 0}"
    for team in teams:
        Mention.objects.create(
            page=page, revision=revision, comment=comment, team=team, by=actor, created_at=now
        )
        handoff_services.notify(
            to=team,
            title=f"{who} mentioned @{team.name} in {page.title}",
            body=f"{who} mentioned {team.name} in {where} “{page.title}”.",
            link=link,
            link_label="Open the page",
            dedupe_key=f"wiki:mention:{page.pk}:{key_of}:team:{team.pk}",
            now=now,
        )
    for user in users:
        if user.pk == actor.pk:
            continue
        Mention.objects.create(
            page=page, revision=revision, comment=comment, user=user, by=actor, created_at=now
        )
        handoff_services.notify(
            to=user,
            title=f"{who} mentioned you in {page.title}",
            body=f"{who} mentioned you in {where} “{page.title}”.",
            link=link,
            link_label="Open the page",
            via=("inbox", "email"),
            dedupe_key=f"wiki:mention:{page.pk}:{key_of}:user:{user.pk}",
            now=now,
        )


# --- Comments -----------------------------------------------------------------------------


def comment_add(
    *,
    actor: User,
    page: Page,
    body: str,
    quote: str = "",
    parent: Comment | None = None,
    now: datetime | None = None,
) -> Comment:
    """Comment on the page, on a quoted passage of it, or reply to a comment. Notifies the
    people and teams it mentions; the commenter watches the page."""
    now = now or timezone.now()
    body = (body or "").strip()
    quote = " ".join((quote or "").split())[:1000]
    if not body:
        raise DomainError("Write something first.", field="body")
    if len(body) > 10_000:
        raise DomainError("Keep a comment under 10,000 characters.", field="body")
    if parent is not None:
        if parent.page_id != page.pk:
            raise DomainError("That comment is on another page.")
        parent = parent.parent or parent  # one level of replies
        quote = ""
    elif quote and quote.lower() not in " ".join(page.body.split()).lower():
        raise DomainError("Quote a passage that is on the page.", field="quote")
    with transaction.atomic():
        comment = Comment.objects.create(
            page=page, parent=parent, author=actor, quote=quote, body=body, created_at=now
        )
        users, teams = mention_targets(body)
        _notify_mentions(
            page, users=users, teams=teams, actor=actor, revision=None, comment=comment, now=now
        )
        watch_set(user=actor, page=page, on=True, now=now)
        audit.record(actor=actor, action="wiki.comment.add", obj=comment)
    return comment


def comment_resolve(*, actor: User, comment: Comment, resolved: bool = True) -> Comment:
    """Resolve (or reopen) a comment thread. Idempotent."""
    comment.resolved_at = timezone.now() if resolved else None
    comment.resolved_by = actor if resolved else None
    comment.save(update_fields=["resolved_at", "resolved_by"])
    audit.record(
        actor=actor, action="wiki.comment.resolve" if resolved else "wiki.comment.reopen",
        obj=comment,
    )  # fmt: skip
    return comment


# --- Watching and digests -----------------------------------------------------------------


def watch_set(
    *,
    user: User,
    page: Page | None = None,
    space: Space | None = None,
    on: bool,
    now: datetime | None = None,
) -> bool:
    """Watch or stop watching a page or a space. Idempotent; returns whether it is watched."""
    if (page is None) == (space is None):
        raise DomainError("Watch a page or a space.")
    lookup: dict[str, object] = (
        {"user": user, "page": page} if page else {"user": user, "space": space}
    )
    if not on:
        Watch.objects.filter(**lookup).delete()
        return False
    now = now or timezone.now()
    Watch.objects.get_or_create(**lookup, defaults={"notified_through": now, "created_at": now})
    return True


def digest_minutes() -> int:
    return int(getattr(settings, "WIKI_DIGEST_MINUTES", 15))


def watchers_notify(*, now: datetime | None = None) -> int:
    """Send each watcher one digest of what others changed in the pages and spaces they
    watch since their last digest. Safe to run twice: a watcher's watches are claimed with
    SKIP LOCKED, and the digest's dedupe key names the newest change it covers."""
    now = now or timezone.now()
    due = now - timedelta(minutes=digest_minutes())
    sent = 0
    user_ids = (
        Watch.objects.filter(notified_through__lte=due)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )
    for user_id in list(user_ids):
        with transaction.atomic():
            watches = list(
                Watch.objects.select_for_update(skip_locked=True)
                .filter(user_id=user_id, notified_through__lte=due)
                .select_related("user")
            )
            if not watches:
                continue
            since = min(w.notified_through for w in watches)
            changed = Q()
            for w in watches:
                scope = Q(page_id=w.page_id) if w.page_id else Q(page__space_id=w.space_id)
                changed |= scope & Q(created_at__gt=w.notified_through)
            revisions = list(
                Revision.objects.filter(changed, created_at__lte=now)
                .exclude(author_id=user_id)
                .select_related("page", "author")
                .order_by("page_id", "number")
            )
            comment_count = (
                Comment.objects.filter(
                    Q(page_id__in=[w.page_id for w in watches if w.page_id])
                    | Q(page__space_id__in=[w.space_id for w in watches if w.space_id]),
                    created_at__gt=since,
                    created_at__lte=now,
                )
                .exclude(author_id=user_id)
                .count()
            )
            Watch.objects.filter(pk__in=[w.pk for w in watches]).update(notified_through=now)
            if not revisions and not comment_count:
                continue
            pages: dict[int, list[Revision]] = {}
            for rev in revisions:
                pages.setdefault(rev.page_id, []).append(rev)
            lines = []
            for revs in pages.values():
                authors = sorted({r.author.display_name for r in revs if r.author})
                lines.append(
                    f"• {revs[-1].page.title}: {len(revs)} change(s) by {', '.join(authors)}"
                )
            if comment_count:
                lines.append(f"• {comment_count} new comment(s)")
            newest = max([r.pk for r in revisions], default=0)
            handoff_services.notify(
                to=watches[0].user,
                title=f"Docs you watch: {len(pages)} page(s) changed",
                body="\n".join(lines),
                link="/wiki/",
                link_label="Open Docs",
                via=("inbox", "email"),
                dedupe_key=f"wiki:digest:{user_id}:{newest}:{now:%Y%m%d%H%M}",
                now=now,
            )
            sent += 1
    return sent


# --- Views, attachments, onboarding ---------------------------------------------------------


def page_view_record(*, user: User, page: Page, now: datetime | None = None) -> None:
    """Count one read by ``user`` today (for most read and the silo check)."""
    day = timezone.localdate(now or timezone.now())
    updated = PageView.objects.filter(page=page, user=user, day=day).update(count=F("count") + 1)
    if not updated:
        try:
            with transaction.atomic():
                PageView.objects.create(page=page, user=user, day=day)
        except IntegrityError:  # two tabs at once
            PageView.objects.filter(page=page, user=user, day=day).update(count=F("count") + 1)


def attachment_add(*, actor: User, page: Page, upload: UploadedFile) -> Attachment:
    """Store a file with the page through Django's storage API."""
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if content_type not in ALLOWED_UPLOADS:
        raise DomainError(
            "Attach images (PNG, JPEG, GIF, WebP), PDF, text, CSV, Word or Excel files.",
            field="file",
        )
    if (upload.size or 0) > MAX_ATTACHMENT_BYTES:
        raise DomainError("Attachments can be up to 10 MB.", field="file")
    name = re.sub(r"[^\w.\- ]", "_", upload.name or "file")[-150:]
    with transaction.atomic():
        attachment = Attachment(
            page=page,
            name=name,
            content_type=content_type,
            size=upload.size or 0,
            uploaded_by=actor,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        audit.record(actor=actor, action="wiki.attachment.add", obj=attachment)
    return attachment


def onboarding_step_set(*, user: User, page: Page, done: bool) -> bool:
    """Tick (or untick) an onboarding module for ``user``. Idempotent."""
    if page.template != Template.ONBOARDING:
        raise DomainError("Only onboarding modules go on the onboarding checklist.")
    if done:
        OnboardingStep.objects.get_or_create(user=user, page=page)
    else:
        OnboardingStep.objects.filter(user=user, page=page).delete()
    return done


def onboarding_module_ensure(*, team: Team, actor: User, now: datetime | None = None) -> Page:
    """The team's onboarding module; created from the onboarding template in the team's space
    when the team has none yet. Idempotent."""
    existing = (
        Page.objects.filter(template=Template.ONBOARDING, owner_team=team).order_by("id").first()
    )
    if existing is not None:
        return existing
    return page_create_from_template(
        actor=actor,
        space=space_for_team(team),
        template=Template.ONBOARDING,
        title=f"{team.name} onboarding",
        context={"team_description": team.description or f"What {team.name} does, and how."},
        owner_team=team,
        now=now,
    )


def new_hire_welcome(event: Event) -> None:
    """Subscriber of ``hub.person.joined``: the new hire gets a link to their onboarding
    checklist (their team's module first, created from the template if the team has none).
    Safe to run twice: the message's dedupe key names the person."""
    payload = event.payload or {}
    user = User.objects.filter(pk=int(payload.get("user_id") or 0), is_active=True).first()
    team = Team.objects.filter(pk=int(payload.get("team_id") or 0)).first()
    if user is None or team is None:
        return
    inviter_id = int(payload.get("invited_by_id") or 0)
    inviter = User.objects.filter(pk=inviter_id, is_active=True).first()
    with transaction.atomic():
        module = onboarding_module_ensure(team=team, actor=inviter or user)
        others = Page.objects.filter(template=Template.ONBOARDING).exclude(owner_team=team).count()
        handoff_services.notify(
            to=user,
            title=f"Welcome to {team.name}: your onboarding checklist",
            body=(
                f"Start with “{module.title}”, then the modules of the other functions "
                f"({others} more). Tick each one off as you go; your manager sees your progress."
            ),
            link=reverse("wiki:onboarding"),
            link_label="Open your onboarding checklist",
            via=("inbox", "email"),
            dedupe_key=f"wiki:welcome:{user.pk}",
        )


# --- Staleness ----------------------------------------------------------------------------


def pages_mark_stale(*, now: datetime | None = None, limit: int = 500) -> list[Event]:
    """Record ``wiki.page.stale`` for every page past its review date, once per due date
    (the event's external id names it), so a handoff rule can act on it."""
    now = now or timezone.now()
    recorded = []
    overdue = [
        p
        for p in Page.objects.select_related("owner_team", "space").order_by("reviewed_at")[
            : limit * 4
        ]
        if p.is_overdue(now)
    ][:limit]
    for page in overdue:
        due = page.review_due_at()
        result = events.record(
            "wiki",
            "wiki.page.stale",
            f"page:{page.pk}:{due:%Y%m%d%H%M%S}",
            {
                "page_id": page.pk,
                "title": page.title,
                "space": page.space.name,
                "owner_team": page.owner_team.name,
                "owner_team_slug": page.owner_team.slug,
                "review_every_days": page.review_every_days,
                "due_at": due.isoformat(),
                "days_overdue": (now - due).days,
                "url": page.get_absolute_url(),
            },
            occurred_at=now,
            subject=f"wiki_page:{page.pk}",
        )
        if result.created:
            recorded.append(result.event)
    return recorded


def _stale_page(page_id: object) -> Page | None:
    if not str(page_id or "").isdigit():
        return None
    return Page.objects.select_related("owner_team").filter(pk=int(str(page_id))).first()


def page_owners_remind(
    *, page_id: object, note: str = "", key: str, now: datetime | None = None
) -> str:
    """Remind the team that owns the page to review it (the rule action "Remind a doc's
    owners"). Idempotent per ``key``; refuses (DomainError) a page that is gone or reviewed."""
    now = now or timezone.now()
    page = _stale_page(page_id)
    if page is None:
        raise DomainError("The event names no page (payload.page_id), or the page is gone.")
    if not page.is_overdue(now):
        return f"“{page.title}” was reviewed meanwhile: no reminder"
    body = (
        f"“{page.title}” has not been reviewed for {page.review_every_days}+ days. "
        "Check it is still right, edit it or mark it reviewed."
    )
    handoff_services.notify(
        to=page.owner_team,
        title=f"Review due: {page.title}",
        body=f"{body}\n\n{note.strip()}" if note.strip() else body,
        link=page.get_absolute_url(),
        link_label="Review the page",
        dedupe_key=f"wiki:stale:{page.pk}:{key}",
        now=now,
    )
    return f"reminded {page.owner_team.name} to review “{page.title}”"


def page_owners_remind_preview(*, page_id: object) -> str:
    """What the reminder would do; writes nothing."""
    page = _stale_page(page_id)
    if page is None:
        return "Would remind the team that owns the page the event names (payload.page_id)."
    return f"Would remind {page.owner_team.name} to review “{page.title}”."

"""Reads of shared docs, aware of who is asking. Every member of a team reads and edits every
space; people in no team see nothing (PermissionDenied)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from handoffs import selectors as handoff_selectors
from hub import roles
from hub.models import Campaign, Membership, Role, Team, User
from kpis import registry as kpi_registry
from wiki import chips, rendering
from wiki.models import (
    Comment,
    ConflictCopy,
    OnboardingStep,
    Page,
    PageLink,
    PageView,
    Revision,
    Space,
    Template,
    Watch,
)


def _require_member(user: User) -> None:
    if not roles.is_member(user):
        raise PermissionDenied


def space_list(user: User) -> QuerySet[Space]:
    _require_member(user)
    return (
        Space.objects.select_related("team")
        .annotate(page_count=Count("pages"))
        .order_by(F("team").asc(nulls_first=True), "name")
    )


def get_space_for_user(user: User, slug: str) -> Space:
    _require_member(user)
    space = Space.objects.select_related("team").filter(slug=slug).first()
    if space is None:
        raise Http404("No such space.")
    return space


def _pages() -> QuerySet[Page]:
    return Page.objects.select_related("space", "owner_team", "updated_by")


def page_get(pk: int) -> Page | None:
    """One page by id for another module's own bookkeeping (e.g. a pilot's write-up), or None;
    show it to a person through ``get_page_for_user``."""
    return _pages().filter(pk=pk).first()


def get_page_for_user(user: User, pk: int) -> Page:
    """One page by id: PermissionDenied for outsiders, 404 if it does not exist."""
    _require_member(user)
    page = _pages().select_related("parent").filter(pk=pk).first()
    if page is None:
        raise Http404("No such page.")
    return page


def page_text(pk: int) -> tuple[str, str] | None:
    """(title, body) of a page, for a module checking what a page says (no person asking)."""
    return _pages().filter(pk=pk).values_list("title", "body").first()


def page_by_slug(user: User, space_slug: str, slug: str) -> Page:
    """One page by its space and slug (for links that name them)."""
    _require_member(user)
    page = _pages().filter(space__slug=space_slug, slug=slug).first()
    if page is None:
        raise Http404("No such page.")
    return page


def page_by_title(user: User, title: str) -> Page | None:
    """The oldest page with this title (any space), or None."""
    _require_member(user)
    return _pages().filter(title__iexact=title.strip()).order_by("id").first()


def page_list(
    user: User,
    *,
    space: Space | None = None,
    template: str = "",
    owner: Team | None = None,
) -> QuerySet[Page]:
    """Pages newest change first, filtered by space, template and owner team."""
    _require_member(user)
    qs = _pages()
    if space is not None:
        qs = qs.filter(space=space)
    if template:
        qs = qs.filter(template=template)
    if owner is not None:
        qs = qs.filter(owner_team=owner)
    return qs.order_by("-updated_at", "-id")


@dataclass
class TreeNode:
    page: Page
    children: list[TreeNode] = field(default_factory=list)


def page_tree(user: User, space: Space) -> list[TreeNode]:
    """The space's pages as a tree, each level by title. One query."""
    _require_member(user)
    pages = list(
        Page.objects.filter(space=space).select_related("owner_team").order_by("title", "id")
    )
    nodes = {p.pk: TreeNode(p) for p in pages}
    roots: list[TreeNode] = []
    for page in pages:
        parent = nodes.get(page.parent_id) if page.parent_id else None
        (parent.children if parent else roots).append(nodes[page.pk])
    return roots


def page_ancestors(page: Page) -> list[Page]:
    chain, node, seen = [], page.parent, set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def revision_list(page: Page) -> QuerySet[Revision]:
    return page.revisions.select_related("author").order_by("-number")


def get_revision(page: Page, number: int) -> Revision:
    revision = page.revisions.select_related("author").filter(number=number).first()
    if revision is None:
        raise Http404("No such revision.")
    return revision


def comment_threads(page: Page) -> list[Comment]:
    """Top-level comments, oldest first, each with ``thread_replies``. Two queries."""
    comments = list(page.comments.select_related("author", "resolved_by").order_by("created_at"))
    top = [c for c in comments if c.parent_id is None]
    by_parent: dict[int, list[Comment]] = {}
    for c in comments:
        if c.parent_id:
            by_parent.setdefault(c.parent_id, []).append(c)
    for c in top:
        c.thread_replies = by_parent.get(c.pk, [])  # type: ignore[attr-defined]
    return top


def get_comment_for_user(user: User, pk: int) -> Comment:
    _require_member(user)
    comment = Comment.objects.select_related("page").filter(pk=pk).first()
    if comment is None:
        raise Http404("No such comment.")
    return comment


def get_conflict_for_user(user: User, page: Page, pk: int) -> ConflictCopy:
    """A conflict copy: its author and admins see it."""
    conflict = (
        ConflictCopy.objects.select_related("author", "page").filter(pk=pk, page=page).first()
    )
    if conflict is None:
        raise Http404("No such conflict copy.")
    if conflict.author_id != user.pk and not roles.is_admin(user):
        raise PermissionDenied
    return conflict


def open_conflicts(user: User, page: Page) -> QuerySet[ConflictCopy]:
    return ConflictCopy.objects.filter(page=page, author=user, resolved_at__isnull=True)


def get_attachment_for_user(user: User, pk: int):
    from wiki.models import Attachment

    _require_member(user)
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404("No such attachment.")
    return attachment


def is_watching(user: User, *, page: Page | None = None, space: Space | None = None) -> bool:
    if page is not None:
        return Watch.objects.filter(user=user, page=page).exists()
    return Watch.objects.filter(user=user, space=space).exists()


# --- Rendering with live chips ---------------------------------------------------------------


def render_for_user(user: User, body: str) -> str:
    """A body as sanitised HTML with [[links]] resolved and chips labelled with live names."""
    from wiki.services import titles_to_ids

    titles = titles_to_ids(rendering.wikilink_titles(body))
    out = rendering.render(body, titles=titles)
    keys = rendering.chip_keys(out)
    if not keys:
        return out
    return rendering.annotate(out, chip_labels(user, keys))


def chip_labels(user: User, keys: set[tuple[str, str]]) -> dict[tuple[str, str], chips.Chip]:
    """Current names and states of the objects chips point at (one query per kind)."""
    ids: dict[str, list[int]] = {}
    for kind, key in keys:
        if key.isdigit():
            ids.setdefault(kind, []).append(int(key))
    labels: dict[tuple[str, str], chips.Chip] = {}
    for page in Page.objects.filter(pk__in=ids.get("page", [])).only("pk", "title", "space"):
        labels[("page", str(page.pk))] = chips.Chip(page.title)
    for campaign in Campaign.objects.filter(pk__in=ids.get("campaign", [])):
        labels[("campaign", str(campaign.pk))] = chips.Chip(
            f"Campaign: {campaign.name}", campaign.get_status_display()
        )
    if ids.get("handoff"):
        for handoff in handoff_selectors.handoff_list(
            team_ids=None, status="", overdue=False, now=timezone.now()
        ).filter(pk__in=ids["handoff"]):
            labels[("handoff", str(handoff.pk))] = chips.Chip(
                f"Handoff: {handoff.title}", handoff.get_status_display()
            )
    for kind, key in keys:
        if kind == "kpi":
            metric = kpi_registry.get_metric(key)
            labels[(kind, key)] = (
                chips.Chip(f"KPI: {metric.label}")
                if metric is not None
                else chips.Chip(f"KPI: {key.replace('_', ' ')}", "no such KPI")
            )
    by_kind: dict[str, list[str]] = {}
    for kind, key in keys:
        if kind not in ("page", "campaign", "handoff", "kpi"):
            by_kind.setdefault(kind, []).append(key)
    for kind, kind_keys in by_kind.items():
        # Maps, pilots…: named by the module that owns them (wiki.chips).
        for key, chip in chips.labels_for(user, kind, sorted(kind_keys)).items():
            labels[(kind, key)] = chip
    return labels


def related_to_page(user: User, page: Page) -> list[chips.Related]:
    """What points at the page from other modules (e.g. the pilot a write-up belongs to)."""
    return chips.related_to(user, page)


def stale_rule():
    """The rule made from the ready-made "Doc gone stale → remind its owners", or None."""
    from wiki.rule_actions import TEMPLATE_KEY

    return handoff_selectors.rule_by_template(TEMPLATE_KEY)


# --- Home, most read, search ----------------------------------------------------------------


def recently_changed(user: User, limit: int = 8) -> list[Page]:
    return list(page_list(user)[:limit])


def most_read(user: User, *, now: datetime, days: int = 30, limit: int = 8) -> list[Page]:
    _require_member(user)
    since = timezone.localdate(now) - timedelta(days=days)
    return list(
        _pages()
        .filter(views__day__gte=since)
        .annotate(reads=Sum("views__count"), readers=Count("views__user", distinct=True))
        .order_by("-reads", "-id")[:limit]
    )


def overdue_pages(user: User, *, now: datetime, limit: int = 20) -> list[Page]:
    _require_member(user)
    pages = _pages().order_by("reviewed_at")[:500]
    return [p for p in pages if p.is_overdue(now)][:limit]


@dataclass(frozen=True)
class Hit:
    page: Page
    snippet: str  # escaped HTML, matches in <mark>
    rank: float


_START, _STOP = "\x1fmark\x1f", "\x1f/mark\x1f"


def page_search(
    user: User,
    query: str,
    *,
    space: Space | None = None,
    template: str = "",
    owner: Team | None = None,
    limit: int = 50,
) -> list[Hit]:
    """Pages matching ``query`` in title or body, best first, with highlighted snippets.
    Postgres full-text search (ranked, title above body); a plain contains-search elsewhere."""
    _require_member(user)
    query = " ".join((query or "").split())[:200]
    if not query:
        return []
    qs = page_list(user, space=space, template=template, owner=owner)
    if connection.vendor == "postgresql":
        search = SearchQuery(query, search_type="websearch", config="english")
        rows = (
            qs.filter(search_vector=search)
            .annotate(
                rank=SearchRank(F("search_vector"), search),
                headline=SearchHeadline(
                    "body",
                    search,
                    config="english",
                    start_sel=_START,
                    stop_sel=_STOP,
                    max_words=30,
                    min_words=12,
                ),
            )
            .order_by("-rank", "-updated_at")[:limit]
        )
        return [
            Hit(
                page=p,
                snippet=html.escape(p.headline)
                .replace(html.escape(_START), "<mark>")
                .replace(html.escape(_STOP), "</mark>"),
                rank=float(p.rank),
            )
            for p in rows
        ]
    words = [w for w in re.split(r"\W+", query) if w]
    condition = Q()
    for word in words:
        condition &= Q(title__icontains=word) | Q(body__icontains=word)
    found = qs.filter(condition)[:limit]
    return [
        Hit(
            page=p,
            snippet=rendering.text_snippet(p.body, words),
            rank=2.0 if all(w.lower() in p.title.lower() for w in words) else 1.0,
        )
        for p in found
    ]


# --- Silo check -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SiloPage:
    page: Page
    reason: str
    teams: list[str]


def _teams_of_users(user_ids: set[int]) -> dict[int, set[int]]:
    teams: dict[int, set[int]] = {}
    for uid, tid in Membership.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "team_id"
    ):
        teams.setdefault(uid, set()).add(tid)
    return teams


def silo_check(
    user: User, *, now: datetime, months: int = 3, min_age_days: int = 60
) -> tuple[list[SiloPage], list[SiloPage]]:
    """Two lists: pages only one function has edited in ``months`` (and older than
    ``min_age_days``), and pages other functions' pages link to that nobody outside the owner
    team has read in that time. A few queries, whatever the number of pages."""
    _require_member(user)
    since = now - timedelta(days=30 * months)
    team_names = dict(Team.objects.values_list("pk", "name"))
    authors: dict[int, set[int]] = {}
    for page_id, author_id in (
        Revision.objects.filter(created_at__gte=since, author__isnull=False)
        .values_list("page_id", "author_id")
        .distinct()
    ):
        authors.setdefault(page_id, set()).add(author_id)
    readers: dict[int, set[int]] = {}
    for page_id, reader_id in (
        PageView.objects.filter(day__gte=since.date()).values_list("page_id", "user_id").distinct()
    ):
        readers.setdefault(page_id, set()).add(reader_id)
    all_users = set().union(*authors.values(), *readers.values()) if authors or readers else set()
    teams_of = _teams_of_users(all_users)
    pages = {p.pk: p for p in _pages().order_by("title")}

    one_function = []
    for page in pages.values():
        if page.created_at > now - timedelta(days=min_age_days):
            continue
        editor_teams = [teams_of.get(a, set()) for a in authors.get(page.pk, set())]
        if not editor_teams:
            continue
        # One function: every editor in the period shares a team (usually the owner).
        shared = set.intersection(*editor_teams)
        if shared:
            team_ids = [page.owner_team_id] if page.owner_team_id in shared else sorted(shared)
            one_function.append(
                SiloPage(
                    page,
                    f"Only {', '.join(team_names[t] for t in team_ids)} edited it "
                    f"in the last {months} months.",
                    [team_names[t] for t in team_ids],
                )
            )

    unread = []
    links = PageLink.objects.filter(source__owner_team_id__isnull=False).values_list(
        "target_id", "source__owner_team_id"
    )
    linked_from: dict[int, set[int]] = {}
    for target_id, source_team in links:
        linked_from.setdefault(target_id, set()).add(source_team)
    for target_id, source_teams in linked_from.items():
        target = pages.get(target_id)
        if target is None:
            continue
        page = target
        others = source_teams - {page.owner_team_id}
        if not others:
            continue
        outside_readers = [
            r
            for r in readers.get(page.pk, set())
            if page.owner_team_id not in teams_of.get(r, set())
        ]
        if not outside_readers:
            unread.append(
                SiloPage(
                    page,
                    f"Linked from {', '.join(sorted(team_names[t] for t in others))} pages, "
                    f"but nobody outside {page.owner_team.name} read it in {months} months.",
                    sorted(team_names[t] for t in others),
                )
            )
    return one_function, unread


# --- Onboarding ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OnboardingItem:
    page: Page
    own_team: bool
    done_at: datetime | None


def onboarding_checklist(person: User) -> list[OnboardingItem]:
    """Every onboarding module: the person's own teams' first, then the other functions'."""
    team_ids = set(Membership.objects.filter(user=person).values_list("team_id", flat=True))
    done = dict(OnboardingStep.objects.filter(user=person).values_list("page_id", "done_at"))
    modules = _pages().filter(template=Template.ONBOARDING).order_by("owner_team__name", "title")
    items = [OnboardingItem(p, p.owner_team_id in team_ids, done.get(p.pk)) for p in modules]
    return sorted(items, key=lambda i: (not i.own_team, i.page.owner_team.name, i.page.title))


@dataclass(frozen=True)
class Progress:
    person: User
    teams: list[str]
    joined_at: datetime
    done: int
    total: int
    new_hire: bool


def onboarding_team_progress(user: User, *, now: datetime, new_days: int = 60) -> list[Progress]:
    """Onboarding progress of the people in the teams ``user`` manages (admins: everyone)."""
    if not roles.is_manager(user):
        raise PermissionDenied
    if roles.is_admin(user):
        team_ids = set(Team.objects.values_list("pk", flat=True))
    else:
        team_ids = set(
            Membership.objects.filter(user=user, role__in=[Role.MANAGER, Role.ADMIN]).values_list(
                "team_id", flat=True
            )
        )
    total = Page.objects.filter(template=Template.ONBOARDING).count()
    done = dict(
        OnboardingStep.objects.filter(page__template=Template.ONBOARDING)
        .values_list("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    people: dict[int, Progress] = {}
    for membership in (
        Membership.objects.filter(team_id__in=team_ids, user__is_active=True)
        .select_related("user", "team")
        .order_by("-joined_at")
    ):
        existing = people.get(membership.user_id)
        teams = [*(existing.teams if existing else []), membership.team.name]
        joined = min(membership.joined_at, existing.joined_at) if existing else membership.joined_at
        people[membership.user_id] = Progress(
            person=membership.user,
            teams=teams,
            joined_at=joined,
            done=done.get(membership.user_id, 0),
            total=total,
            new_hire=joined >= now - timedelta(days=new_days),
        )
    return sorted(people.values(), key=lambda p: (not p.new_hire, -p.joined_at.timestamp()))


def get_person_for_manager(user: User, pk: int) -> User:
    """A person whose onboarding a manager may see: in a team they manage (admins: anyone)."""
    if not roles.is_manager(user):
        raise PermissionDenied
    person = User.objects.filter(pk=pk).first()
    if person is None:
        raise Http404("No such person.")
    if person.pk == user.pk or roles.is_admin(user):
        return person
    managed = Membership.objects.filter(user=user, role__in=[Role.MANAGER, Role.ADMIN]).values(
        "team_id"
    )
    if not Membership.objects.filter(user=person, team_id__in=managed).exists():
        raise PermissionDenied
    return person

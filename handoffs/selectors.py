"""Reads of integrations and the event log, aware of who is asking."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from handoffs import subjects
from handoffs.models import ImportJob, Integration, WebhookRejection
from hub import roles
from hub.models import Event, Membership, User


def _require_admin(user: User) -> None:
    if not roles.is_admin(user):
        raise PermissionDenied


def _admin_get(user: User, queryset: QuerySet, pk: int, what: str):
    """One object an admin asked for: PermissionDenied for others, 404 if it does not exist."""
    _require_admin(user)
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404(f"No such {what}.")
    return found


def integration_list(user: User) -> QuerySet[Integration]:
    _require_admin(user)
    return Integration.objects.order_by("name")


def get_integration_for_user(user: User, pk: int) -> Integration:
    return _admin_get(user, Integration.objects.all(), pk, "integration")


def integration_for_token(token: str) -> Integration | None:
    return Integration.objects.filter(token=token).first()


@dataclass(frozen=True)
class IntegrationStats:
    last_event_at: datetime | None
    per_day: list[tuple[date, int]]
    events_total: int
    signature_failures_7d: int
    rejections_7d: int
    unmapped: int
    pending: int
    failed: int
    lag_median_s: float | None
    lag_p95_s: float | None


def integration_stats(integration: Integration, now: datetime, days: int = 14) -> IntegrationStats:
    """Health of one integration: traffic per day, rejections, unmapped events, lag."""
    start = (now - timedelta(days=days - 1)).date()
    qs = Event.objects.filter(integration_id=integration.pk)
    counts = dict(
        qs.filter(received_at__date__gte=start)
        .annotate(day=TruncDate("received_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    per_day = [
        (start + timedelta(days=i), counts.get(start + timedelta(days=i), 0)) for i in range(days)
    ]
    week_ago = now - timedelta(days=7)
    rejections = WebhookRejection.objects.filter(integration=integration, at__gte=week_ago)
    totals = qs.aggregate(
        total=Count("id"),
        unmapped=Count("id", filter=Q(unmapped=True)),
        pending=Count("id", filter=Q(status__in=["pending", "processing"])),
        failed=Count("id", filter=Q(status="failed")),
    )
    lags = [
        (processed - received).total_seconds()
        for received, processed in qs.filter(
            processed_at__isnull=False, received_at__gte=now - timedelta(days=1)
        )
        .order_by("-id")
        .values_list("received_at", "processed_at")[:1000]
        if processed is not None
    ]
    p95 = None
    if len(lags) >= 2:
        p95 = statistics.quantiles(lags, n=20, method="inclusive")[-1]
    elif lags:
        p95 = lags[0]
    return IntegrationStats(
        last_event_at=integration.last_event_at,
        per_day=per_day,
        events_total=totals["total"],
        signature_failures_7d=rejections.filter(status_code=401).count(),
        rejections_7d=rejections.count(),
        unmapped=totals["unmapped"],
        pending=totals["pending"],
        failed=totals["failed"],
        lag_median_s=statistics.median(lags) if lags else None,
        lag_p95_s=p95,
    )


def recent_rejections(integration: Integration, limit: int = 10) -> QuerySet[WebhookRejection]:
    return integration.rejections.all()[:limit]


@dataclass(frozen=True)
class EventFilters:
    integration: int | None = None
    source: str = ""
    type: str = ""
    status: str = ""
    unmapped: bool | None = None
    q: str = ""


def event_browse(user: User, filters: EventFilters) -> QuerySet[Event]:
    """The event log for admins, newest first, filtered."""
    _require_admin(user)
    qs = Event.objects.order_by("-id")
    if filters.integration:
        qs = qs.filter(integration_id=filters.integration)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.unmapped is not None:
        qs = qs.filter(unmapped=filters.unmapped)
    if filters.q:
        qs = qs.filter(external_id__icontains=filters.q)
    return qs.defer("payload")


def get_event_for_user(user: User, pk: int) -> Event:
    return _admin_get(user, Event.objects.all(), pk, "event")


def event_types() -> list[str]:
    return list(Event.objects.order_by("type").values_list("type", flat=True).distinct()[:200])


def import_list(user: User) -> QuerySet[ImportJob]:
    _require_admin(user)
    return ImportJob.objects.defer("content").select_related("created_by")[:20]


def get_import_for_user(user: User, pk: int) -> ImportJob:
    return _admin_get(user, ImportJob.objects.defer("content"), pk, "import")


# --- Handoffs, rules and channels -------------------------------------------------------------


@dataclass(frozen=True)
class TeamBoard:
    team_id: int
    team: str
    open: int
    overdue: int
    missed_30d: int
    median_ack_minutes: float | None


def handoff_board(now: datetime) -> list[TeamBoard]:
    """Open, overdue and missed handoffs per team, and the median time to acknowledge."""
    from handoffs.models import Handoff
    from hub.models import Team

    month_ago = now - timedelta(days=30)
    counts = {
        row["team"]: row
        for row in Handoff.objects.values("team")
        .annotate(
            open=Count("id", filter=Q(status="open")),
            overdue=Count("id", filter=Q(status="open", due_at__lt=now)),
            missed=Count("id", filter=Q(missed_at__gte=month_ago)),
        )
        .order_by()
    }
    acks: dict[int, list[float]] = {}
    for team_id, created, acked in Handoff.objects.filter(
        acknowledged_at__isnull=False, created_at__gte=month_ago
    ).values_list("team_id", "created_at", "acknowledged_at"):
        if acked is not None:
            acks.setdefault(team_id, []).append((acked - created).total_seconds() / 60)
    board = []
    for team in Team.objects.order_by("name"):
        row = counts.get(team.pk, {})
        times = acks.get(team.pk)
        board.append(
            TeamBoard(
                team.pk,
                team.name,
                row.get("open", 0),
                row.get("overdue", 0),
                row.get("missed", 0),
                statistics.median(times) if times else None,
            )
        )
    return board


def handoff_list(
    *, team_ids: list[int] | None = None, status: str = "", overdue: bool = False, now: datetime
) -> QuerySet:
    from handoffs.models import Handoff

    qs = Handoff.objects.select_related("team", "rule", "acknowledged_by", "from_team")
    if team_ids is not None:
        qs = qs.filter(team_id__in=team_ids)
    if status == "attention":
        qs = qs.filter(status__in=["open", "missed"])
    elif status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status="open", due_at__lt=now)
    return qs.order_by("-created_at", "-id")


def get_handoff_for_user(user: User, pk: int):
    from handoffs.models import Handoff

    if not roles.is_member(user):
        raise PermissionDenied
    handoff = (
        Handoff.objects.select_related("team", "rule", "event", "acknowledged_by", "created_by")
        .filter(pk=pk)
        .first()
    )
    if handoff is None:
        raise Http404("No such handoff.")
    return handoff


def rule_list(user: User) -> QuerySet:
    from handoffs.models import Rule

    _require_admin(user)
    return (
        Rule.objects.select_related("owner_team", "owner")
        .prefetch_related("teams")
        .annotate(handoff_count=Count("handoffs"))
        .order_by("-enabled", "name")
    )


def get_rule_for_user(user: User, pk: int):
    from handoffs.models import Rule

    return _admin_get(user, Rule.objects.all(), pk, "rule")


def channel_list(user: User) -> QuerySet:
    from handoffs.models import Channel

    _require_admin(user)
    return Channel.objects.select_related("team", "fallback").annotate(
        failed=Count("alerts", filter=Q(alerts__status="failed"))
    )


def get_channel_for_user(user: User, pk: int):
    from handoffs.models import Channel

    return _admin_get(user, Channel.objects.all(), pk, "channel")


def failed_alerts(limit: int = 20) -> QuerySet:
    from handoffs.models import Alert

    return Alert.objects.filter(status="failed").select_related("channel__team", "handoff")[:limit]


def explain_events(
    *,
    event_id: int | None,
    customer_id: int | None,
    delivery_id: int | None,
    campaign_id: int | None = None,
) -> list[Event]:
    """The events Explain talks about: one event, or every event about a customer/delivery."""
    from hub.models import Customer, Delivery

    if event_id:
        return list(Event.objects.filter(pk=event_id))
    subjects: list[Q] = []
    if delivery_id:
        delivery = Delivery.objects.filter(pk=delivery_id).first()
        if delivery:
            subjects.append(Q(subject=f"task:{delivery.dispatch_id}"))
    if customer_id:
        customer = Customer.objects.filter(pk=customer_id).first()
        if customer:
            if customer.crm_id:
                subjects.append(Q(subject=f"contact:{customer.crm_id}"))
                subjects.append(Q(subject__startswith=f"contact:{customer.crm_id}:"))
            for dispatch_id in customer.deliveries.values_list("dispatch_id", flat=True)[:200]:
                subjects.append(Q(subject=f"task:{dispatch_id}"))
            subjects.append(Q(payload__customer_id=customer.pk))
    if campaign_id:
        subjects.append(Q(subject=f"campaign:{campaign_id}"))
        subjects.append(Q(payload__campaign_id=campaign_id))
    if not subjects:
        return []
    query = subjects[0]
    for q in subjects[1:]:
        query |= q
    return list(Event.objects.filter(query).order_by("-id")[:50])


@dataclass
class Explanation:
    events: list[Event]
    evaluations: dict[int, list]
    handoffs: dict[int, list]
    silent: dict[int, list[str]]


def explain(
    *,
    event_id: int | None,
    customer_id: int | None,
    delivery_id: int | None,
    campaign_id: int | None = None,
) -> Explanation:
    """What happened to each event and why: every rule's evaluation, the handoffs and alerts it
    made, and the switched-off rules that would have heard it. A fixed number of queries."""
    from handoffs.models import Handoff, Rule, RuleEvaluation

    events = explain_events(
        event_id=event_id, customer_id=customer_id, delivery_id=delivery_id, campaign_id=campaign_id
    )
    ids = [e.pk for e in events]
    evaluations: dict[int, list] = {pk: [] for pk in ids}
    for evaluation in (
        RuleEvaluation.objects.filter(event_id__in=ids)
        .select_related("rule")
        .order_by("rule__name", "id")
    ):
        evaluations[evaluation.event_id].append(evaluation)
    handoffs: dict[int, list] = {pk: [] for pk in ids}
    for handoff in (
        Handoff.objects.filter(event_id__in=ids)
        .select_related("team")
        .prefetch_related("alerts__channel__team", "alerts__attempt_log")
        .order_by("id")
    ):
        if handoff.event_id is not None:
            handoffs[handoff.event_id].append(handoff)
    off_rules: dict[str, list[str]] = {}
    for name, trigger in Rule.objects.filter(
        enabled=False, trigger__in={e.type for e in events}
    ).values_list("name", "trigger"):
        off_rules.setdefault(trigger, []).append(name)
    silent = {e.pk: off_rules.get(e.type, []) for e in events}
    return Explanation(events, evaluations, handoffs, silent)


def handoff_facts(start: datetime, end: datetime) -> dict[str, list]:
    """Read-only facts for KPIs, per local day: misses and acknowledgement times."""
    from django.db.models.functions import TruncDate

    from handoffs.models import Handoff

    missed = list(
        Handoff.objects.filter(missed_at__gte=start, missed_at__lt=end)
        .annotate(day=TruncDate("missed_at"))
        .values_list("day", flat=True)
    )
    acks = [
        (created, (acked - created).total_seconds() / 60)
        for created, acked in Handoff.objects.filter(
            acknowledged_at__isnull=False, created_at__gte=start, created_at__lt=end
        ).values_list("created_at", "acknowledged_at")
        if acked is not None
    ]
    # Rule runs and the minutes they saved: rule_runs_daily (summed by the database).
    return {"missed": missed, "acks": acks}


def rule_enablements(start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """When rules were switched on (for chart annotations)."""
    from handoffs.models import RuleVersion

    return list(
        RuleVersion.objects.filter(
            note="enabled", changed_at__gte=start, changed_at__lt=end
        ).values_list("changed_at", "rule__name")
    )


def open_handoffs_for_home(user: User) -> list:
    """The person's teams' open handoffs, soonest due first, then those missed this week."""
    from django.utils import timezone

    from handoffs.models import Handoff

    mine = Handoff.objects.filter(team__memberships__user=user).select_related("team")
    open_ = list(mine.filter(status=Handoff.Status.OPEN).order_by("due_at", "-created_at")[:8])
    week_ago = timezone.now() - timedelta(days=7)
    missed = list(
        mine.filter(status=Handoff.Status.MISSED, missed_at__gte=week_ago).order_by("-missed_at")[
            :4
        ]
    )
    return (open_ + missed)[:8]


def first_handoff_at() -> datetime | None:
    from django.db.models import Min

    from handoffs.models import Handoff

    return Handoff.objects.aggregate(first=Min("created_at"))["first"]


def team_ids_of(user: User) -> list[int]:
    """The ids of the teams ``user`` belongs to."""
    return list(Membership.objects.filter(user=user).values_list("team_id", flat=True))


def rule_runs_daily(start: datetime, end: datetime) -> list[tuple[date, int, int]]:
    """Read-only, for KPIs: per local day in [start, end), the rule runs that created handoffs
    (once however many teams a run told) and the manual minutes they saved, each run counted at
    the minutes its rule version said. Summed by the database, not row by row."""
    from django.db.models import Exists, IntegerField, OuterRef, Subquery, Sum
    from django.db.models.fields.json import KT
    from django.db.models.functions import Cast, Coalesce

    from handoffs.models import Handoff, RuleEvaluation, RuleVersion

    version = RuleVersion.objects.filter(rule=OuterRef("rule"), version=OuterRef("rule_version"))
    rows = (
        RuleEvaluation.objects.filter(matched=True, at__gte=start, at__lt=end)
        .filter(Exists(Handoff.objects.filter(rule=OuterRef("rule"), event=OuterRef("event"))))
        # As text (KT), then cast: SQLite's json_extract hands back a bare number a JSONField
        # can't read.
        .annotate(
            minutes=Coalesce(
                Cast(
                    Subquery(version.annotate(m=KT("snapshot__minutes_saved")).values("m")[:1]),
                    IntegerField(),
                ),
                "rule__minutes_saved",
                0,
                output_field=IntegerField(),
            ),
            day=TruncDate("at", tzinfo=timezone.get_current_timezone()),
        )
        .values("day")
        .annotate(runs=Count("id"), saved=Sum("minutes"))
        .values_list("day", "runs", "saved")
        .order_by("day")
    )
    return [(day, runs, int(saved or 0)) for day, runs, saved in rows]


def rule_duplicates(rule) -> list:
    """Other enabled rules on the same trigger, for an overlapping team, whose conditions can
    hold together with this rule's: each event would make two handoffs and two alerts."""
    from handoffs import rules
    from handoffs.models import Rule

    team_ids = set(rule.teams.values_list("pk", flat=True))
    candidates = (
        Rule.objects.filter(enabled=True, trigger=rule.trigger, teams__in=team_ids)
        .exclude(pk=rule.pk)
        .distinct()
        .prefetch_related("teams")
        .order_by("name")
    )
    return [
        other for other in candidates if rules.conditions_overlap(rule.conditions, other.conditions)
    ]


def channel_last_tests(limit: int = 200) -> dict[int, object]:
    """The latest test message of each channel (with its attempts), by channel id."""
    from handoffs.models import Alert

    latest: dict[int, object] = {}
    for alert in (
        Alert.objects.filter(purpose=Alert.Purpose.TEST)
        .order_by("-created_at", "-id")
        .prefetch_related("attempt_log")[:limit]
    ):
        if alert.channel_id is not None:
            latest.setdefault(alert.channel_id, alert)
    return latest


def may_acknowledge(user: User | None, handoff) -> bool:
    """Only members of the receiving team, and admins, may acknowledge or close a handoff."""
    if user is None or not user.is_active:
        return False
    if roles.is_admin(user):
        return True
    return Membership.objects.filter(user=user, team_id=handoff.team_id).exists()


def handoff_about(user: User, handoff) -> subjects.Subject | None:
    """What the handoff's link points at, by name, linked only when ``user`` may open it; None
    when it only repeats the "Event" row (a rule's link to Explain for its own event)."""
    if handoff.event_id and handoff.site_link == f"/handoffs/explain/?event={handoff.event_id}":
        return None
    return subjects.describe(user, handoff.site_link)


def handoff_comments(handoff) -> QuerySet:
    """A handoff's comments, oldest first, with their authors."""
    from handoffs.models import HandoffComment

    return HandoffComment.objects.filter(handoff=handoff).select_related("author")


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to a handoff: raised, commented, acknowledged, missed."""

    at: datetime
    kind: str
    who: str
    text: str = ""
    comment_id: int | None = None


def handoff_timeline(handoff, comments) -> list[TimelineEntry]:
    """What happened to a handoff, oldest first: raised, each comment, missed, acknowledged."""
    who = (
        f"rule “{handoff.rule.name}”"
        if handoff.rule_id
        else (handoff.created_by.display_name if handoff.created_by else "")
    )
    entries = [TimelineEntry(handoff.created_at, "raised", who)]
    entries += [
        TimelineEntry(
            c.created_at,
            "commented",
            c.author.display_name if c.author else "a former colleague",
            c.body,
            c.pk,
        )
        for c in comments
    ]
    if handoff.missed_at:
        entries.append(TimelineEntry(handoff.missed_at, "missed", ""))
    if handoff.acknowledged_at:
        by = handoff.acknowledged_by.display_name if handoff.acknowledged_by else "someone"
        entries.append(TimelineEntry(handoff.acknowledged_at, "acknowledged", by))
    return sorted(entries, key=lambda e: (e.at, e.comment_id or 0))


def handoffs_done(ids: list[int]) -> set[int]:
    """Which of the handoffs ``ids`` are done (for modules tracking work they handed over)."""
    from handoffs.models import Handoff

    if not ids:
        return set()
    return set(
        Handoff.objects.filter(pk__in=ids, status=Handoff.Status.DONE).values_list("pk", flat=True)
    )


def open_handoffs_about(subject: str, event_type: str, team_ids: list[int]) -> list:
    """Open (or missed) handoffs to ``team_ids`` that rules made of ``event_type`` events about
    ``subject`` (e.g. "campaign:12"): a module that settles the same request closes them."""
    from handoffs.models import Handoff

    return list(
        Handoff.objects.filter(
            event__subject=subject,
            event__type=event_type,
            team_id__in=team_ids,
            status__in=[Handoff.Status.OPEN, Handoff.Status.MISSED],
        ).select_related("team")
    )


def subjects_acknowledged(subjects: list[str], team_ids: list[int]) -> set[str]:
    """Which event subjects (e.g. "promo_code:12") some handoff to one of ``team_ids`` about
    was acknowledged (or done) for: the rest nobody in those teams ever confirmed."""
    from handoffs.models import Handoff

    if not subjects or not team_ids:
        return set()
    return set(
        Handoff.objects.filter(
            event__subject__in=subjects,
            team_id__in=team_ids,
            status__in=[Handoff.Status.ACKNOWLEDGED, Handoff.Status.DONE],
        ).values_list("event__subject", flat=True)
    )


@dataclass(frozen=True)
class RuleHandoffFigures:
    """What one rule's handoffs did in a period: how many, how fast acknowledged, missed."""

    created: int
    ack_minutes: tuple[float, ...]
    missed: int


def handoff_figures_by_rule(
    rule_ids: list[int], start: datetime, end: datetime
) -> dict[int, RuleHandoffFigures]:
    """Per rule: handoffs created in [start, end), their acknowledgement times, and how many
    were missed. Read-only; two queries however many rules."""
    from handoffs.models import Handoff

    if not rule_ids:
        return {}
    in_period = Handoff.objects.filter(
        rule_id__in=rule_ids, created_at__gte=start, created_at__lt=end
    )
    counts = {
        row["rule_id"]: row
        for row in in_period.values("rule_id")
        .annotate(n=Count("id"), missed=Count("id", filter=Q(missed_at__isnull=False)))
        .order_by()
    }
    acks: dict[int, list[float]] = {}
    for rule_id, created, acked in in_period.filter(acknowledged_at__isnull=False).values_list(
        "rule_id", "created_at", "acknowledged_at"
    ):
        if acked is not None:
            acks.setdefault(rule_id, []).append((acked - created).total_seconds() / 60)
    return {
        rule_id: RuleHandoffFigures(
            created=counts.get(rule_id, {}).get("n", 0),
            ack_minutes=tuple(acks.get(rule_id, ())),
            missed=counts.get(rule_id, {}).get("missed", 0),
        )
        for rule_id in rule_ids
    }


def rules_for_linking() -> QuerySet:
    """Every handoff rule, for linking to a workflow map's handoff points (names and ids only)."""
    from handoffs.models import Rule

    return Rule.objects.only("id", "name", "enabled", "template_key").order_by("name")


def rule_by_template(template_key: str):
    """The first rule made from a ready-made template, or None."""
    from handoffs.models import Rule

    return Rule.objects.filter(template_key=template_key).order_by("id").first()

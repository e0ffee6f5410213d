"""Writers of the KPI module: targets, manual values, baselines, threshold alerts, reviews."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from hub import audit, events, roles
from hub.errors import DomainError
from hub.models import Team, User, Zone
from kpis import dashboard, registry, selectors
from kpis.models import Baseline, KpiState, ManualValue, Review, ReviewActionItem, Target
from kpis.registry import Filters, month_period


def _require_manager(user: User) -> None:
    if not roles.is_manager(user):
        raise DomainError("Only managers can do this.", code="forbidden")


def _metric(key: str) -> registry.Metric:
    metric = registry.get_metric(key)
    if metric is None:
        raise DomainError("Unknown metric.", field="metric")
    return metric


def _check_bounds(metric: registry.Metric, value: Decimal, what: str = "") -> None:
    """Targets, baselines and manual values lie within the metric's own bounds."""
    low, high = metric.bounds
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            text = f"between {low} and {high}"
        elif low is not None:
            text = f"at least {low}"
        else:
            text = f"at most {high}"
        raise DomainError(f"{what or metric.label} is {text}.", field="value")


@transaction.atomic
def target_set(*, actor: User, metric: str, value: Decimal | None) -> Target | None:
    """Set (or with None, remove) a KPI's target. Managers only."""
    _require_manager(actor)
    definition = _metric(metric)
    if value is None:
        Target.objects.filter(metric=metric).delete()
        audit.record(actor=actor, action="kpi.target.delete", obj=actor, changes={"metric": metric})
        return None
    _check_bounds(definition, value, f"A target for {definition.label}")
    target, _ = Target.objects.update_or_create(
        metric=metric, defaults={"value": value, "set_by": actor, "set_at": timezone.now()}
    )
    audit.record(actor=actor, action="kpi.target.set", obj=target, changes={"value": str(value)})
    return target


@transaction.atomic
def manual_value_set(
    *,
    actor: User,
    metric: str,
    month: date,
    value: Decimal,
    zone: Zone | None = None,
    note: str = "",
) -> ManualValue:
    """Enter a month's value for a metric without a data source yet. Managers only."""
    _require_manager(actor)
    definition = _metric(metric)
    if not definition.manual:
        raise DomainError(
            f"{definition.label} is computed from the data; it takes no manual values."
        )
    _check_bounds(definition, value)
    row, _ = ManualValue.objects.update_or_create(
        metric=metric,
        month=month.replace(day=1),
        zone=zone,
        defaults={"value": value, "note": note, "entered_by": actor, "entered_at": timezone.now()},
    )
    audit.record(actor=actor, action="kpi.manual_value", obj=row, changes={"value": str(value)})
    return row


@transaction.atomic
def baseline_set(
    *, actor: User, metric: str, value: Decimal, month: date | None = None
) -> Baseline:
    """Set a collaboration metric's baseline (once; changing it again is recorded)."""
    _require_manager(actor)
    definition = _metric(metric)
    if not definition.scorecard:
        raise DomainError("Baselines are for the collaboration scorecard's metrics.")
    _check_bounds(definition, value, f"A baseline for {definition.label}")
    baseline, created = Baseline.objects.update_or_create(
        metric=metric,
        defaults={"value": value, "month": month, "set_by": actor, "set_at": timezone.now()},
    )
    audit.record(
        actor=actor,
        action="kpi.baseline.set" if created else "kpi.baseline.change",
        obj=baseline,
        changes={"value": str(value)},
    )
    return baseline


def baselines_from_first_month(*, actor: User, month: date) -> list[Baseline]:
    """Take each scorecard metric's value in ``month`` as its baseline (where it has one)."""
    period = month_period(month)
    agg = registry.total(registry.daily_inputs(period, Filters()))
    made = []
    for metric in registry.scorecard_metrics():
        value = registry.evaluate(metric, agg, period, Filters()).value
        if value is not None:
            made.append(
                baseline_set(actor=actor, metric=metric.key, value=value, month=period.start)
            )
    return made


def kpi_thresholds_check(today: date | None = None) -> int:
    """Record kpis.kpi.off_target / back_on_target when a KPI crosses its target this month.

    A handoff rule on those events tells the owning team. Told once per crossing.
    """
    today = today or timezone.localdate()
    period = month_period(today)
    told = 0
    for card in dashboard.cards(period, Filters(), keys=list(dashboard.targets())):
        if card.on_target is None:
            continue
        state = KpiState.objects.filter(metric=card.metric.key).first()
        if state is not None and state.on_target == card.on_target:
            KpiState.objects.filter(pk=state.pk).update(value=card.value, checked_at=timezone.now())
            continue
        with transaction.atomic():
            KpiState.objects.update_or_create(
                metric=card.metric.key,
                defaults={
                    "on_target": card.on_target,
                    "value": card.value,
                    "checked_at": timezone.now(),
                },
            )
            kind = "back_on_target" if card.on_target else "off_target"
            stamp = timezone.now()
            events.record(
                "kpis",
                f"kpis.kpi.{kind}",
                f"{card.metric.key}:{kind}:{int(stamp.timestamp())}",
                {
                    "metric": card.metric.key,
                    "label": card.metric.label,
                    "function": card.metric.function,
                    "value": str(card.value),
                    "display": card.display,
                    "target": str(card.target),
                    "target_display": card.target_display,
                    "month": period.start.isoformat(),
                },
                occurred_at=stamp,
                subject=f"kpi:{card.metric.key}",
            )
            told += 1
    return told


# --- The monthly review -------------------------------------------------------------------------


def review_open(*, actor: User, month: date) -> Review:
    """Open (or return) the review of a month. Managers only."""
    _require_manager(actor)
    if month.replace(day=1) > timezone.localdate().replace(day=1):
        raise DomainError(
            f"{month:%B %Y} has not started yet: a review looks back at a month.", field="month"
        )
    review, created = Review.objects.get_or_create(
        month=month.replace(day=1), defaults={"created_by": actor}
    )
    if created:
        audit.record(actor=actor, action="review.open", obj=review)
    return review


def _check_open(review: Review) -> None:
    if review.status == Review.Status.CLOSED:
        raise DomainError("This review is closed: its record is frozen.")


@transaction.atomic
def review_save_notes(*, actor: User, review: Review, notes: str, decisions: str) -> Review:
    _require_manager(actor)
    review = Review.objects.select_for_update().get(pk=review.pk)
    _check_open(review)
    review.notes, review.decisions = notes, decisions
    review.save(update_fields=["notes", "decisions"])
    audit.record(actor=actor, action="review.notes", obj=review)
    return review


@transaction.atomic
def review_add_action(
    *, actor: User, review: Review, team: Team, title: str, due_days: int | None
) -> ReviewActionItem:
    """An action item from the meeting, handed to a team as a handoff."""
    from datetime import timedelta

    from handoffs import services as handoff_services

    _require_manager(actor)
    _check_open(review)
    if not title.strip():
        raise DomainError("Say what needs doing.", field="title")
    handoff = handoff_services.handoff_create(
        team=team,
        title=f"From the {review.month:%B} KPI review: {title.strip()}",
        body=f"Decided at the monthly KPI review of {review.month:%B %Y}.",
        link=f"/kpis/reviews/{review.month:%Y-%m}/",
        created_by=actor,
        due_at=timezone.now() + timedelta(days=due_days) if due_days else None,
    )
    item = ReviewActionItem.objects.create(
        review=review, team=team, title=title.strip(), handoff_id=handoff.pk, created_by=actor
    )
    audit.record(actor=actor, action="review.action_item", obj=item)
    return item


@transaction.atomic
def review_close(
    *,
    actor: User,
    review: Review,
    notes: str | None = None,
    decisions: str | None = None,
) -> Review:
    """Freeze the review's numbers as they are now (later data changes don't rewrite them),
    keep the notes and decisions typed with the close, and share it with every team."""
    from handoffs import services as handoff_services

    _require_manager(actor)
    review = Review.objects.select_for_update().get(pk=review.pk)
    _check_open(review)
    if notes is not None:
        review.notes = notes
    if decisions is not None:
        review.decisions = decisions
    review.snapshot = selectors.review_numbers(review.month)
    review.status = Review.Status.CLOSED
    review.closed_by = actor
    review.closed_at = timezone.now()
    review.save()
    for team in Team.objects.all():
        handoff_services.handoff_create(
            team=team,
            title=f"KPI review of {review.month:%B %Y} is out",
            body=(review.decisions or "See the decisions and numbers in Crossdock.")[:2000],
            link=f"/kpis/reviews/{review.month:%Y-%m}/",
            created_by=actor,
            requires_ack=False,
        )
    audit.record(actor=actor, action="review.close", obj=review)
    return review

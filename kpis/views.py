"""KPI pages: the shared dashboard, per-function dashboards, a metric's detail, the scorecard
and the monthly review. Managers set targets and enter manual values."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from csp.decorators import csp_update
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from handoffs import selectors as handoff_selectors
from hub import csv_export, roles
from hub.decorators import manager_required, member_required
from hub.errors import DomainError
from hub.models import Campaign, Incident
from kpis import charts, dashboard, metrics, rollups, services
from kpis.forms import (
    ActionItemForm,
    BaselineForm,
    FilterForm,
    ManualValueForm,
    ReviewNotesForm,
    TargetForm,
)
from kpis.metrics import FUNCTIONS, METRICS, Filters, Period
from kpis.models import ManualValue, Review

# plotly.js sets inline styles on the figures it draws.
charts_csp = csp_update({"style-src": ["'unsafe-inline'"]})


def _period_and_filters(request: HttpRequest) -> tuple[Period, Filters, FilterForm]:
    form = FilterForm(request.GET or None)
    today = timezone.localdate()
    choice, data = "month", {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        choice = data.get("period") or "month"
        if data.get("start") and data.get("end") and data["end"] >= data["start"]:
            choice = "custom"  # dates given: they are the period
    if choice == "last_month":
        period = metrics.month_period(today.replace(day=1) - timedelta(days=1))
    elif choice == "week":
        period = Period(today - timedelta(days=6), today)
    elif choice == "quarter":
        period = Period(today - timedelta(days=89), today)
    elif choice == "custom":
        period = Period(data["start"], data["end"])
    else:
        period = metrics.month_period(today)
    return period, Filters(zone=data.get("zone"), campaign=data.get("campaign")), form


def _annotations(period: Period) -> list[tuple[date, str]]:
    start, end = period.bounds()
    notes = [
        (c.starts_on, f"Launch: {c.name}")
        for c in Campaign.objects.filter(starts_on__gte=period.start, starts_on__lte=period.end)
    ]
    notes += [
        (timezone.localtime(i.occurred_at).date(), f"Error: {i.title.removeprefix('[demo] ')}")
        for i in Incident.objects.filter(
            kind=Incident.Kind.CAMPAIGN_ERROR, occurred_at__gte=start, occurred_at__lt=end
        )
    ]
    notes += [
        (timezone.localtime(at).date(), f"Rule on: {name}")
        for at, name in handoff_selectors.rule_enablements(start, end)
    ]
    merged: dict[date, list[str]] = {}
    for day, label in sorted(notes):
        merged.setdefault(day, []).append(label)
    return [
        (day, labels[0] if len(labels) == 1 else f"{len(labels)} events: " + "; ".join(labels))
        for day, labels in merged.items()
    ]


def _context(request: HttpRequest, keys: list[str], title: str, function: str = "") -> dict:
    period, filters, form = _period_and_filters(request)
    days = metrics.daily_aggregates(period, filters)  # once, for the cards and every trend
    cards = dashboard.cards(period, filters, keys, days)
    groups = []
    for fn, label in FUNCTIONS.items():
        group = [c for c in cards if c.metric.function == fn]
        if group:
            groups.append((label, group))
    annotations = _annotations(period)
    trends = []
    shown = [k for k in ("on_time", "cac", "first_on_time", "missed_handoffs") if k in keys]
    for key in shown or keys[:2]:
        series = dashboard.trend(key, period, filters, days)
        target = next((c.target for c in cards if c.metric.key == key), None)
        trends.append(
            {
                "metric": METRICS[key],
                "series": [(d, metrics.format_value(METRICS[key], v)) for d, v in series],
                "figure": charts.trend_figure(METRICS[key], series, target, annotations),
            }
        )
    return {
        "title": title,
        "function": function,
        "period": period,
        "filters": filters,
        "form": form,
        "groups": groups,
        "trends": trends,
        "annotations": annotations,
        "updated": rollups.last_updated(),
        "query": request.GET.urlencode(),
        "is_manager": roles.is_manager(request.user),
        "functions": FUNCTIONS,
    }


@member_required
@charts_csp
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "kpis/dashboard.html", _context(request, list(METRICS), "Shared KPIs"))


@member_required
@charts_csp
def function_dashboard(request: HttpRequest, function: str) -> HttpResponse:
    if function not in FUNCTIONS:
        raise Http404("No such function.")
    keys = [k for k, m in METRICS.items() if m.function == function]
    return render(
        request,
        "kpis/dashboard.html",
        _context(request, keys, f"{FUNCTIONS[function]} KPIs", function),
    )


@member_required
@charts_csp
def metric_detail(request: HttpRequest, key: str) -> HttpResponse:
    metric = METRICS.get(key)
    if metric is None:
        raise Http404("No such metric.")
    period, filters, form = _period_and_filters(request)
    days = metrics.daily_aggregates(period, filters)  # once, for the card, trend and inputs
    card = dashboard.cards(period, filters, [key], days)[0]
    series = dashboard.trend(key, period, filters, days)
    agg = metrics.total(days)
    by_zone = dashboard.breakdown(key, period, "zone") if "zone" in metric.honours else []
    by_campaign = (
        dashboard.breakdown(key, period, "campaign") if "campaign" in metric.honours else []
    )
    return render(
        request,
        "kpis/metric.html",
        {
            "metric": metric,
            "card": card,
            "period": period,
            "filters": filters,
            "form": form,
            "series": [(d, metrics.format_value(metric, v)) for d, v in series],
            "trend_figure": charts.trend_figure(metric, series, card.target, _annotations(period)),
            "by_zone": [(n, metrics.format_value(metric, v)) for n, v in by_zone],
            "by_zone_figure": charts.bar_figure(metric, by_zone) if by_zone else None,
            "by_campaign": [(n, metrics.format_value(metric, v)) for n, v in by_campaign],
            "by_campaign_figure": charts.bar_figure(metric, by_campaign) if by_campaign else None,
            "inputs": [(metrics.INPUT_LABELS[k], agg.values[k]) for k in metric.inputs],
            "source_link": _source_link(key, period, filters),
            "manual_values": ManualValue.objects.filter(metric=key).select_related(
                "zone", "entered_by"
            )[:12],
            "target_form": TargetForm(initial={"value": card.target}, prefix="target"),
            "manual_form": ManualValueForm(prefix="manual"),
            "is_manager": roles.is_manager(request.user),
            "query": request.GET.urlencode(),
        },
    )


def _source_link(key: str, period: Period, filters: Filters) -> str:
    """Where the rows behind a metric can be seen."""
    start, end = period.bounds()
    if key in ("deliveries", "on_time", "failed_pct", "first_on_time", "new_customers", "cac"):
        params = f"completed_after={start.isoformat()}&completed_before={end.isoformat()}"
        if filters.zone:
            params += f"&zone={filters.zone.code}"
        return f"/api/v1/deliveries/?{params}".replace("+", "%2B")
    if key == "leads":
        params = f"first_seen_after={start.isoformat()}&first_seen_before={end.isoformat()}"
        return f"/api/v1/customers/?{params}".replace("+", "%2B")
    if key in ("missed_handoffs", "ack_median", "hours_saved"):
        return "/handoffs/?scope=all&status="
    if key in ("complaints", "campaign_errors"):
        return "/campaigns/"
    return ""


@member_required
def chart_csv(request: HttpRequest, key: str, kind: str) -> HttpResponse:
    """Every chart as CSV: the trend, or the breakdown by zone or campaign."""
    metric = METRICS.get(key)
    if metric is None or kind not in ("trend", "zone", "campaign"):
        raise Http404
    period, filters, _ = _period_and_filters(request)
    if kind == "trend":
        rows = [(d.isoformat(), v) for d, v in dashboard.trend(key, period, filters)]
        header = ["period_start", key]
    else:
        rows = dashboard.breakdown(key, period, kind)
        header = [kind, key]
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="{key}-{kind}-{period.start}-{period.end}.csv"'
    )
    writer = csv_export.Writer(response)
    writer.writerow(header)
    for label, value in rows:
        writer.writerow([label, "" if value is None else value])
    return response


def _back(request: HttpRequest, key: str) -> HttpResponse:
    query = request.POST.get("query", "")
    return redirect(f"/kpis/m/{key}/" + (f"?{query}" if query else ""))


@manager_required
@require_POST
def target_set(request: HttpRequest, key: str) -> HttpResponse:
    form = TargetForm(request.POST, prefix="target")
    if form.is_valid():
        try:
            services.target_set(actor=request.user, metric=key, value=form.cleaned_data["value"])
            messages.success(request, "Target saved.")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "The target is a number.")
    return _back(request, key)


@manager_required
@require_POST
def manual_value(request: HttpRequest, key: str) -> HttpResponse:
    form = ManualValueForm(request.POST, prefix="manual")
    if form.is_valid():
        try:
            services.manual_value_set(actor=request.user, metric=key, **form.cleaned_data)
            messages.success(request, "Value saved.")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Give a month and a value.")
    return _back(request, key)


@manager_required
@require_POST
def rebuild(request: HttpRequest) -> HttpResponse:
    from kpis.tasks import rebuild_rollups_task

    try:
        rebuild_rollups_task.apply_async(retry=False)
        messages.success(
            request, "Rebuilding the rollups from all deliveries; refresh in a minute."
        )
    except Exception:
        messages.error(request, "The task queue is unavailable; try again shortly.")
    return redirect("kpis:index")


# --- Scorecard and the monthly review -----------------------------------------------------------


@member_required
def scorecard(request: HttpRequest) -> HttpResponse:
    form = BaselineForm()
    return render(
        request,
        "kpis/scorecard.html",
        {"card": dashboard.scorecard(), "form": form, "is_manager": roles.is_manager(request.user)},
    )


@manager_required
@require_POST
def scorecard_baseline(request: HttpRequest) -> HttpResponse:
    if request.POST.get("from_month"):
        try:
            month = datetime.strptime(request.POST["from_month"], "%Y-%m").date()  # noqa: DTZ007
        except ValueError:
            messages.error(request, "Choose a month.")
            return redirect("kpis:scorecard")
        made = services.baselines_from_first_month(actor=request.user, month=month)
        messages.success(request, f"{len(made)} baselines taken from {month:%B %Y}.")
        return redirect("kpis:scorecard")
    form = BaselineForm(request.POST)
    if form.is_valid():
        services.baseline_set(
            actor=request.user, metric=form.cleaned_data["metric"], value=form.cleaned_data["value"]
        )
        messages.success(request, "Baseline saved.")
    else:
        messages.error(request, "Choose a metric and give a number.")
    return redirect("kpis:scorecard")


def _month(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 - a calendar month
    except ValueError:
        raise Http404("No such month.") from None


def review_data(month: date) -> dict:
    """The numbers of a review, as they are now (frozen into the snapshot on close)."""
    period = metrics.month_period(month)
    cards = dashboard.cards(period, Filters())
    kpi_rows = [
        {
            "key": c.metric.key,
            "label": c.metric.label,
            "function": FUNCTIONS[c.metric.function],
            "previous": c.previous_display,
            "current": c.display,
            "target": c.target_display,
            "change": c.change["text"],
            "better": c.change["better"],
            "on_target": c.on_target,
        }
        for c in cards
    ]
    score = dashboard.scorecard(months=1, today=period.end)
    score_rows = [
        {
            "label": r["metric"].label,
            "baseline": r["baseline_display"],
            "current": r["values"][-1],
            "target": r["target_display"],
            "progress": r["progress"],
        }
        for r in score["rows"]
    ]
    return {"month": month.isoformat(), "kpis": kpi_rows, "scorecard": score_rows}


@member_required
def review_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "kpis/review_list.html",
        {
            "reviews": Review.objects.all(),
            "suggested": (today.replace(day=1) - timedelta(days=1)).replace(day=1),
            "is_manager": roles.is_manager(request.user),
        },
    )


@manager_required
@require_POST
def review_start(request: HttpRequest) -> HttpResponse:
    month = _month(request.POST.get("month", ""))
    review = services.review_open(actor=request.user, month=month)
    return redirect("kpis:review", month=f"{review.month:%Y-%m}")


@member_required
@charts_csp
def review(request: HttpRequest, month: str) -> HttpResponse:
    first = _month(month)
    review = Review.objects.filter(month=first).first()
    if review is None:
        raise Http404("No review for that month yet.")
    data = (
        review.snapshot
        if review.status == Review.Status.CLOSED and review.snapshot
        else review_data(first)
    )
    return render(
        request,
        "kpis/review.html",
        {
            "review": review,
            "data": data,
            "notes_form": ReviewNotesForm(
                initial={"notes": review.notes, "decisions": review.decisions}
            ),
            "action_form": ActionItemForm(),
            "action_items": review.action_items.select_related("team"),
            "is_manager": roles.is_manager(request.user),
            "printable": request.GET.get("print") == "1",
        },
    )


@manager_required
@require_POST
def review_action(request: HttpRequest, month: str, action: str) -> HttpResponse:
    review = Review.objects.filter(month=_month(month)).first()
    if review is None:
        raise Http404
    try:
        if action == "notes":
            form = ReviewNotesForm(request.POST)
            form.is_valid()
            services.review_save_notes(
                actor=request.user,
                review=review,
                notes=form.cleaned_data.get("notes", ""),
                decisions=form.cleaned_data.get("decisions", ""),
            )
            messages.success(request, "Notes saved.")
        elif action == "item":
            form = ActionItemForm(request.POST)
            if not form.is_valid():
                raise DomainError("Choose a team and say what needs doing.")
            services.review_add_action(actor=request.user, review=review, **form.cleaned_data)
            messages.success(request, "Action item handed to the team.")
        elif action == "close":
            if request.POST.get("confirm") != "1":
                raise DomainError("Tick the box to confirm: closing freezes the review.")
            services.review_close(
                actor=request.user, review=review, snapshot=review_data(review.month)
            )
            messages.success(request, "Review closed, frozen and shared with every team.")
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("kpis:review", month=month)

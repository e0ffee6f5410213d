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

from hub import csv_export, roles
from hub.decorators import manager_required, member_required
from hub.errors import DomainError
from kpis import charts, dashboard, metrics, registry, rollups, selectors, services
from kpis.forms import (
    ActionItemForm,
    BaselineForm,
    FilterForm,
    ManualValueForm,
    ReviewNotesForm,
    TargetForm,
    period_and_filters,
)
from kpis.registry import FUNCTIONS, Filters, Period

# plotly.js sets inline styles on the figures it draws.
charts_csp = csp_update({"style-src": ["'unsafe-inline'"]})


def _period_and_filters(request: HttpRequest) -> tuple[Period, Filters, FilterForm]:
    return period_and_filters(request.GET, timezone.localdate())


def _context(request: HttpRequest, keys: list[str], title: str, function: str = "") -> dict:
    period, filters, form = _period_and_filters(request)
    days = registry.daily_inputs(period, filters)  # once, for the cards and every trend
    since = registry.first_days()
    cards = dashboard.cards(period, filters, keys, days, since)
    groups = []
    for fn, label in FUNCTIONS.items():
        group = [c for c in cards if c.metric.function == fn]
        if group:
            groups.append((label, group))
    annotations = selectors.chart_events(period)
    trends = []
    # Trends of KPIs the filter can't split would be empty charts (or the company's line).
    available = [c.metric.key for c in cards if not c.unavailable]
    shown = [k for k in ("on_time", "cac", "first_on_time", "missed_handoffs") if k in available]
    for key in shown or available[:2]:
        metric = registry.metric(key)
        series = dashboard.trend(key, period, filters, days, since)
        # Company targets are not drawn over a zone's or campaign's line.
        target = (
            None if filters.active else next((c.target for c in cards if c.metric.key == key), None)
        )
        trends.append(
            {
                "metric": metric,
                "series": [(d, metrics.format_value(metric, v)) for d, v in series],
                "figure": charts.trend_figure(metric, series, target, annotations),
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
        "fresh": rollups.freshness(period.start, period.end),
        "query": request.GET.urlencode(),
        "is_manager": roles.is_manager(request.user),
        "functions": FUNCTIONS,
    }


@member_required
@charts_csp
def index(request: HttpRequest) -> HttpResponse:
    keys = [m.key for m in registry.metric_list()]
    return render(request, "kpis/dashboard.html", _context(request, keys, "Shared KPIs"))


@member_required
@charts_csp
def function_dashboard(request: HttpRequest, function: str) -> HttpResponse:
    if function not in FUNCTIONS:
        raise Http404("No such function.")
    keys = [m.key for m in registry.metric_list(function)]
    return render(
        request,
        "kpis/dashboard.html",
        _context(request, keys, f"{FUNCTIONS[function]} KPIs", function),
    )


@member_required
@charts_csp
def metric_detail(request: HttpRequest, key: str) -> HttpResponse:
    metric = registry.get_metric(key)
    if metric is None:
        raise Http404("No such metric.")
    period, filters, form = _period_and_filters(request)
    days = registry.daily_inputs(period, filters)  # once, for the card, trend and inputs
    since = registry.first_days()
    card = dashboard.cards(period, filters, [key], days, since)[0]
    series = dashboard.trend(key, period, filters, days, since)
    agg = registry.total(days)
    annotations = selectors.chart_events(period)
    honours = registry.honours(metric)
    by_zone = dashboard.breakdown(key, period, "zone", filters, since) if "zone" in honours else []
    by_campaign = (
        dashboard.breakdown(key, period, "campaign", filters, since)
        if "campaign" in honours
        else []
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
            "trend_figure": charts.trend_figure(
                metric, series, None if filters.active else card.target, annotations
            ),
            "annotations": annotations,
            "by_zone": [(n, metrics.format_value(metric, v)) for n, v in by_zone],
            "by_zone_figure": charts.bar_figure(metric, by_zone) if by_zone else None,
            "by_campaign": [(n, metrics.format_value(metric, v)) for n, v in by_campaign],
            "by_campaign_figure": charts.bar_figure(metric, by_campaign) if by_campaign else None,
            "inputs": [
                (registry.input_label(k), agg[k])
                for k in metric.inputs
                if k not in agg.lists  # samples (for medians) are not a total
            ],
            "honours": sorted(registry.honours(metric)),
            "source_link": metric.link(period, filters) if metric.link else "",
            "manual_values": selectors.manual_value_list(key)[:12],
            "target_form": TargetForm(initial={"value": card.target}, prefix="target"),
            "manual_form": ManualValueForm(prefix="manual"),
            "is_manager": roles.is_manager(request.user),
            "query": request.GET.urlencode(),
        },
    )


@member_required
def rows(request: HttpRequest, kind: str) -> HttpResponse:
    """The rows a metric is computed from, inside the app (deliveries or customers)."""
    from django.core.paginator import Paginator

    if kind not in ("deliveries", "customers"):
        raise Http404
    period, filters, form = _period_and_filters(request)
    found = (
        selectors.delivery_rows(period, filters)
        if kind == "deliveries"
        else selectors.customer_rows(period, filters)
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "kpis/rows.html",
        {
            "kind": kind,
            "period": period,
            "filters": filters,
            "form": form,
            "page": Paginator(found, 50).get_page(request.GET.get("page")),
            "early_ok": rollups.early_counts_as_on_time(),
            "query": params.urlencode(),
        },
    )


@member_required
def chart_csv(request: HttpRequest, key: str, kind: str) -> HttpResponse:
    """Every chart as CSV: the trend, or the breakdown by zone or campaign."""
    metric = registry.get_metric(key)
    if metric is None or kind not in ("trend", "zone", "campaign"):
        raise Http404
    period, filters, _ = _period_and_filters(request)
    if kind == "trend":
        rows = [(d.isoformat(), v) for d, v in dashboard.trend(key, period, filters)]
        header = ["period_start", key]
    else:
        try:
            rows = dashboard.breakdown(key, period, kind, filters)
        except ValueError as exc:
            return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
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
        try:
            services.baseline_set(
                actor=request.user,
                metric=form.cleaned_data["metric"],
                value=form.cleaned_data["value"],
            )
            messages.success(request, "Baseline saved.")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Choose a metric and give a number.")
    return redirect("kpis:scorecard")


def _month(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 - a calendar month
    except ValueError:
        raise Http404("No such month.") from None


@member_required
def review_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "kpis/review_list.html",
        {
            "reviews": selectors.review_list(),
            "suggested": (today.replace(day=1) - timedelta(days=1)).replace(day=1),
            "is_manager": roles.is_manager(request.user),
        },
    )


@manager_required
@require_POST
def review_start(request: HttpRequest) -> HttpResponse:
    month = _month(request.POST.get("month", ""))
    try:
        review = services.review_open(actor=request.user, month=month)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("kpis:review_list")
    return redirect("kpis:review", month=f"{review.month:%Y-%m}")


@member_required
@charts_csp
def review(request: HttpRequest, month: str) -> HttpResponse:
    first = _month(month)
    review = selectors.review_get(first)
    if review is None:
        raise Http404("No review for that month yet.")
    data = selectors.review_data(review)
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
    review = selectors.review_get(_month(month))
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
            typed = ReviewNotesForm(request.POST)
            typed.is_valid()
            services.review_close(
                actor=request.user,
                review=review,
                notes=typed.cleaned_data.get("notes") if "notes" in request.POST else None,
                decisions=(
                    typed.cleaned_data.get("decisions") if "decisions" in request.POST else None
                ),
            )
            messages.success(request, "Review closed, frozen and shared with every team.")
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("kpis:review", month=month)

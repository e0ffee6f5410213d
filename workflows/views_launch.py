"""Pages of campaign launches: plan one, confirm readiness items, flag over capacity, decide
findings, the calendar. Thin: parse, authorise with a selector, call a service."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from hub import selectors as hub_selectors
from hub.decorators import member_required
from hub.errors import DomainError
from workflows.forms_launch import (
    CapacityForm,
    ConfirmForm,
    LaunchDetailsForm,
    LaunchForm,
    OverCapacityForm,
)
from workflows.launch import selectors, services
from workflows.models import ReadinessItem


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@member_required
def launch_new(request: HttpRequest) -> HttpResponse:
    form = LaunchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.launch_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                f"“{campaign.name}” is scheduled: operations, support and tech get their "
                "readiness handoffs.",
            )
            return redirect("campaign_detail", pk=campaign.pk)
    return render(request, "workflows/launch/new.html", {"form": form})


@member_required
@require_POST
def launch_details(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = hub_selectors.campaign_get(pk)
    form = LaunchDetailsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say how many orders a day the campaign should bring (0 or more).")
    else:
        try:
            services.launch_details_set(actor=request.user, campaign=campaign, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Launch details saved.")
    return redirect("campaign_detail", pk=campaign.pk)


@member_required
@require_POST
def checklist_open(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = hub_selectors.campaign_get(pk)
    if campaign.status not in ("scheduled", "live"):
        messages.error(request, "Schedule the campaign first: that opens its checklist.")
    else:
        made = services.checklist_open(campaign=campaign, actor=request.user)
        messages.success(request, f"Checklist opened: {len(made)} readiness handoffs sent.")
    return redirect("campaign_detail", pk=campaign.pk)


@member_required
def readiness_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_item_for_user(request.user, pk)
    capacity = item.kind == ReadinessItem.Kind.CAPACITY
    form_class = CapacityForm if capacity else ConfirmForm
    initial = {
        "capacity_per_day": item.capacity_per_day or item.expected_per_day or None,
        "capacity_by_day": CapacityForm.days_text(item.capacity_days()),
    }
    form = form_class(request.POST or None, initial=initial)
    may_confirm = selectors.may_confirm(request.user, item)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_confirm(actor=request.user, item=item, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Confirmed; the campaign's checklist is updated.")
            return redirect("campaign_detail", pk=item.plan.campaign_id)
    campaign = item.plan.campaign
    recent = selectors.zone_recent([item.zone]) if item.zone_id else {}
    return render(
        request,
        "workflows/launch/item.html",
        {
            "item": item,
            "campaign": campaign,
            "plan": item.plan,
            "form": form,
            "may_confirm": may_confirm,
            "recent": recent.get(item.zone_id) if item.zone_id else None,
            "recent_days": selectors.RECENT_DAYS,
            "capacity_days": item.capacity_days(),
            "codes": list(hub_selectors.campaign_promo_codes(campaign)),
            "brief": selectors.brief_page(item.plan, request.user),
        },
    )


@member_required
@require_POST
def capacity_flag(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = hub_selectors.campaign_get(pk)
    form = OverCapacityForm(request.POST, zones=campaign.zones.all())
    if not form.is_valid():
        messages.error(request, "Choose one of the campaign's zones.")
        return redirect("campaign_detail", pk=campaign.pk)
    try:
        services.capacity_flag(actor=request.user, campaign=campaign, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Marketing got a handoff to pause or re-target the campaign.")
    return redirect("campaign_detail", pk=campaign.pk)


@member_required
@require_POST
def detections_scan(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = hub_selectors.campaign_get(pk)
    made = services.detections_scan(campaign=campaign)
    messages.success(
        request,
        f"{len(made)} new finding{'s' if len(made) != 1 else ''} to confirm or dismiss."
        if made
        else "Nothing new found.",
    )
    return redirect("campaign_detail", pk=campaign.pk)


@member_required
@require_POST
def detection_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    detection = selectors.get_detection_for_user(request.user, pk)
    if action not in ("confirm", "dismiss"):
        messages.error(request, "Confirm or dismiss the finding.")
    else:
        try:
            services.detection_decide(
                actor=request.user, detection=detection, confirm=action == "confirm"
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                "Confirmed: logged as a campaign error."
                if action == "confirm"
                else "Dismissed: it is not counted.",
            )
    return redirect("campaign_detail", pk=detection.campaign_id)


@member_required
def launch_calendar(request: HttpRequest) -> HttpResponse:
    start: date = parse_date(request.GET.get("from", "") or "") or timezone.localdate()
    start = max(min(start, date(2100, 1, 1)), date(2000, 1, 1))
    data = selectors.calendar(start)
    return render(
        request,
        "workflows/launch/calendar.html",
        {
            **data,
            "earlier": start - timedelta(days=28),
            "later": start + timedelta(days=28),
        },
    )

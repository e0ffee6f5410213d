"""The sections campaign launches add to the hub's campaign page (``hub.launch``)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from hub.models import Campaign
from workflows.forms_launch import LaunchDetailsForm, OverCapacityForm
from workflows.launch import selectors


def readiness_panel(campaign: Campaign, request: Any) -> str:
    plan = selectors.plan_of(campaign)
    items = selectors.items_of(plan) if plan else []
    details = LaunchDetailsForm(
        initial={
            "expected_orders_per_day": plan.expected_orders_per_day if plan else 0,
            "services": plan.services if plan else "",
            "message": plan.message if plan else "",
        },
        prefix="launch",
    )
    return render_to_string(
        "workflows/launch/panel_readiness.html",
        {
            "campaign": campaign,
            "plan": plan,
            "items": items,
            "readiness": selectors.readiness_for([campaign])[campaign.pk],
            "details_form": details,
            "brief": selectors.brief_page(plan, request.user) if plan else None,
            "is_ops": selectors.is_ops(request.user),
            "flag_form": OverCapacityForm(zones=campaign.zones.all()),
        },
        request=request,
    )


def numbers_panel(campaign: Campaign, request: Any) -> str:
    return render_to_string(
        "workflows/launch/panel_numbers.html",
        {"campaign": campaign, "n": selectors.campaign_numbers(campaign)},
        request=request,
    )


def findings_panel(campaign: Campaign, request: Any) -> str:
    if campaign.status == Campaign.Status.DRAFT:
        return ""
    return render_to_string(
        "workflows/launch/panel_findings.html",
        {
            "campaign": campaign,
            "pending": selectors.pending_detections(campaign),
            "decided": selectors.decided_detections(campaign),
        },
        request=request,
    )

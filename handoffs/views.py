from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hub.decorators import member_required

TITLE = "Handoffs"
DESCRIPTION = (
    "Rules turn events (a new HubSpot contact, a promo code created, a failed first delivery)"
    " into handoffs a team must acknowledge, delivered to Slack, email, Teams, webhooks and "
    "this inbox with retries, fallbacks and SLAs."
)
COMING = [
    "Integrations with Onfleet, HubSpot, Typeform and generic webhooks",
    "Handoff rules with dry runs and ready-made templates",
    "Open, overdue and missed handoffs per team",
]


@member_required
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "hub/module.html",
        {"module": "handoffs", "title": TITLE, "description": DESCRIPTION, "coming": COMING},
    )

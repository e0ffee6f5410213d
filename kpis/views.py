from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hub.decorators import member_required

TITLE = "Shared KPIs"
DESCRIPTION = (
    "One dashboard every team reads: CAC, on-time %, % of new customers delivered on time, "
    "CSAT, NPS, CSAT of promo recipients, against targets, with the monthly KPI review and "
    "the collaboration scorecard."
)
COMING = [
    "Unified KPI dashboard and per-team views",
    "Targets, with off-target KPIs flagged on the home page",
    "The monthly KPI review and the collaboration scorecard",
]


@member_required
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "hub/module.html",
        {"module": "kpis", "title": TITLE, "description": DESCRIPTION, "coming": COMING},
    )

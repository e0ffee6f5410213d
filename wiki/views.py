from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hub.decorators import member_required

TITLE = "Shared docs"
DESCRIPTION = (
    "Campaign plans, delivery schedules, FAQs and onboarding, edited and commented by every team."
)
COMING = [
    "Spaces and pages with revisions",
    "Comments and mentions",
    "Stale pages flagged to their owners",
]


@member_required
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "hub/module.html",
        {"module": "wiki", "title": TITLE, "description": DESCRIPTION, "coming": COMING},
    )

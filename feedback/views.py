from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hub.decorators import member_required

TITLE = "Feedback"
DESCRIPTION = (
    "Driver, customer and staff pulse surveys with reminders, and summaries shared with every team."
)
COMING = [
    "Surveys with public links",
    "Reminders for unanswered invitations",
    "Summaries and recurring themes for every team",
]


@member_required
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "hub/module.html",
        {"module": "feedback", "title": TITLE, "description": DESCRIPTION, "coming": COMING},
    )

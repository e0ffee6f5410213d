from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hub.decorators import member_required

TITLE = "Standups"
DESCRIPTION = (
    "A weekly 20-minute cross-team standup: wins, blockers and needs per function, a rotating"
    " chair and reminders."
)
COMING = [
    "Weekly updates per team",
    "Rotating chair",
    "Blockers that become handoffs",
]


@member_required
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "hub/module.html",
        {"module": "standups", "title": TITLE, "description": DESCRIPTION, "coming": COMING},
    )

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hub.decorators import member_required

TITLE = "Workflow maps"
DESCRIPTION = (
    "Lead gen → delivery → feedback as swimlanes per team, with the handoffs between them and"
    " the friction points, annotated with measured handoff volume, time to acknowledge and "
    "misses. Pilots live here too: pick a friction point, run a fix for two weeks, review "
    "before and after."
)
COMING = [
    "Swimlane maps per function",
    "Handoff points with live volume and acknowledgement time",
    "Friction points and the pilots that address them",
]


@member_required
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "hub/module.html",
        {"module": "workflows", "title": TITLE, "description": DESCRIPTION, "coming": COMING},
    )

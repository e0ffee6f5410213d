"""Standup pages: series, meetings, posting an update, the room view, history and search."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hub import roles
from hub.decorators import admin_required, member_required
from hub.errors import DomainError
from standups import charts, selectors, services
from standups.forms import (
    ActionItemForm,
    AgendaItemForm,
    AttendanceForm,
    ChairOrderForm,
    DecisionForm,
    SeriesForm,
    SwapForm,
    UpdateForm,
)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _back(request: HttpRequest, default) -> HttpResponse:
    """Back to the page the form was on (a local path only), else ``default``."""
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect(default)


@member_required
def index(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = selectors.series_overview(request.user, now)
    return render(
        request,
        "standups/index.html",
        {
            "rows": rows,
            "home": selectors.standup_for_home(request.user),
            "is_admin": roles.is_admin(request.user),
        },
    )


@admin_required
def series_new(request: HttpRequest) -> HttpResponse:
    form = SeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series = services.series_create(
                actor=request.user,
                name=data["name"],
                teams=data["ordered_teams"],
                weekday=data["weekday"],
                start_time=data["start_time"],
                duration_minutes=data["duration_minutes"],
                time_zone=data["time_zone"],
            )
        except DomainError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, f"“{series.name}” is set up; its next meetings are ready.")
            return redirect(series)
    return render(request, "standups/series_new.html", {"form": form})


@member_required
def series_detail(request: HttpRequest, pk: int) -> HttpResponse:
    series = selectors.get_series_for_user(request.user, pk)
    now = timezone.now()
    past = Paginator(selectors.past_meetings(series), 12).get_page(request.GET.get("page"))
    teams = selectors.series_teams(series)
    history = selectors.series_history(series)
    return render(
        request,
        "standups/series_detail.html",
        {
            "series": series,
            "teams": teams,
            "next": selectors.next_meeting(series, now),
            "upcoming": selectors.upcoming_meetings(series, now),
            "chairs": selectors.chair_calendar(series, timezone.localdate(now, series.tz)),
            "history": history,
            "hours_figure": charts.hours_figure(history.hours_by_week, [t.name for t in teams])
            if history.hours_by_week
            else "",
            "page": past,
            "swap_form": SwapForm(),
            "is_admin": roles.is_admin(request.user),
        },
    )


@admin_required
@require_POST
def series_swap(request: HttpRequest, pk: int) -> HttpResponse:
    series = selectors.get_series_for_user(request.user, pk, write=True)
    form = SwapForm(request.POST)
    if form.is_valid():
        try:
            services.chair_swap(actor=request.user, series=series, **form.cleaned_data)
            messages.success(request, "Chairs swapped; the meetings of both months follow.")
        except DomainError as e:
            messages.error(request, e.message)
    else:
        messages.error(request, "Pick two months to swap.")
    return redirect(series)


@admin_required
def series_chairs(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the chair order after setup (the teams stay the same)."""
    series = selectors.get_series_for_user(request.user, pk, write=True)
    form = ChairOrderForm(request.POST or None, teams=selectors.series_teams(series))
    if request.method == "POST" and form.is_valid():
        try:
            services.series_set_chair_order(
                actor=request.user,
                series=series,
                teams=form.ordered_teams(),
                from_month=form.cleaned_data["from_month"],
            )
        except DomainError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "New chair order saved; upcoming meetings follow it.")
            return redirect(series)
    return render(request, "standups/series_chairs.html", {"series": series, "form": form})


SERIES_STATES = {"pause": services.series_pause, "resume": services.series_resume}


@admin_required
@require_POST
def series_state(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in SERIES_STATES:
        raise Http404
    series = selectors.get_series_for_user(request.user, pk, write=True)
    series = SERIES_STATES[action](actor=request.user, series=series)
    if series.active:
        messages.success(request, f"“{series.name}” is running again; its next meetings are set.")
    else:
        messages.success(
            request, f"“{series.name}” is paused: no meetings are made and no reminders sent."
        )
    return redirect(series)


@member_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    board = selectors.meeting_board(meeting)
    can_contribute = selectors.can_contribute(request.user, meeting)
    return render(
        request,
        "standups/meeting_detail.html",
        {
            "meeting": meeting,
            "board": board,
            "can_run": selectors.can_run(request.user, meeting),
            "can_post": bool(selectors.postable_teams(request.user, meeting)),
            "can_contribute": can_contribute,
            "closable": selectors.closable_action_items(
                request.user, board.action_items + board.carried_action_items
            ),
            "removable": selectors.removable_agenda_items(request.user, meeting, board.agenda),
            "agenda_form": AgendaItemForm(teams=[s.team for s in board.slots], auto_id="agenda_%s")
            if can_contribute and meeting.status != meeting.Status.ENDED
            else None,
        },
    )


@member_required
@require_POST
def meeting_skip_chair(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair team is away this week: the next team chairs this meeting."""
    meeting = selectors.get_meeting_for_user(request.user, pk, run=True)
    try:
        meeting = services.meeting_skip_chair(meeting=meeting, actor=request.user)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"{meeting.chair.name} chairs this meeting; they have been told.")
    return redirect(meeting)


@member_required
@require_POST
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, contribute=True)
    form = AgendaItemForm(request.POST, teams=selectors.series_teams(meeting.series))
    if form.is_valid():
        try:
            services.agenda_item_add(meeting=meeting, actor=request.user, **form.cleaned_data)
        except DomainError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "Added to the agenda.")
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return _back(request, meeting)


@member_required
@require_POST
def agenda_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_agenda_item_for_user(request.user, pk, remove=True)
    try:
        services.agenda_item_remove(item=item, actor=request.user)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"“{item.title}” is off the agenda.")
    return _back(request, item.meeting)


@member_required
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair marks who attended, during or after the meeting."""
    meeting = selectors.get_meeting_for_user(request.user, pk, run=True)
    present = {(a.user_id, a.team_id) for a in selectors.meeting_attendance(meeting)}
    form = AttendanceForm(
        request.POST or None, roster=selectors.attendance_roster(meeting), present=present
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_set(meeting=meeting, actor=request.user, attendees=form.attendees())
        except DomainError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "Attendance recorded.")
            return redirect(meeting)
    return render(request, "standups/attendance.html", {"meeting": meeting, "form": form})


ACTION_ITEM_STATES = {"done": services.action_item_complete, "reopen": services.action_item_reopen}


@member_required
@require_POST
def action_item_state(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTION_ITEM_STATES:
        raise Http404
    item = selectors.get_action_item_for_user(request.user, pk, close=True)
    if ACTION_ITEM_STATES[action](item=item, actor=request.user):
        messages.success(
            request, "Action item done." if action == "done" else "Action item open again."
        )
    return _back(request, item.meeting)


@member_required
def update_post(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    teams = selectors.postable_teams(request.user, meeting)
    if not teams:
        messages.error(request, "None of your teams is in this standup.")
        return redirect(meeting)
    chosen = next((t for t in teams if t.slug == request.GET.get("team")), teams[0])
    form = UpdateForm(
        request.POST or None,
        teams=teams,
        all_teams=selectors.series_teams(meeting.series),
        initial={"team": chosen},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_post(
                meeting=meeting,
                team=data["team"],
                author=request.user,
                win_1=data["win_1"],
                win_2=data["win_2"],
                needs=data["needs"],
                firefighting_hours=data["firefighting_hours"],
                blockers=form.blockers(),
            )
        except DomainError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, f"{data['team'].name}'s update is posted.")
            return redirect(meeting)
    return render(request, "standups/update_form.html", {"meeting": meeting, "form": form})


def _clock(seconds: int) -> str:
    sign = "−" if seconds < 0 else ""
    return f"{sign}{abs(seconds) // 60}:{abs(seconds) % 60:02d}"


def _room_context(request: HttpRequest, meeting) -> dict:
    board = selectors.meeting_board(meeting)
    now = timezone.now()
    remaining = int((board.turn.deadline - now).total_seconds()) if board.turn.deadline else 0
    return {
        "remaining": remaining,
        "remaining_label": _clock(remaining),
        "meeting": meeting,
        "board": board,
        "can_run": selectors.can_run(request.user, meeting),
        # Two forms on one page: their own id prefixes keep each label on its own input.
        "decision_form": DecisionForm(auto_id="decision_%s"),
        "action_form": ActionItemForm(teams=[s.team for s in board.slots], auto_id="action_%s"),
        "closable": selectors.closable_action_items(
            request.user, board.action_items + board.carried_action_items
        ),
        "removable": selectors.removable_agenda_items(request.user, meeting, board.agenda),
        "now": now,
    }


@member_required
def meeting_room(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    template = "standups/_room.html" if _is_htmx(request) else "standups/room.html"
    return render(request, template, _room_context(request, meeting))


CONTROLS = {
    "start": services.meeting_start,
    "next": services.meeting_next,
    "extend": services.meeting_extend,
    "end": services.meeting_end,
}


@member_required
@require_POST
def meeting_control(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in CONTROLS:
        raise Http404
    meeting = selectors.get_meeting_for_user(request.user, pk, run=True)
    try:
        meeting = CONTROLS[action](meeting=meeting, actor=request.user)
    except DomainError as e:
        messages.error(request, e.message)
    if action == "end" and meeting.status == meeting.Status.ENDED and not _is_htmx(request):
        messages.success(request, "The standup has ended; its summary went to every team.")
        return redirect(meeting)
    if _is_htmx(request):
        response = render(request, "standups/_room.html", _room_context(request, meeting))
        if meeting.status == meeting.Status.ENDED:
            response["HX-Redirect"] = meeting.get_absolute_url()
        return response
    return redirect("standups:meeting_room", pk=meeting.pk)


@member_required
@require_POST
def meeting_note(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Add a decision or an action item to the running list."""
    meeting = selectors.get_meeting_for_user(request.user, pk, run=True)
    teams = selectors.series_teams(meeting.series)
    form = (
        DecisionForm(request.POST)
        if kind == "decision"
        else ActionItemForm(request.POST, teams=teams)
        if kind == "action"
        else None
    )
    if form is None:
        raise Http404
    if form.is_valid():
        try:
            if kind == "decision":
                services.decision_add(meeting=meeting, actor=request.user, **form.cleaned_data)
            else:
                services.action_item_add(meeting=meeting, actor=request.user, **form.cleaned_data)
        except DomainError as e:
            messages.error(request, e.message)
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    if _is_htmx(request):
        return render(request, "standups/_room.html", _room_context(request, meeting))
    return redirect("standups:meeting_room", pk=meeting.pk)


@member_required
@require_POST
def blocker_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    blocker = selectors.get_blocker_for_user(request.user, pk)
    if services.blocker_resolve(blocker=blocker, actor=request.user):
        messages.success(request, "Blocker resolved.")
    return _back(request, blocker.meeting)


@member_required
def meeting_export(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    text = meeting.summary or selectors.summary_markdown(meeting)
    local = timezone.localtime(meeting.scheduled_at, meeting.series.tz)
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="standup-{local:%Y-%m-%d}.md"'
    return response


@member_required
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    series = None
    if request.GET.get("series", "").isdigit():
        series = selectors.get_series_for_user(request.user, int(request.GET["series"]))
    results = Paginator(selectors.meeting_search(request.user, query, series=series), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request, "standups/search.html", {"query": query, "page": results, "series": series}
    )

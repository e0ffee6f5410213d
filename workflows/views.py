"""Pages of workflow maps and pilots: thin — parse, authorise with a selector, call a service."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from hub.decorators import member_required
from hub.errors import DomainError
from hub.models import Team
from workflows import render as draw
from workflows import selectors, services
from workflows.forms import DecisionForm, FrictionForm, ImportForm, MapForm, PilotForm
from workflows.models import FrictionPoint, Pilot


@member_required
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "workflows/index.html",
        {
            "maps": selectors.map_list(request.user),
            "pilots": selectors.pilot_list(request.user)[:20],
            "form": MapForm(),
            "import_form": ImportForm(),
        },
    )


@member_required
def map_new(request: HttpRequest) -> HttpResponse:
    form = MapForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            map_ = services.map_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                teams=list(form.cleaned_data["teams"]),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Map created. Add steps to its lanes.")
            return redirect(map_)
    return render(request, "workflows/map_new.html", {"form": form})


@member_required
def map_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > 2_000_000:
                raise DomainError("The file is larger than 2 MB.", field="file")
            try:
                raw = json.loads(upload.read().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise DomainError(f"The file is not valid JSON ({exc}).", field="file") from exc
            map_ = services.map_import(actor=request.user, raw=raw)
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, f"Imported “{map_.name}”.")
            return redirect(map_)
    return render(
        request, "workflows/map_import.html", {"form": form}, status=400 if form.errors else 200
    )


def _days(request: HttpRequest) -> int:
    return selectors.PERIODS.get(request.GET.get("days", "30"), 30)


@member_required
def map_detail(request: HttpRequest, pk: int) -> HttpResponse:
    map_ = selectors.get_map_for_user(request.user, pk)
    data = selectors.map_data(map_)
    days = _days(request)
    start, end = selectors.period_bounds(days, timezone.now())
    figures = selectors.handoff_point_figures(data, start, end)
    svg = draw.svg(data.drawing, figures, links=True, period_label=f"last {days} days")
    handoff_ids = {t.pk for t in data.handoff_points}
    for t in data.transitions:
        t.figures = figures.get(t.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "workflows/map_detail.html",
        {
            "map": map_,
            "data": data,
            "svg": mark_safe(svg),  # noqa: S308 - built by render.svg, every text escaped
            "figures": figures,
            "handoff_ids": handoff_ids,
            "days": days,
            "periods": list(selectors.PERIODS),
            "teams": selectors.teams(),
            "rules": list(selectors.linkable_rules()),
            "friction_form": FrictionForm(),
            "kinds": FrictionPoint.Kind.choices,
            "severities": FrictionPoint.Severity.choices,
            "statuses": FrictionPoint.Status.choices,
        },
    )


@member_required
def map_export(request: HttpRequest, pk: int) -> HttpResponse:
    map_ = selectors.get_map_for_user(request.user, pk)
    try:
        body, content_type, ext = selectors.map_export(map_, request.GET.get("format", "svg"))
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain")
    response = HttpResponse(body, content_type=content_type)
    if request.GET.get("download") != "0":
        response["Content-Disposition"] = f'attachment; filename="map-{map_.pk}.{ext}"'
    return response


@member_required
def map_edit(request: HttpRequest, pk: int) -> HttpResponse:
    map_ = selectors.get_map_for_user(request.user, pk)
    if request.method == "POST":
        return _act(
            request,
            map_,
            lambda: services.map_update(
                actor=request.user,
                map=map_,
                name=request.POST.get("name", ""),
                description=request.POST.get("description", ""),
            ),
            "Saved.",
        )
    return redirect(map_)


@member_required
@require_POST
def map_delete(request: HttpRequest, pk: int) -> HttpResponse:
    map_ = selectors.get_map_for_user(request.user, pk, delete=True)
    try:
        services.map_delete(actor=request.user, map=map_)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(map_)
    messages.success(request, "Map deleted.")
    return redirect("workflows:index")


@member_required
def map_versions(request: HttpRequest, pk: int) -> HttpResponse:
    map_ = selectors.get_map_for_user(request.user, pk)
    if request.method == "POST":
        number = _int(request.POST.get("number"))
        return _act(
            request,
            map_,
            lambda: services.map_restore(actor=request.user, map=map_, number=number or 0),
            f"Restored version {number}; that is now the newest version.",
        )
    versions = map_.versions.select_related("created_by").defer("snapshot")[:100]
    return render(request, "workflows/map_versions.html", {"map": map_, "versions": versions})


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def _act(request: HttpRequest, map_, do: Callable[[], object], done: str, anchor: str = ""):
    """Run one service call; tell the person how it went; back to the map (htmx swaps it)."""
    try:
        do()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    url = map_.get_absolute_url()
    days = request.POST.get("days")
    if days in selectors.PERIODS:
        url += f"?days={days}"
    return redirect(url + (f"#{anchor}" if anchor else ""))


@member_required
@require_POST
def lane_action(request: HttpRequest, pk: int) -> HttpResponse:
    map_ = selectors.get_map_for_user(request.user, pk)
    op = request.POST.get("op")
    if op == "add":
        team = Team.objects.filter(pk=_int(request.POST.get("team"))).first()
        if team is None:
            messages.error(request, "Choose a team for the lane.")
            return redirect(map_)
        return _act(
            request,
            map_,
            lambda: services.lane_add(actor=request.user, map=map_, team=team),
            f"{team.name} has a lane.",
            "lanes",
        )
    lane = selectors.get_lane_for_user(request.user, map_, _int(request.POST.get("lane")) or 0)
    if op in ("up", "down"):
        return _act(
            request,
            map_,
            lambda: services.lane_move(
                actor=request.user, lane=lane, direction=-1 if op == "up" else 1
            ),
            f"Moved {lane.team.name} {op}.",
            "lanes",
        )
    if op == "remove":
        return _act(
            request,
            map_,
            lambda: services.lane_remove(actor=request.user, lane=lane),
            f"Removed {lane.team.name}'s lane.",
            "lanes",
        )
    raise Http404


@member_required
@require_POST
def step_action(request: HttpRequest, pk: int) -> HttpResponse:
    map_ = selectors.get_map_for_user(request.user, pk)
    op = request.POST.get("op")
    user = request.user
    name = request.POST.get("name", "")

    def lane():
        return selectors.get_lane_for_user(user, map_, _int(request.POST.get("lane")) or 0)

    if op == "add":
        return _act(
            request,
            map_,
            lambda: services.step_add(actor=user, map=map_, lane=lane(), name=name),
            f"Added “{name.strip()}”.",
            "steps",
        )
    step = selectors.get_step_for_user(user, map_, _int(request.POST.get("step")) or 0)
    anchor = f"step-{step.pk}"
    if op == "update":
        return _act(
            request,
            map_,
            lambda: services.step_update(actor=user, step=step, name=name, lane=lane()),
            "Step saved.",
            anchor,
        )
    if op in ("earlier", "later"):
        return _act(
            request,
            map_,
            lambda: services.step_move(
                actor=user, step=step, direction=-1 if op == "earlier" else 1
            ),
            f"Moved “{step.name}” {op}.",
            anchor,
        )
    if op == "place":
        before_id = _int(request.POST.get("before"))
        return _act(
            request,
            map_,
            lambda: services.step_place(
                actor=user,
                step=step,
                lane=lane(),
                before=selectors.get_step_for_user(user, map_, before_id) if before_id else None,
            ),
            f"Moved “{step.name}”.",
            anchor,
        )
    if op == "delete":
        return _act(
            request,
            map_,
            lambda: services.step_delete(actor=user, step=step),
            f"Deleted “{step.name}”.",
            "steps",
        )
    raise Http404


@member_required
@require_POST
def transition_action(request: HttpRequest, pk: int) -> HttpResponse:
    map_ = selectors.get_map_for_user(request.user, pk)
    op = request.POST.get("op")
    user = request.user
    label = request.POST.get("label", "")

    def step(field: str):
        return selectors.get_step_for_user(user, map_, _int(request.POST.get(field)) or 0)

    if op == "add":
        return _act(
            request,
            map_,
            lambda: services.transition_add(
                actor=user, map=map_, source=step("source"), target=step("target"), label=label
            ),
            "Connected.",
            "transitions",
        )
    transition = selectors.get_transition_for_user(
        user, map_, _int(request.POST.get("transition")) or 0
    )
    anchor = f"transition-{transition.pk}"
    if op == "update":
        return _act(
            request,
            map_,
            lambda: services.transition_update(
                actor=user,
                transition=transition,
                source=step("source"),
                target=step("target"),
                label=label,
            ),
            "Transition saved.",
            anchor,
        )
    if op == "delete":
        return _act(
            request,
            map_,
            lambda: services.transition_delete(actor=user, transition=transition),
            "Transition deleted.",
            "transitions",
        )
    if op == "link":
        rule = selectors.linkable_rules().filter(pk=_int(request.POST.get("rule"))).first()
        if rule is None:
            messages.error(request, "Choose a handoff rule to link.")
            return redirect(map_)
        return _act(
            request,
            map_,
            lambda: services.transition_link_rule(actor=user, transition=transition, rule=rule),
            f"Linked “{rule.name}”: this handoff point is automated.",
            anchor,
        )
    if op == "unlink":
        return _act(
            request,
            map_,
            lambda: services.transition_unlink_rule(
                actor=user, transition=transition, rule_id=_int(request.POST.get("rule")) or 0
            ),
            "Rule unlinked.",
            anchor,
        )
    raise Http404


@member_required
@require_POST
def friction_action(request: HttpRequest, pk: int) -> HttpResponse:
    map_ = selectors.get_map_for_user(request.user, pk)
    op = request.POST.get("op")
    user = request.user
    form = FrictionForm(request.POST)
    if op == "add":
        where = request.POST.get("where", "")
        kind, _, ref = where.partition("-")
        step = selectors.get_step_for_user(user, map_, _int(ref) or 0) if kind == "step" else None
        transition = (
            selectors.get_transition_for_user(user, map_, _int(ref) or 0)
            if kind == "transition"
            else None
        )
        if not form.is_valid():
            messages.error(request, "Choose the kind and severity of the friction.")
            return redirect(map_)
        data = form.cleaned_data
        return _act(
            request,
            map_,
            lambda: services.friction_add(
                actor=user,
                map=map_,
                step=step,
                transition=transition,
                kind=data["kind"],
                severity=data["severity"],
                notes=data["notes"],
                owner_team=data["owner_team"],
            ),
            "Friction point marked.",
            "frictions",
        )
    friction = selectors.get_friction_for_user(user, map_, _int(request.POST.get("friction")) or 0)
    if op == "update":
        if not form.is_valid():
            messages.error(request, "Choose the kind and severity of the friction.")
            return redirect(map_)
        data = form.cleaned_data
        return _act(
            request,
            map_,
            lambda: services.friction_update(
                actor=user,
                friction=friction,
                kind=data["kind"],
                severity=data["severity"],
                notes=data["notes"],
                owner_team=data["owner_team"],
                status=request.POST.get("status", friction.status),
            ),
            "Friction point saved.",
            "frictions",
        )
    if op == "delete":
        return _act(
            request,
            map_,
            lambda: services.friction_delete(actor=user, friction=friction),
            "Friction point deleted.",
            "frictions",
        )
    raise Http404


@member_required
def pilot_new(request: HttpRequest, pk: int, friction_pk: int) -> HttpResponse:
    map_ = selectors.get_map_for_user(request.user, pk)
    friction = selectors.get_friction_for_user(request.user, map_, friction_pk)
    initial = {"title": f"Fix: {friction}", "owner_teams": [friction.owner_team_id]}
    form = PilotForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pilot = services.pilot_start(
                actor=request.user,
                friction=friction,
                title=data["title"],
                hypothesis=data["hypothesis"],
                fix=data["fix"],
                fix_rule=data["fix_rule"],
                metric=data["metric"],
                owner_teams=list(data["owner_teams"]),
                starts_on=data["starts_on"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Pilot started. Its review is scheduled for the end.")
            return redirect(pilot)
    return render(
        request, "workflows/pilot_new.html", {"form": form, "map": map_, "friction": friction}
    )


@member_required
def pilot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pilot = selectors.get_pilot_for_user(request.user, pk)
    can_decide = selectors.can_decide(request.user, pilot)
    # Pilots from before docs get their write-up page the first time they are opened (the
    # text of their old write-up field moves into it).
    try:
        writeup_page = services.pilot_writeup_page_ensure(actor=request.user, pilot=pilot)
    except DomainError as exc:
        writeup_page, writeup_problem = None, exc.message
    else:
        writeup_problem = ""
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not can_decide:
            messages.error(request, "Only the owner teams or a manager decide a pilot.")
            return redirect(pilot)
        if form.is_valid():
            try:
                services.pilot_decide(
                    actor=request.user,
                    pilot=pilot,
                    decision=form.cleaned_data["decision"],
                    notes=form.cleaned_data["notes"],
                    writeup=form.cleaned_data["writeup"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Decision recorded.")
                return redirect(pilot)
    result = selectors.pilot_result(pilot)
    daily = []
    if result:
        n = max(len(result.baseline_daily), len(result.during_daily))
        for i in range(n):
            b = result.baseline_daily[i] if i < len(result.baseline_daily) else (None, None)
            d = result.during_daily[i] if i < len(result.during_daily) else (None, None)
            daily.append((i + 1, b, d))
    return render(
        request,
        "workflows/pilot_detail.html",
        {
            "pilot": pilot,
            "writeup_page": writeup_page,
            "writeup_problem": writeup_problem,
            "result": result,
            "daily": daily,
            "form": form,
            "can_decide": can_decide and pilot.status != Pilot.Status.DECIDED,
            "is_review": pilot.status in (Pilot.Status.REVIEW, Pilot.Status.DECIDED)
            or pilot.ends_on < timezone.localdate(),
        },
    )

"""Pages of the hub: home, inbox, teams and people, invitations, health."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hub import home as home_sections
from hub import roles, selectors, services
from hub.decorators import admin_required, member_required
from hub.errors import DomainError
from hub.forms import AcceptInvitationForm, InviteForm, MembershipForm, RoleForm, TeamForm
from hub.models import Invitation, Membership, User


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def home(request: HttpRequest) -> HttpResponse:
    teams = selectors.user_teams(request.user)
    return render(
        request,
        "hub/home.html",
        {
            "teams": teams,
            "notifications": selectors.inbox(request.user).filter(read_at__isnull=True)[:5],
            "now": timezone.now(),
            **home_sections.context_for(request.user),
        },
    )


def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.inbox(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "hub/inbox.html", {"page": page})


@require_POST
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.notification_mark_read(user=request.user, notification_id=pk)
    notification = selectors.inbox(request.user).filter(pk=pk).first()
    if request.htmx and notification is not None:
        # The header's unread count is swapped out-of-band with the notification.
        # The home page shows a preview of the body; the inbox the whole of it.
        context = {"n": notification, "oob_badge": True, "short": request.POST.get("short") == "1"}
        return render(request, "hub/_notification.html", context)
    if notification is not None and notification.url and request.POST.get("follow"):
        return redirect(notification.url)
    return redirect("inbox")


@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(user=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("inbox")


# --- Teams ----------------------------------------------------------------------------------


@member_required
def team_list(request: HttpRequest) -> HttpResponse:
    form = None
    if roles.is_admin(request.user):
        form = TeamForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                team = services.team_create(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"Team “{team.name}” created.")
                return redirect("team_detail", team.slug)
    elif request.method == "POST":
        return HttpResponse("Only admins can create teams.", status=403)
    return render(request, "hub/team_list.html", {"teams": selectors.team_list(), "form": form})


@member_required
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    team = selectors.get_team_for_user(request.user, slug)
    can_edit = roles.is_admin(request.user)
    return render(
        request,
        "hub/team_detail.html",
        {
            "team": team,
            "memberships": selectors.team_memberships(team),
            "can_edit": can_edit,
            "member_form": MembershipForm() if can_edit else None,
            "team_form": TeamForm(
                initial={"name": team.name, "kind": team.kind, "description": team.description}
            )
            if can_edit
            else None,
            "role_choices": RoleForm.base_fields["role"].choices,
        },
    )


@admin_required
@require_POST
def team_edit(request: HttpRequest, slug: str) -> HttpResponse:
    team = selectors.get_team_for_user(request.user, slug, write=True)
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = services.team_update(actor=request.user, team=team, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Team saved.")
    else:
        messages.error(request, "Check the team's name and function.")
    return redirect("team_detail", team.slug)


@admin_required
@require_POST
def team_delete(request: HttpRequest, slug: str) -> HttpResponse:
    team = selectors.get_team_for_user(request.user, slug, write=True)
    try:
        services.team_delete(actor=request.user, team=team)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("team_detail", team.slug)
    messages.success(request, f"Team “{team.name}” deleted.")
    return redirect("team_list")


@admin_required
@require_POST
def team_member_add(request: HttpRequest, slug: str) -> HttpResponse:
    team = selectors.get_team_for_user(request.user, slug, write=True)
    form = MembershipForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the person's email and a role.")
        return redirect("team_detail", team.slug)
    person = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
    if person is None:
        messages.error(
            request, "Nobody with that email has an account yet: invite them from People."
        )
        return redirect("team_detail", team.slug)
    try:
        services.membership_set(
            actor=request.user, team=team, user=person, role=form.cleaned_data["role"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{person.display_name} is in {team.name}.")
    return redirect("team_detail", team.slug)


@admin_required
@require_POST
def membership_update(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.select_related("team", "user"), pk=pk)
    form = RoleForm(request.POST)
    try:
        if request.POST.get("remove"):
            services.membership_remove(actor=request.user, membership=membership)
            messages.success(
                request, f"{membership.user.display_name} left {membership.team.name}."
            )
        elif form.is_valid():
            services.membership_set(
                actor=request.user,
                team=membership.team,
                user=membership.user,
                role=form.cleaned_data["role"],
            )
            messages.success(request, f"{membership.user.display_name}'s role saved.")
        else:
            messages.error(request, "Choose member, manager or admin.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("team_detail", membership.team.slug)


# --- People and invitations -----------------------------------------------------------------


@admin_required
def people(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.invitation_create(
                actor=request.user,
                base_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            if isinstance(result, Invitation):
                messages.success(request, f"Invitation sent to {result.email}.")
            else:
                messages.success(request, f"{result.user.display_name} added to {result.team}.")
            return redirect("people")
    return render(
        request,
        "hub/people.html",
        {
            "people": selectors.people_list(),
            "invitations": selectors.pending_invitations(),
            "form": form,
            "now": timezone.now(),
        },
    )


@admin_required
@require_POST
def invitation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        if action == "resend":
            services.invitation_resend(
                actor=request.user, invitation=invitation, base_url=request.build_absolute_uri("/")
            )
            messages.success(request, f"Invitation sent again to {invitation.email}.")
        elif action == "revoke":
            services.invitation_revoke(actor=request.user, invitation=invitation)
            messages.success(request, f"Invitation for {invitation.email} withdrawn.")
        else:
            return HttpResponse("Unknown action.", status=404)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("people")


@admin_required
@require_POST
def person_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for_admin(request.user, pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=request.user, user=person, active=active)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        verb = "reactivated" if active else "deactivated"
        messages.success(request, f"{person.display_name} {verb}.")
    return redirect("people")


@login_not_required
@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.objects.select_related("team").filter(token=token).first()
    if invitation is None or not invitation.is_usable(timezone.now()):
        return render(request, "hub/invitation_invalid.html", status=410)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to Crossdock and to {invitation.team.name}.")
            return redirect("home")
    return render(request, "hub/invitation_accept.html", {"invitation": invitation, "form": form})


@admin_required
def audit(request: HttpRequest) -> HttpResponse:
    action = request.GET.get("action") or None
    entries = selectors.audit_list(action=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "hub/audit.html",
        {"page": page, "actions": selectors.audit_actions(), "action": action},
    )


# --- Health ---------------------------------------------------------------------------------


@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    checks["broker"] = _broker_status()
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


def _broker_status() -> str:
    from hub.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok" if settings.CELERY_BROKER_URL else "error: not configured"

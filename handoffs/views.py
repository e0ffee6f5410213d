"""Pages of the handoffs module: integrations, the event browser and CSV imports (admins)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from handoffs import selectors, services
from handoffs.forms import ImportForm, IntegrationForm, RenameForm, RotateForm
from handoffs.inbound.providers import REGISTRY, provider_for
from handoffs.models import Integration
from hub.decorators import admin_required
from hub.errors import DomainError
from hub.models import Event

SECRET_SESSION_KEY = "handoffs.shown_secret"  # noqa: S105 - a session key name


# --- Integrations -----------------------------------------------------------------------------


@admin_required
def integration_list(request: HttpRequest) -> HttpResponse:
    form = IntegrationForm(request.POST or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        try:
            integration, secret = services.integration_create(
                actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if provider_for(integration.kind).generates_secret and not form.cleaned_data["secret"]:
                request.session[SECRET_SESSION_KEY] = {"id": integration.pk, "secret": secret}
            messages.success(request, f"“{integration.name}” is ready: finish the setup below.")
            return redirect(integration)
    return render(
        request,
        "handoffs/integration_list.html",
        {"integrations": selectors.integration_list(request.user), "form": form},
    )


@admin_required
def integration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    integration = selectors.get_integration_for_user(request.user, pk)
    shown = request.session.pop(SECRET_SESSION_KEY, None)
    secret = shown["secret"] if shown and shown.get("id") == integration.pk else None
    now = timezone.now()
    stats = selectors.integration_stats(integration, now)
    old_until = integration.previous_secret_expires_at
    old_secret_until = old_until if old_until and old_until > now else None
    peak = max((n for _, n in stats.per_day), default=0) or 1
    return render(
        request,
        "handoffs/integration_detail.html",
        {
            "integration": integration,
            "webhook_url": integration.webhook_url(request.build_absolute_uri("/")),
            "secret": secret,
            "old_secret_until": old_secret_until,
            "stats": stats,
            "bars": [(day, n, round(100 * n / peak)) for day, n in stats.per_day],
            "rejections": selectors.recent_rejections(integration),
            "recent": selectors.event_browse(
                request.user, selectors.EventFilters(integration=integration.pk)
            )[:10],
            "rename_form": RenameForm(initial={"name": integration.name}),
            "rotate_form": RotateForm(),
            "provider": provider_for(integration.kind),
            "setup_template": f"handoffs/setup/{integration.kind}.html",
        },
    )


@admin_required
@require_POST
def integration_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    integration = selectors.get_integration_for_user(request.user, pk)
    try:
        if action == "pause":
            services.integration_set_paused(
                actor=request.user, integration=integration, paused=True
            )
            messages.success(request, "Paused: providers are asked to retry later.")
        elif action == "resume":
            services.integration_set_paused(
                actor=request.user, integration=integration, paused=False
            )
            messages.success(request, "Resumed.")
        elif action == "rename":
            form = RenameForm(request.POST)
            if not form.is_valid():
                raise DomainError("Give the integration a name.")
            services.integration_rename(
                actor=request.user, integration=integration, name=form.cleaned_data["name"]
            )
            messages.success(request, "Renamed.")
        elif action == "rotate":
            form = RotateForm(request.POST)
            if not form.is_valid():
                raise DomainError("The grace period is 0 to 336 hours.")
            secret = services.integration_rotate_secret(
                actor=request.user, integration=integration, **form.cleaned_data
            )
            if not form.cleaned_data["secret"]:
                request.session[SECRET_SESSION_KEY] = {"id": integration.pk, "secret": secret}
            hours = form.cleaned_data["grace_hours"]
            messages.success(
                request, f"Secret rotated; the old one keeps working for {hours} hours."
            )
        elif action == "delete":
            services.integration_delete(actor=request.user, integration=integration)
            messages.success(request, f"“{integration.name}” deleted; its events stay.")
            return redirect("handoffs:integration_list")
        else:
            return HttpResponse("Unknown action.", status=404)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(integration)


# --- Events -----------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> selectors.EventFilters:
    integration = request.GET.get("integration", "")
    unmapped = request.GET.get("unmapped", "")
    status = request.GET.get("status", "")
    return selectors.EventFilters(
        integration=int(integration) if integration.isdigit() else None,
        source=request.GET.get("source", "")[:40],
        type=request.GET.get("type", "")[:120],
        status=status if status in Event.Status.values else "",
        unmapped={"yes": True, "no": False}.get(unmapped),
        q=request.GET.get("q", "").strip()[:100],
    )


@admin_required
def event_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    page = Paginator(selectors.event_browse(request.user, filters), 50).get_page(
        request.GET.get("page")
    )
    names = dict(Integration.objects.values_list("id", "name"))
    for event in page.object_list:
        event.integration_name = names.get(event.integration_id, "")
    return render(
        request,
        "handoffs/event_list.html",
        {
            "page": page,
            "filters": filters,
            "integrations": selectors.integration_list(request.user),
            "types": selectors.event_types(),
            "sources": sorted({*REGISTRY, "hub"}),
            "statuses": Event.Status.choices,
        },
    )


@admin_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.get_event_for_user(request.user, pk)
    if request.htmx and request.GET.get("status"):
        # The status badge polls itself while the event waits for a worker.
        return render(request, "handoffs/_event_status.html", {"event": event})
    integration = Integration.objects.filter(pk=event.integration_id).first()
    return render(
        request,
        "handoffs/event_detail.html",
        {
            "event": event,
            "integration": integration,
            "payload": json.dumps(event.payload, indent=2, ensure_ascii=False, sort_keys=True),
        },
    )


@admin_required
@require_POST
def event_replay(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.get_event_for_user(request.user, pk)
    services.event_replay(actor=request.user, event=event)
    messages.success(request, "Sent through processing again.")
    return redirect("handoffs:event_detail", pk=event.pk)


# --- Imports ----------------------------------------------------------------------------------


@admin_required
def import_list(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = services.import_start(
            actor=request.user,
            kind=form.cleaned_data["kind"],
            filename=form.cleaned_data["file"].name,
            text=form.cleaned_data["text"],
        )
        return redirect("handoffs:import_detail", pk=job.pk)
    return render(
        request,
        "handoffs/import_list.html",
        {"form": form, "jobs": selectors.import_list(request.user)},
    )


@admin_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.get_import_for_user(request.user, pk)
    template = "handoffs/_import_progress.html" if request.htmx else "handoffs/import_detail.html"
    return render(request, template, {"job": job})

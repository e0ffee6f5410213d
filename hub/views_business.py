"""Campaign pages: what marketing plans, so ops and support hear of it before customers do."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hub import business, launch, roles, services
from hub.decorators import admin_required, member_required
from hub.errors import DomainError
from hub.forms import (
    CampaignForm,
    IncidentForm,
    PromoCodeEditForm,
    PromoCodeForm,
    PromoGenerateForm,
    PromoImportForm,
    ZoneForm,
)
from hub.models import Campaign, Incident, PromoCode, Zone


def _campaign(pk: int) -> Campaign:
    campaign = (
        Campaign.objects.prefetch_related("zones")
        .select_related("owner_team")
        .filter(pk=pk)
        .first()
    )
    if campaign is None:
        raise Http404("No such campaign.")
    return campaign


@member_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = business.campaign_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"“{campaign.name}” saved as a draft.")
            return redirect("campaign_detail", pk=campaign.pk)
    campaigns = (
        Campaign.objects.select_related("owner_team")
        .prefetch_related(
            "zones", Prefetch("promo_codes", queryset=PromoCode.objects.order_by("code"))
        )
        .annotate(customer_count=Count("customers", distinct=True))
        .order_by("-starts_on", "name")
    )
    campaigns = list(campaigns)
    readiness = launch.readiness_for(campaigns)  # the whole list at once
    for c in campaigns:
        items = readiness.get(c.pk, [])
        c.ready_count = sum(1 for i in items if i.done)  # type: ignore[attr-defined]
        c.ready_total = len(items)  # type: ignore[attr-defined]
    return render(
        request,
        "hub/campaign_list.html",
        {
            "campaigns": campaigns,
            "form": form,
            "launch_links": launch.links(),
            "currency": settings.KPI_CURRENCY,
        },
    )


@member_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(pk)
    return render(
        request,
        "hub/campaign_detail.html",
        {
            "campaign": campaign,
            "promo_form": PromoCodeForm(
                initial={"valid_from": campaign.starts_on, "valid_until": campaign.ends_on}
            ),
            "incident_form": IncidentForm(initial={"kind": Incident.Kind.CAMPAIGN_ERROR}),
            "generate_form": PromoGenerateForm(
                prefix="gen",
                initial={"valid_from": campaign.starts_on, "valid_until": campaign.ends_on},
            ),
            "import_form": PromoImportForm(
                prefix="imp",
                initial={"valid_from": campaign.starts_on, "valid_until": campaign.ends_on},
            ),
            "incidents": campaign.incidents.select_related("reported_by")[:20],
            "statuses": Campaign.Status.choices,
            "panels": launch.panels(campaign, request),
            "may_override": roles.is_manager(request.user),
            "currency": settings.KPI_CURRENCY,
        },
    )


@member_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(pk)
    initial = {
        "name": campaign.name,
        "channel": campaign.channel,
        "segment": campaign.segment,
        "zones": list(campaign.zones.all()),
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "budget": campaign.budget,
        "owner_team": campaign.owner_team,
    }
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            business.campaign_update(actor=request.user, campaign=campaign, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Campaign saved; the teams that follow it are told.")
            return redirect("campaign_detail", pk=campaign.pk)
    return render(request, "hub/campaign_edit.html", {"campaign": campaign, "form": form})


@member_required
def promo_code_edit(request: HttpRequest, pk: int) -> HttpResponse:
    promo = PromoCode.objects.select_related("campaign").filter(pk=pk).first()
    if promo is None:
        raise Http404("No such promo code.")
    if request.method == "POST" and "active" in request.POST:
        business.promo_code_set_active(
            actor=request.user, promo=promo, active=request.POST["active"] == "1"
        )
        messages.success(
            request,
            f"{promo.code} switched {'on' if request.POST['active'] == '1' else 'off'}.",
        )
        return redirect(request.path)
    initial = {
        "code": promo.code,
        "discount_percent": promo.discount_percent,
        "valid_from": promo.valid_from,
        "valid_until": promo.valid_until,
        "max_uses": promo.max_uses,
    }
    form = PromoCodeEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            business.promo_code_update(actor=request.user, promo=promo, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"{promo.code} saved; operations are told.")
            if promo.campaign_id:
                return redirect("campaign_detail", pk=promo.campaign_id)
            return redirect(request.path)
    return render(request, "hub/promo_code_edit.html", {"promo": promo, "form": form})


@member_required
@require_POST
def campaign_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    campaign = _campaign(pk)
    try:
        if action == "status":
            business.campaign_set_status(
                actor=request.user,
                campaign=campaign,
                status=request.POST.get("status", ""),
                override_reason=request.POST.get("override_reason", "")[:500],
            )
            messages.success(request, "Status changed; the teams that follow it are told.")
        elif action == "promo":
            form = PromoCodeForm(request.POST)
            if not form.is_valid():
                raise DomainError(" ".join(e for errs in form.errors.values() for e in errs))
            promo = business.promo_code_create(
                actor=request.user, campaign=campaign, **form.cleaned_data
            )
            messages.success(request, f"Promo code {promo.code} created; operations are told.")
        elif action in ("generate", "import"):
            form_class = PromoGenerateForm if action == "generate" else PromoImportForm
            form = form_class(request.POST, prefix=action[:3])
            if not form.is_valid():
                raise DomainError(
                    " ".join(
                        f"{form.fields[f].label or f}: {e}" if f in form.fields else e
                        for f, errs in form.errors.items()
                        for e in errs
                    )
                )
            make = (
                business.promo_codes_generate
                if action == "generate"
                else business.promo_codes_import
            )
            made = make(actor=request.user, campaign=campaign, **form.cleaned_data)
            messages.success(
                request,
                f"{len(made)} promo codes created ({made[0].code}"
                + (f" … {made[-1].code}" if len(made) > 1 else "")
                + "); operations are told.",
            )
        elif action == "incident":
            form = IncidentForm(request.POST)
            if not form.is_valid():
                raise DomainError("Say what happened.")
            business.incident_create(actor=request.user, campaign=campaign, **form.cleaned_data)
            messages.success(request, "Incident logged.")
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("campaign_detail", pk=campaign.pk)


@admin_required
def zone_list(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Delivery zones, and how dispatch data finds its zone (admins)."""
    zone = Zone.objects.filter(pk=pk).first() if pk else None
    if pk and zone is None:
        raise Http404("No such zone.")
    form = ZoneForm(request.POST or None, instance=zone)
    if request.method == "POST" and form.is_valid():
        saved = services.zone_save(actor=request.user, zone=zone, fields=form.cleaned_data)
        messages.success(request, f"Zone {saved.name} saved.")
        return redirect("zone_list")
    zones = Zone.objects.annotate(customer_count=Count("customers", distinct=True)).order_by("name")
    return render(request, "hub/zone_list.html", {"zones": zones, "form": form, "editing": zone})

"""The marketing spend page: enter a day's or a month's spend, import an export, see entries."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hub import spend
from hub.decorators import member_required
from hub.errors import DomainError
from hub.models import Campaign, MarketingSpend, Zone


class SpendForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.order_by("name"))
    day = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="For a whole month, give any day of it and tick “whole month”.",
    )
    whole_month = forms.BooleanField(
        required=False, label="Whole month (spread evenly over its days)"
    )
    zone = forms.ModelChoiceField(
        queryset=Zone.objects.order_by("name"),
        required=False,
        empty_label="No single zone",
        help_text="The zone the spend was aimed at, so CAC can be told per zone.",
    )
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0)


class SpendImportForm(forms.Form):
    file = forms.FileField(
        label="CSV export",
        help_text="Google Ads, Meta, LinkedIn or HubSpot: Day, Campaign, Cost (and Zone).",
    )


class SpendFilterForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("name"), required=False, empty_label="All campaigns"
    )
    zone = forms.ModelChoiceField(
        queryset=Zone.objects.order_by("name"), required=False, empty_label="All zones"
    )


@member_required
def spend_page(request: HttpRequest) -> HttpResponse:
    form = SpendForm(request.POST or None, prefix="spend")
    if request.method == "POST" and form.is_valid():
        try:
            rows = spend.spend_record(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Spend saved for {len(rows)} day{'s' * (len(rows) > 1)}.")
            return redirect("spend")
    filters = SpendFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = spend.spend_list(**{k: v for k, v in chosen.items() if v})
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    from django.conf import settings

    return render(
        request,
        "hub/spend.html",
        {
            "form": form,
            "import_form": SpendImportForm(),
            "filters": filters,
            "page": page,
            "currency": getattr(settings, "KPI_CURRENCY", "USD"),
        },
    )


@member_required
@require_POST
def spend_import(request: HttpRequest) -> HttpResponse:
    form = SpendImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a CSV file.")
        return redirect("spend")
    try:
        result = spend.spend_import_csv(
            actor=request.user, content=form.cleaned_data["file"].read()
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("spend")
    if result.errors:
        shown = result.errors[:10]
        more = len(result.errors) - len(shown)
        messages.error(
            request,
            "Nothing imported. " + " ".join(shown) + (f" …and {more} more." if more else ""),
        )
    else:
        messages.success(request, f"Imported {result.rows} rows, {result.total} in total.")
    return redirect("spend")


@member_required
@require_POST
def spend_remove(request: HttpRequest, pk: int) -> HttpResponse:
    row = MarketingSpend.objects.filter(pk=pk).select_related("campaign").first()
    if row is not None:
        try:
            spend.spend_delete(actor=request.user, spend=row)
            messages.success(request, "Entry removed.")
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("spend")

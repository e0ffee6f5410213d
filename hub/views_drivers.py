"""The drivers page: who delivers (learned from dispatch or entered once), for driver surveys."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hub import selectors, services
from hub.decorators import member_required
from hub.errors import DomainError
from hub.forms_drivers import DriverForm, DriverImportForm


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@member_required
def driver_list(request: HttpRequest) -> HttpResponse:
    can_edit = selectors.can_edit_drivers(request.user)
    form = DriverForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                driver = services.driver_save(actor=request.user, data=form.cleaned_data)
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"Driver {driver} added.")
                return redirect("driver_list")
    search = request.GET.get("q", "").strip()[:100]
    show = request.GET.get("show", "active")
    active = {"active": True, "inactive": False}.get(show)
    page = Paginator(
        selectors.driver_list(request.user, search=search, active=active), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "hub/driver_list.html",
        {
            "page": page,
            "form": form,
            "import_form": DriverImportForm(),
            "can_edit": can_edit,
            "search": search,
            "show": show,
        },
        status=400 if request.method == "POST" else 200,
    )


@member_required
def driver_edit(request: HttpRequest, pk: int) -> HttpResponse:
    write = request.method == "POST"
    driver = selectors.get_driver_for_user(request.user, pk, write=write)
    form = DriverForm(request.POST or None, initial=DriverForm.initial_for(driver))
    if write and form.is_valid():
        try:
            services.driver_save(actor=request.user, driver=driver, data=form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"Driver {driver} saved.")
            return redirect("driver_list")
    return render(
        request,
        "hub/driver_edit.html",
        {"driver": driver, "form": form, "can_edit": selectors.can_edit_drivers(request.user)},
        status=400 if write else 200,
    )


@member_required
@require_POST
def driver_import(request: HttpRequest) -> HttpResponse:
    if not selectors.can_edit_drivers(request.user):
        raise PermissionDenied
    form = DriverImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a CSV file.")
        return redirect("driver_list")
    upload = form.cleaned_data["file"]
    if upload.size > 2 * 1024 * 1024:
        messages.error(request, "The file is larger than 2 MB; split it.")
        return redirect("driver_list")
    try:
        result = services.drivers_import_csv(
            actor=request.user, text=upload.read().decode("utf-8-sig")
        )
    except UnicodeDecodeError:
        messages.error(request, "The file is not UTF-8 text; save it again as CSV (UTF-8).")
    except DomainError as exc:
        messages.error(request, f"Nothing imported. {exc.message}")
    else:
        messages.success(
            request, f"{result['created']} drivers added, {result['updated']} updated."
        )
    return redirect("driver_list")

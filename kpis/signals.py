"""Mark rollup days dirty when the facts behind them change, whatever path changed them
(webhook, import, API, admin, demo): the beat refresh then rebuilds exactly those days.

A delivery counts on the local day it was completed, under its customer's acquisition
campaign, and as its customer's first or not; a customer counts on the day first seen. So a
delivery's change dirties its old and new day and the days of its customer's other completed
deliveries (one of them may stop or start being the first, which hub updates in bulk); a
customer's change dirties its first-seen days and, when its campaign or zone changed, the days
of all its completed deliveries. Spend, incidents and handoffs are read live, not rolled up.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from hub.models import Customer, Delivery
from hub.selectors import unique_or_none
from kpis.rollups import local_day, mark_dirty


def _delivery_days(customer_id: int | None) -> set:
    if customer_id is None:
        return set()
    return {
        local_day(at)
        for at in Delivery.objects.filter(customer_id=customer_id, completed_at__isnull=False)
        .order_by()
        .values_list("completed_at", flat=True)
    }


def _delivery_before(sender: Any, instance: Delivery, **kwargs: Any) -> None:
    old = None
    if instance.pk:
        old = unique_or_none(
            Delivery.objects.filter(pk=instance.pk).values("completed_at", "customer_id")
        )
    instance._kpi_before = old  # type: ignore[attr-defined]


def _delivery_after(sender: Any, instance: Delivery, **kwargs: Any) -> None:
    days = {local_day(instance.completed_at)}
    old = getattr(instance, "_kpi_before", None)
    customers = {instance.customer_id}
    if old:
        days.add(local_day(old["completed_at"]))
        customers.add(old["customer_id"])
    for customer_id in customers:
        days |= _delivery_days(customer_id)
    mark_dirty(days)


def _delivery_deleted(sender: Any, instance: Delivery, **kwargs: Any) -> None:
    mark_dirty({local_day(instance.completed_at)} | _delivery_days(instance.customer_id))


def _customer_before(sender: Any, instance: Customer, **kwargs: Any) -> None:
    old = None
    if instance.pk:
        old = unique_or_none(
            Customer.objects.filter(pk=instance.pk).values(
                "first_seen_at", "acquisition_campaign_id", "zone_id", "crm_id"
            )
        )
    instance._kpi_before = old  # type: ignore[attr-defined]


def _customer_after(sender: Any, instance: Customer, created: bool = False, **kwargs: Any) -> None:
    old = getattr(instance, "_kpi_before", None)
    days = {local_day(instance.first_seen_at)}
    if old:
        days.add(local_day(old["first_seen_at"]))
        if (old["acquisition_campaign_id"], old["zone_id"]) != (
            instance.acquisition_campaign_id,
            instance.zone_id,
        ):
            days |= _delivery_days(instance.pk)
        elif old == {
            "first_seen_at": instance.first_seen_at,
            "acquisition_campaign_id": instance.acquisition_campaign_id,
            "zone_id": instance.zone_id,
            "crm_id": instance.crm_id,
        }:
            return  # nothing the rollups count has changed (a name, an email…)
    mark_dirty(days)


def _customer_deleting(sender: Any, instance: Customer, **kwargs: Any) -> None:
    # Its deliveries lose their customer in bulk (SET NULL), without signals of their own.
    mark_dirty({local_day(instance.first_seen_at)} | _delivery_days(instance.pk))


def connect() -> None:
    pre_save.connect(_delivery_before, sender=Delivery, dispatch_uid="kpis.delivery.before")
    post_save.connect(_delivery_after, sender=Delivery, dispatch_uid="kpis.delivery.after")
    post_delete.connect(_delivery_deleted, sender=Delivery, dispatch_uid="kpis.delivery.deleted")
    pre_save.connect(_customer_before, sender=Customer, dispatch_uid="kpis.customer.before")
    post_save.connect(_customer_after, sender=Customer, dispatch_uid="kpis.customer.after")
    pre_delete.connect(_customer_deleting, sender=Customer, dispatch_uid="kpis.customer.deleting")

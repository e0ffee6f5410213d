"""One way to write dates and times on every page: ``{{ x|when }}`` and ``{{ x|day }}``.

A moment reads "Mon 30 Nov 2026, 14:05 UTC" in the company's time zone (with its name, so a due
time is never ambiguous); a day reads "30 Nov 2026". Both are built-ins of the template engine.
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()

MOMENT = "D j M Y, H:i T"
DAY = "j M Y"


@register.filter
def when(value: datetime | date | None, seconds: str = "") -> str:
    """A moment in the company's time zone, with the zone's name; "" for nothing."""
    if value is None or value == "":
        return ""
    if not isinstance(value, datetime):
        return day(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, MOMENT.replace("H:i", "H:i:s") if seconds else MOMENT)


@register.filter
def day(value: datetime | date | None) -> str:
    """A calendar day, e.g. "30 Nov 2026"; "" for nothing."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, DAY)

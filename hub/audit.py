"""The audit log: services call ``record`` for every change a person makes."""

from __future__ import annotations

from typing import Any

from django.db import models

from hub.models import AuditLog, User


def record(
    *, actor: User | None, action: str, obj: models.Model, changes: dict[str, Any] | None = None
) -> AuditLog:
    """Append one audit row for ``obj``. Never updates an existing row."""
    return AuditLog.objects.create(
        actor=actor if actor and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk or ""),
        object_repr=str(obj)[:200],
        changes=changes or {},
    )

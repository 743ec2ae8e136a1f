"""Writing the audit trail. Every service that writes calls ``record``; every read of a
person's file by a user of another organisation calls ``record_read``."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.db.models import Model

from .models import AuditEvent

# The request being served, set by RequestContextMiddleware; services need not pass it around.
current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def record(
    *,
    actor,
    action: str,
    obj: Model | None = None,
    details: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_username=user.get_username() if user else "",
        actor_organisation_id=user.organisation_id if user else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        ip_address=current_ip.get(),
        details=details or {},
    )


def record_read(*, actor, obj: Model, owner_organisation_id: int | None, what: str = "file") -> None:
    """Record a read of a person's file when the reader belongs to another organisation."""
    if actor is None or not actor.is_authenticated:
        return
    if actor.organisation_id == owner_organisation_id:
        return
    record(actor=actor, action=f"read.{what}", obj=obj)


def history_of(obj: Model):
    """Audit events about one object, newest first (for timelines)."""
    return AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")

"""Writes of the core floor: users' roles and notifications."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from . import audit
from .access import forget_access
from .models import Notification, RoleAssignment, User


@transaction.atomic
def role_assign(*, user: User, role: str, country_code: str | None = None, by=None) -> RoleAssignment:
    assignment = RoleAssignment(user=user, role=role, country_id=country_code)
    assignment.full_clean()
    assignment.save()
    forget_access(user)
    audit.record(actor=by, action="role.assign", obj=user, details={"role": role, "state": country_code})
    return assignment


@transaction.atomic
def notify(*, recipients, subject: str, body: str = "", link: str = "", by=None) -> list[Notification]:
    """Tell users something in the application, and by email once the transaction commits."""
    from .tasks import send_notification_email

    created = Notification.objects.bulk_create(
        [Notification(recipient=user, subject=subject[:200], body=body, link=link) for user in recipients]
    )
    for notification in created:
        send_notification_email.delay_on_commit(notification.pk)
    return created


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Notification


@shared_task(name="relocation.send_notification_email", soft_time_limit=30, time_limit=60)
def send_notification_email(notification_id: int) -> bool:
    """Email one notification. Claims the row first, so a second delivery sends nothing."""
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if notification.recipient.email:
        body = notification.body
        if notification.link:
            body = f"{body}\n\n{settings.SITE_URL.rstrip('/')}{notification.link}"
        send_mail(notification.subject, body, None, [notification.recipient.email])
    return True

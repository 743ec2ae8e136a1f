from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import services
from .access import access_of, get_or_404
from .navigation import home_url_for


def home(request):
    """Each role lands on its own work queue."""
    return redirect(home_url_for(request.user))


def role_home(request):
    """Landing page for a user whose roles have no work queue of their own yet."""
    return render(request, "relocation/role_home.html", {"access": access_of(request.user)})


def notifications(request):
    page = Paginator(request.user.notifications.all(), 25).get_page(request.GET.get("page"))
    return render(request, "relocation/notifications.html", {"page": page})


@require_POST
def notification_read(request, pk: int):
    notification = get_or_404(request.user.notifications.all(), pk=pk)
    services.notification_mark_read(notification=notification)
    messages.success(request, _("Notification marked as read."))
    if notification.link and notification.link.startswith("/"):
        return redirect(notification.link)
    return redirect("notifications")


@never_cache
def healthz(request):
    """Database, broker and worker states. 503 only when the database is unreachable."""
    from .celery import app

    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001  the probe reports any failure as a state
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["broker"] = f"error: {exc.__class__.__name__}"
    try:
        replies = app.control.ping(timeout=1.0) if checks["broker"] == "ok" else []
        checks["worker"] = "ok" if replies else "no worker answered"
        checks["workers"] = len(replies or [])
    except Exception as exc:  # noqa: BLE001
        checks["worker"] = f"error: {exc.__class__.__name__}"
    status = 200 if checks["database"] == "ok" else 503
    return JsonResponse({"status": "ok" if status == 200 else "error", **checks}, status=status)

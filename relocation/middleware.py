from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .audit import current_ip

# Paths anyone may reach: the login itself, health probes, static files, and the API
# (DRF answers 401/403 there instead of redirecting).
PUBLIC_PREFIXES = ("/accounts/login/", "/healthz", "/static/", "/api/", "/i18n/")


class RequestContextMiddleware:
    """Make the client address available to the audit trail for this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ip = request.META.get("REMOTE_ADDR")
        if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
            if forwarded:
                ip = forwarded.split(",")[0].strip()
        token = current_ip.set(ip or None)
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


class LoginRequiredMiddleware:
    """Send anonymous users to the login page from every page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            login = reverse("login")
            return redirect(f"{login}?next={request.get_full_path()}")
        return self.get_response(request)

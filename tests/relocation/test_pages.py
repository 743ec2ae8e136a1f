import json

import pytest
from django.core import mail
from django.urls import reverse

from relocation.models import Notification, Role
from relocation.services import notify
from relocation.tasks import send_notification_email


@pytest.mark.parametrize("path", ["/", "/welcome/", "/notifications/", "/accounts/password/", "/cases/", "/admin/"])
def test_anonymous_users_are_sent_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def _page_paths(patterns=None, prefix=""):
    """Every page URL of the project that takes no argument (API, admin and static excluded)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _page_paths(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and "<" not in route and "(?P" not in route:
            yield "/" + route.lstrip("^").rstrip("$")


def test_anonymous_users_are_sent_to_login_from_every_page(client, db):
    public = ("accounts/login/", "healthz", "api/", "i18n/", "admin/")
    paths = [p for p in _page_paths() if not p.lstrip("/").startswith(public)]
    assert "/notifications/" in paths
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next="), path


def test_a_token_is_issued_for_the_api(people, client):
    user = people["coordinator"]
    response = client.post("/api/token/", {"username": user.username, "password": "pw-for-tests-only"})
    token = response.json()["token"]
    me = client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.json()["username"] == user.username


def test_the_api_answers_anonymous_users_with_an_error_not_a_redirect(client, db):
    assert client.get("/api/me/").status_code in (401, 403)


def test_login_page_renders(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'<label for="id_username"' in response.content


def test_each_user_lands_on_a_page_of_their_own(people, client):
    for user in people.values():
        client.force_login(user)
        response = client.get("/", follow=True)
        assert response.status_code == 200, user.username


def test_me_endpoint_lists_roles_and_states(people, api_for):
    data = api_for(people["officer_de"]).get("/api/me/").json()
    assert data["roles"] == [{"role": "officer", "states": ["DE"]}]


def test_schema_and_docs_are_served_without_a_cdn(people, client):
    client.force_login(people["coordinator"])
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/me/" in json.loads(schema.content)["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn." not in docs.content and b"unpkg" not in docs.content


def test_healthz_reports_each_service(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert {"broker", "worker"} <= body.keys()


def test_healthz_answers_503_when_the_database_is_unreachable(client, db, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("down")

    with monkeypatch.context() as patched:
        patched.setattr(connection, "cursor", broken_cursor)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")


def test_a_notification_is_shown_and_emailed_once(people, client, django_capture_on_commit_callbacks):
    officer = people["officer_de"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [notification] = notify(recipients=[officer], subject="Proposals sent to Germany", link="/")
    assert len(callbacks) == 1
    assert send_notification_email(notification.pk) is True
    assert send_notification_email(notification.pk) is False  # a second delivery sends nothing
    assert len(mail.outbox) == 1
    client.force_login(officer)
    page = client.get(reverse("notifications"))
    assert b"Proposals sent to Germany" in page.content
    client.post(reverse("notification_read", args=[notification.pk]))
    assert Notification.objects.get().read_at is not None


def test_a_notification_of_someone_else_is_404(people, client):
    [notification] = notify(recipients=[people["officer_de"]], subject="For Germany")
    client.force_login(people["officer_fr"])
    assert client.post(reverse("notification_read", args=[notification.pk])).status_code == 404


def test_the_role_home_lists_roles(people, client):
    client.force_login(people["dublin_gr"])
    page = client.get(reverse("role_home"))
    assert str(Role.DUBLIN_OFFICER.label) in page.content.decode()

import pytest

from relocation import demo
from relocation.demo import DEMO_USERS

pytestmark = pytest.mark.browser


def test_every_demo_user_logs_in_and_sees_their_home(transactional_db, page, login, settings):
    demo.seed(demo.DemoWorld())  # the users only: the full world is tested in tests/*/test_demo.py
    for username in DEMO_USERS:
        login(username, settings.DEMO_PASSWORD)
        assert "/accounts/login/" not in page.url, username
        assert page.locator("h1").first.is_visible(), username
        if username != "admin":
            page.get_by_role("button", name="Log out").click()
        else:
            page.context.clear_cookies()


def test_a_wrong_password_is_refused_with_a_message(transactional_db, page, login):
    demo.seed(demo.DemoWorld())  # the users only: the full world is tested in tests/*/test_demo.py
    login("coordinator", "not-the-password")
    assert "/accounts/login/" in page.url
    assert page.get_by_text("Please enter a correct username and password").is_visible()


def test_anonymous_user_is_sent_to_login(transactional_db, page):
    page.goto("/notifications/")
    assert "/accounts/login/?next=/notifications/" in page.url

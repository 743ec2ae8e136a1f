from relocation import demo
from relocation.demo import DEMO_USERS
from relocation.models import Country, RoleAssignment, User


def test_reference_data_is_loaded_by_migrations(db):
    assert set(Country.objects.filter(is_frontline=True).values_list("code", flat=True)) == {"CY", "GR", "IT", "MT", "ES"}
    assert Country.objects.filter(is_signatory=True).count() == 21
    assert Country.objects.filter(code="XX").exists()


def test_the_core_demo_is_idempotent_and_creates_every_demo_user(db):
    # The whole seed_demo (every floor) is run twice by the apps' own demo tests.
    demo.seed(demo.DemoWorld())
    counts = (User.objects.count(), RoleAssignment.objects.count())
    demo.seed(demo.DemoWorld())
    assert (User.objects.count(), RoleAssignment.objects.count()) == counts
    assert set(DEMO_USERS) <= set(User.objects.values_list("username", flat=True))
    assert User.objects.get(username="officer.de").check_password("relocate-demo")


def test_no_demo_users_under_production_settings(db, settings):
    settings.DEMO_ALLOWED = False
    demo.seed(demo.DemoWorld())
    assert not User.objects.exists()

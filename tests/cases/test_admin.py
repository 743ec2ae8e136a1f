import pytest

from relocation.models import User

from . import builders


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@test.invalid", "pw-for-tests-only")


def test_the_admin_lists_and_shows_case_files_read_only(client, superuser, people):
    household = builders.household("GR", by=people["caseworker_gr"])
    client.force_login(superuser)
    for url in ("/admin/cases/household/", f"/admin/cases/household/{household.pk}/change/",
                "/admin/cases/applicant/", "/admin/cases/statuschange/", "/admin/cases/document/",
                f"/admin/cases/household/{household.pk}/permissions/", "/admin/cases/household/?q=haidari"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/cases/household/add/").status_code == 403

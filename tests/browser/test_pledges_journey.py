"""The Commission records and amends a pledge and sees registry and dashboard change; a
pledging-state officer sees the figures but no one's file through them."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from cases.models import Applicant, Household
from pledges import services
from pledges.models import SolidarityCycle
from relocation.models import Organisation, Role, RoleAssignment, User

pytestmark = pytest.mark.browser
PASSWORD = "journey-pass-1"


def _user(username, role, org, state=None):
    user = User.objects.create_user(username=username, password=PASSWORD, organisation=org)
    RoleAssignment.objects.create(user=user, role=role, country_id=state)
    return user


def _world():
    commission = Organisation.objects.create(name="European Commission", kind=Organisation.Kind.COMMISSION)
    bamf = Organisation.objects.create(name="BAMF", kind=Organisation.Kind.NATIONAL_AUTHORITY,
                                       authority_type=Organisation.AuthorityType.ASYLUM_SERVICE, country_id="DE")
    euaa = Organisation.objects.create(name="EUAA", kind=Organisation.Kind.EUAA)
    _user("commission", Role.COMMISSION, commission)
    _user("officer.de", Role.OFFICER, bamf, "DE")
    cycle = SolidarityCycle.objects.create(code="vsm-2022", name="Voluntary Solidarity Mechanism 2022-2024",
                                           kind="voluntary_mechanism", starts_on=dt.date(2022, 6, 22),
                                           ends_on=dt.date(2030, 12, 31))
    since = timezone.now() - dt.timedelta(days=400)
    households = []
    for state, places in (("DE", 100), ("FR", 50)):
        pledge = services.pledge_record(cycle=cycle, state_code=state, kind="relocation", by=None,
                                        fields={"places": places}, effective_at=since)
        household = Household.objects.create(
            case_number=f"GR-2023-{len(households) + 1:06d}", frontline_state_id="GR", registered_on=dt.date(2023, 1, 5),
            status="relocated", owner=euaa, size=3, destination_state_id=state,
        )
        Applicant.objects.create(household=household, frontline_state_id="GR", given_name="Yonas", family_name="Tesfaye",
                                 date_of_birth=dt.date(1990, 1, 1), sex="male", nationality_id="ER",
                                 relationship_to_principal="principal")
        placement = services.placement_reserve(pledge=pledge, household=household, by=None, at=since)
        services.placement_advance(placement=placement, stage="relocated", by=None, at=since + dt.timedelta(days=60))
        households.append(household)
    return households


def test_the_commission_records_and_amends_a_pledge_and_an_officer_sees_only_figures(transactional_db, page, login):
    households = _world()

    login("commission", PASSWORD)
    page.goto("/pledges/dashboard/")
    assert page.locator("#headline-pledged").inner_text() == "150"
    assert page.locator("#headline-relocated").inner_text() == "6"

    # Record a pledge for Portugal with a quota for Greece.
    page.get_by_role("link", name="Pledges", exact=True).click()
    page.get_by_role("link", name="Record a pledge").click()
    page.get_by_label("Cycle").select_option(label="Voluntary Solidarity Mechanism 2022-2024")
    page.get_by_label("Pledging state").select_option(label="Portugal")
    page.get_by_label("Kind").select_option(label="Relocation")
    page.get_by_label("Places (persons)").fill("350")
    page.get_by_label("Quota for Greece (places)").fill("200")
    page.get_by_label("Family with children").check()
    page.get_by_role("button", name="Record the pledge").click()
    assert page.get_by_role("status").get_by_text("Pledge recorded.").is_visible()

    # Amend it, with a reason; a missing reason is refused first.
    page.get_by_role("link", name="Amend this pledge").click()
    page.get_by_label("Places (persons)").fill("400")
    page.get_by_role("button", name="Save the amendment").click()
    assert page.locator("#id_reason_error").is_visible()
    page.get_by_label("Reason for the amendment").fill("Council of Ministers decision")
    page.get_by_role("button", name="Save the amendment").click()
    assert page.get_by_role("status").get_by_text("Pledge amended.").is_visible()
    history = page.locator("table.pledges-versions")
    assert "Council of Ministers decision" in history.inner_text()
    assert "350 → 400" in history.inner_text()

    # The registry and the dashboard show the amended pledge.
    page.goto("/pledges/?state=PT")
    row = page.get_by_role("row", name=re.compile("Portugal"))
    assert "400" in row.inner_text()
    page.goto("/pledges/dashboard/")
    assert page.locator("#headline-pledged").inner_text() == "550"
    page.get_by_role("button", name="Log out").click()

    # The German officer sees the figures, but nobody's name or case number, and no file.
    login("officer.de", PASSWORD)
    page.goto("/pledges/dashboard/")
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Solidarity dashboard").is_visible()
    assert page.locator("#headline-relocated").inner_text() == "6"
    content = page.content()
    assert "Tesfaye" not in content and "Yonas" not in content and "GR-2023-" not in content
    response = page.goto(f"/cases/{households[1].pk}/")  # relocated to France
    assert response.status == 404

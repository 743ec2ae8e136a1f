"""A German selection mission: plan it, schedule two interviews, accept one household and
reject the other; the coordinator sees both decisions and the rejected household back in the pool."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import CaseStatus
from pledges import services as pledge_services
from pledges.models import Placement, SolidarityCycle
from relocation import demo
from relocation.models import User
from tests.cases import builders

pytestmark = pytest.mark.browser


def proposed_to_germany(coordinator, pledge):
    household = builders.household("GR")
    builders.proposed(household, destination="DE", coordinator=coordinator)
    pledge_services.placement_reserve(pledge=pledge, household=household, by=coordinator)
    household.refresh_from_db()
    return household


def test_officer_runs_a_mission_and_the_coordinator_sees_the_decisions(transactional_db, page, login, settings):
    demo.seed(demo.DemoWorld())  # organisations and demo users only: quick
    coordinator = User.objects.get(username="coordinator")
    cycle = SolidarityCycle.objects.create(
        code="vsm", name="VSM", kind="voluntary_mechanism", starts_on=dt.date(2022, 6, 22), ends_on=dt.date(2030, 12, 31)
    )
    pledge = pledge_services.pledge_record(cycle=cycle, state_code="DE", kind="relocation", by=None,
                                           fields={"places": 20})
    first, second = proposed_to_germany(coordinator, pledge), proposed_to_germany(coordinator, pledge)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    login("officer.de", settings.DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Proposed candidates")).to_be_visible()
    expect(page.get_by_role("link", name=first.case_number)).to_be_visible()

    page.get_by_role("link", name="Selection missions").click()
    page.get_by_role("link", name="Plan a mission").click()
    page.get_by_label("Frontline state").select_option("GR")
    page.get_by_label("Site").fill("Athens, EUAA office")
    page.get_by_label("First day").fill(str(timezone.localdate()))
    page.get_by_label("Last day").fill(str(tomorrow + dt.timedelta(days=2)))
    page.get_by_role("button", name="Plan the mission").click()
    expect(page.get_by_text("Mission planned.")).to_be_visible()

    page.get_by_label("Interpreter's name").fill("Farid Ahmadi")
    page.get_by_label("Languages").select_option(["fa", "de"])
    page.get_by_role("button", name="Add the interpreter").click()
    expect(page.get_by_text("Interpreter added.")).to_be_visible()

    for household, hour, room in ((first, 10, "Room 1"), (second, 12, "Room 2")):
        page.get_by_label("Household").select_option(str(household.pk))
        page.get_by_label("Starts").fill(f"{tomorrow}T{hour:02d}:00")
        page.get_by_label("Ends").fill(f"{tomorrow}T{hour + 1:02d}:30")
        page.get_by_label("Room", exact=True).fill(room)
        page.get_by_label(re.compile(r"^Language( \*)?$")).select_option("fa")
        page.get_by_label("Interpreter", exact=True).select_option(label="Farid Ahmadi")
        page.get_by_role("button", name="Schedule the interview").click()
        expect(page.get_by_text("Interview scheduled.")).to_be_visible()

    # The same interpreter cannot be in two places at once: refused with the reason.
    page.get_by_label("Household").select_option(str(second.pk))
    page.get_by_label("Starts").fill(f"{tomorrow}T10:30")
    page.get_by_label("Ends").fill(f"{tomorrow}T11:00")
    page.get_by_label("Room", exact=True).fill("Room 3")
    page.get_by_label(re.compile(r"^Language( \*)?$")).select_option("fa")
    page.get_by_label("Interpreter", exact=True).select_option(label="Farid Ahmadi")
    page.get_by_role("button", name="Schedule the interview").click()
    expect(page.get_by_text("The interpreter Farid Ahmadi is already booked")).to_be_visible()

    page.get_by_role("link", name="Decide for the mission").click()
    page.get_by_label(f"Decision for {first.case_number}").select_option("accepted")
    page.get_by_label(f"Decision for {second.case_number}").select_option("rejected")
    page.get_by_label(f"Reason for {second.case_number}").select_option("public_order")
    page.get_by_label(f"Explanation for {second.case_number}").fill("Findings of the national check")
    page.get_by_role("button", name="Record the decisions").click()
    expect(page.get_by_text("2 decision(s) recorded.")).to_be_visible()

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == CaseStatus.ACCEPTED
    assert second.status == CaseStatus.AVAILABLE and second.excluded_states.filter(pk="DE").exists()
    assert Placement.objects.get(household=second).released_at is not None

    page.get_by_role("button", name="Log out").click()
    login("coordinator", settings.DEMO_PASSWORD)
    page.get_by_role("link", name="Missions", exact=True).click()
    latest = page.locator("table.missions-latest")
    expect(latest.locator("tr", has_text=first.case_number)).to_contain_text("Accepted")
    row = latest.locator("tr", has_text=second.case_number)
    expect(row).to_contain_text("Rejected")
    expect(row).to_contain_text("Public order")
    expect(row).to_contain_text("Consented, available for matching")
    expect(page.locator("table.missions-per-state")).to_contain_text("Germany")
    # The notification arrived too.
    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_text("DE decided on 2 household(s): 1 accepted, 1 rejected")).to_be_visible()

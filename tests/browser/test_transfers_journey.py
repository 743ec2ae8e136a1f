"""From acceptance to arrival: dublin.gr sends the request, dublin.de accepts it, iom.gr records
the health checks, orientation, travel documents and fitness, builds a movement and confirms the
departure, officer.de confirms the arrival, and Germany's relocated count on the dashboard goes
up by the household's size."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import CaseStatus
from missions import services as mission_services
from pledges import services as pledge_services
from pledges.models import Placement, SolidarityCycle
from relocation import demo
from relocation.models import User
from tests.cases import builders

pytestmark = pytest.mark.browser


def germany_relocated(page) -> int:
    page.goto("/pledges/dashboard/")
    # The table under the chart (possibly folded away: read it as text, not through the a11y tree).
    row = page.locator("tr", has=page.locator("th", has_text=re.compile("^Germany$"))).first
    return int(re.sub(r"\D", "", row.locator("td").nth(2).text_content()) or 0)


def switch(page, login, username, password):
    page.context.clear_cookies()
    return login(username, password)


def test_from_the_dublin_request_to_the_arrival_the_household_counts_as_relocated(
    transactional_db, page, login, settings
):
    demo.seed(demo.DemoWorld())  # organisations and demo users only
    coordinator = User.objects.get(username="coordinator")
    cycle = SolidarityCycle.objects.create(
        code="vsm", name="VSM", kind="voluntary_mechanism", starts_on=dt.date(2022, 6, 22), ends_on=dt.date(2030, 12, 31)
    )
    pledge = pledge_services.pledge_record(cycle=cycle, state_code="DE", kind="relocation", by=None, fields={"places": 20})
    household = builders.household("GR")
    builders.proposed(household, destination="DE", coordinator=coordinator)
    pledge_services.placement_reserve(pledge=pledge, household=household, by=coordinator)
    mission_services.decision_record(household=household, by=User.objects.get(username="officer.de"), outcome="accepted")
    household.refresh_from_db()
    size = household.size
    password = settings.DEMO_PASSWORD

    login("officer.de", password)
    before = germany_relocated(page)

    # The Greek Dublin Unit sends the request.
    switch(page, login, "dublin.gr", password)
    expect(page.get_by_role("heading", name="Transfers of responsibility")).to_be_visible()
    page.get_by_role("link", name="Send a request").click()
    page.get_by_label("Household").select_option(str(household.pk))
    page.get_by_label("Legal basis").select_option("dublin_17_2")
    page.get_by_label("DubliNet reference").fill("GR-17-2-0001")
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_text("Request sent")).to_be_visible()

    # The German Dublin Unit accepts it.
    switch(page, login, "dublin.de", password)
    page.get_by_role("link", name=household.case_number).click()
    page.get_by_label("Accept responsibility").check()
    page.get_by_role("button", name="Record").click()
    expect(page.locator("#transfer-reply")).to_contain_text("Accepted")

    # IOM prepares the household.
    switch(page, login, "iom.gr", password)
    expect(page.get_by_role("heading", name="Departures queue")).to_be_visible()
    page.get_by_role("link", name=household.case_number).click()

    def section(title):
        return page.locator("section.iom-record").filter(has=page.get_by_role("heading", name=title, exact=True))

    section("Health assessment").get_by_label("Outcome").select_option("fit")
    section("Health assessment").get_by_role("button", name="Record").click()
    expect(page.get_by_text(f"Recorded for {size} person(s).")).to_be_visible()
    section("Pre-departure orientation").get_by_label("Language").select_option("en")
    section("Pre-departure orientation").get_by_role("button", name="Record").click()
    section("Travel document").get_by_label("Travel document").select_option("issued")
    section("Travel document").get_by_role("button", name="Record").click()
    section("Fitness-to-travel check").get_by_role("button", name="Record").click()
    expect(page.get_by_text("Ready to travel")).to_be_visible()

    page.goto("/missions/movements/")
    page.get_by_role("link", name="Plan a movement").click()
    page.get_by_label("To (receiving state)").select_option("DE")
    page.get_by_label("Date").fill(str(timezone.localdate()))
    page.get_by_label("Departure airport (IATA)").fill("ATH")
    page.get_by_label("Arrival airport (IATA)").fill("FRA")
    page.get_by_label("Carrier").fill("Aegean Airlines")
    page.get_by_label("Flight number").fill("A3 820")
    page.get_by_label("Capacity (persons)").fill("31")
    page.get_by_role("button", name="Create the movement").click()
    page.get_by_label("Household").select_option(str(household.pk))
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Household added.")).to_be_visible()
    page.get_by_role("button", name="Confirm departure").click()
    expect(page.get_by_text(f"Departure recorded for {household.case_number}")).to_be_visible()

    # The German officer confirms the arrival.
    switch(page, login, "officer.de", password)
    page.goto("/missions/movements/")
    page.get_by_role("link", name=str(timezone.localdate())).click()
    page.get_by_label("Safe arrival").check()
    page.get_by_role("button", name="Confirm arrival").click()
    expect(page.get_by_text(f"Arrival recorded for {household.case_number}")).to_be_visible()

    household.refresh_from_db()
    assert household.status == CaseStatus.RELOCATED
    assert Placement.objects.get(household=household).stage == "relocated"
    assert germany_relocated(page) == before + size

"""A caseworker's day: register a family, inform, assess, decide, consent, and find it ready for matching."""

import re

import pytest
from playwright.sync_api import expect

from relocation import demo

pytestmark = pytest.mark.browser

FAMILY = [
    # given, family, born, sex, relationship, registration number
    ("Ahmad", "Haidari", "1986-04-12", "male", "principal", "GR-AS-100201"),
    ("Zahra", "Haidari", "1990-09-30", "female", "spouse", "GR-AS-100202"),
    ("Omid", "Haidari", "2014-02-01", "male", "child", ""),
    ("Maryam", "Haidari", "2019-07-15", "female", "child", ""),
]


def move_to(page, status: str, reason: str) -> None:
    form = page.locator("form.transition").filter(has=page.locator(f'input[name="to"][value="{status}"]'))
    form.locator("textarea").fill(reason)
    form.get_by_role("button").click()
    page.wait_for_load_state()


def test_caseworker_registers_a_family_and_makes_it_available_for_matching(
    transactional_db, page, login, settings
):
    demo.seed(demo.DemoWorld())  # organisations and demo users only: quick
    login("caseworker.gr", settings.DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()

    page.get_by_role("link", name="Register a household").click()
    page.get_by_label("Site").fill("Lesvos CCAC")
    for i, (given, family, born, sex, relationship, number) in enumerate(FAMILY):
        block = page.locator("fieldset.member").nth(i)
        block.get_by_label("Given name (Latin)").fill(given)
        block.get_by_label("Family name (Latin)").fill(family)
        block.locator("input[name$='-date_of_birth']").fill(born)
        block.get_by_label("Sex").select_option(sex)
        block.get_by_label("Nationality").select_option("AF")
        block.get_by_label("Relationship to the principal applicant").select_option(relationship)
        block.get_by_label("Asylum registration number").fill(number)
        block.get_by_label("Languages").fill("fa")
    page.get_by_role("button", name="Register the household").click()
    expect(page.get_by_text(re.compile(r"Household GR-\d{4}-\d{6} registered"))).to_be_visible()
    case_number = page.locator("h1").inner_text().split()[1]
    expect(page.get_by_text("Family with children")).to_be_visible()

    # Only what is allowed now is offered: no information session, so no "Informed" yet.
    expect(page.locator('input[name="to"][value="informed"]')).to_have_count(0)
    page.get_by_role("link", name="Record an information session").click()
    page.get_by_label("Language").select_option("fa")
    page.get_by_label("With an interpreter").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Information session recorded.")).to_be_visible()
    move_to(page, "informed", "Information session held in Dari with an interpreter")
    expect(page.get_by_text("The case is now: Informed.")).to_be_visible()
    move_to(page, "assessed", "Interviewed")

    page.get_by_role("link", name="Assess a vulnerability").click()
    page.get_by_label("Person").select_option(label="Zahra Haidari")
    page.get_by_label("Vulnerability").select_option("pregnant")
    page.get_by_label("Restricted notes").fill("Expected delivery in May")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Vulnerability recorded.")).to_be_visible()
    expect(page.get_by_text("Expected delivery in May")).to_be_visible()

    page.get_by_role("link", name="Decide eligibility").click()
    page.get_by_label("Ahmad Haidari").check()
    page.get_by_label("Zahra Haidari").check()
    page.get_by_label("Eligible", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Eligibility recorded.")).to_be_visible()
    move_to(page, "eligible", "Both adults eligible")

    # Without consent the household cannot be made available: the rule says why.
    page.get_by_role("link", name="Record consent").click()
    page.get_by_label("Ahmad Haidari").check()
    page.get_by_label("Zahra Haidari").check()
    page.get_by_label("How recorded").select_option("signed_form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Consent recorded.")).to_be_visible()
    move_to(page, "available", "Consent forms signed")
    expect(page.get_by_text("The case is now: Consented, available for matching.")).to_be_visible()

    page.get_by_role("link", name="Work queue").first.click()
    page.get_by_role("link", name=re.compile("Consented, available for matching")).click()
    expect(page.get_by_role("link", name=case_number)).to_be_visible()
    expect(page.get_by_text("Ahmad Haidari")).to_be_visible()

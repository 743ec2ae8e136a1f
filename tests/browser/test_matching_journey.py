"""The coordinator runs the matching for Greece in a real worker, reads an explanation,
confirms the proposals for Germany; Germany's officer then sees exactly those households."""

import re

import pytest
from playwright.sync_api import expect

from cases.models import Household
from matching.models import MatchingRun, Proposal
from tests.matching import builders

pytestmark = [pytest.mark.browser, pytest.mark.worker]
PASSWORD = "pw-for-tests-only"


def test_coordinator_runs_matching_for_greece_and_germany_sees_the_confirmed_households(
    transactional_db, celery_worker_process, make_user, page, login
):
    # The run is solved by a real Celery worker (Redis, PostgreSQL), as in deployment.
    make_user("coordinator", username="coordinator")
    make_user("officer", "DE", username="officer.de")
    builders.pledge("DE", places=9, quotas={"GR": 9})
    builders.pledge("FR", places=5)
    for i in range(8):
        builders.household(adults=1 + i % 2, children=i % 3, family_ties=("DE",) if i in (0, 3) else (),
                           vulnerabilities=("pregnant",) if i == 5 else ())
    builders.household(frontline="IT", adults=2)

    login("coordinator", PASSWORD)
    expect(page.get_by_role("heading", name="Matching runs")).to_be_visible()
    page.get_by_label("Greece").check()
    page.get_by_label("Time limit (seconds)").fill("10")
    page.get_by_role("button", name="Start the run").click()
    expect(page.get_by_role("heading", name=re.compile(r"Matching run #\d+"))).to_be_visible()
    # htmx polls the status until the worker has finished.
    expect(page.locator("#run-status [data-status]")).to_have_text("Succeeded", timeout=60_000)
    run = MatchingRun.objects.get()
    assert run.frontline_states == ["GR"] and run.proposals.exists()

    page.get_by_role("link", name=re.compile("Review .* proposals? waiting")).click()
    first = page.locator("table.matching-proposals > tbody > tr").first
    first.locator("summary").click()
    expect(first.get_by_text("Criteria met")).to_be_visible()
    expect(first.get_by_role("rowheader", name="Family tie to the pledging state")).to_be_visible()

    page.get_by_label("Pledging state", exact=True).select_option("DE")
    page.get_by_role("button", name="Filter", exact=True).click()
    page.get_by_role("button", name="Confirm all waiting proposals shown by this filter").click()
    expect(page.get_by_text(re.compile(r"proposals? confirmed"))).to_be_visible()

    german = set(run.proposals.filter(pledge_state_id="DE").values_list("household__case_number", flat=True))
    assert german and set(
        Proposal.objects.filter(run=run, status="confirmed").values_list("household__case_number", flat=True)
    ) == german
    assert not run.proposals.filter(pledge_state_id="FR").exclude(status="pending").exists()

    page.get_by_role("button", name="Log out").click()
    login("officer.de", PASSWORD)
    # The officer lands on the queue of candidates proposed to their state.
    queue = page.locator("table.missions-queue tbody th[scope=row]")
    expect(queue).to_have_count(len(german))
    assert set(queue.all_inner_texts()) == german
    # The cases API (the same selector) lists exactly those files too.
    listing = page.request.get("/api/households/?page_size=100").json()
    assert {row["case_number"] for row in listing["results"]} == german
    assert set(Household.objects.filter(destination_state_id="DE").values_list("case_number", flat=True)) == german

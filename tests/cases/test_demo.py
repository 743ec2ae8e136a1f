import time

from django.core.management import call_command
from django.db.models import Count, Sum

from cases import services, workflow
from cases.models import Applicant, CaseStatus, Household, StatusChange
from relocation.demo import DEMO_DAY
from relocation.models import User


def test_the_demo_world_fills_every_stage_relocated_over_4000_people_and_runs_once(db):
    started = time.monotonic()
    call_command("seed_demo", verbosity=0)
    elapsed = time.monotonic() - started
    counts = dict(Household.objects.values_list("status").annotate(n=Count("pk")))
    assert set(counts) == set(CaseStatus.values)
    assert counts[CaseStatus.AVAILABLE] >= 200
    relocated = Household.objects.filter(status=CaseStatus.RELOCATED)
    persons = relocated.aggregate(n=Sum("size"))["n"]
    assert 4000 < persons < 4300
    destinations = set(relocated.values_list("destination_state", flat=True))
    assert len(destinations) == 12 and "BG" not in destinations
    arrivals = StatusChange.objects.filter(to_status=CaseStatus.RELOCATED).values_list("at", flat=True)
    assert min(arrivals).year == 2022 and max(arrivals).date() <= DEMO_DAY
    # Names in their own script, and accented Latin names the search must still find.
    assert Applicant.objects.filter(given_name_native="ዮናስ", search_name_native__startswith="ዮናስ").exists()
    assert Applicant.objects.filter(given_name="Héritier", search_name__startswith="heritier").exists()
    assert elapsed < 60

    households, applicants, changes = Household.objects.count(), Applicant.objects.count(), StatusChange.objects.count()
    call_command("seed_demo", verbosity=0)
    assert (Household.objects.count(), Applicant.objects.count(), StatusChange.objects.count()) == (
        households, applicants, changes)

    # The demo's households follow the workflow's rules.
    coordinator = User.objects.get(username="coordinator")
    available = Household.objects.filter(status=CaseStatus.AVAILABLE).exclude(excluded_states="NL").first()
    services.case_transition(household=available, to=CaseStatus.PROPOSED, by=coordinator, destination_state="NL")
    # A new household gets the next case number after the demo's.
    caseworker = User.objects.get(username="caseworker.gr")
    fresh = services.household_create(frontline_state="GR", registered_on=DEMO_DAY, by=caseworker)
    assert fresh.case_number.startswith("GR-2024-")
    for household in Household.objects.filter(status=CaseStatus.ELIGIBLE)[:20]:
        assert workflow.every_adult_eligible(household, {}) is None
    # The derived columns agree with what the service would compute.
    flagged = Household.objects.filter(has_family_ties=True).count()
    assert 0 < flagged < Household.objects.count()
    for household in Household.objects.order_by("?")[:30]:
        stored = (household.vulnerable_members, household.has_family_ties, household.has_cultural_ties)
        services.recompute(household)
        assert (household.vulnerable_members, household.has_family_ties, household.has_cultural_ties) == stored

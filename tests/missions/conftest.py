"""Builders for missions tests: households proposed to a state with their places reserved,
made through the cases and pledges services like the matching floor does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import CaseStatus
from missions import services
from pledges import services as pledge_services
from pledges.models import SolidarityCycle
from tests.cases import builders


@pytest.fixture
def cycle(db):
    return SolidarityCycle.objects.create(
        code="vsm-2022", name="Voluntary Solidarity Mechanism 2022-2024",
        kind=SolidarityCycle.Kind.VOLUNTARY_MECHANISM,
        starts_on=dt.date(2022, 6, 22), ends_on=dt.date(2030, 12, 31),
    )


@pytest.fixture
def pledges(cycle):
    return {
        state: pledge_services.pledge_record(
            cycle=cycle, state_code=state, kind="relocation", by=None, fields={"places": 40}
        )
        for state in ("DE", "FR")
    }


@pytest.fixture
def make_proposed(pledges, people):
    """make_proposed("DE") -> a GR household of four proposed to DE, its places reserved."""

    def make(state: str = "DE", frontline: str = "GR", members=None):
        household = builders.household(frontline, members=members)
        builders.proposed(household, destination=state, coordinator=people["coordinator"])
        household.refresh_from_db()
        assert household.status == CaseStatus.PROPOSED
        pledge_services.placement_reserve(pledge=pledges[state], household=household, by=people["coordinator"])
        return household

    return make


def at(hours: float) -> dt.datetime:
    """A moment ``hours`` from now, on a whole quarter of an hour."""
    now = timezone.now().replace(second=0, microsecond=0)
    return now - dt.timedelta(minutes=now.minute % 15) + dt.timedelta(hours=hours)


@pytest.fixture
def mission(people):
    today = timezone.localdate()
    return services.mission_create(
        by=people["officer_de"], pledging_state="DE", frontline_state="GR", site="Athens, Eleonas centre",
        starts_on=today - dt.timedelta(days=3), ends_on=today + dt.timedelta(days=3),
    )


@pytest.fixture
def interpreter(mission, people):
    return services.interpreter_add(mission=mission, by=people["officer_de"], name="Farid Ahmadi", languages=["fa", "en"])


# -- transfers and the journey ---------------------------------------------------------------

MARKER = "RESTRICTED-MARKER-7f3a"  # seeded into vulnerability and interview notes; never on IOM pages
MEDICAL = "MEDICAL-MARKER-51c2"  # medical notes: IOM and the receiving state only, never a manifest


@pytest.fixture
def make_accepted(make_proposed, people):
    """A GR household of four accepted by DE (its placement at "accepted")."""

    def make(state: str = "DE", frontline: str = "GR", members=None):
        household = make_proposed(state, frontline, members)
        services.decision_record(household=household, by=people[f"officer_{state.lower()}"], outcome="accepted")
        household.refresh_from_db()
        assert household.status == CaseStatus.ACCEPTED
        return household

    return make


@pytest.fixture
def make_responsible(make_accepted, people):
    """An accepted household whose transfer of responsibility DE accepted."""
    from missions import transfers

    def make(state: str = "DE"):
        household = make_accepted(state)
        today = timezone.localdate()
        transfer = transfers.transfer_request(
            household=household, by=people["dublin_gr"], legal_basis="dublin_17_2",
            sent_on=today - dt.timedelta(days=10), dublinet_reference=f"GR-{household.pk}",
        )
        transfers.transfer_reply(transfer=transfer, by=people[f"dublin_{state.lower()}"], accepted=True, replied_on=today)
        household.refresh_from_db()
        return household

    return make


@pytest.fixture
def make_ready(make_responsible, people):
    """A household IOM has prepared entirely (health with restricted notes, orientation, document, fit)."""
    from missions import journey

    def make(state: str = "DE"):
        household = make_responsible(state)
        today = timezone.localdate()
        iom = people["iom_gr"]
        for person in household.members.all():
            journey.health_assess(
                applicant=person, by=iom, assessed_on=today, outcome="fit", assistance=["wheelchair"],
                medical_notes=f"{MEDICAL} diabetes",
            )
            journey.orientation_record(applicant=person, by=iom, held_on=today, language="fa")
            journey.travel_document_set(applicant=person, by=iom, status="issued", number=f"LP{person.pk}")
            journey.fitness_check(applicant=person, by=iom, checked_on=today, fit=True)
        return household

    return make

"""Small builders for case files, going through the services like real users do."""

from __future__ import annotations

import datetime as dt

from cases import services
from cases.models import CaseStatus, Household, Relationship, Sex
from relocation.models import Organisation

ADULT = dt.date(1990, 5, 1)
CHILD = dt.date(2016, 3, 10)
_counter = {"n": 0}


def _reg(state: str) -> str:
    _counter["n"] += 1
    return f"{state}-REG-{_counter['n']:06d}"


def member(given: str, family: str = "Haidari", *, dob: dt.date = ADULT, sex: str = Sex.MALE,
           relationship: str | None = None, nationality: str = "AF", **extra) -> dict:
    data = {
        "given_name": given,
        "family_name": family,
        "date_of_birth": dob,
        "sex": sex,
        "nationality_id": nationality,
        **extra,
    }
    if relationship:
        data["relationship_to_principal"] = relationship
    return data


def family_of_four(state: str = "GR") -> list[dict]:
    return [
        member("Ahmad", relationship=Relationship.PRINCIPAL, registration_number=_reg(state)),
        member("Zahra", sex=Sex.FEMALE, relationship=Relationship.SPOUSE, registration_number=_reg(state)),
        member("Omid", dob=CHILD, relationship=Relationship.CHILD),
        member("Maryam", dob=dt.date(2019, 1, 2), sex=Sex.FEMALE, relationship=Relationship.CHILD),
    ]


def household(state: str = "GR", *, by=None, members: list[dict] | None = None, site: str = "Ritsona") -> Household:
    Organisation.objects.get_or_create(name="Test euaa", defaults={"kind": Organisation.Kind.EUAA})
    return services.household_create(
        frontline_state=state,
        registered_on=dt.date(2024, 1, 15),
        site=site,
        by=by,
        members=members if members is not None else family_of_four(state),
    )


def informed(h: Household, by=None) -> Household:
    services.information_session_record(household=h, held_on=dt.date(2024, 1, 20), language="fa", by=by)
    return services.case_transition(household=h, to=CaseStatus.INFORMED, by=by)


def eligible(h: Household, by=None) -> Household:
    if h.status == CaseStatus.IDENTIFIED:
        informed(h, by)
    if h.status == CaseStatus.INFORMED:
        services.case_transition(household=h, to=CaseStatus.ASSESSED, by=by)
    for person in h.members.all():
        if person.is_adult():
            services.eligibility_decide(applicant=person, eligible=True, by=by)
    return services.case_transition(household=h, to=CaseStatus.ELIGIBLE, by=by)


def available(h: Household, by=None) -> Household:
    eligible(h, by)
    for person in h.members.all():
        if person.is_adult():
            services.consent_record(applicant=person, given=True, how_recorded="signed_form", by=by)
    return services.case_transition(household=h, to=CaseStatus.AVAILABLE, by=by)


def proposed(h: Household, destination: str = "DE", by=None, coordinator=None) -> Household:
    available(h, by)
    return services.case_transition(
        household=h, to=CaseStatus.PROPOSED, by=coordinator, destination_state=destination
    )

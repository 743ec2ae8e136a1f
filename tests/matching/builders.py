"""Small builders for matching tests: available households with complete files, open pledges."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from cases.models import (
    Applicant,
    CaseStatus,
    Consent,
    EligibilityDecision,
    FamilyTie,
    Household,
    Relationship,
    Sex,
    VulnerabilityAssessment,
)
from pledges.models import Pledge, PledgeQuota, SolidarityCycle
from relocation.models import Organisation

_numbers = itertools.count(1)


def euaa() -> Organisation:
    org, _ = Organisation.objects.get_or_create(name="Test euaa", defaults={"kind": Organisation.Kind.EUAA})
    return org


def cycle() -> SolidarityCycle:
    c, _ = SolidarityCycle.objects.get_or_create(
        code="test-cycle",
        defaults={"name": "Test cycle", "kind": SolidarityCycle.Kind.VOLUNTARY_MECHANISM,
                  "starts_on": dt.date(2020, 1, 1), "ends_on": dt.date(2030, 12, 31)},
    )
    return c


def pledge(state: str = "DE", places: int = 20, quotas: dict | None = None, **criteria) -> Pledge:
    p = Pledge.objects.create(cycle=cycle(), state_id=state, kind=Pledge.Kind.RELOCATION, places=places, **criteria)
    for code, n in (quotas or {}).items():
        PledgeQuota.objects.create(pledge=p, frontline_state_id=code, places=n)
    return p


def household(
    frontline: str = "GR",
    adults: int = 2,
    children: int = 0,
    nationality: str = "AF",
    registered_days_ago: int = 100,
    vulnerabilities: tuple[str, ...] = (),
    family_ties: tuple[str, ...] = (),
    status: str = CaseStatus.AVAILABLE,
    destination: str | None = None,
) -> Household:
    """A household with consenting, eligible members, as the workflow leaves it when available."""
    n = next(_numbers)
    today = timezone.localdate()
    size = adults + children
    if adults == 0:
        composition = "unaccompanied_minor"
    elif adults == 1:
        composition = "single_parent" if children else "single_man"
    else:
        composition = "family_with_children" if children else "couple"
    h = Household.objects.create(
        case_number=f"{frontline}-T-{n:06d}",
        frontline_state_id=frontline,
        registered_on=today - dt.timedelta(days=registered_days_ago),
        status=status,
        destination_state_id=destination,
        owner=euaa(),
        composition=composition,
        size=size,
    )
    members = []
    for i in range(size):
        adult = i < adults
        members.append(
            Applicant(
                household=h,
                frontline_state_id=frontline,
                given_name=f"Person{n}-{i}",
                family_name="Test",
                search_name=f"person{n}-{i} test",
                date_of_birth=today - dt.timedelta(days=365 * (30 if adult else 8)),
                sex=Sex.MALE if i % 2 == 0 else Sex.FEMALE,
                nationality_id=nationality,
                relationship_to_principal=Relationship.PRINCIPAL if i == 0 else (
                    Relationship.SPOUSE if adult else Relationship.CHILD),
            )
        )
    Applicant.objects.bulk_create(members)
    Consent.objects.bulk_create(
        [Consent(applicant=m, given=True, how_recorded=Consent.How.SIGNED_FORM) for m in members]
    )
    EligibilityDecision.objects.bulk_create([EligibilityDecision(applicant=m, eligible=True) for m in members])
    for code in vulnerabilities:
        VulnerabilityAssessment.objects.create(applicant=members[0], category_id=code)
    for code in family_ties:
        FamilyTie.objects.create(applicant=members[0], state_id=code, relationship="brother", status_there="resident")
    return h

"""Small builders for pledges tests: a cycle, pledges through the service, bare households."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from cases.models import CaseStatus, Household
from pledges import services
from pledges.models import SolidarityCycle
from relocation.models import Organisation

_numbers = itertools.count(1)


@pytest.fixture
def cycle(db):
    return SolidarityCycle.objects.create(
        code="vsm-2022", name="Voluntary Solidarity Mechanism 2022-2024",
        kind=SolidarityCycle.Kind.VOLUNTARY_MECHANISM,
        starts_on=dt.date(2022, 6, 22), ends_on=dt.date(2030, 12, 31),
    )


@pytest.fixture
def pool(db):
    return SolidarityCycle.objects.create(
        code="pool-2026", name="Annual Solidarity Pool 2026", kind=SolidarityCycle.Kind.ANNUAL_POOL,
        starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31), target_relocations=30_000,
        target_financial_eur=600_000_000, reference_year=2024,
    )


@pytest.fixture
def make_pledge(db, cycle):
    def make(state="DE", places=10, quotas=None, by=None, cycle_=None, effective_at=None, **fields):
        return services.pledge_record(
            cycle=cycle_ or cycle, state_code=state, kind="relocation", by=by,
            fields={"places": places, **fields}, quotas=quotas or {}, effective_at=effective_at,
        )

    return make


def build_household(*, size: int = 1, frontline: str = "GR", status: str = CaseStatus.AVAILABLE,
                    destination: str | None = None) -> Household:
    owner, _ = Organisation.objects.get_or_create(name="Test euaa", defaults={"kind": Organisation.Kind.EUAA})
    n = next(_numbers)
    return Household.objects.create(
        case_number=f"T-{frontline}-{n:06d}", frontline_state_id=frontline, registered_on=dt.date(2023, 1, 1),
        status=status, owner=owner, size=size, destination_state_id=destination,
    )


@pytest.fixture
def make_household(db):
    return build_household


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Figures cached by one test must not answer another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()

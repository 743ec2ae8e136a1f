"""Twenty transactions race for a pledge's last five places: exactly five win."""

import threading

import pytest
from django.db import close_old_connections, connection

from pledges import services
from pledges.models import Placement, Pledge, SolidarityCycle

from .conftest import build_household

pytestmark = pytest.mark.postgres


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_reservations_for_the_last_five_places_exactly_five_win(transactional_db):
    import datetime as dt

    cycle = SolidarityCycle.objects.create(code="race", name="Race", kind="voluntary_mechanism",
                                           starts_on=dt.date(2022, 1, 1), ends_on=dt.date(2030, 1, 1))
    pledge = services.pledge_record(cycle=cycle, state_code="DE", kind="relocation", by=None,
                                    fields={"places": 15}, quotas={"GR": 15})
    for _ in range(10):  # ten places already taken: five left
        services.placement_reserve(pledge=pledge, household=build_household(size=1), by=None)
    households = [build_household(size=1) for _ in range(20)]
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(household):
        try:
            barrier.wait(timeout=30)
            services.placement_reserve(pledge=Pledge.objects.get(pk=pledge.pk), household=household, by=None)
            result = "won"
        except services.CapacityExceeded:
            result = "full"
        except Exception as exc:  # noqa: BLE001  anything else is a failure reported below
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=race, args=(h,)) for h in households]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    assert sorted(outcomes) == ["full"] * 15 + ["won"] * 5
    assert Placement.objects.filter(pledge=pledge, released_at__isnull=True).count() == 15

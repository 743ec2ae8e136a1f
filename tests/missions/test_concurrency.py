"""Ten officers book the same interpreter at the same time for different households: one wins,
the others are told the interpreter is booked (the mission row lock serialises them)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from missions import services
from missions.models import InterviewSlot, SelectionMission

from .conftest import at

pytestmark = pytest.mark.postgres


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_interpreter_only_one_wins(transactional_db, people, make_proposed, mission,
                                                             interpreter):
    households = [make_proposed("DE") for _ in range(6)]
    officer = people["officer_de"]
    barrier = threading.Barrier(len(households))
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(household, n):
        try:
            barrier.wait(timeout=30)
            services.slot_schedule(
                mission=SelectionMission.objects.get(pk=mission.pk), household=household, by=officer,
                starts_at=at(1), ends_at=at(2), room=f"Room {n}", language="fa", interpreter=interpreter,
            )
            result = "booked"
        except ValidationError as exc:
            result = "refused" if "already booked" in " ".join(exc.messages) else f"error: {exc.messages}"
        except Exception as exc:  # noqa: BLE001  anything else is a failure reported below
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=book, args=(h, n)) for n, h in enumerate(households)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    assert sorted(outcomes) == ["booked"] + ["refused"] * (len(households) - 1)
    assert InterviewSlot.objects.filter(interpreter=interpreter).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_additions_to_a_movement_never_exceed_its_capacity(transactional_db, people, make_ready):
    from django.utils import timezone

    from missions import journey
    from missions.models import Movement

    households = [make_ready() for _ in range(4)]  # four persons each
    movement = journey.movement_create(
        by=people["iom_gr"], frontline_state="GR", receiving_state="DE", departs_on=timezone.localdate(),
        departure_airport="ATH", arrival_airport="FRA", carrier="Aegean", capacity=9,
    )
    barrier = threading.Barrier(len(households))
    outcomes: list[str] = []
    lock = threading.Lock()

    def add(household):
        try:
            barrier.wait(timeout=30)
            journey.movement_add_household(
                movement=Movement.objects.get(pk=movement.pk), household=household, by=people["iom_gr"]
            )
            result = "added"
        except ValidationError as exc:
            result = "refused" if "seats left" in " ".join(exc.messages) else f"error: {exc.messages}"
        except Exception as exc:  # noqa: BLE001  anything else is a failure reported below
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=add, args=(h,)) for h in households]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    assert sorted(outcomes) == ["added", "added", "refused", "refused"]
    assert sum(movement.households.values_list("persons", flat=True)) == 8

"""Two people acting on the same household at once: the row lock serves them one after the
other, so the second sees what the first did and the history stays consistent."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction

from cases import services
from cases.models import CaseStatus, Household, StatusChange
from cases.workflow import TransitionError
from relocation.models import AuditEvent

from . import builders

pytestmark = pytest.mark.postgres


def _race(*actions):
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(i, action):
        try:
            barrier.wait(timeout=10)
            results[i] = ("ok", action())
        except Exception as exc:  # noqa: BLE001 - the test reports what each thread met
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_caseworkers_moving_the_same_household_at_once(transactional_db, make_user):
    first, second = make_user("caseworker", "GR"), make_user("caseworker", "GR")
    household = builders.household("GR", by=first)
    services.information_session_record(household=household, held_on=dt.date(2024, 1, 20), language="fa", by=first)

    def move(user):
        return lambda: services.case_transition(
            household=Household.objects.get(pk=household.pk), to=CaseStatus.INFORMED, by=user, reason=user.username
        )

    results = _race(move(first), move(second))
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, TransitionError)
    assert "cannot go from 'Informed' to 'Informed'" in str(error)
    changes = list(StatusChange.objects.filter(household=household).values_list("from_status", "to_status"))
    assert changes == [("", CaseStatus.IDENTIFIED), (CaseStatus.IDENTIFIED, CaseStatus.INFORMED)]
    assert AuditEvent.objects.filter(action="household.transition", object_id=str(household.pk)).count() == 1


def test_members_added_at_once_are_all_counted(transactional_db, make_user):
    user = make_user("caseworker", "GR")
    household = builders.household("GR", by=user)

    def add(name):
        return lambda: services.add_member(
            household=Household.objects.get(pk=household.pk), by=user, **builders.member(name, dob=dt.date(2018, 1, 1),
                                                                                       relationship="child")
        )

    results = _race(*(add(f"Child{i}") for i in range(4)))
    assert [kind for kind, _ in results] == ["ok"] * 4
    household.refresh_from_db()
    assert household.size == household.members.count() == 8
    assert household.version >= 5


def test_the_row_is_locked_while_a_transition_runs(transactional_db, make_user):
    user = make_user("caseworker", "GR")
    household = builders.household("GR", by=user)
    locked = threading.Event()
    release = threading.Event()

    def hold():
        with transaction.atomic():
            Household.objects.select_for_update().get(pk=household.pk)
            locked.set()
            release.wait(timeout=10)
        connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=10)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")
        with pytest.raises(Exception, match="lock timeout"), transaction.atomic():
            services.case_transition(household=household, to=CaseStatus.CLOSED, by=user, reason="x")
        cursor.execute("SET lock_timeout = 0")
    release.set()
    holder.join(timeout=10)
    assert Household.objects.get(pk=household.pk).status == CaseStatus.IDENTIFIED

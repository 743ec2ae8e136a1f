"""The demo world's missions: built through the services, and idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from cases.models import CaseStatus
from missions import demo
from missions.models import Decision, Interview, InterviewSlot, SelectionMission
from pledges.models import Placement
from relocation.demo import DEMO_USERS, DemoWorld
from relocation.models import User


@pytest.mark.django_db
def test_seed_demo_builds_a_german_mission_in_progress_and_a_finished_french_one_once():
    call_command("seed_demo")
    de = SelectionMission.objects.get(pledging_state="DE", frontline_state="GR")
    fr = SelectionMission.objects.get(pledging_state="FR", frontline_state="GR")
    assert de.status == SelectionMission.Status.IN_PROGRESS and fr.status == SelectionMission.Status.FINISHED
    assert de.slots.count() >= 3 and Interview.objects.filter(slot__mission=de).exists()
    assert Decision.objects.filter(mission=de, outcome="accepted").exists()
    assert fr.decisions.count() == fr.slots.values("household").distinct().count()
    rejected = Decision.objects.filter(mission=fr, outcome="rejected").get()
    assert rejected.household.excluded_states.filter(pk="FR").exists()
    assert rejected.household.status == CaseStatus.AVAILABLE
    assert not Placement.objects.filter(household=rejected.household, released_at__isnull=True).exists()
    for decision in Decision.objects.filter(outcome="accepted"):
        assert Placement.objects.get(household=decision.household, released_at__isnull=True).stage == "accepted"
    counts = (SelectionMission.objects.count(), InterviewSlot.objects.count(), Decision.objects.count())
    # Again (only this floor: the lower floors test their own idempotence).
    world = DemoWorld(users={u.username: u for u in User.objects.filter(username__in=DEMO_USERS)})
    demo.seed(world)
    assert world.log[0] == "Selection missions: demo missions already there."
    assert (SelectionMission.objects.count(), InterviewSlot.objects.count(), Decision.objects.count()) == counts


@pytest.mark.django_db
def test_seed_demo_builds_transfers_at_every_step_and_the_movement_of_31_from_greece_once():
    import datetime as dt

    from django.utils import timezone

    from missions import manifest
    from missions.models import Movement, TransferFlag, TransferOfResponsibility

    call_command("seed_demo")
    movements = Movement.objects.filter(departs_on=dt.date(2024, 2, 5), frontline_state="GR")
    assert sum(sum(m.households.values_list("persons", flat=True)) for m in movements) == 31
    assert sum(len(manifest.as_csv(m).strip().splitlines()) - 1 for m in movements) == 31
    for movement in movements:
        assert movement.status == "arrived"
        for row in movement.households.select_related("household"):
            assert row.household.status == CaseStatus.RELOCATED
            assert row.household.destination_state_id == movement.receiving_state_id
    today = timezone.localdate()
    open_ = TransferOfResponsibility.objects.filter(closed_at__isnull=True)
    assert {"", "accepted", "refused", "tacit"} <= set(open_.values_list("reply", flat=True))
    assert open_.filter(reexamination_requested_on__isnull=False).exists()
    assert open_.exclude(extension="").exists()
    assert open_.filter(reply="", reply_due__gte=today, reply_due__lte=today + dt.timedelta(days=7)).exists()
    assert TransferFlag.objects.filter(kind="reply_soon").exists()
    planned = Movement.objects.get(status="planned")
    assert planned.households.get().household.status == CaseStatus.READY_FOR_DEPARTURE
    counts = (Movement.objects.count(), TransferOfResponsibility.objects.count(), TransferFlag.objects.count())
    world = DemoWorld(users={u.username: u for u in User.objects.filter(username__in=DEMO_USERS)})
    demo.seed(world)
    assert world.log[-1] == "Transfers and movements: already there."
    assert (Movement.objects.count(), TransferOfResponsibility.objects.count(), TransferFlag.objects.count()) == counts

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
    assert world.log == ["Selection missions: demo missions already there."]
    assert (SelectionMission.objects.count(), InterviewSlot.objects.count(), Decision.objects.count()) == counts

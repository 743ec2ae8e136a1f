"""The rules of the missions floor: planning, double bookings, interviews, decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from cases.models import CaseStatus, SecurityExclusion
from missions import services
from missions.models import Decision, Interview, InterviewSlot, SelectionMission
from pledges.models import Placement
from relocation.models import AuditEvent, Notification

from .conftest import at


def schedule(mission, household, by, start, hours=1.0, **kwargs):
    kwargs.setdefault("room", "Room 1")
    kwargs.setdefault("language", "fa")
    return services.slot_schedule(
        mission=mission, household=household, by=by, starts_at=at(start), ends_at=at(start + hours), **kwargs
    )


# -- missions -----------------------------------------------------------------------------------


def test_a_mission_ending_before_it_starts_is_refused_by_the_service_and_the_database(people):
    with pytest.raises(ValidationError):
        services.mission_create(
            by=people["officer_de"], pledging_state="DE", frontline_state="GR", site="Athens",
            starts_on=dt.date(2024, 2, 10), ends_on=dt.date(2024, 2, 5),
        )
    assert not SelectionMission.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        SelectionMission.objects.create(
            pledging_state_id="DE", frontline_state_id="GR", site="x",
            starts_on=dt.date(2024, 2, 10), ends_on=dt.date(2024, 2, 5),
        )


def test_an_officer_plans_missions_of_their_own_state_only(people):
    with pytest.raises(PermissionDenied):
        services.mission_create(
            by=people["officer_fr"], pledging_state="DE", frontline_state="GR", site="Athens",
            starts_on=dt.date(2024, 2, 5), ends_on=dt.date(2024, 2, 10),
        )


def test_the_team_is_officers_of_the_state_and_holds_the_guardian_grant(people, mission):
    from missions.selectors import team_of

    assert team_of(mission) == [people["officer_de"]]
    with pytest.raises(ValidationError, match="Only officers of DE"):
        services.mission_set_team(mission=mission, by=people["officer_de"], team=[people["officer_fr"]])
    assert people["officer_de"].has_perm("missions.change_selectionmission", mission)
    assert not people["officer_fr"].has_perm("missions.change_selectionmission", mission)


def test_an_officer_of_the_state_not_on_the_team_cannot_change_the_plan(people, mission, make_user, make_proposed):
    colleague = make_user("officer", "DE")
    household = make_proposed("DE")
    with pytest.raises(PermissionDenied):
        schedule(mission, household, colleague, 1)
    services.mission_set_team(mission=mission, by=people["officer_de"], team=[people["officer_de"], colleague])
    colleague = type(colleague).objects.get(pk=colleague.pk)  # guardian caches grants per user object
    assert schedule(mission, household, colleague, 1).pk


# -- the plan -----------------------------------------------------------------------------------


def test_scheduling_moves_the_household_to_interview_scheduled(people, mission, interpreter, make_proposed):
    household = make_proposed("DE")
    slot = schedule(mission, household, people["officer_de"], 1, interpreter=interpreter)
    household.refresh_from_db()
    assert household.status == CaseStatus.INTERVIEW_SCHEDULED
    assert AuditEvent.objects.filter(action="mission.slot_schedule", object_id=str(mission.pk)).exists()
    assert slot.starts_at.tzinfo is not None


def test_the_same_interpreter_cannot_be_in_two_overlapping_interviews(people, mission, interpreter, make_proposed):
    a, b = make_proposed("DE"), make_proposed("DE")
    schedule(mission, a, people["officer_de"], 1, interpreter=interpreter, room="Room 1")
    with pytest.raises(ValidationError, match="The interpreter Farid Ahmadi is already booked"):
        schedule(mission, b, people["officer_de"], 1.5, interpreter=interpreter, room="Room 2")
    # Back to back is fine.
    schedule(mission, b, people["officer_de"], 2, interpreter=interpreter, room="Room 2")
    assert InterviewSlot.objects.count() == 2


def test_the_same_room_cannot_be_booked_twice_at_once(people, mission, make_proposed):
    a, b = make_proposed("DE"), make_proposed("DE")
    schedule(mission, a, people["officer_de"], 1, room="Room 1")
    with pytest.raises(ValidationError, match="The room Room 1 is already booked"):
        schedule(mission, b, people["officer_de"], 0.5, room="Room 1")


def test_a_person_cannot_be_booked_twice_at_overlapping_times(people, mission, make_proposed):
    household = make_proposed("DE")
    ahmad, zahra = list(household.members.order_by("id"))[:2]
    schedule(mission, household, people["officer_de"], 1, applicant=ahmad, room="Room 1")
    with pytest.raises(ValidationError, match="Ahmad Haidari is already booked"):
        schedule(mission, household, people["officer_de"], 1.5, applicant=ahmad, room="Room 2")
    # The whole household includes Ahmad too.
    with pytest.raises(ValidationError, match="already booked"):
        schedule(mission, household, people["officer_de"], 1.5, room="Room 3")
    # Zahra may be interviewed separately at the same time, in another room.
    schedule(mission, household, people["officer_de"], 1, applicant=zahra, room="Room 2")


def test_a_slot_outside_the_mission_or_ending_before_it_starts_is_refused(people, mission, make_proposed):
    household = make_proposed("DE")
    with pytest.raises(ValidationError, match="The mission runs from"):
        schedule(mission, household, people["officer_de"], 24 * 10)
    with pytest.raises(ValidationError, match="ends before it starts"):
        services.slot_schedule(
            mission=mission, household=household, by=people["officer_de"], starts_at=at(2), ends_at=at(1),
            room="R", language="fa",
        )
    with pytest.raises(ValidationError, match="room or a video link"):
        schedule(mission, household, people["officer_de"], 1, room="")
    assert not InterviewSlot.objects.exists()


def test_an_interpreter_must_speak_the_language(people, mission, interpreter, make_proposed):
    with pytest.raises(ValidationError, match="does not interpret ar"):
        schedule(mission, make_proposed("DE"), people["officer_de"], 1, interpreter=interpreter, language="ar")


def test_only_households_proposed_to_the_mission_state_can_be_scheduled(people, mission, make_proposed):
    with pytest.raises(ValidationError, match="not waiting for a decision of DE"):
        schedule(mission, make_proposed("FR"), people["officer_de"], 1)


@pytest.mark.postgres
def test_the_database_refuses_overlapping_bookings_even_past_the_service(people, mission, interpreter, make_proposed):
    a, b = make_proposed("DE"), make_proposed("DE")
    slot = schedule(mission, a, people["officer_de"], 1, interpreter=interpreter, room="Room 1")
    base = {"mission": mission, "language_id": "fa", "starts_at": slot.starts_at + dt.timedelta(minutes=30),
            "ends_at": slot.ends_at + dt.timedelta(minutes=30)}
    for extra in ({"household": b, "interpreter": interpreter, "room": "Room 9"},
                  {"household": b, "room": "Room 1"},
                  {"household": a, "room": "Room 8"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            InterviewSlot.objects.create(**base, **extra)


# -- interviews ---------------------------------------------------------------------------------


def test_a_security_threat_excludes_the_person_for_good(people, mission, make_proposed):
    household = make_proposed("DE")
    ahmad = household.members.order_by("id").first()
    slot = schedule(mission, household, people["officer_de"], -2)
    interview = services.interview_record(
        slot=slot, by=people["officer_de"], outcome=Interview.Outcome.TOOK_PLACE, security_outcome="threat",
        notes="Confidential", threat_persons=[ahmad],
    )
    ahmad.refresh_from_db()
    assert ahmad.security_excluded
    assert SecurityExclusion.objects.filter(applicant=ahmad).exists()
    assert list(interview.threat_persons.all()) == [ahmad]
    # An excluded person's household cannot be accepted whole.
    with pytest.raises(ValidationError, match="excluded for security reasons"):
        services.decision_record(household=household, by=people["officer_de"], outcome="accepted")


def test_an_interview_needs_its_security_outcome_and_cannot_be_recorded_before_it_starts(people, mission, make_proposed):
    household = make_proposed("DE")
    past = schedule(mission, household, people["officer_de"], -2)
    with pytest.raises(ValidationError, match="security check outcome"):
        services.interview_record(slot=past, by=people["officer_de"], outcome="took_place")
    future = schedule(mission, make_proposed("DE"), people["officer_de"], 2, room="Room 2")
    with pytest.raises(ValidationError, match="not started yet"):
        services.interview_record(slot=future, by=people["officer_de"], outcome="no_show")
    with pytest.raises(ValidationError, match="Name the persons"):
        services.interview_record(slot=past, by=people["officer_de"], outcome="took_place", security_outcome="threat")
    assert not Interview.objects.exists()
    services.interview_record(slot=past, by=people["officer_de"], outcome="no_show")
    with pytest.raises(ValidationError, match="recorded already"):
        services.interview_record(slot=past, by=people["officer_de"], outcome="no_show")


# -- decisions ----------------------------------------------------------------------------------


def test_an_acceptance_advances_the_placement_and_notifies_the_coordinator(people, make_proposed):
    household = make_proposed("DE")
    decision = services.decision_record(household=household, by=people["officer_de"], outcome="accepted")
    household.refresh_from_db()
    assert household.status == CaseStatus.ACCEPTED
    placement = Placement.objects.get(household=household)
    assert placement.stage == Placement.Stage.ACCEPTED and placement.released_at is None
    assert decision.persons == 4
    note = Notification.objects.get(recipient=people["coordinator"])
    assert "DE decided on 1 household" in note.subject
    assert AuditEvent.objects.filter(
        action="mission.decision_accepted", object_id=str(household.pk), actor=people["officer_de"]
    ).exists()
    assert AuditEvent.objects.filter(action="household.transition", object_id=str(household.pk),
                                     details__to="accepted").exists()


def test_a_rejection_frees_the_places_excludes_the_state_and_returns_the_household_to_the_pool(
    people, pledges, make_proposed
):
    household = make_proposed("DE")
    decision = services.decision_record(
        household=household, by=people["officer_de"], outcome="rejected", reason="public_order",
    )
    household.refresh_from_db()
    assert household.status == CaseStatus.AVAILABLE
    assert household.destination_state_id is None
    assert list(household.excluded_states.values_list("pk", flat=True)) == ["DE"]
    placement = Placement.objects.get(household=household)
    assert placement.released_at is not None and "public order" in placement.release_reason.lower()
    assert decision.returned_to_pool
    assert AuditEvent.objects.filter(action="mission.decision_rejected", object_id=str(household.pk)).exists()
    # The places are free again: another household of four fits in the pledge's 40 places ...
    assert not Placement.objects.filter(pledge=pledges["DE"], released_at__isnull=True).exists()
    # ... and the workflow refuses to propose the household to DE again.
    from cases import services as case_services
    from cases.workflow import TransitionError

    with pytest.raises(TransitionError, match="rejected this household before"):
        case_services.case_transition(
            household=household, to=CaseStatus.PROPOSED, by=people["coordinator"], destination_state="DE"
        )
    # FR may still receive it.
    case_services.case_transition(household=household, to=CaseStatus.PROPOSED, by=people["coordinator"],
                                  destination_state="FR")


def test_a_rejected_household_is_excluded_from_the_state_in_the_matching_instance(people, make_proposed):
    inputs = pytest.importorskip("matching.inputs", reason="the matching floor builds no instance yet")
    household = make_proposed("DE")
    services.decision_record(household=household, by=people["officer_de"], outcome="rejected", reason="public_order")
    built = inputs.build_instance(frontline_states=["GR"])
    rows = [h for h in built.instance["households"] if h["id"] == inputs.household_key(household.pk)]
    assert len(rows) == 1
    assert "DE" in rows[0]["excluded_states"]


def test_a_rejection_needs_a_reason_from_the_list_and_other_needs_a_text(people, make_proposed):
    household = make_proposed("DE")
    for kwargs, message in (
        ({}, "Choose the reason"),
        ({"reason": "bad_mood"}, "Choose the reason"),
        ({"reason": "other"}, "Explain the reason"),
    ):
        with pytest.raises(ValidationError, match=message):
            services.decision_record(household=household, by=people["officer_de"], outcome="rejected", **kwargs)
    household.refresh_from_db()
    assert household.status == CaseStatus.PROPOSED
    assert not Decision.objects.exists()
    assert Placement.objects.get(household=household).released_at is None
    services.decision_record(household=household, by=people["officer_de"], outcome="rejected", reason="other",
                             reason_text="Documents inconsistent")


def test_a_decision_naming_part_of_the_household_is_refused(people, make_proposed):
    household = make_proposed("DE")
    some = list(household.members.order_by("id"))[:2]
    with pytest.raises(ValidationError, match="split the household first"):
        services.decision_record(household=household, by=people["officer_de"], outcome="accepted", members=some)
    assert services.decision_record(
        household=household, by=people["officer_de"], outcome="accepted", members=list(household.members.all())
    )


def test_only_an_officer_of_the_destination_state_decides(people, make_proposed):
    household = make_proposed("DE")
    for who in ("officer_fr", "coordinator", "caseworker_gr", "iom_gr", "commission"):
        with pytest.raises((PermissionDenied, ValidationError)):
            services.decision_record(household=household, by=people[who], outcome="accepted")
    household.refresh_from_db()
    assert household.status == CaseStatus.PROPOSED


def test_a_mission_decides_for_all_its_households_at_once_or_not_at_all(people, mission, make_proposed):
    a, b = make_proposed("DE"), make_proposed("DE")
    schedule(mission, a, people["officer_de"], 1, room="Room 1")
    schedule(mission, b, people["officer_de"], 1, room="Room 2")
    with pytest.raises(ValidationError, match=b.case_number):
        services.decisions_record_for_mission(mission=mission, by=people["officer_de"], items=[
            {"household": a, "outcome": "accepted"},
            {"household": b, "outcome": "rejected"},
        ])
    a.refresh_from_db()
    assert a.status == CaseStatus.INTERVIEW_SCHEDULED and not Decision.objects.exists()
    decisions = services.decisions_record_for_mission(mission=mission, by=people["officer_de"], items=[
        {"household": a, "outcome": "accepted"},
        {"household": b, "outcome": "rejected", "reason": "criteria_not_met"},
    ])
    assert [d.outcome for d in decisions] == ["accepted", "rejected"]
    assert Notification.objects.filter(recipient=people["coordinator"]).count() == 1
    assert Decision.objects.filter(mission=mission).count() == 2


def test_a_mission_moves_forward_only_and_a_closed_plan_takes_no_slots(people, mission, make_proposed):
    officer = people["officer_de"]
    with pytest.raises(ValidationError, match="cannot become finished"):
        services.mission_update(mission=mission, by=officer, status="finished")
    services.mission_update(mission=mission, by=officer, status="in_progress")
    services.mission_update(mission=mission, by=officer, status="finished")
    with pytest.raises(ValidationError, match="cannot become planned"):
        services.mission_update(mission=mission, by=officer, status="planned")
    mission.refresh_from_db()
    with pytest.raises(ValidationError, match="plan is closed"):
        schedule(mission, make_proposed("DE"), officer, 1)
    assert AuditEvent.objects.filter(action="mission.update", object_id=str(mission.pk)).count() == 2


def test_a_decision_taken_earlier_keeps_its_date_in_the_ledger_but_never_a_future_one(people, make_proposed):
    household = make_proposed("DE")
    earlier = at(-5)
    with pytest.raises(ValidationError, match="future"):
        services.decision_record(household=household, by=people["officer_de"], outcome="accepted", at=at(5))
    decision = services.decision_record(household=household, by=people["officer_de"], outcome="accepted", at=earlier)
    assert decision.decided_at == earlier
    assert Placement.objects.get(household=household).accepted_at == earlier


# -- a split for a decision on part of a household -------------------------------------------------


def test_euaa_splits_a_proposed_household_and_the_officer_accepts_the_rest(people, pledges, make_proposed):
    from cases.models import Household
    from pledges import selectors as pledge_selectors
    from pledges.models import Pledge

    household = make_proposed("DE")
    placement = Placement.objects.get(household=household)
    omid = household.members.get(given_name="Omid")
    zahra = household.members.get(given_name="Zahra")
    new = services.split_for_decision(
        household=household, members_to_split=[zahra, omid], by=people["caseworker_gr"], reason="DE takes two",
    )
    household.refresh_from_db()
    new.refresh_from_db()
    assert (household.status, household.destination_state_id, household.size) == (CaseStatus.PROPOSED, "DE", 2)
    assert (new.status, new.destination_state_id, new.size) == (CaseStatus.AVAILABLE, None, 2)
    placement.refresh_from_db()
    assert (placement.persons, placement.released_at) == (2, None)
    assert not Placement.objects.filter(household=new).exists()
    row = pledge_selectors.with_capacity(Pledge.objects.filter(pk=pledges["DE"].pk)).get()
    assert (row.pledged, row.proposed, row.remaining) == (40, 2, 38)
    for action, obj in (("household.split", household), ("household.split_from", new),
                        ("placement.resize", placement), ("mission.split_for_decision", household)):
        assert AuditEvent.objects.filter(action=action, object_id=str(obj.pk), actor=people["caseworker_gr"]).exists()
    # The officer decides on the remaining household as a whole.
    decision = services.decision_record(
        household=household, by=people["officer_de"], outcome="accepted", members=list(household.members.all()),
    )
    assert decision.persons == 2
    placement.refresh_from_db()
    assert (placement.stage, placement.persons) == (Placement.Stage.ACCEPTED, 2)
    assert Household.objects.get(pk=new.pk).status == CaseStatus.AVAILABLE


def test_only_euaa_of_the_frontline_state_splits_for_a_decision(people, make_proposed):
    from cases.models import Household

    household = make_proposed("DE")
    zahra = household.members.get(given_name="Zahra")
    for who in ("officer_de", "caseworker_it", "iom_gr", "commission", "dublin_gr"):
        with pytest.raises(PermissionDenied):
            services.split_for_decision(household=household, members_to_split=[zahra], by=people[who], reason="x")
    with pytest.raises(ValidationError, match="reason"):
        services.split_for_decision(household=household, members_to_split=[zahra], by=people["coordinator"], reason="")
    with pytest.raises(ValidationError, match="must stay"):
        services.split_for_decision(household=household, members_to_split=list(household.members.all()),
                                    by=people["coordinator"], reason="x")
    assert Household.objects.count() == 1
    assert Placement.objects.get(household=household).persons == 4
    assert not AuditEvent.objects.filter(action__in=["placement.resize", "household.split"]).exists()
    services.split_for_decision(household=household, members_to_split=[zahra], by=people["coordinator"], reason="x")
    assert Placement.objects.get(household=household).persons == 3


def test_a_household_not_waiting_for_a_decision_is_not_split_for_one(people, make_proposed):
    household = make_proposed("DE")
    services.decision_record(household=household, by=people["officer_de"], outcome="accepted")
    zahra = household.members.get(given_name="Zahra")
    with pytest.raises(ValidationError, match="not waiting"):
        services.split_for_decision(household=household, members_to_split=[zahra], by=people["coordinator"],
                                    reason="x")
    assert Placement.objects.get(household=household).persons == 4


def test_cancelling_the_last_interview_sends_the_household_back_to_proposed(people, mission, make_proposed):
    from cases.models import StatusChange
    from cases.services import case_transition
    from cases.workflow import TransitionError, allowed_transitions

    officer = people["officer_de"]
    household = make_proposed("DE")
    first, second = household.members.order_by("id")[:2]
    one = schedule(mission, household, officer, 5, applicant=first)
    two = schedule(mission, household, officer, 5, applicant=second, room="Room 2")
    household.refresh_from_db()
    assert household.status == CaseStatus.INTERVIEW_SCHEDULED
    # Only the plan moves it back: by hand the move is neither offered nor allowed.
    assert CaseStatus.PROPOSED not in allowed_transitions(household, officer)
    with pytest.raises(TransitionError, match="last interview is cancelled"):
        case_transition(household=household, to=CaseStatus.PROPOSED, by=officer, reason="by hand")

    with pytest.raises(ValidationError, match="Say why"):
        services.slot_cancel(slot=one, by=officer, reason=" ")
    assert InterviewSlot.objects.filter(household=household).count() == 2

    services.slot_cancel(slot=one, by=officer, reason="Interpreter ill")
    household.refresh_from_db()
    assert household.status == CaseStatus.INTERVIEW_SCHEDULED  # the other interview still stands
    services.slot_cancel(slot=two, by=officer, reason="Family moved to another site")
    household.refresh_from_db()
    assert household.status == CaseStatus.PROPOSED and household.destination_state_id == "DE"
    change = StatusChange.objects.filter(household=household).latest("id")
    assert (change.from_status, change.to_status) == (CaseStatus.INTERVIEW_SCHEDULED, CaseStatus.PROPOSED)
    assert change.reason == "Interview cancelled: Family moved to another site"
    assert AuditEvent.objects.filter(action="mission.slot_cancel").count() == 2
    assert AuditEvent.objects.filter(action="household.transition", object_id=str(household.pk),
                                     details__rule="cancel interview").count() == 1
    # Booked again, it is scheduled again.
    schedule(mission, household, officer, 6)
    household.refresh_from_db()
    assert household.status == CaseStatus.INTERVIEW_SCHEDULED


def test_an_interview_that_took_place_is_not_cancelled(people, mission, make_proposed):
    officer = people["officer_de"]
    household = make_proposed("DE")
    past = schedule(mission, household, officer, -2)
    services.interview_record(slot=past, by=officer, outcome="no_show")
    with pytest.raises(ValidationError, match="recorded already"):
        services.slot_cancel(slot=past, by=officer, reason="Too late")
    household.refresh_from_db()
    assert household.status == CaseStatus.INTERVIEW_SCHEDULED and InterviewSlot.objects.filter(pk=past.pk).exists()

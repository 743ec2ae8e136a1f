"""The transfer of responsibility: deadline arithmetic, replies, tacit acceptance, flags,
and the journey rules (readiness, capacity, departure, arrival)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import services as case_services
from cases.models import CaseStatus
from cases.workflow import TransitionError
from missions import deadlines, journey, transfers
from missions.deadlines import Extension, LegalBasis
from missions.models import MovementHousehold, TransferFlag, TransferOfResponsibility
from missions.tasks import transfer_deadlines
from pledges.models import Placement
from relocation.models import Notification

D = dt.date

# -- deadline arithmetic (time frozen by passing the dates in) ------------------------------


@pytest.mark.parametrize(
    ("basis", "sent", "due"),
    [
        (LegalBasis.DUBLIN_17_2, D(2024, 1, 10), D(2024, 3, 10)),
        (LegalBasis.DUBLIN_22, D(2023, 12, 31), D(2024, 2, 29)),  # clamped to the month's end (leap year)
        (LegalBasis.DUBLIN_22_URGENT, D(2024, 1, 31), D(2024, 2, 29)),
        (LegalBasis.AMMR_RELOCATION, D(2026, 7, 1), D(2026, 9, 1)),
    ],
)
def test_the_reply_is_due_after_the_period_of_the_legal_basis(basis, sent, due):
    assert deadlines.reply_due(basis, sent) == due


def test_every_legal_basis_has_a_reply_period():
    for basis in LegalBasis.values:
        assert deadlines.reply_due(basis, D(2024, 5, 1)) > D(2024, 5, 1)


def test_the_transfer_deadline_is_6_months_12_if_imprisoned_18_if_absconded():
    accepted = D(2024, 2, 5)
    assert deadlines.transfer_deadline(accepted) == D(2024, 8, 5)
    assert deadlines.transfer_deadline(accepted, Extension.IMPRISONMENT) == D(2025, 2, 5)
    assert deadlines.transfer_deadline(accepted, Extension.ABSCONDING) == D(2025, 8, 5)


def test_reexamination_is_requested_within_3_weeks_and_answered_within_2():
    assert deadlines.reexamination_request_due(D(2024, 2, 1)) == D(2024, 2, 22)
    assert deadlines.reexamination_reply_due(D(2024, 2, 22)) == D(2024, 3, 7)


def test_a_setting_overrides_a_period(settings):
    settings.TRANSFER_PERIODS = {LegalBasis.AMMR_RELOCATION: {"reply": {"weeks": 4}}}
    assert deadlines.reply_due(LegalBasis.AMMR_RELOCATION, D(2026, 7, 1)) == D(2026, 7, 29)
    assert deadlines.reply_due(LegalBasis.DUBLIN_22, D(2026, 7, 1)) == D(2026, 9, 1)


def test_at_risk_flags_within_the_warning_days_and_passed():
    today = D(2024, 2, 5)
    assert deadlines.at_risk(D(2024, 2, 4), today) == "passed"
    assert deadlines.at_risk(D(2024, 2, 12), today) == "soon"
    assert deadlines.at_risk(D(2024, 2, 13), today) == ""


# -- requests and replies ----------------------------------------------------------------------


def request(household, people, sent_on=None, basis="dublin_22"):
    return transfers.transfer_request(
        household=household, by=people["dublin_gr"], legal_basis=basis,
        sent_on=sent_on or timezone.localdate(), dublinet_reference="GR-DUB-1",
    )


def test_a_request_moves_the_household_to_transfer_pending_and_computes_the_reply_due(people, make_accepted):
    household = make_accepted()
    transfer = request(household, people, sent_on=timezone.localdate() - dt.timedelta(days=3))
    household.refresh_from_db()
    assert household.status == CaseStatus.TRANSFER_PENDING
    assert transfer.requesting_state_id == "GR" and transfer.requested_state_id == "DE"
    assert transfer.reply_due == deadlines.reply_due("dublin_22", transfer.sent_on)
    assert Notification.objects.filter(recipient=people["dublin_de"]).exists()


def test_only_the_frontline_dublin_unit_requests_and_only_once(people, make_accepted):
    household = make_accepted()
    for who in ("dublin_de", "officer_de", "iom_gr", "caseworker_gr"):
        with pytest.raises(PermissionDenied):
            request(household, {"dublin_gr": people[who]})
    request(household, people)
    with pytest.raises(ValidationError):
        request(household, people)
    assert TransferOfResponsibility.objects.count() == 1


def test_the_workflow_refuses_start_transfer_without_a_request(people, make_accepted):
    household = make_accepted()
    with pytest.raises(TransitionError, match="request from the Dublin Unit"):
        case_services.case_transition(household=household, to=CaseStatus.TRANSFER_PENDING, by=people["dublin_gr"])


def test_a_refusal_needs_reasons_and_only_the_requested_state_replies(people, make_accepted):
    transfer = request(make_accepted(), people)
    with pytest.raises(PermissionDenied):
        transfers.transfer_reply(transfer=transfer, by=people["dublin_gr"], accepted=True, replied_on=timezone.localdate())
    with pytest.raises(ValidationError, match="reasons"):
        transfers.transfer_reply(transfer=transfer, by=people["dublin_de"], accepted=False, replied_on=timezone.localdate())
    transfer.refresh_from_db()
    assert transfer.reply == ""
    transfers.transfer_reply(
        transfer=transfer, by=people["dublin_de"], accepted=False, replied_on=timezone.localdate(),
        refusal_reasons="Family ties in another state",
    )
    transfer.refresh_from_db()
    assert transfer.reply == "refused" and transfer.transfer_deadline is None


def test_an_acceptance_sets_the_transfer_deadline_and_an_extension_needs_a_reason(people, make_accepted):
    transfer = request(make_accepted(), people)
    today = timezone.localdate()
    transfer = transfers.transfer_reply(transfer=transfer, by=people["dublin_de"], accepted=True, replied_on=today)
    assert transfer.transfer_deadline == deadlines.transfer_deadline(today)
    with pytest.raises(ValidationError):
        transfers.transfer_extend_deadline(transfer=transfer, by=people["dublin_gr"], extension="absconding", reason="")
    transfer = transfers.transfer_extend_deadline(
        transfer=transfer, by=people["dublin_gr"], extension="absconding", reason="Left the centre on 3 March"
    )
    assert transfer.transfer_deadline == deadlines.transfer_deadline(today, Extension.ABSCONDING)


def test_reexamination_within_three_weeks_of_a_refusal(people, make_accepted):
    transfer = request(make_accepted(), people, sent_on=timezone.localdate() - dt.timedelta(days=40))
    refused_on = timezone.localdate() - dt.timedelta(days=30)
    transfers.transfer_reply(
        transfer=transfer, by=people["dublin_de"], accepted=False, replied_on=refused_on, refusal_reasons="No ties"
    )
    with pytest.raises(ValidationError, match="ended"):
        transfers.transfer_request_reexamination(transfer=transfer, by=people["dublin_gr"], requested_on=timezone.localdate())
    transfers.transfer_request_reexamination(
        transfer=transfer, by=people["dublin_gr"], requested_on=refused_on + dt.timedelta(days=20)
    )
    transfer.refresh_from_db()
    assert transfer.reexamination_reply_due == refused_on + dt.timedelta(days=34)
    transfers.transfer_reexamination_reply(transfer=transfer, by=people["dublin_de"], accepted=True, replied_on=timezone.localdate())
    transfer.refresh_from_db()
    assert transfer.responsibility_accepted and transfer.transfer_deadline


def test_the_database_refuses_inconsistent_replies_and_a_second_open_transfer(people, make_accepted):
    transfer = request(make_accepted(), people)
    with pytest.raises(IntegrityError), transaction.atomic():
        TransferOfResponsibility.objects.filter(pk=transfer.pk).update(reply="refused", replied_on=timezone.localdate())
    with pytest.raises(IntegrityError), transaction.atomic():
        TransferOfResponsibility.objects.filter(pk=transfer.pk).update(reply="accepted", replied_on=timezone.localdate())
    with pytest.raises(IntegrityError), transaction.atomic():
        TransferOfResponsibility.objects.create(
            household=transfer.household, requesting_state_id="GR", requested_state_id="DE", legal_basis="dublin_22",
            sent_on=transfer.sent_on, reply_due=transfer.reply_due,
        )


# -- the daily job -------------------------------------------------------------------------------


def test_tacit_acceptance_is_recorded_once_however_often_the_job_runs(people, make_accepted):
    sent = timezone.localdate() - dt.timedelta(days=70)
    transfer = request(make_accepted(), people, sent_on=sent)
    assert transfer.reply_due < timezone.localdate()
    first = transfer_deadlines()
    notes = Notification.objects.count()
    again = transfer_deadlines()
    transfer.refresh_from_db()
    assert first["tacit_acceptances"] == 1 and again == {"tacit_acceptances": 0, "refusals_closed": 0, "flags": 0}
    assert transfer.reply == "tacit"
    assert transfer.replied_on == transfer.reply_due + dt.timedelta(days=1)
    assert transfer.transfer_deadline == deadlines.transfer_deadline(transfer.replied_on)
    assert Notification.objects.count() == notes
    assert transfers.record_tacit_acceptances() == []


def _refuse(transfer, people, days_ago):
    return transfers.transfer_reply(
        transfer=transfer, by=people["dublin_de"], accepted=False,
        replied_on=timezone.localdate() - dt.timedelta(days=days_ago), refusal_reasons="No ties to Germany",
    )


def _sent_back(household, state="DE"):
    """The household after a final refusal: back in the pool, never proposed to ``state`` again,
    its places given back."""
    household.refresh_from_db()
    assert household.status == CaseStatus.AVAILABLE and household.destination_state_id is None
    assert household.excluded_states.filter(pk=state).exists()
    assert Placement.objects.get(household=household).released_at is not None
    changes = list(household.status_changes.order_by("-id").values_list("from_status", "to_status")[:2])
    assert changes == [(CaseStatus.REJECTED, CaseStatus.AVAILABLE), (CaseStatus.TRANSFER_PENDING, CaseStatus.REJECTED)]


def test_a_refusal_upheld_on_re_examination_sends_the_household_back(people, make_accepted):
    household = make_accepted()
    transfer = _refuse(request(household, people, sent_on=timezone.localdate() - dt.timedelta(days=20)), people, 10)
    # Refused but still open: the household waits while a re-examination may be asked.
    assert transfers.close_unused_refusals() == []
    household.refresh_from_db()
    assert household.status == CaseStatus.TRANSFER_PENDING
    with pytest.raises(TransitionError, match="refused for good"):  # never by hand
        case_services.case_transition(household=household, to=CaseStatus.REJECTED, by=people["dublin_de"], reason="x")
    transfers.transfer_request_reexamination(transfer=transfer, by=people["dublin_gr"], requested_on=timezone.localdate())
    transfers.transfer_reexamination_reply(transfer=transfer, by=people["dublin_de"], accepted=False,
                                           replied_on=timezone.localdate())
    transfer.refresh_from_db()
    assert transfer.closed_at is not None
    _sent_back(household)
    assert household.status_changes.filter(reason__contains="refused by DE on re-examination").exists()
    from relocation.models import AuditEvent
    event = AuditEvent.objects.get(action="transfer.refused_for_good", object_id=str(transfer.pk))
    assert event.details["returned_to_pool"] is True


def test_a_refusal_left_without_re_examination_is_closed_by_the_daily_job_once(people, make_accepted):
    household = make_accepted()
    transfer = _refuse(request(household, people, sent_on=timezone.localdate() - dt.timedelta(days=40)), people, 22)
    waiting = make_accepted()
    _refuse(request(waiting, people, sent_on=timezone.localdate() - dt.timedelta(days=30)), people, 21)  # last day today
    notes = Notification.objects.count()
    first = transfer_deadlines()
    again = transfer_deadlines()
    assert first["refusals_closed"] == 1 and again["refusals_closed"] == 0
    transfer.refresh_from_db()
    assert transfer.closed_at is not None
    _sent_back(household)
    assert Notification.objects.count() == notes + 2  # the Dublin Units of GR and DE, once
    waiting.refresh_from_db()
    assert waiting.status == CaseStatus.TRANSFER_PENDING


def test_a_household_no_longer_ready_for_matching_stays_rejected_for_euaa(people, make_accepted):
    household = make_accepted()
    transfer = _refuse(request(household, people, sent_on=timezone.localdate() - dt.timedelta(days=40)), people, 25)
    person = household.members.order_by("id").first()
    case_services.security_exclude(applicant=person, by=people["coordinator"], reason="Threat found in a database check")
    transfers.close_unused_refusals()
    household.refresh_from_db()
    transfer.refresh_from_db()
    assert transfer.closed_at is not None and household.status == CaseStatus.REJECTED
    assert Placement.objects.get(household=household).released_at is not None


def test_deadlines_within_seven_days_are_flagged_and_notified_once(people, make_accepted):
    today = D(2024, 2, 5)
    soon = request(make_accepted(), people, sent_on=timezone.localdate())
    TransferOfResponsibility.objects.filter(pk=soon.pk).update(sent_on=D(2023, 12, 8), reply_due=D(2024, 2, 8))
    made = transfers.flag_deadlines(today=today)
    assert len(made) == 1
    flag = TransferFlag.objects.get()
    assert flag.kind == "reply_soon" and flag.due == D(2024, 2, 8)
    count = Notification.objects.filter(subject__contains="Reply due").count()
    assert count == 2  # the Dublin Units of GR and DE
    assert transfers.flag_deadlines(today=today) == []
    assert transfers.flag_deadlines(today=D(2024, 2, 6)) == []
    assert Notification.objects.filter(subject__contains="Reply due").count() == count


# -- the journey -------------------------------------------------------------------------------------


def movement(people, capacity=31, **extra):
    return journey.movement_create(
        by=people["iom_gr"], frontline_state="GR", receiving_state="DE", departs_on=timezone.localdate(),
        departure_airport="ath", arrival_airport="FRA", carrier="Aegean", flight_number="A3 820",
        escorts=2, capacity=capacity, **extra,
    )


def test_a_household_not_ready_is_refused_by_the_movement(people, make_responsible):
    household = make_responsible()
    m = movement(people)
    with pytest.raises(ValidationError, match="not ready to travel") as error:
        journey.movement_add_household(movement=m, household=household, by=people["iom_gr"])
    assert "travel document issued" in str(error.value)
    assert not MovementHousehold.objects.exists()
    household.refresh_from_db()
    assert household.status == CaseStatus.TRANSFER_PENDING


def test_iom_work_waits_for_the_acceptance_of_responsibility(people, make_accepted):
    household = make_accepted()
    request(household, people)
    with pytest.raises(ValidationError, match="accepted responsibility"):
        journey.fitness_check(applicant=household.members.first(), by=people["iom_gr"], checked_on=timezone.localdate(), fit=True)


def test_the_capacity_is_never_exceeded(people, make_ready):
    household = make_ready()
    m = movement(people, capacity=3)
    with pytest.raises(ValidationError, match="seats left"):
        journey.movement_add_household(movement=m, household=household, by=people["iom_gr"])


def test_a_partial_no_show_is_refused_and_the_whole_journey_relocates_the_household(people, make_ready):
    household = make_ready()
    m = movement(people)
    row = journey.movement_add_household(movement=m, household=household, by=people["iom_gr"])
    household.refresh_from_db()
    assert household.status == CaseStatus.READY_FOR_DEPARTURE
    ids = list(household.members.values_list("pk", flat=True))
    with pytest.raises(ValidationError, match="travels whole"):
        journey.departure_confirm(row=row, by=people["iom_gr"], boarded={i: i != ids[0] for i in ids})
    with pytest.raises(TransitionError):
        case_services.case_transition(household=household, to=CaseStatus.DEPARTED, by=people["iom_gr"])
    journey.departure_confirm(row=row, by=people["iom_gr"], boarded=dict.fromkeys(ids, True))
    household.refresh_from_db()
    assert household.status == CaseStatus.DEPARTED
    with pytest.raises(PermissionDenied):
        journey.arrival_confirm(row=row, by=people["officer_fr"], arrived=True)
    journey.arrival_confirm(row=row, by=people["officer_de"], arrived=True)
    household.refresh_from_db()
    assert household.status == CaseStatus.RELOCATED
    placement = Placement.objects.get(household=household)
    assert placement.stage == "relocated" and placement.relocated_at
    assert TransferOfResponsibility.objects.get(household=household).closed_at is not None
    m.refresh_from_db()
    assert m.status == "arrived"


def test_a_whole_household_no_show_stays_and_may_be_booked_again(people, make_ready):
    household = make_ready()
    m = movement(people)
    row = journey.movement_add_household(movement=m, household=household, by=people["iom_gr"])
    ids = household.members.values_list("pk", flat=True)
    journey.departure_confirm(row=row, by=people["iom_gr"], boarded=dict.fromkeys(ids, False))
    household.refresh_from_db()
    assert household.status == CaseStatus.READY_FOR_DEPARTURE
    journey.movement_add_household(movement=movement(people), household=household, by=people["iom_gr"])


def test_the_daily_job_is_on_the_beat_schedule_under_its_explicit_name(settings):
    from relocation.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["missions-transfer-deadlines"]
    assert entry["task"] == "missions.transfer_deadlines" == transfer_deadlines.name
    assert "matching-fail-stale-runs" in settings.CELERY_BEAT_SCHEDULE
    assert app.tasks["missions.transfer_deadlines"] is not None


def test_journey_records_close_once_the_household_departed(people, make_ready):
    household = make_ready()
    m = movement(people)
    row = journey.movement_add_household(movement=m, household=household, by=people["iom_gr"])
    journey.departure_confirm(row=row, by=people["iom_gr"], boarded=dict.fromkeys(household.members.values_list("pk", flat=True), True))
    with pytest.raises(ValidationError, match="has left"):
        journey.fitness_check(applicant=household.members.first(), by=people["iom_gr"], checked_on=timezone.localdate(), fit=False)


def test_the_fitness_check_must_be_recent_for_the_departure_date(people, make_ready):
    household = make_ready()
    later = movement(people)
    later.departs_on = timezone.localdate() + dt.timedelta(days=deadlines.fitness_check_days() + 1)
    later.save(update_fields=["departs_on"])
    with pytest.raises(ValidationError, match="within 3 days before departure"):
        journey.movement_add_household(movement=later, household=household, by=people["iom_gr"])
    journey.movement_add_household(movement=movement(people), household=household, by=people["iom_gr"])


def test_a_no_show_on_arrival_is_reported_to_euaa_and_the_frontline_dublin_unit(people, make_ready):
    household = make_ready()
    m = movement(people)
    row = journey.movement_add_household(movement=m, household=household, by=people["iom_gr"])
    journey.departure_confirm(row=row, by=people["iom_gr"], boarded=dict.fromkeys(household.members.values_list("pk", flat=True), True))
    journey.arrival_confirm(row=row, by=people["officer_de"], arrived=False)
    household.refresh_from_db()
    assert household.status == CaseStatus.DEPARTED
    told = set(Notification.objects.filter(subject__startswith="No-show on arrival").values_list("recipient", flat=True))
    assert told == {people["coordinator"].pk, people["dublin_gr"].pk}
    assert Placement.objects.get(household=household).stage == "in_transfer"

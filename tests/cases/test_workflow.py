import datetime as dt

import pytest

from cases import services, workflow
from cases.models import CaseStatus, Composition, Household, StatusChange
from cases.workflow import TransitionError, allowed_transitions
from relocation.models import AuditEvent

from . import builders

S = CaseStatus
pytestmark = pytest.mark.usefixtures("cases_rules_only")


@pytest.fixture
def cw(people):
    return people["caseworker_gr"]


@pytest.fixture
def h(cw):
    return builders.household("GR", by=cw)


def test_a_new_household_is_identified_with_its_composition_and_size(h):
    assert h.status == S.IDENTIFIED
    assert h.case_number.startswith("GR-2024-")
    assert (h.composition, h.size) == (Composition.FAMILY_WITH_CHILDREN, 4)
    assert StatusChange.objects.get(household=h).to_status == S.IDENTIFIED


def test_informed_requires_an_information_session(h, cw):
    with pytest.raises(TransitionError, match="information session"):
        services.case_transition(household=h, to=S.INFORMED, by=cw)
    builders.informed(h, cw)
    assert Household.objects.get(pk=h.pk).status == S.INFORMED


def test_a_status_cannot_be_skipped(h, cw):
    with pytest.raises(TransitionError, match="cannot go from 'Identified' to 'Accepted'"):
        services.case_transition(household=h, to=S.ACCEPTED, by=cw)


def test_eligible_requires_an_eligible_decision_for_every_adult(h, cw):
    builders.informed(h, cw)
    services.case_transition(household=h, to=S.ASSESSED, by=cw)
    ahmad = h.members.get(given_name="Ahmad")
    services.eligibility_decide(applicant=ahmad, eligible=True, by=cw)
    with pytest.raises(TransitionError, match="missing: Zahra Haidari"):
        services.case_transition(household=h, to=S.ELIGIBLE, by=cw)


def test_available_requires_consent_from_every_adult(h, cw):
    builders.eligible(h, cw)
    services.consent_record(applicant=h.members.get(given_name="Ahmad"), given=True, how_recorded="signed_form", by=cw)
    with pytest.raises(
        TransitionError, match="Available for matching requires consent from every adult member; missing: Zahra"
    ):
        services.case_transition(household=h, to=S.AVAILABLE, by=cw)


def test_a_withdrawn_consent_counts_as_missing(h, cw):
    builders.eligible(h, cw)
    for person in h.members.all():
        if person.is_adult():
            services.consent_record(applicant=person, given=True, how_recorded="signed_form", by=cw)
    zahra = h.members.get(given_name="Zahra")
    services.consent_record(applicant=zahra, given=False, how_recorded="signed_form", by=cw)
    with pytest.raises(TransitionError, match="missing: Zahra"):
        services.case_transition(household=h, to=S.AVAILABLE, by=cw)


def test_a_security_excluded_member_keeps_the_household_from_matching(h, cw):
    builders.eligible(h, cw)
    for person in h.members.all():
        if person.is_adult():
            services.consent_record(applicant=person, given=True, how_recorded="signed_form", by=cw)
    services.security_exclude(applicant=h.members.get(given_name="Ahmad"), reason="Art. 67(2) check", by=cw)
    with pytest.raises(TransitionError, match="security reasons"):
        services.case_transition(household=h, to=S.AVAILABLE, by=cw)


def test_only_the_coordinator_proposes_and_only_to_a_pledging_state(h, cw, people):
    builders.available(h, cw)
    with pytest.raises(TransitionError, match="done by"):
        services.case_transition(household=h, to=S.PROPOSED, by=cw, destination_state="DE")
    with pytest.raises(TransitionError, match="requires: destination_state"):
        services.case_transition(household=h, to=S.PROPOSED, by=people["coordinator"])
    with pytest.raises(TransitionError, match="pledging EU\\+ state"):
        services.case_transition(household=h, to=S.PROPOSED, by=people["coordinator"], destination_state="IT")
    services.case_transition(household=h, to=S.PROPOSED, by=people["coordinator"], destination_state="DE")
    h.refresh_from_db()
    assert (h.status, h.destination_state_id) == (S.PROPOSED, "DE")


def test_only_the_officer_of_the_destination_state_decides(h, cw, people):
    builders.proposed(h, "DE", cw, people["coordinator"])
    with pytest.raises(TransitionError, match="done by"):
        services.case_transition(household=h, to=S.ACCEPTED, by=people["officer_fr"])
    with pytest.raises(TransitionError, match="done by"):
        services.case_transition(household=h, to=S.ACCEPTED, by=cw)
    services.case_transition(household=h, to=S.INTERVIEW_SCHEDULED, by=people["officer_de"])
    services.case_transition(household=h, to=S.ACCEPTED, by=people["officer_de"])
    assert Household.objects.get(pk=h.pk).status == S.ACCEPTED


def test_a_rejection_needs_a_reason_and_the_state_never_sees_the_household_again(h, cw, people):
    builders.proposed(h, "DE", cw, people["coordinator"])
    with pytest.raises(TransitionError, match="requires a reason"):
        services.case_transition(household=h, to=S.REJECTED, by=people["officer_de"])
    services.case_transition(household=h, to=S.REJECTED, by=people["officer_de"], reason="Security check")
    h.refresh_from_db()
    assert h.destination_state_id is None
    assert list(h.excluded_states.values_list("code", flat=True)) == ["DE"]
    assert StatusChange.objects.filter(household=h, to_status=S.REJECTED).get().destination_state_id == "DE"
    services.case_transition(household=h, to=S.AVAILABLE, by=cw)
    with pytest.raises(TransitionError, match="never proposed there again"):
        services.case_transition(household=h, to=S.PROPOSED, by=people["coordinator"], destination_state="DE")
    services.case_transition(household=h, to=S.PROPOSED, by=people["coordinator"], destination_state="FR")


def test_the_whole_journey_to_arrival_with_each_role(h, cw, people):
    builders.proposed(h, "DE", cw, people["coordinator"])
    services.case_transition(household=h, to=S.ACCEPTED, by=people["officer_de"])
    with pytest.raises(TransitionError):
        services.case_transition(household=h, to=S.TRANSFER_PENDING, by=people["iom_gr"])
    services.case_transition(household=h, to=S.TRANSFER_PENDING, by=people["dublin_gr"])
    with pytest.raises(TransitionError):
        services.case_transition(household=h, to=S.READY_FOR_DEPARTURE, by=people["dublin_de"])
    services.case_transition(household=h, to=S.READY_FOR_DEPARTURE, by=people["iom_gr"])
    services.case_transition(household=h, to=S.DEPARTED, by=people["iom_gr"])
    with pytest.raises(TransitionError):
        services.case_transition(household=h, to=S.RELOCATED, by=people["officer_fr"])
    services.case_transition(household=h, to=S.RELOCATED, by=people["officer_de"], reason="Arrived in Frankfurt")
    history = list(StatusChange.objects.filter(household=h).values_list("to_status", flat=True))
    assert history == [S.IDENTIFIED, S.INFORMED, S.ASSESSED, S.ELIGIBLE, S.AVAILABLE, S.PROPOSED, S.ACCEPTED,
                       S.TRANSFER_PENDING, S.READY_FOR_DEPARTURE, S.DEPARTED, S.RELOCATED]
    transitions = AuditEvent.objects.filter(action="household.transition", object_id=str(h.pk))
    assert transitions.count() == 10
    assert transitions.filter(actor=people["officer_de"], details__to=S.RELOCATED).exists()


def test_a_caseworker_acts_only_in_their_frontline_state(h, people):
    with pytest.raises(TransitionError, match="done by"):
        services.case_transition(household=h, to=S.CLOSED, by=people["caseworker_it"], reason="x")
    with pytest.raises(TransitionError, match="done by"):
        services.case_transition(household=h, to=S.CLOSED, by=people["commission"], reason="x")


def test_exits_state_their_reason_and_their_ground(h, cw):
    with pytest.raises(TransitionError, match="requires a reason"):
        services.case_transition(household=h, to=S.ABSCONDED, by=cw)
    with pytest.raises(TransitionError, match="withdrawal of consent"):
        services.case_transition(household=h, to=S.CONSENT_WITHDRAWN, by=cw, reason="Said so")
    with pytest.raises(TransitionError, match="security exclusion"):
        services.case_transition(household=h, to=S.EXCLUDED, by=cw, reason="x")
    with pytest.raises(TransitionError, match="not eligible"):
        services.case_transition(household=h, to=S.INELIGIBLE, by=cw, reason="x")
    ahmad = h.members.get(given_name="Ahmad")
    services.eligibility_decide(applicant=ahmad, eligible=False, reason="Recognition rate below threshold", by=cw)
    services.case_transition(household=h, to=S.INELIGIBLE, by=cw, reason="Nationality not eligible")
    services.case_transition(household=h, to=S.CLOSED, by=cw, reason="File closed")
    with pytest.raises(TransitionError):
        services.case_transition(household=h, to=S.INFORMED, by=cw)


def test_absconded_and_consent_withdrawn_are_recorded(h, cw, people):
    services.consent_record(applicant=h.members.get(given_name="Zahra"), given=False, how_recorded="signed_form", by=cw)
    services.case_transition(household=h, to=S.CONSENT_WITHDRAWN, by=cw, reason="Wants to stay in Greece")
    other = builders.household("GR", by=cw)
    services.case_transition(household=other, to=S.ABSCONDED, by=people["coordinator"], reason="Left the site")
    assert Household.objects.get(pk=other.pk).status == S.ABSCONDED


def test_the_pages_are_offered_only_what_the_user_may_do_now(h, cw, people):
    assert allowed_transitions(h, cw) == [S.ABSCONDED, S.CLOSED]
    services.information_session_record(household=h, held_on=dt.date(2024, 1, 20), language="fa", by=cw)
    assert S.INFORMED in allowed_transitions(h, cw)
    assert allowed_transitions(h, people["officer_de"]) == []
    assert allowed_transitions(h, people["caseworker_it"]) == []


def test_later_floors_add_transitions_by_registration(h, cw):
    blocked = workflow.register_transition(
        sources=[S.IDENTIFIED], target=S.DEPARTED, roles=["caseworker"], name="test rule",
        requirements=[lambda household, ctx: "Test rule: not before the mission"],
    )
    try:
        with pytest.raises(TransitionError, match="Test rule: not before the mission"):
            services.case_transition(household=h, to=S.DEPARTED, by=cw)
        assert S.DEPARTED not in allowed_transitions(h, cw)
    finally:
        workflow._REGISTRY.remove(blocked)
    with pytest.raises(TransitionError, match="cannot go from"):
        services.case_transition(household=h, to=S.DEPARTED, by=cw)


def test_a_stale_form_is_refused(h, cw):
    services.information_session_record(household=h, held_on=dt.date(2024, 1, 20), language="fa", by=cw)
    h.refresh_from_db()
    stale = h.version - 1
    with pytest.raises(Exception, match="changed this household"):
        services.case_transition(household=h, to=S.INFORMED, by=cw, expected_version=stale)
    services.case_transition(household=h, to=S.INFORMED, by=cw, expected_version=h.version)


def test_a_household_without_members_cannot_move_on(cw):
    empty = builders.household("GR", by=cw, members=[])
    services.information_session_record(household=empty, held_on=dt.date(2024, 1, 20), language="fa", by=cw)
    with pytest.raises(TransitionError, match="without members"):
        services.case_transition(household=empty, to=S.INFORMED, by=cw)
    assert empty.composition == "" and empty.size == 0


def test_unaccompanied_minors_decide_for_themselves(cw):
    minors = builders.household("GR", by=cw, members=[builders.member("Sami", dob=builders.CHILD)])
    builders.informed(minors, cw)
    services.case_transition(household=minors, to=S.ASSESSED, by=cw)
    with pytest.raises(TransitionError, match="missing: Sami"):
        services.case_transition(household=minors, to=S.ELIGIBLE, by=cw)
    # No adult in the household: the minor's own decision and consent (through a guardian) count.
    services.eligibility_decide(applicant=minors.members.get(), eligible=True, by=cw)
    services.case_transition(household=minors, to=S.ELIGIBLE, by=cw)
    with pytest.raises(TransitionError, match="missing: Sami"):
        services.case_transition(household=minors, to=S.AVAILABLE, by=cw)
    services.consent_record(applicant=minors.members.get(), given=True, how_recorded="guardian", by=cw)
    services.case_transition(household=minors, to=S.AVAILABLE, by=cw)


def test_a_security_exclusion_leads_to_the_exit_excluded_and_blocks_departure(h, cw, people):
    builders.proposed(h, "DE", cw, people["coordinator"])
    services.case_transition(household=h, to=S.ACCEPTED, by=people["officer_de"])
    services.case_transition(household=h, to=S.TRANSFER_PENDING, by=people["dublin_de"])
    services.security_exclude(applicant=h.members.get(given_name="Ahmad"), reason="Found before departure", by=cw)
    with pytest.raises(TransitionError, match="security reasons"):
        services.case_transition(household=h, to=S.READY_FOR_DEPARTURE, by=people["iom_gr"])
    services.case_transition(household=h, to=S.EXCLUDED, by=cw, reason="Security exclusion of the principal")
    h.refresh_from_db()
    assert h.status == S.EXCLUDED and h.destination_state_id == "DE"


def test_eligibility_must_still_hold_when_returning_to_the_pool(h, cw, people):
    builders.proposed(h, "DE", cw, people["coordinator"])
    services.case_transition(household=h, to=S.REJECTED, by=people["officer_de"], reason="Criteria")
    services.eligibility_decide(applicant=h.members.get(given_name="Zahra"), eligible=False, reason="Re-examined", by=cw)
    with pytest.raises(TransitionError, match="not eligible or undecided: Zahra"):
        services.case_transition(household=h, to=S.AVAILABLE, by=cw)

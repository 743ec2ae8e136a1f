import datetime as dt
import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from cases import selectors, services
from cases.models import (
    Applicant,
    CaseStatus,
    Composition,
    Document,
    Household,
    Relationship,
    Sex,
    derive_composition,
    search_key,
)
from relocation.models import AuditEvent

from . import builders

S = CaseStatus
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def cw(people):
    return people["caseworker_gr"]


@pytest.fixture
def h(cw):
    return builders.household("GR", by=cw)


class P:
    def __init__(self, dob, sex=Sex.MALE, rel=Relationship.PRINCIPAL):
        self.date_of_birth, self.sex, self.relationship_to_principal = dob, sex, rel


@pytest.mark.parametrize(
    ("people_in_household", "expected"),
    [
        ([P(builders.ADULT)], Composition.SINGLE_MAN),
        ([P(builders.ADULT, Sex.FEMALE)], Composition.SINGLE_WOMAN),
        ([P(builders.ADULT), P(builders.ADULT, Sex.FEMALE, Relationship.SPOUSE)], Composition.COUPLE),
        ([P(builders.ADULT, Sex.FEMALE), P(builders.CHILD, rel=Relationship.CHILD)], Composition.SINGLE_PARENT),
        ([P(builders.ADULT), P(builders.ADULT, Sex.FEMALE), P(builders.CHILD)], Composition.FAMILY_WITH_CHILDREN),
        ([P(builders.ADULT), P(dt.date(1960, 1, 1), rel=Relationship.PARENT)], Composition.FAMILY_WITH_CHILDREN),
        ([P(builders.CHILD), P(builders.CHILD, rel=Relationship.SIBLING)], Composition.UNACCOMPANIED_MINOR),
        ([], ""),
    ],
)
def test_composition_is_derived_from_the_members(people_in_household, expected):
    assert derive_composition(people_in_household, on=dt.date(2024, 2, 9)) == expected


def test_the_search_key_is_lowercase_latin_without_accents():
    assert search_key(" Héritier ", "MUKENDI") == "heritier mukendi"
    assert search_key("Bénédicte", "") == "benedicte"


def test_the_search_key_drops_the_marks_of_other_scripts_too():
    # Arabic short vowels and the hamza on the alef, and the tatweel that only stretches a word,
    # are left out when names are typed; Greek accents and capitals likewise.
    assert search_key("أَحْمَد", "حـيدري") == "احمد حيدري"
    assert search_key("ΠΑΠΑΔΌΠΟΥΛΟΣ") == search_key("παπαδοπουλος") == "παπαδοπουλοσ"  # casefolded ς
    assert search_key("ዮናስ") == "ዮናስ"


def test_the_own_script_name_is_kept_searchable_when_members_change(h, cw):
    sara = services.add_member(household=h, by=cw, **builders.member(
        "Sara", given_name_native="سارا", family_name_native="حَیدری", sex=Sex.FEMALE,
        relationship=Relationship.CHILD, dob=dt.date(2020, 1, 1)))
    assert (sara.search_name, sara.search_name_native) == ("sara haidari", "سارا حیدری")
    sara = services.applicant_update(applicant=sara, by=cw, family_name_native="رحیمی")
    sara.refresh_from_db()
    assert sara.search_name_native == "سارا رحیمی"


def test_adding_a_member_recomputes_and_sends_an_available_household_back_to_assessment(h, cw):
    builders.available(h, cw)
    baby = services.add_member(household=h, by=cw, **builders.member("Sara", dob=dt.date(2023, 12, 1),
                                                                     sex=Sex.FEMALE, relationship=Relationship.CHILD))
    h.refresh_from_db()
    assert (h.size, h.status) == (5, S.ASSESSED)
    assert baby.frontline_state_id == "GR" and baby.search_name == "sara haidari"
    assert AuditEvent.objects.filter(action="household.member_add", object_id=str(h.pk)).exists()


def test_members_cannot_change_once_proposed(h, cw, people):
    builders.proposed(h, "DE", cw, people["coordinator"])
    with pytest.raises(ValidationError, match="pledging state is deciding"):
        services.add_member(household=h, by=cw, **builders.member("Late"))


def test_removing_a_member(h, cw):
    ahmad = h.members.get(given_name="Ahmad")
    zahra = h.members.get(given_name="Zahra")
    with pytest.raises(ValidationError, match="principal"):
        services.remove_member(applicant=ahmad, by=cw, reason="Left")
    services.remove_member(applicant=ahmad, by=cw, reason="Registered by mistake", new_principal=zahra)
    h.refresh_from_db()
    assert (h.size, h.composition) == (3, Composition.SINGLE_PARENT)
    assert h.members.get(given_name="Zahra").relationship_to_principal == Relationship.PRINCIPAL
    assert AuditEvent.objects.get(action="household.member_remove").details["reason"] == "Registered by mistake"


def test_a_security_excluded_person_cannot_be_removed_but_can_be_split_off(h, cw):
    builders.eligible(h, cw)
    for person in h.members.all():
        if person.is_adult():
            services.consent_record(applicant=person, given=True, how_recorded="signed_form", by=cw)
    ahmad = h.members.get(given_name="Ahmad")
    services.security_exclude(applicant=ahmad, reason="Art. 67(2) check", by=cw)
    with pytest.raises(ValidationError, match="stays on file"):
        services.remove_member(applicant=ahmad, by=cw, reason="x", new_principal=h.members.get(given_name="Zahra"))
    new = services.split_household(household=h, members=[ahmad], by=cw, reason="Security exclusion")
    services.case_transition(household=h, to=S.AVAILABLE, by=cw)
    h.refresh_from_db()
    assert (h.status, h.size, h.composition) == (S.AVAILABLE, 3, Composition.SINGLE_PARENT)
    assert (new.status, new.size) == (S.ASSESSED, 1)
    assert new.members.get().relationship_to_principal == Relationship.PRINCIPAL
    with pytest.raises(Exception, match="security"):
        services.case_transition(household=new, to=S.ELIGIBLE, by=cw)


def test_splitting_when_one_adult_withdraws_consent(h, cw):
    builders.available(h, cw)
    zahra = h.members.get(given_name="Zahra")
    services.consent_record(applicant=zahra, given=False, how_recorded="signed_form", by=cw)
    with pytest.raises(ValidationError, match="must stay"):
        services.split_household(household=h, members=list(h.members.all()), by=cw, reason="x")
    with pytest.raises(ValidationError, match="reason"):
        services.split_household(household=h, members=[zahra], by=cw, reason="")
    new = services.split_household(household=h, members=[zahra], by=cw, reason="Withdrew consent")
    assert new.case_number != h.case_number and new.case_number.startswith("GR-")
    assert new.information_sessions.count() == 1
    services.case_transition(household=new, to=S.CONSENT_WITHDRAWN, by=cw, reason="Stays in Greece")
    h.refresh_from_db()
    assert (h.status, h.size) == (S.AVAILABLE, 3)
    assert AuditEvent.objects.filter(action="household.split", object_id=str(h.pk)).exists()


def test_merging_households_of_one_state(h, cw, people):
    other = builders.household("GR", by=cw, members=[builders.member("Reza", "Haidari", dob=dt.date(1960, 3, 3))])
    italian = builders.household("IT", by=people["caseworker_it"])
    with pytest.raises(PermissionDenied):
        services.merge_households(target=h, source=italian, by=cw, reason="x")
    with pytest.raises(ValidationError, match="same frontline state"):
        services.merge_households(target=h, source=italian, by=people["coordinator"], reason="x")
    services.merge_households(target=h, source=other, by=cw, reason="Grandfather registered apart")
    h.refresh_from_db()
    other.refresh_from_db()
    assert (h.size, other.size, other.status) == (5, 0, S.CLOSED)
    assert h.members.filter(relationship_to_principal=Relationship.PRINCIPAL).count() == 1


def test_only_caseworkers_of_the_state_and_the_coordinator_write(h, people):
    ahmad = h.members.get(given_name="Ahmad")
    for who in ("caseworker_it", "officer_de", "iom_gr", "commission"):
        with pytest.raises(PermissionDenied):
            services.eligibility_decide(applicant=ahmad, eligible=True, by=people[who])
    services.eligibility_decide(applicant=ahmad, eligible=True, by=people["coordinator"])


def test_registration_numbers_are_unique_within_a_frontline_state(h, cw, people):
    number = h.members.get(given_name="Ahmad").registration_number
    with pytest.raises(ValidationError, match="already used"):
        services.add_member(household=h, by=cw, **builders.member("Dup", registration_number=number))
    # The same number in another state is another person.
    builders.household("IT", by=people["caseworker_it"], members=[builders.member("Ok", registration_number=number)])
    with pytest.raises(IntegrityError), transaction.atomic():
        Applicant.objects.create(
            household=h, frontline_state_id="GR", given_name="Raw", search_name="raw", date_of_birth=builders.ADULT,
            sex=Sex.MALE, nationality_id="AF", relationship_to_principal=Relationship.OTHER,
            registration_number=number,
        )


def test_a_refusal_of_eligibility_states_its_reason(h, cw):
    with pytest.raises(ValidationError, match="reason"):
        services.eligibility_decide(applicant=h.members.first(), eligible=False, by=cw)


def test_a_vulnerability_is_recorded_once_per_person(h, cw):
    ahmad = h.members.get(given_name="Ahmad")
    services.vulnerability_assess(applicant=ahmad, category="disability", notes="Wheelchair", by=cw)
    with pytest.raises(ValidationError, match="already recorded"):
        services.vulnerability_assess(applicant=ahmad, category="disability", by=cw)
    event = AuditEvent.objects.get(action="applicant.vulnerability_assess")
    assert "Wheelchair" not in str(event.details)


def test_document_limits(h, cw, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError, match="PDF, JPEG and PNG"):
        services.document_upload(household=h, kind="other", upload=SimpleUploadedFile("a.pdf", b"<html>", "application/pdf"), by=cw)
    big = SimpleUploadedFile("big.png", PNG, "image/png")
    big.size = 10 * 1024 * 1024 + 1
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        services.document_upload(household=h, kind="other", upload=big, by=cw)
    with pytest.raises(ValidationError, match="empty"):
        services.document_upload(household=h, kind="other", upload=SimpleUploadedFile("e.png", b""), by=cw)
    assert not Document.objects.exists()
    doc = services.document_upload(
        household=h, kind="identity_document", upload=SimpleUploadedFile("../../etc/passport.png", PNG), by=cw,
        applicant=h.members.first(),
    )
    stored = os.path.join(tmp_path, doc.file.name)
    assert os.path.exists(stored) and str(tmp_path) in os.path.realpath(stored)
    assert "passport" not in doc.file.name and doc.content_type == "image/png"
    assert selectors.document_get_for_user(user=cw, document_id=doc.pk) == doc
    services.document_delete(document=doc, by=cw, reason="Wrong person")
    assert not Document.objects.exists()


def test_a_failed_upload_leaves_no_file(h, cw, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path

    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services.audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.document_upload(household=h, kind="other", upload=SimpleUploadedFile("a.png", PNG), by=cw)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_visibility_per_role(people, cw):
    gr, it = builders.household("GR", by=cw), builders.household("IT", by=people["caseworker_it"])
    builders.proposed(gr, "FR", cw, people["coordinator"])

    def visible(who):
        return set(selectors.households_visible_to(people[who]).values_list("pk", flat=True))

    assert visible("caseworker_gr") == {gr.pk}
    assert visible("coordinator") == {gr.pk, it.pk}
    assert visible("officer_fr") == {gr.pk}
    assert visible("officer_de") == set()
    for who in ("dublin_gr", "iom_gr", "commission", "administrator", "nobody"):
        assert visible(who) == set()


def test_a_guardian_grant_opens_one_household(people, cw):
    from guardian.shortcuts import assign_perm

    gr = builders.household("GR", by=cw)
    assign_perm("cases.view_household", people["officer_de"], gr)
    assert list(selectors.households_visible_to(people["officer_de"])) == [gr]
    assert list(selectors.households_visible_to(people["commission"])) == []


def test_the_timeline_shows_the_household_and_its_members(h, cw):
    services.eligibility_decide(applicant=h.members.first(), eligible=True, by=cw)
    actions = list(selectors.household_timeline(h).values_list("action", flat=True))
    assert actions[0] == "applicant.eligibility" and "household.create" in actions


def test_status_counts_for_the_work_queue(h, cw):
    builders.household("GR", by=cw)
    assert selectors.status_counts(Household.objects.all()) == {S.IDENTIFIED: 2}


def test_vulnerability_and_tie_columns_follow_the_assessments(h, cw):
    ahmad, zahra = h.members.get(given_name="Ahmad"), h.members.get(given_name="Zahra")
    services.vulnerability_assess(applicant=ahmad, category="disability", by=cw)
    services.vulnerability_assess(applicant=ahmad, category="serious_illness", by=cw)
    assessment = services.vulnerability_assess(applicant=zahra, category="pregnant", by=cw)
    tie = services.family_tie_add(applicant=zahra, state="NL", relationship="sister", status_there="citizen", by=cw)
    h.refresh_from_db()
    assert (h.vulnerable_members, h.has_family_ties, h.has_cultural_ties) == (2, True, False)
    services.vulnerability_remove(assessment=assessment, by=cw, reason="Recorded in error")
    services.tie_remove(tie=tie, by=cw)
    services.cultural_tie_add(applicant=ahmad, state="FR", kind="study", by=cw)
    h.refresh_from_db()
    assert (h.vulnerable_members, h.has_family_ties, h.has_cultural_ties) == (1, False, True)
    new = services.split_household(household=h, members=[ahmad], by=cw, reason="Separate file")
    h.refresh_from_db()
    assert (h.vulnerable_members, h.has_cultural_ties) == (0, False)
    assert (new.vulnerable_members, new.has_cultural_ties) == (1, True)
    Household.objects.filter(pk=new.pk).update(vulnerable_members=0, has_cultural_ties=False)
    assert services.recompute_flags(Household.objects.filter(pk=new.pk)) == 1
    new.refresh_from_db()
    assert (new.vulnerable_members, new.has_cultural_ties) == (1, True)


def test_a_proposed_household_is_split_only_with_the_higher_floor_hook(h, cw, people):
    builders.proposed(h, coordinator=people["coordinator"])
    zahra = h.members.get(given_name="Zahra")
    with pytest.raises(ValidationError, match="split for the decision"):
        services.split_household(household=h, members=[zahra], by=cw, reason="DE takes part of the family")
    calls = []
    with pytest.raises(PermissionDenied):
        services.split_household(household=h, members=[zahra], by=people["officer_de"], reason="x",
                                 after_split=lambda kept, new: calls.append(1))
    assert Household.objects.count() == 1 and not calls
    new = services.split_household(
        household=h, members=[zahra], by=cw, reason="DE takes part of the family",
        after_split=lambda kept, new: calls.append((kept.size, new.size, new.status)),
    )
    h.refresh_from_db()
    assert (h.status, h.destination_state_id, h.size) == (S.PROPOSED, "DE", 3)
    # Zahra consented and is eligible: the split-off household is available again, with no destination.
    assert (new.status, new.destination_state_id, new.size) == (S.AVAILABLE, None, 1)
    assert calls == [(3, 1, S.AVAILABLE)]
    assert new.status_changes.get().to_status == S.AVAILABLE
    assert AuditEvent.objects.get(action="household.split_from", object_id=str(new.pk)).details["status"] == S.AVAILABLE


def test_a_member_split_off_a_proposed_household_without_consent_goes_back_to_eligible(h, cw, people):
    builders.proposed(h, coordinator=people["coordinator"])
    s = services.case_transition(household=h, to=S.INTERVIEW_SCHEDULED, by=people["officer_de"])
    assert s.status == S.INTERVIEW_SCHEDULED
    zahra = h.members.get(given_name="Zahra")
    services.consent_record(applicant=zahra, given=False, how_recorded="signed_form", by=cw)
    new = services.split_household(household=h, members=[zahra], by=cw, reason="Withdrew consent",
                                   after_split=lambda kept, new: None)
    assert (new.status, new.destination_state_id) == (S.ELIGIBLE, None)
    h.refresh_from_db()
    assert (h.status, h.destination_state_id) == (S.INTERVIEW_SCHEDULED, "DE")


def test_the_migration_fills_the_own_script_search_name_of_existing_people(h, cw):
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    migration = import_module("cases.migrations.0004_applicant_search_name_native")
    services.applicant_update(applicant=h.members.get(given_name="Ahmad"), by=cw, given_name_native="أحمد")
    Applicant.objects.update(search_name_native="")  # as before the migration
    with connection.cursor() as cursor:  # a migration starts with no deferred checks pending
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        migration.fill(apps, editor)
    assert dict(Applicant.objects.filter(household=h).values_list("given_name", "search_name_native")) == {
        "Ahmad": "احمد", "Zahra": "", "Omid": "", "Maryam": ""}
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'cases_applicant_search_name_native_trgm'")
        assert cursor.fetchone() == (1,)

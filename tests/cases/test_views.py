"""The caseworker pages: who sees what, field errors, transitions, household changes."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import Applicant, CaseStatus, Household
from relocation.models import AuditEvent

from .builders import available, family_of_four, household, informed, member, proposed

pytestmark = pytest.mark.django_db


@pytest.fixture
def greek(people):
    return household("GR", by=people["caseworker_gr"])


@pytest.fixture
def italian(people):
    return household("IT", by=people["caseworker_it"])


def test_caseworker_lands_on_the_work_queue(people, client_for):
    response = client_for(people["caseworker_gr"]).get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("cases:queue")


@pytest.mark.parametrize("who", ["officer_de", "dublin_gr", "iom_gr", "commission", "nobody"])
def test_queue_export_register_and_import_are_404_for_other_roles(people, client_for, who):
    client = client_for(people[who])
    for name in ("cases:queue", "cases:export", "cases:household_new", "cases:import_upload"):
        assert client.get(reverse(name)).status_code == 404, name


def test_queue_lists_only_the_caseworkers_operation(people, client_for, greek, italian):
    content = client_for(people["caseworker_gr"]).get(reverse("cases:queue")).content.decode()
    assert greek.case_number in content
    assert italian.case_number not in content
    content = client_for(people["coordinator"]).get(reverse("cases:queue")).content.decode()
    assert greek.case_number in content and italian.case_number in content


def test_caseworker_of_greece_gets_404_on_an_italian_household(people, client_for, italian):
    client = client_for(people["caseworker_gr"])
    assert client.get(reverse("cases:household", args=[italian.pk])).status_code == 404
    assert client.post(reverse("cases:transition", args=[italian.pk]), {"to": "informed"}).status_code == 404
    for kind in ("consent", "vulnerability", "information-session"):
        assert client.get(reverse("cases:record", args=[italian.pk, kind])).status_code == 404
    assert client.get(reverse("cases:member_add", args=[italian.pk])).status_code == 404


@pytest.mark.parametrize("who", ["commission", "nobody", "officer_de", "dublin_gr", "iom_gr"])
def test_roles_without_a_view_of_a_new_case_get_404(people, client_for, greek, who):
    assert client_for(people[who]).get(reverse("cases:household", args=[greek.pk])).status_code == 404


def test_officer_sees_a_household_proposed_to_their_state_only(people, client_for, greek, cases_rules_only):
    proposed(greek, "DE", by=people["caseworker_gr"], coordinator=people["coordinator"])
    assert (
        client_for(people["officer_fr"]).get(reverse("cases:household", args=[greek.pk])).status_code == 404
    )
    response = client_for(people["officer_de"]).get(reverse("cases:household", args=[greek.pk]))
    assert response.status_code == 200
    # An officer never edits the case file.
    assert (
        client_for(people["officer_de"]).get(reverse("cases:record", args=[greek.pk, "consent"])).status_code
        == 404
    )


def test_a_read_by_another_organisation_is_audited(people, client_for, greek, cases_rules_only):
    proposed(greek, "DE", by=people["caseworker_gr"], coordinator=people["coordinator"])
    client_for(people["officer_de"]).get(reverse("cases:household", args=[greek.pk]))
    assert AuditEvent.objects.filter(
        action="read.file", actor=people["officer_de"], object_id=str(greek.pk)
    ).exists()
    client_for(people["caseworker_gr"]).get(reverse("cases:household", args=[greek.pk]))
    assert not AuditEvent.objects.filter(action__startswith="read.", actor=people["caseworker_gr"]).exists()


def test_restricted_notes_are_shown_to_euaa_staff_only(people, client_for, greek, cases_rules_only):
    person = greek.members.first()
    services.vulnerability_assess(
        applicant=person,
        category="serious_illness",
        by=people["caseworker_gr"],
        notes="Needs dialysis twice a week",
    )
    assert (
        "dialysis"
        in client_for(people["caseworker_gr"])
        .get(reverse("cases:household", args=[greek.pk]))
        .content.decode()
    )
    proposed(greek, "DE", by=people["caseworker_gr"], coordinator=people["coordinator"])
    content = (
        client_for(people["officer_de"]).get(reverse("cases:household", args=[greek.pk])).content.decode()
    )
    assert "Person with serious illness" in content
    assert "dialysis" not in content


def test_case_page_offers_only_allowed_transitions(people, client_for, greek):
    content = (
        client_for(people["caseworker_gr"]).get(reverse("cases:household", args=[greek.pk])).content.decode()
    )
    assert 'name="to" value="informed"' not in content  # no information session yet
    assert 'name="to" value="closed"' in content
    informed(greek, by=people["caseworker_gr"])
    content = (
        client_for(people["caseworker_gr"]).get(reverse("cases:household", args=[greek.pk])).content.decode()
    )
    assert 'name="to" value="assessed"' in content
    assert 'name="to" value="available"' not in content


def test_a_forbidden_transition_shows_the_rules_message(people, client_for, greek):
    client = client_for(people["caseworker_gr"])
    response = client.post(
        reverse("cases:transition", args=[greek.pk]), {"to": "informed", "reason": ""}, follow=True
    )
    assert "Informed requires a recorded information session." in response.content.decode()
    greek.refresh_from_db()
    assert greek.status == CaseStatus.IDENTIFIED


def test_an_allowed_transition_moves_the_case_and_is_in_the_timeline(people, client_for, greek):
    client = client_for(people["caseworker_gr"])
    services.information_session_record(
        household=greek, held_on=dt.date(2024, 1, 20), language="fa", by=people["caseworker_gr"]
    )
    response = client.post(
        reverse("cases:transition", args=[greek.pk]),
        {"to": "informed", "reason": "Session held", "version": greek.version},
        follow=True,
    )
    greek.refresh_from_db()
    assert greek.status == CaseStatus.INFORMED
    content = response.content.decode()
    assert "Status: Informed" in content and "Session held" in content
    assert "Information session recorded" in content


def test_stale_page_transition_is_refused(people, client_for, greek):
    client = client_for(people["caseworker_gr"])
    response = client.post(
        reverse("cases:transition", args=[greek.pk]),
        {"to": "closed", "reason": "x", "version": greek.version - 1},
        follow=True,
    )
    assert "Someone else changed this household" in response.content.decode()


def test_register_a_household_with_field_errors_then_success(people, client_for):
    client = client_for(people["caseworker_gr"])
    data = {
        "frontline_state": "GR",
        "site": "Lesvos",
        "registered_on": "2024-01-10",
        "member-TOTAL_FORMS": "4",
        "member-INITIAL_FORMS": "0",
        "member-MIN_NUM_FORMS": "0",
        "member-MAX_NUM_FORMS": "20",
        "member-0-given_name": "Ali",
        "member-0-family_name": "Rahimi",
        "member-0-date_of_birth": "2090-01-01",
        "member-0-sex": "male",
        "member-0-nationality": "AF",
        "member-0-relationship_to_principal": "principal",
        "member-0-languages_text": "fa, klingon",
    }
    response = client.post(reverse("cases:household_new"), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "The date of birth is in the future." in content
    assert "Unknown language: klingon." in content
    assert not Household.objects.exists()
    data.update(
        {
            "member-0-date_of_birth": "1985-02-03",
            "member-0-languages_text": "fa, English",
            "member-1-given_name": "Sara",
            "member-1-family_name": "Rahimi",
            "member-1-date_of_birth": "2015-05-05",
            "member-1-sex": "female",
            "member-1-nationality": "AF",
            "member-1-relationship_to_principal": "child",
        }
    )
    response = client.post(reverse("cases:household_new"), data)
    h = Household.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:household", args=[h.pk])
    assert (h.size, h.composition, h.frontline_state_id) == (2, "single_parent", "GR")
    assert sorted(h.members.get(given_name="Ali").languages.values_list("code", flat=True)) == ["en", "fa"]


def test_register_requires_exactly_one_principal(people, client_for):
    client = client_for(people["caseworker_gr"])
    data = {
        "frontline_state": "GR",
        "registered_on": "2024-01-10",
        "member-TOTAL_FORMS": "2",
        "member-INITIAL_FORMS": "0",
        "member-MIN_NUM_FORMS": "0",
        "member-MAX_NUM_FORMS": "20",
        "member-0-given_name": "Ali",
        "member-0-family_name": "Rahimi",
        "member-0-date_of_birth": "1985-01-01",
        "member-0-sex": "male",
        "member-0-nationality": "AF",
        "member-0-relationship_to_principal": "spouse",
    }
    response = client.post(reverse("cases:household_new"), data)
    assert "Exactly one member must be the principal applicant." in response.content.decode()
    assert not Household.objects.exists()


def test_caseworker_cannot_register_in_another_operation(people, client_for):
    client = client_for(people["caseworker_gr"])
    response = client.post(
        reverse("cases:household_new"),
        {
            "frontline_state": "IT",
            "registered_on": "2024-01-10",
            "member-TOTAL_FORMS": "0",
            "member-INITIAL_FORMS": "0",
        },
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Household.objects.exists()


def test_record_forms_show_field_errors_and_write_through_services(people, client_for, greek):
    client = client_for(people["caseworker_gr"])
    url = reverse("cases:record", args=[greek.pk, "eligibility"])
    adults = [m.pk for m in greek.members.all() if m.is_adult()]
    response = client.post(url, {"applicants": adults, "eligible": "no", "reason": ""})
    assert "A decision &#x27;not eligible&#x27; states its reason." in response.content.decode()
    response = client.post(url, {"applicants": adults, "eligible": "yes"})
    assert response.status_code == 302
    assert greek.members.filter(eligibility_decisions__eligible=True).count() == 2
    url = reverse("cases:record", args=[greek.pk, "vulnerability"])
    response = client.post(url, {"applicant": adults[0], "category": "pregnant", "notes": "week 30"})
    assert response.status_code == 302
    response = client.post(url, {"applicant": adults[0], "category": "pregnant"})
    assert "already recorded" in response.content.decode()
    # A person of another household is not a choice.
    other = household("GR", by=people["caseworker_gr"]).members.first()
    response = client.post(url, {"applicant": other.pk, "category": "elderly"})
    assert "Select a valid choice" in response.content.decode()


def test_member_add_remove_split_and_merge(people, client_for, greek):
    client = client_for(people["caseworker_gr"])
    response = client.post(
        reverse("cases:member_add", args=[greek.pk]),
        {
            "given_name": "Reza",
            "family_name": "Haidari",
            "date_of_birth": "1950-01-01",
            "sex": "male",
            "nationality": "AF",
            "relationship_to_principal": "parent",
        },
    )
    assert response.status_code == 302
    greek.refresh_from_db()
    assert greek.size == 5
    reza = greek.members.get(given_name="Reza")
    response = client.post(reverse("cases:member_remove", args=[greek.pk, reza.pk]), {"reason": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    response = client.post(
        reverse("cases:member_remove", args=[greek.pk, reza.pk]), {"reason": "Registered twice"}
    )
    assert response.status_code == 302
    greek.refresh_from_db()
    assert greek.size == 4
    zahra = greek.members.get(given_name="Zahra")
    response = client.post(
        reverse("cases:split", args=[greek.pk]), {"applicants": [zahra.pk], "reason": "Withdrew consent"}
    )
    assert response.status_code == 302
    new = Applicant.objects.get(pk=zahra.pk).household
    assert new.pk != greek.pk and new.size == 1
    response = client.post(
        reverse("cases:merge", args=[greek.pk]), {"source": new.case_number, "reason": "Back together"}
    )
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.status == CaseStatus.CLOSED and Applicant.objects.get(pk=zahra.pk).household_id == greek.pk


def test_merge_refuses_a_household_of_another_operation(people, client_for, greek, italian):
    client = client_for(people["caseworker_gr"])
    response = client.post(
        reverse("cases:merge", args=[greek.pk]), {"source": italian.case_number, "reason": "x"}
    )
    assert "No household with this case number" in response.content.decode()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_document_upload_and_audited_download(people, client_for, greek, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(people["caseworker_gr"])
    response = client.post(
        reverse("cases:document_upload", args=[greek.pk]),
        {
            "kind": "consent_form",
            "file": SimpleUploadedFile("consent.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    document = greek.documents.get()
    response = client.post(
        reverse("cases:document_upload", args=[greek.pk]),
        {
            "kind": "consent_form",
            "file": SimpleUploadedFile("evil.pdf", b"MZ\x90\x00", content_type="application/pdf"),
        },
    )
    assert "Only PDF, JPEG and PNG files are accepted." in response.content.decode()
    response = client.get(reverse("cases:document_download", args=[greek.pk, document.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert AuditEvent.objects.filter(action="household.document_download", object_id=str(greek.pk)).exists()
    assert (
        client_for(people["caseworker_it"])
        .get(reverse("cases:document_download", args=[greek.pk, document.pk]))
        .status_code
        == 404
    )


def test_queue_filters_search_and_status_tabs(people, client_for, greek):
    by = people["caseworker_gr"]
    other = household(
        "GR",
        by=by,
        members=[member("Élodie", "Nkosi", nationality="CD", relationship="principal", sex="female")],
    )
    available(greek, by=by)
    client = client_for(by)
    search = lambda q: client.get(reverse("cases:queue"), {"q": q}).content.decode()  # noqa: E731
    assert other.case_number in search("elodie") and greek.case_number not in search("ELODIE")
    assert greek.case_number in search("zahra haidari")
    services.applicant_update(applicant=greek.members.get(given_name="Zahra"), by=by,
                              given_name_native="زهرا", family_name_native="حیدری")
    assert greek.case_number in search("زَهرا") and other.case_number not in search("زهرا")
    assert greek.case_number not in search("زهرا nkosi")  # all words in one person's names
    number = greek.members.exclude(registration_number="").first().registration_number
    assert greek.case_number in search(number.lower())
    assert greek.case_number in search(greek.case_number)
    content = client.get(reverse("cases:queue"), {"status": "available"}).content.decode()
    assert greek.case_number in content and other.case_number not in content
    assert 'aria-current="page">Consented, available for matching <span class="count">1</span>' in content
    content = client.get(reverse("cases:queue"), {"nationality": "CD"}).content.decode()
    assert other.case_number in content and greek.case_number not in content
    content = client.get(reverse("cases:queue"), {"composition": "family_with_children"}).content.decode()
    assert greek.case_number in content and other.case_number not in content


def test_queue_answers_htmx_with_the_results_only(people, client_for, greek):
    response = client_for(people["caseworker_gr"]).get(reverse("cases:queue"), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert content.startswith('<section id="queue-results"') and "<html" not in content


@pytest.mark.parametrize("size", [25, 100])
def test_queue_query_count_is_constant_whatever_the_page_size(
    people, client_for, django_assert_num_queries, size
):
    by = people["caseworker_gr"]
    for _ in range(27):
        h = household("GR", by=by, members=family_of_four("GR"))
        services.vulnerability_assess(applicant=h.members.first(), category="elderly", by=by)
    client = client_for(by)
    client.get(reverse("cases:queue"))  # warm the session
    # session, user, roles, organisation, unread notifications, three filter choice lists,
    # status counts (which give the total too), the page of households, their members: the same
    # at any page size.
    with django_assert_num_queries(11):
        response = client.get(reverse("cases:queue"), {"per_page": size, "vulnerable": "true"})
    content = response.content.decode()
    assert content.count('<th scope="row"><a href="/cases/') == min(size, 27)
    assert "27 households" in content


def test_change_a_persons_details_and_the_households(people, client_for, greek):
    client = client_for(people["caseworker_gr"])
    ahmad = greek.members.get(given_name="Ahmad")
    zahra = greek.members.get(given_name="Zahra")
    url = reverse("cases:member_edit", args=[greek.pk, ahmad.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "given_name": "Ahmed",
            "registration_number": zahra.registration_number.lower(),
            "languages_text": "fa, ps",
            "date_of_birth": "1990-05-01",
        }
    )
    response = client.post(url, data)
    assert "already used in this frontline state" in response.content.decode()
    data["registration_number"] = ahmad.registration_number
    assert client.post(url, data).status_code == 302
    ahmad.refresh_from_db()
    assert ahmad.given_name == "Ahmed" and ahmad.search_name == "ahmed haidari"
    assert sorted(ahmad.languages.values_list("code", flat=True)) == ["fa", "ps"]
    assert AuditEvent.objects.filter(action="applicant.update", object_id=str(ahmad.pk)).exists()
    greek.refresh_from_db()
    url = reverse("cases:household_edit", args=[greek.pk])
    response = client.post(
        url, {"site": "Malakasa", "registered_on": "2024-01-16", "version": greek.version - 1}
    )
    assert "Someone else changed this household" in response.content.decode()
    assert (
        client.post(
            url, {"site": "Malakasa", "registered_on": "2024-01-16", "version": greek.version}
        ).status_code
        == 302
    )
    greek.refresh_from_db()
    assert greek.site == "Malakasa"
    assert client_for(people["caseworker_it"]).get(url).status_code == 404


def test_iom_sees_the_household_but_not_the_assessments(people, client_for, greek, cases_rules_only):
    services.vulnerability_assess(
        applicant=greek.members.first(), category="elderly", by=people["caseworker_gr"]
    )
    proposed(greek, "DE", by=people["caseworker_gr"], coordinator=people["coordinator"])
    services.case_transition(household=greek, to=CaseStatus.ACCEPTED, by=people["officer_de"])
    # Dublin Units see the case from acceptance on, with the move they may make.
    content = (
        client_for(people["dublin_gr"]).get(reverse("cases:household", args=[greek.pk])).content.decode()
    )
    assert 'name="to" value="transfer_pending"' in content
    services.case_transition(household=greek, to=CaseStatus.TRANSFER_PENDING, by=people["dublin_gr"])
    content = client_for(people["iom_gr"]).get(reverse("cases:household", args=[greek.pk])).content.decode()
    assert "Ahmad" in content
    assert "Assessments" not in content and "Elderly person" not in content
    assert 'name="to" value="ready_for_departure"' in content


def test_remove_an_assessment_a_tie_and_a_document_with_a_reason(
    people, client_for, greek, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    by = people["caseworker_gr"]
    person = greek.members.first()
    assessment = services.vulnerability_assess(applicant=person, category="elderly", by=by)
    tie = services.family_tie_add(
        applicant=person, state="DE", relationship="brother", status_there="resident", by=by
    )
    document = services.document_upload(
        household=greek,
        kind="other",
        by=by,
        upload=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
    )
    client = client_for(by)
    url = reverse("cases:remove", args=[greek.pk, "vulnerability", assessment.pk])
    response = client.post(url, {"confirm": "on"})
    assert "This field is required." in response.content.decode()
    assert client.post(url, {"confirm": "on", "reason": "Entered by mistake"}).status_code == 302
    assert (
        client.post(
            reverse("cases:remove", args=[greek.pk, "family-tie", tie.pk]), {"confirm": "on"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("cases:remove", args=[greek.pk, "document", document.pk]),
            {"confirm": "on", "reason": "Wrong file"},
        ).status_code
        == 302
    )
    assert (
        not person.vulnerabilities.exists()
        and not person.family_ties.exists()
        and not greek.documents.exists()
    )
    assert AuditEvent.objects.filter(action="applicant.vulnerability_remove").exists()
    # Objects of another household are not reachable through this one.
    other = household("GR", by=by)
    foreign = services.vulnerability_assess(applicant=other.members.first(), category="elderly", by=by)
    assert (
        client.get(reverse("cases:remove", args=[greek.pk, "vulnerability", foreign.pk])).status_code == 404
    )
    assert (
        client_for(people["caseworker_it"])
        .get(reverse("cases:remove", args=[other.pk, "vulnerability", foreign.pk]))
        .status_code
        == 404
    )


def test_case_page_queries_do_not_grow_with_the_members(people, client_for):
    by = people["caseworker_gr"]
    small = household("GR", by=by, members=family_of_four("GR")[:1])
    big = household(
        "GR",
        by=by,
        members=family_of_four("GR")
        + [member(f"Child{i}", dob=dt.date(2015, 1, i + 1), relationship="child") for i in range(4)],
    )
    for h in (small, big):
        for person in h.members.all():
            services.vulnerability_assess(applicant=person, category="elderly", by=by)
            services.consent_record(applicant=person, given=True, how_recorded="signed_form", by=by)
    client = client_for(by)
    counts = []
    for h in (small, big):
        client.get(reverse("cases:household", args=[h.pk]))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cases:household", args=[h.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_security_exclusion_needs_a_reason_and_a_confirmation(people, client_for, greek):
    client = client_for(people["caseworker_gr"])
    url = reverse("cases:record", args=[greek.pk, "security-exclusion"])
    ahmad = greek.members.get(given_name="Ahmad")
    response = client.post(url, {"applicant": ahmad.pk, "reason": "Flagged by the national police"})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    ahmad.refresh_from_db()
    assert not ahmad.security_excluded
    response = client.post(
        url, {"applicant": ahmad.pk, "reason": "Flagged by the national police", "confirm": "on"}
    )
    assert response.status_code == 302
    ahmad.refresh_from_db()
    assert ahmad.security_excluded
    content = client.get(reverse("cases:household", args=[greek.pk])).content.decode()
    assert "Security exclusion" in content and "Flagged by the national police" in content
    # A second exclusion of the same person is refused with the service's message.
    response = client.post(url, {"applicant": ahmad.pk, "reason": "again", "confirm": "on"})
    assert "already excluded" in response.content.decode()

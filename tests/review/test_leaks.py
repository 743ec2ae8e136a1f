"""An outside review of who reads what: each test tries a door as a role that must not get
through it (or must leave an audit row when it does)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relocation.models import AuditEvent
from tests.missions.conftest import MEDICAL

pytestmark = pytest.mark.django_db


def test_iom_case_page_timeline_hides_the_asylum_file(make_responsible, people, client_for):
    """IOM reads what a journey needs: the API hides eligibility, ties and consents from it, so
    the case page's timeline must not show them either."""
    household = make_responsible("DE")
    page = client_for(people["iom_gr"]).get(reverse("cases:household", args=[household.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Eligibility decided" not in html
    assert "Consent given" not in html
    # Nor the members table's consent and eligibility columns.
    assert ">Eligible<" not in html and ">Given<" not in html
    # The caseworker still sees the whole history.
    page = client_for(people["caseworker_gr"]).get(reverse("cases:household", args=[household.pk]))
    assert "Eligibility decided" in page.content.decode()
    assert ">Eligible<" in page.content.decode()


def test_receiving_officer_reading_medical_notes_is_audited(make_ready, people, api_for):
    """The receiving state's officers read IOM's health assessments (medical notes included):
    a read of a person's file by another organisation leaves an audit row."""
    household = make_ready("DE")
    officer = people["officer_de"]
    response = api_for(officer).get("/api/health-assessments/")
    assert response.status_code == 200
    assert MEDICAL in response.content.decode()
    assert AuditEvent.objects.filter(actor=officer, action="read.household_list").exists()
    row = response.json()["results"][0]
    before = AuditEvent.objects.filter(actor=officer, action__startswith="read.").count()
    response = api_for(officer).get(f"/api/health-assessments/{row['id']}/")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(actor=officer, action__startswith="read.").count() == before + 1
    assert household.pk  # the household is the one read


@pytest.mark.parametrize("who", ["officer_fr", "dublin_de", "caseworker_gr", "commission", "nobody"])
def test_health_assessments_are_not_for_other_roles(make_ready, people, api_for, who):
    make_ready("DE")
    response = api_for(people[who]).get("/api/health-assessments/")
    assert response.status_code == 404 or MEDICAL not in response.content.decode()


def test_information_session_does_not_reveal_another_states_person(people, api_for):
    """A person of another operation answers like a missing one (no existence oracle)."""
    from tests.cases import builders

    own = builders.household("GR")
    foreign = builders.household("IT")
    foreign_person = foreign.members.first()
    api = api_for(people["caseworker_gr"])
    url = f"/api/households/{own.pk}/information-sessions/"
    body = {"held_on": "2024-01-20", "language": "fa", "interpreter": False}
    foreign_answer = api.post(url, {**body, "applicant": foreign_person.pk}, format="json")
    missing_answer = api.post(url, {**body, "applicant": 987654321}, format="json")
    assert foreign_answer.status_code == missing_answer.status_code == 400
    assert foreign_answer.json()["applicant"] == [
        m.replace("987654321", str(foreign_person.pk)) for m in missing_answer.json()["applicant"]
    ]
    assert not own.information_sessions.exists()


def test_iom_api_does_not_reveal_ties(make_responsible, people, api_for):
    """The API hides family and cultural ties from IOM in the detail; the list's flags, the
    filters on them and the excluded states must not reveal them either."""
    from cases import services as case_services

    household = make_responsible("DE")
    person = household.members.first()
    case_services.family_tie_add(
        applicant=person, state="FR", relationship="brother", status_there="resident", by=people["coordinator"]
    )
    api = api_for(people["iom_gr"])
    listed = api.get("/api/households/").json()["results"]
    assert [row["id"] for row in listed] == [household.pk]
    assert "has_family_ties" not in listed[0] and "has_cultural_ties" not in listed[0]
    with_ties = api.get("/api/households/?has_family_ties=true").json()["count"]
    without_ties = api.get("/api/households/?has_family_ties=false").json()["count"]
    assert with_ties == without_ties == 1
    detail = api.get(f"/api/households/{household.pk}/").json()
    assert "has_family_ties" not in detail and "excluded_states" not in detail
    assert "family_ties" not in detail["members"][0]
    # EUAA still sees and filters on them.
    coordinator = api_for(people["coordinator"])
    assert coordinator.get(f"/api/households/{household.pk}/").json()["has_family_ties"] is True
    assert coordinator.get("/api/households/?has_family_ties=false").json()["count"] == 0


def test_documents_list_read_by_another_organisation_is_audited(make_proposed, people, api_for, settings, tmp_path):
    """The documents list names a person's files (kind, original name): a pledging state's
    officer listing them leaves an audit row, as the households list does."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases import services as case_services

    settings.MEDIA_ROOT = tmp_path
    household = make_proposed("DE")
    case_services.document_upload(
        household=household, kind="medical_certificate", by=people["coordinator"],
        upload=SimpleUploadedFile("medical report.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n",
                                  "application/pdf"),
        applicant=None,
    )
    officer = people["officer_de"]
    response = api_for(officer).get("/api/documents/")
    assert response.status_code == 200
    assert [row["household"] for row in response.json()["results"]] == [household.pk]
    event = AuditEvent.objects.get(actor=officer, action="read.household_list")
    assert event.details["households"] == [household.pk]
    # Other states see none of it.
    assert api_for(people["officer_fr"]).get("/api/documents/").json()["count"] == 0


def test_transfer_api_reads_are_audited_like_the_pages(make_responsible, people, api_for):
    """The Dublin Unit's transfer pages audit each read of a household's file; the API too."""
    household = make_responsible("DE")
    dublin = people["dublin_de"]
    api = api_for(dublin)
    listed = api.get("/api/transfers/").json()["results"]
    assert [row["household"] for row in listed] == [household.pk]
    assert AuditEvent.objects.filter(actor=dublin, action="read.household_list").count() == 1
    assert api.get(f"/api/transfers/{listed[0]['id']}/").status_code == 200
    assert AuditEvent.objects.filter(actor=dublin, action="read.file", object_id=str(household.pk)).count() == 1
    # Neither another state's Dublin Unit nor IOM get through.
    assert api_for(people["iom_gr"]).get(f"/api/transfers/{listed[0]['id']}/").status_code == 404


def test_next_pledging_state_does_not_read_the_previous_states_rejection_reasons(
    make_proposed, people, client_for
):
    """A state's reasons for rejecting a household (often from its interview) are its own:
    the next state the household is proposed to does not read them on the case page."""
    from cases import services as case_services
    from cases.models import CaseStatus
    from missions import services as mission_services

    marker = "DE-INTERVIEW-REASON-9d1"
    household = make_proposed("DE")
    mission_services.decision_record(
        household=household, by=people["officer_de"], outcome="rejected", reason="other", reason_text=marker
    )
    household.refresh_from_db()
    assert household.status == CaseStatus.AVAILABLE
    case_services.case_transition(
        household=household, to=CaseStatus.PROPOSED, by=people["coordinator"], destination_state="FR"
    )
    page = client_for(people["officer_fr"]).get(reverse("cases:household", args=[household.pk]))
    assert page.status_code == 200
    assert marker not in page.content.decode()
    # EUAA reads the decisions of every state.
    page = client_for(people["coordinator"]).get(reverse("cases:household", args=[household.pk]))
    assert marker in page.content.decode()


def test_dublin_units_read_the_same_part_of_a_persons_file_in_the_api_as_on_the_case_page(
    make_responsible, people, api_for, client_for
):
    """The case page shows a Dublin Unit the household, members and documents, not the
    assessments; the API follows the same rule (``selectors.sees_assessments``)."""
    from cases import services as case_services

    household = make_responsible("DE")
    person = household.members.first()
    case_services.vulnerability_assess(applicant=person, category="elderly", by=people["caseworker_gr"])
    case_services.family_tie_add(
        applicant=person, state="FR", relationship="brother", status_there="resident", by=people["coordinator"]
    )
    dublin = api_for(people["dublin_de"])
    detail = dublin.get(f"/api/applicants/{person.pk}/").json()
    assert detail["given_name"] == person.given_name
    for hidden in ("vulnerabilities", "family_ties", "cultural_ties", "consents", "eligibility_decisions",
                   "security_excluded"):
        assert hidden not in detail
    member = dublin.get(f"/api/households/{household.pk}/").json()["members"][0]
    assert "vulnerabilities" not in member and "security_excluded" not in member
    assert "security_excluded" not in dublin.get("/api/applicants/").json()["results"][0]
    page = client_for(people["dublin_de"]).get(reverse("cases:household", args=[household.pk])).content.decode()
    assert "Family ties" not in page
    # IOM keeps the categories as the journey's assistance needs, nothing of the asylum file.
    iom = api_for(people["iom_gr"]).get(f"/api/applicants/{person.pk}/").json()
    assert [v["category"] for v in iom["vulnerabilities"]] == ["elderly"]
    assert "family_ties" not in iom and "security_excluded" not in iom
    # Those who assess and decide read all of it.
    officer = api_for(people["officer_de"]).get(f"/api/applicants/{person.pk}/").json()
    assert officer["security_excluded"] is False and officer["family_ties"]


def test_movement_api_reads_are_audited_like_the_movement_page(make_ready, people, api_for):
    """A movement lists households by case number: reading it through the API leaves the same
    audit row as the page does."""
    from django.utils import timezone

    from missions import journey

    household = make_ready("DE")
    iom = people["iom_gr"]
    movement = journey.movement_create(
        by=iom, frontline_state="GR", receiving_state="DE", departs_on=timezone.localdate(),
        departure_airport="ATH", arrival_airport="FRA", carrier="Aegean", capacity=31,
    )
    journey.movement_add_household(movement=movement, household=household, by=iom)
    api = api_for(iom)
    before = AuditEvent.objects.filter(actor=iom, action="read.household_list").count()
    assert api.get("/api/movements/").status_code == 200
    assert api.get(f"/api/movements/{movement.pk}/").status_code == 200
    events = AuditEvent.objects.filter(actor=iom, action="read.household_list").order_by("id")
    assert events.count() == before + 2
    assert all(e.details["households"] == [household.pk] for e in events[before:])

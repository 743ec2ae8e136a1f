import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from cases import services
from cases.models import CaseStatus, Household
from relocation.models import AuditEvent

from . import builders

S = CaseStatus
pytestmark = pytest.mark.usefixtures("cases_rules_only")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def cw(people):
    return people["caseworker_gr"]


@pytest.fixture
def gr(cw):
    return builders.household("GR", by=cw)


@pytest.fixture
def it(people):
    return builders.household("IT", by=people["caseworker_it"])


def url(h, suffix=""):
    return f"/api/households/{h.pk}/{suffix}"


def test_a_caseworker_in_greece_gets_404_on_an_italian_household(api_for, cw, it):
    api = api_for(cw)
    assert api.get(url(it)).status_code == 404
    assert api.post(url(it, "transition/"), {"to": "closed", "reason": "x"}, format="json").status_code == 404
    assert api.get(f"/api/applicants/{it.members.first().pk}/").status_code == 404
    assert it.pk not in [row["id"] for row in api.get("/api/households/").json()["results"]]


@pytest.mark.parametrize("who", ["commission", "nobody", "administrator"])
def test_roles_without_case_files_get_404_everywhere(api_for, people, gr, who):
    api = api_for(people[who])
    assert api.get("/api/households/").status_code == 404
    assert api.get(url(gr)).status_code == 404
    assert api.get("/api/applicants/").status_code == 404
    assert api.get("/api/documents/").status_code == 404


def test_an_officer_lists_only_households_proposed_to_their_state(api_for, people, cw, gr):
    other = builders.household("GR", by=cw)
    builders.proposed(gr, "DE", cw, people["coordinator"])
    officer = api_for(people["officer_de"])
    assert officer.get(url(other)).status_code == 404
    assert [row["id"] for row in officer.get("/api/households/").json()["results"]] == [gr.pk]
    assert api_for(people["officer_fr"]).get(url(gr)).status_code == 404
    assert api_for(people["officer_fr"]).get("/api/households/").json()["results"] == []


def test_dublin_units_and_iom_see_households_only_from_their_stage_on(api_for, people, cw, gr):
    builders.proposed(gr, "DE", cw, people["coordinator"])
    for who in ("dublin_de", "dublin_gr", "iom_gr"):
        assert api_for(people[who]).get(url(gr)).status_code == 404
    services.case_transition(household=gr, to=S.ACCEPTED, by=people["officer_de"])
    assert api_for(people["dublin_de"]).get(url(gr)).status_code == 200
    assert api_for(people["dublin_gr"]).get(url(gr)).status_code == 200
    assert api_for(people["iom_gr"]).get(url(gr)).status_code == 404
    services.case_transition(household=gr, to=S.TRANSFER_PENDING, by=people["dublin_gr"])
    assert api_for(people["iom_gr"]).get(url(gr)).status_code == 200


def test_a_read_by_another_organisation_is_audited(api_for, people, cw, gr):
    builders.proposed(gr, "DE", cw, people["coordinator"])
    api_for(people["officer_de"]).get(url(gr))
    assert AuditEvent.objects.filter(action="read.file", actor=people["officer_de"], object_id=str(gr.pk)).exists()
    api_for(cw).get(url(gr))
    assert not AuditEvent.objects.filter(action="read.file", actor=cw).exists()


def test_a_transition_through_the_api_answers_the_rules_message(api_for, cw, gr):
    api = api_for(cw)
    response = api.post(url(gr, "transition/"), {"to": "informed"}, format="json")
    assert response.status_code == 400
    assert "information session" in response.json()["detail"]
    response = api.post(
        url(gr, "information-sessions/"), {"held_on": "2024-01-20", "language": "fa", "interpreter": True},
        format="json",
    )
    assert response.status_code == 201
    response = api.post(url(gr, "transition/"), {"to": "informed", "reason": "Session held"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "informed"
    assert "assessed" in response.json()["allowed_transitions"]


def test_an_officer_reads_but_cannot_change_the_file(api_for, people, cw, gr):
    builders.proposed(gr, "DE", cw, people["coordinator"])
    officer = api_for(people["officer_de"])
    member = gr.members.first()
    assert officer.post(url(gr, "members/"), builders.member("X") | {"nationality": "AF"}, format="json").status_code == 404
    assert officer.post(f"/api/applicants/{member.pk}/consents/", {"given": False, "how_recorded": "signed_form"},
                        format="json").status_code == 404
    response = officer.post(url(gr, "transition/"), {"to": "accepted"}, format="json")
    assert response.status_code == 200


def test_restricted_notes_are_shown_to_euaa_staff_only(api_for, people, cw, gr):
    ahmad = gr.members.get(given_name="Ahmad")
    response = api_for(cw).post(
        f"/api/applicants/{ahmad.pk}/vulnerabilities/", {"category": "mental_disorder", "notes": "PTSD, in therapy"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["notes"] == "PTSD, in therapy"
    builders.proposed(gr, "DE", cw, people["coordinator"])
    body = api_for(people["officer_de"]).get(url(gr)).json()
    person = next(m for m in body["members"] if m["id"] == ahmad.pk)
    assert person["vulnerabilities"][0]["category"] == "mental_disorder"
    assert "notes" not in person["vulnerabilities"][0]
    assert "PTSD" not in str(body)
    assert "PTSD" in str(api_for(people["coordinator"]).get(url(gr)).json())


def test_a_caseworker_registers_a_household_with_members(api_for, cw):
    payload = {
        "frontline_state": "GR",
        "site": "Malakasa",
        "registered_on": "2024-02-01",
        "members": [
            {"given_name": "Yonas", "family_name": "Tesfaye", "given_name_native": "ዮናስ", "date_of_birth": "1995-04-02",
             "sex": "male", "nationality": "ER", "languages": ["ti", "en"], "registration_number": "GR-ER-1"},
        ],
    }
    response = api_for(cw).post("/api/households/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["composition"] == "single_man"
    assert body["members"][0]["relationship_to_principal"] == "principal"
    assert body["members"][0]["languages"] == ["en", "ti"] or set(body["members"][0]["languages"]) == {"en", "ti"}


def test_registering_in_another_state_or_with_bad_data_writes_nothing(api_for, cw):
    api = api_for(cw)
    before = Household.objects.count()
    response = api.post("/api/households/", {"frontline_state": "IT", "registered_on": "2024-02-01"}, format="json")
    assert response.status_code == 403
    payload = {
        "frontline_state": "GR", "registered_on": "2024-02-01",
        "members": [{"given_name": "A", "date_of_birth": "2090-01-01", "sex": "male", "nationality": "AF"}],
    }
    response = api.post("/api/households/", payload, format="json")
    assert response.status_code == 400
    assert "date_of_birth" in response.json()
    assert Household.objects.count() == before


def test_duplicate_registration_number_in_the_same_state_is_refused(api_for, cw, gr):
    number = gr.members.get(given_name="Ahmad").registration_number
    response = api_for(cw).post(
        url(gr, "members/"),
        {"given_name": "B", "date_of_birth": "1980-01-01", "sex": "male", "nationality": "AF",
         "registration_number": number},
        format="json",
    )
    assert response.status_code == 400
    assert "registration_number" in response.json()


def test_filters_and_search(api_for, cw, gr):
    other = builders.household(
        "GR", by=cw, site="Lesvos",
        members=[builders.member("Sélam", "Gébré", sex="female", nationality="ER", registration_number="LES-77")],
    )
    ahmad = gr.members.get(given_name="Ahmad")
    services.family_tie_add(applicant=ahmad, state="DE", relationship="brother", status_there="resident", by=cw)
    api = api_for(cw)

    def ids(query):
        response = api.get("/api/households/" + query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    services.applicant_update(applicant=other.members.get(), by=cw, given_name_native="ሰላም", family_name_native="ገብረ")
    assert ids("?q=selam gebre") == [other.pk]
    assert ids("?q=ሰላም") == [other.pk]
    assert ids("?q=selam ገብረ") == [other.pk]  # each word in either of the person's names
    assert ids("?q=GEBRE") == [other.pk]
    assert ids("?q=les-77") == [other.pk]
    assert ids(f"?q={gr.case_number}") == [gr.pk]
    assert ids("?nationality=ER") == [other.pk]
    assert ids("?composition=single_woman") == [other.pk]
    assert ids("?has_family_ties=true") == [gr.pk]
    assert ids("?has_family_ties=false") == [other.pk]
    assert ids("?site=lesv") == [other.pk]
    assert sorted(ids("?status=identified")) == sorted([gr.pk, other.pk])
    assert ids("?status=available") == []


def test_document_upload_limits_and_download_through_the_access_layer(api_for, people, cw, gr, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    api = api_for(cw)
    bad = api.post(url(gr, "documents/"), {"document_type": "consent_form",
                                           "file": SimpleUploadedFile("x.exe", b"MZ\x90\x00binary")},
                   format="multipart")
    assert bad.status_code == 400
    assert "PDF" in str(bad.json())
    ok = api.post(url(gr, "documents/"), {"document_type": "consent_form",
                                          "file": SimpleUploadedFile("consent form.pdf", PDF, "application/pdf")},
                  format="multipart")
    assert ok.status_code == 201, ok.json()
    doc_id = ok.json()["id"]
    download = api.get(f"/api/documents/{doc_id}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert api_for(people["caseworker_it"]).get(f"/api/documents/{doc_id}/download/").status_code == 404
    assert api_for(people["officer_de"]).get(f"/api/documents/{doc_id}/download/").status_code == 404


def test_split_and_merge_through_the_api(api_for, cw, gr):
    api = api_for(cw)
    zahra = gr.members.get(given_name="Zahra")
    response = api.post(url(gr, "split/"), {"members": [zahra.pk], "reason": "Withdrew consent"}, format="json")
    assert response.status_code == 201
    new_id = response.json()["id"]
    assert response.json()["composition"] == "single_woman"
    response = api.post(url(gr, "merge/"), {"source": new_id, "reason": "Registered apart by mistake"}, format="json")
    assert response.status_code == 200
    assert response.json()["size"] == 4
    assert Household.objects.get(pk=new_id).status == S.CLOSED


def _make_households(cw, n):
    for i in range(n):
        builders.household("GR", by=cw, members=[
            builders.member(f"P{i}", registration_number=f"QC-{n}-{i}"),
            builders.member(f"C{i}", dob=dt.date(2015, 1, 1), relationship="child"),
        ])


@pytest.mark.parametrize("endpoint", ["/api/households/", "/api/applicants/"])
def test_list_endpoints_use_a_constant_number_of_queries(api_for, cw, endpoint):
    from django.test.utils import CaptureQueriesContext

    api = api_for(cw)
    _make_households(cw, 5)
    with CaptureQueriesContext(connection) as few:
        assert api.get(endpoint).status_code == 200
    _make_households(cw, 45)
    with CaptureQueriesContext(connection) as many:
        response = api.get(endpoint)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 50
    assert len(many.captured_queries) == len(few.captured_queries)


def test_iom_sees_what_the_journey_needs_not_the_asylum_file(api_for, people, cw, gr):
    ahmad = gr.members.get(given_name="Ahmad")
    services.family_tie_add(applicant=ahmad, state="DE", relationship="brother", status_there="resident", by=cw)
    services.vulnerability_assess(applicant=ahmad, category="disability", notes="Wheelchair user", by=cw)
    builders.proposed(gr, "DE", cw, people["coordinator"])
    services.case_transition(household=gr, to=S.ACCEPTED, by=people["officer_de"])
    services.case_transition(household=gr, to=S.TRANSFER_PENDING, by=people["dublin_gr"])
    person = next(m for m in api_for(people["iom_gr"]).get(url(gr)).json()["members"] if m["id"] == ahmad.pk)
    assert person["vulnerabilities"] == [{"id": person["vulnerabilities"][0]["id"], "category": "disability",
                                          "assessed_at": person["vulnerabilities"][0]["assessed_at"]}]
    assert "family_ties" not in person and "eligibility_decisions" not in person
    officer_view = next(m for m in api_for(people["officer_de"]).get(url(gr)).json()["members"] if m["id"] == ahmad.pk)
    assert officer_view["family_ties"][0]["state"] == "DE"


ENDPOINTS = [
    ("get", "households/{h}/", None),
    ("patch", "households/{h}/", {"site": "Elsewhere"}),
    ("post", "households/{h}/transition/", {"to": "closed", "reason": "x"}),
    ("post", "households/{h}/members/", {"given_name": "X", "date_of_birth": "1990-01-01", "sex": "male",
                                          "nationality": "AF"}),
    ("post", "households/{h}/split/", {"members": ["{a}"], "reason": "x"}),
    ("post", "households/{h}/merge/", {"source": "{h}", "reason": "x"}),
    ("post", "households/{h}/information-sessions/", {"held_on": "2024-01-01", "language": "fa"}),
    ("get", "applicants/{a}/", None),
    ("patch", "applicants/{a}/", {"given_name": "Y"}),
    ("post", "applicants/{a}/remove/", {"reason": "x"}),
    ("post", "applicants/{a}/vulnerabilities/", {"category": "disability"}),
    ("post", "applicants/{a}/family-ties/", {"state": "DE", "relationship": "brother", "status_there": "resident"}),
    ("post", "applicants/{a}/cultural-ties/", {"state": "FR", "kind": "language"}),
    ("post", "applicants/{a}/consents/", {"given": True, "how_recorded": "signed_form"}),
    ("post", "applicants/{a}/eligibility/", {"eligible": True}),
    ("post", "applicants/{a}/security-exclusion/", {"reason": "x"}),
]


def _fill(value, h, a):
    if isinstance(value, str):
        return value.format(h=h, a=a)
    if isinstance(value, list):
        return [int(_fill(v, h, a)) if isinstance(v, str) else v for v in value]
    if isinstance(value, dict):
        filled = {k: _fill(v, h, a) for k, v in value.items()}
        return {k: int(v) if k == "source" else v for k, v in filled.items()}
    return value


@pytest.mark.parametrize(("method", "path", "payload"), ENDPOINTS)
def test_every_endpoint_answers_404_to_those_who_may_not_see_the_household(api_for, people, gr, method, path, payload):
    member = gr.members.first()
    for who in ("caseworker_it", "officer_de", "dublin_gr", "iom_gr", "commission", "administrator", "nobody"):
        api = api_for(people[who])
        response = getattr(api, method)(
            "/api/" + _fill(path, gr.pk, member.pk), _fill(payload, gr.pk, member.pk), format="json"
        )
        assert response.status_code == 404, who
    gr.refresh_from_db()
    assert (gr.status, gr.size, gr.site) == (S.IDENTIFIED, 4, "Ritsona")


def test_assessments_ties_and_documents_can_be_removed_with_the_rules(
    api_for, people, cw, gr, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    api = api_for(cw)
    ahmad = gr.members.get(given_name="Ahmad")
    vid = api.post(f"/api/applicants/{ahmad.pk}/vulnerabilities/", {"category": "elderly"}, format="json").json()["id"]
    fid = api.post(f"/api/applicants/{ahmad.pk}/family-ties/",
                   {"state": "BE", "relationship": "cousin", "status_there": "citizen"}, format="json").json()["id"]
    cid = api.post(f"/api/applicants/{ahmad.pk}/cultural-ties/", {"state": "FR", "kind": "study"},
                   format="json").json()["id"]
    doc = api.post(url(gr, "documents/"), {"document_type": "other", "file": SimpleUploadedFile("a.pdf", PDF)},
                   format="multipart").json()["id"]
    gr.refresh_from_db()
    assert (gr.vulnerable_members, gr.has_family_ties, gr.has_cultural_ties) == (1, True, True)
    # Another state's caseworker cannot even see them.
    other = api_for(people["caseworker_it"])
    assert other.post(f"/api/applicants/{ahmad.pk}/family-ties/{fid}/remove/").status_code == 404
    assert other.post(f"/api/documents/{doc}/remove/", {"reason": "x"}, format="json").status_code == 404
    # A reason is required where the service asks for one.
    assert api.post(f"/api/applicants/{ahmad.pk}/vulnerabilities/{vid}/remove/", {}, format="json").status_code == 400
    assert api.post(f"/api/applicants/{ahmad.pk}/vulnerabilities/{vid}/remove/", {"reason": "Error"},
                    format="json").status_code == 204
    assert api.post(f"/api/applicants/{ahmad.pk}/family-ties/{fid}/remove/").status_code == 204
    assert api.post(f"/api/applicants/{ahmad.pk}/cultural-ties/{cid}/remove/").status_code == 204
    assert api.post(f"/api/applicants/{ahmad.pk}/cultural-ties/{cid}/remove/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/documents/{doc}/remove/", {"reason": "Wrong file"}, format="json").status_code == 204
    gr.refresh_from_db()
    assert (gr.vulnerable_members, gr.has_family_ties, gr.has_cultural_ties) == (0, False, False)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))

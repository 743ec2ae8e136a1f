"""The page on which EUAA splits a household a pledging state is deciding on."""

import pytest
from django.urls import reverse

from cases.models import CaseStatus
from pledges.models import Placement


def test_a_caseworker_splits_a_proposed_household_from_the_page(people, client_for, make_proposed):
    household = make_proposed("DE")
    url = reverse("missions:split_for_decision", args=[household.pk])
    client = client_for(people["caseworker_gr"])
    assert client.get(url).status_code == 200
    zahra = household.members.get(given_name="Zahra")
    response = client.post(url, {"applicants": [zahra.pk], "reason": "Germany takes the others"})
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.status, household.size) == (CaseStatus.PROPOSED, 3)
    assert Placement.objects.get(household=household).persons == 3


def test_the_split_page_shows_field_errors_and_changes_nothing(people, client_for, make_proposed):
    household = make_proposed("DE")
    client = client_for(people["coordinator"])
    response = client.post(reverse("missions:split_for_decision", args=[household.pk]), {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"applicants", "reason"}
    household.refresh_from_db()
    assert household.size == 4


@pytest.mark.parametrize("who", ["caseworker_it", "officer_de", "officer_fr", "iom_gr", "dublin_gr", "commission"])
def test_anyone_but_euaa_of_the_operation_gets_404(people, client_for, make_proposed, who):
    household = make_proposed("DE")
    url = reverse("missions:split_for_decision", args=[household.pk])
    client = client_for(people[who])
    assert client.get(url).status_code == 404
    zahra = household.members.get(given_name="Zahra")
    assert client.post(url, {"applicants": [zahra.pk], "reason": "x"}).status_code == 404
    household.refresh_from_db()
    assert household.size == 4


def test_a_household_not_waiting_for_a_decision_has_no_split_page(people, client_for, make_accepted):
    household = make_accepted("DE")
    client = client_for(people["coordinator"])
    assert client.get(reverse("missions:split_for_decision", args=[household.pk])).status_code == 404


def test_the_case_page_sends_euaa_to_the_split_for_the_decision(people, client_for, make_proposed):
    household = make_proposed("DE")
    page = client_for(people["caseworker_gr"]).get(reverse("cases:household", args=[household.pk]))
    assert reverse("missions:split_for_decision", args=[household.pk]) in page.content.decode()
    assert reverse("cases:split", args=[household.pk]) not in page.content.decode()


def test_euaa_splits_for_the_decision_through_the_api(people, api_for, make_proposed):
    from relocation.models import AuditEvent

    household = make_proposed("DE")
    zahra = household.members.get(given_name="Zahra")
    api = api_for(people["caseworker_gr"])
    response = api.post("/api/mission-splits/", {"household": household.pk, "members": [zahra.pk],
                                                  "reason": "Germany takes the others"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    household.refresh_from_db()
    assert (body["household"], body["persons"], household.status) == (household.pk, 3, CaseStatus.PROPOSED)
    assert Placement.objects.get(household=household).persons == 3
    zahra.refresh_from_db()
    assert zahra.household_id == body["new_household"] and body["new_case_number"] == zahra.household.case_number
    assert AuditEvent.objects.filter(action="mission.split_for_decision", object_id=str(household.pk)).exists()


def test_the_split_api_refuses_bad_input_and_changes_nothing(people, api_for, make_proposed, make_accepted):
    household = make_proposed("DE")
    other = make_proposed("DE")
    api = api_for(people["coordinator"])

    def post(**body):
        return api.post("/api/mission-splits/", {"household": household.pk, "reason": "x", **body}, format="json")

    assert post(members=[]).status_code == 400
    stranger = post(members=[other.members.first().pk])
    assert stranger.status_code == 400 and "members of this household" in str(stranger.json())
    everyone = post(members=list(household.members.values_list("pk", flat=True)))
    assert everyone.status_code == 400
    assert post(members=[household.members.first().pk], reason="").status_code == 400
    accepted = make_accepted("DE")
    gone = api.post("/api/mission-splits/", {"household": accepted.pk, "members": [accepted.members.first().pk],
                                              "reason": "x"}, format="json")
    assert gone.status_code == 404  # not waiting for a decision: as if it did not exist
    household.refresh_from_db()
    assert household.size == 4 and Placement.objects.get(household=household).persons == 4


@pytest.mark.parametrize("who", ["caseworker_it", "officer_de", "officer_fr", "iom_gr", "dublin_gr", "commission"])
def test_the_split_api_answers_404_to_anyone_but_euaa_of_the_operation(people, api_for, make_proposed, who):
    household = make_proposed("DE")
    zahra = household.members.get(given_name="Zahra")
    response = api_for(people[who]).post("/api/mission-splits/", {"household": household.pk, "members": [zahra.pk],
                                                                  "reason": "x"}, format="json")
    assert response.status_code == 404, (who, response.status_code)
    household.refresh_from_db()
    assert household.size == 4


def test_the_schema_lists_the_split_for_the_decision(people, api_for):
    schema = api_for(people["coordinator"]).get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/mission-splits/" in schema and "DecisionSplitResult" in schema

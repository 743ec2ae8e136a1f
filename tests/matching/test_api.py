import pytest

from matching.models import MatchingRun, Proposal

OUTSIDERS = ["caseworker_gr", "officer_de", "officer_fr", "dublin_de", "iom_gr", "commission", "administrator",
             "nobody"]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_everyone_but_the_coordinator_gets_404_on_every_endpoint(finished_run, people, api_for, who):
    api = api_for(people[who])
    base = f"/api/matching-runs/{finished_run.pk}"
    proposal = finished_run.proposals.first()
    for method, url, data in [
        ("get", "/api/matching-runs/", None),
        ("post", "/api/matching-runs/", {"frontline_states": ["GR"]}),
        ("get", f"{base}/", None),
        ("post", f"{base}/cancel/", None),
        ("get", f"{base}/proposals/", None),
        ("get", f"{base}/unplaced/", None),
        ("post", f"{base}/confirm/", {"proposals": [proposal.pk]}),
        ("post", f"{base}/discard/", {"proposals": [proposal.pk]}),
    ]:
        response = getattr(api, method)(url, data, format="json")
        assert response.status_code == 404, (who, method, url)
    assert MatchingRun.objects.count() == 1
    assert not Proposal.objects.exclude(status="pending").exists()


def test_anonymous_gets_401_or_403(finished_run, client):
    assert client.get("/api/matching-runs/").status_code in (401, 403)


def test_start_status_and_cancel_through_the_api(small_world, people, api_for):
    api = api_for(people["coordinator"])
    response = api.post("/api/matching-runs/", {"frontline_states": ["GR"], "weights": {"family_tie": 5},
                                                "time_limit_seconds": 5}, format="json")
    assert response.status_code == 201, response.data
    run_id = response.data["id"]
    assert response.data["status"] == "queued" and response.data["weights"]["family_tie"] == 5
    assert api.get(f"/api/matching-runs/{run_id}/").data["status"] == "queued"
    assert api.post(f"/api/matching-runs/{run_id}/cancel/").data["status"] == "cancelled"
    again = api.post(f"/api/matching-runs/{run_id}/cancel/")
    assert again.status_code == 400 and "queued or running" in again.data["detail"]


def test_bad_start_is_400_with_the_rule(small_world, people, api_for):
    api = api_for(people["coordinator"])
    response = api.post("/api/matching-runs/", {"frontline_states": ["FR"]}, format="json")
    assert response.status_code == 400 and "Not a frontline state" in response.data["detail"]
    assert api.post("/api/matching-runs/", {"frontline_states": []}, format="json").status_code == 400
    assert not MatchingRun.objects.exists()


def test_proposals_confirm_and_discard_through_the_api(finished_run, people, api_for):
    api = api_for(people["coordinator"])
    base = f"/api/matching-runs/{finished_run.pk}"
    listed = api.get(f"{base}/proposals/?pledge_state=DE&sort=persons").data
    assert listed["count"] == finished_run.proposals.filter(pledge_state_id="DE").count()
    first = listed["results"][0]
    assert set(first["score_parts"]) == {"persons", "vulnerable_members", "family_tie", "cultural_tie", "waiting_time"}
    assert first["explanation"][0] == {"rule": "nationality", "text": "The pledge accepts any nationality."}
    decision = api.post(f"{base}/confirm/", {"proposals": [first["id"]]}, format="json")
    assert decision.status_code == 200 and decision.data["confirmed"] == [first["id"]]
    other = finished_run.proposals.filter(status="pending").first()
    assert api.post(f"{base}/discard/", {"proposals": [other.pk]}, format="json").data == {"discarded": 1}
    assert api.post(f"{base}/confirm/", {"proposals": []}, format="json").status_code == 400
    assert api.get(f"{base}/unplaced/").status_code == 200


def test_list_endpoints_use_a_constant_number_of_queries(finished_run, people, api_for, django_assert_max_num_queries):
    api = api_for(people["coordinator"])
    base = f"/api/matching-runs/{finished_run.pk}"
    for url in ["/api/matching-runs/", f"{base}/proposals/", f"{base}/unplaced/"]:
        with django_assert_max_num_queries(8):
            assert api.get(url).status_code == 200


def test_the_schema_lists_the_matching_endpoints(people, api_for):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    assert "/api/matching-runs/{id}/confirm/" in paths and "/api/matching-runs/{id}/proposals/" in paths


def test_the_api_confirms_at_most_500_proposals_per_request(finished_run, people, api_for):
    response = api_for(people["coordinator"]).post(
        f"/api/matching-runs/{finished_run.pk}/confirm/", {"proposals": list(range(1, 502))}, format="json"
    )
    assert response.status_code == 400
    assert not finished_run.proposals.exclude(status="pending").exists()

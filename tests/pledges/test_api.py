import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledges import services
from pledges.models import Pledge, PledgeVersion


@pytest.fixture
def pledges(make_pledge, cycle):
    return {
        "de": make_pledge(state="DE", places=100, quotas={"GR": 60}),
        "fr": make_pledge(state="FR", places=50),
        "at": services.pledge_record(cycle=cycle, state_code="AT", kind="financial", by=None,
                                     fields={"amount_eur": 1_000_000}),
    }


def test_the_commission_and_coordinators_read_every_pledge(pledges, people, api_for):
    for who in ("commission", "coordinator"):
        data = api_for(people[who]).get("/api/pledges/").json()
        assert data["count"] == 3, who


def test_officers_and_dublin_units_read_their_own_states_pledges_only(pledges, people, api_for):
    for who in ("officer_de", "dublin_de"):
        api = api_for(people[who])
        assert [p["state"] for p in api.get("/api/pledges/").json()["results"]] == ["DE"]
        assert api.get(f"/api/pledges/{pledges['fr'].pk}/").status_code == 404
    assert api_for(people["officer_fr"]).get(f"/api/pledges/{pledges['fr'].pk}/").json()["places"] == 50


@pytest.mark.parametrize("who", ["caseworker_gr", "iom_gr", "nobody", "dublin_gr"])
def test_others_get_404_or_nothing(pledges, people, api_for, who):
    response = api_for(people[who]).get("/api/pledges/")
    if who == "dublin_gr":  # a Dublin Unit of a state without pledges sees an empty list
        assert response.json()["count"] == 0
    else:
        assert response.status_code == 404
        assert api_for(people[who]).get("/api/capacity/").status_code == 404


def test_the_commission_records_and_amends_through_the_api(cycle, people, api_for):
    api = api_for(people["commission"])
    created = api.post("/api/pledges/", {"cycle": "vsm-2022", "state": "PT", "kind": "relocation", "places": 350,
                                         "quotas": {"GR": 200}, "compositions": ["single_parent"]}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["quotas"] == {"GR": 200}
    pk = created.json()["id"]
    amended = api.post(f"/api/pledges/{pk}/amend/", {"places": 400, "reason": "Extended"}, format="json")
    assert amended.status_code == 200 and amended.json()["version"] == 2
    versions = api.get(f"/api/pledges/{pk}/versions/").json()
    assert [v["number"] for v in versions] == [2, 1] and versions[0]["reason"] == "Extended"


def test_bad_api_input_answers_400_and_writes_nothing(cycle, people, api_for):
    api = api_for(people["commission"])
    response = api.post("/api/pledges/", {"cycle": "vsm-2022", "state": "PT", "kind": "relocation", "places": 10,
                                          "quotas": {"GR": 20}}, format="json")
    assert response.status_code == 400 and "quotas" in response.json()
    response = api.post("/api/pledges/", {"cycle": "vsm-2022", "state": "PT", "kind": "financial"}, format="json")
    assert response.status_code == 400 and "amount_eur" in response.json()
    response = api.post("/api/pledges/", {"cycle": "vsm-2022", "state": "PT", "kind": "relocation", "places": 5,
                                          "excluded_vulnerabilities": ["nonsense"]}, format="json")
    assert response.status_code == 400 and "excluded_vulnerabilities" in response.json()
    assert not Pledge.objects.exists() and not PledgeVersion.objects.exists()


def test_an_amendment_without_a_reason_is_refused(pledges, people, api_for):
    response = api_for(people["commission"]).post(f"/api/pledges/{pledges['de'].pk}/amend/", {"places": 1},
                                                  format="json")
    assert response.status_code == 400 and "reason" in response.json()


@pytest.mark.parametrize("who", ["coordinator", "officer_de"])
def test_only_the_commission_writes(pledges, people, api_for, who):
    api = api_for(people[who])
    assert api.post("/api/pledges/", {"cycle": "vsm-2022", "state": "DE", "kind": "relocation", "places": 1},
                    format="json").status_code == 404
    assert api.post(f"/api/pledges/{pledges['de'].pk}/amend/", {"places": 1, "reason": "x"},
                    format="json").status_code == 404


def test_capacity_lists_pledges_and_quotas(pledges, people, api_for, make_household):
    services.placement_reserve(pledge=pledges["de"], household=make_household(size=4), by=None)
    rows = {r["state"]: r for r in api_for(people["commission"]).get("/api/capacity/").json()["results"]}
    assert set(rows) == {"DE", "FR"}
    assert (rows["DE"]["proposed"], rows["DE"]["remaining"]) == (4, 96)
    assert rows["DE"]["quotas"] == [{"frontline_state": "GR", "pledged": 60, "proposed": 4, "accepted": 0,
                                     "in_transfer": 0, "relocated": 0, "remaining": 56}]


def _queries(api, url):
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/api/pledges/", "/api/capacity/"])
def test_list_endpoints_need_the_same_number_of_queries_whatever_the_page_size(pledges, people, api_for,
                                                                                make_pledge, make_household, url):
    api = api_for(people["commission"])
    api.get(url)  # the first request reads the user's roles once and keeps them
    few = _queries(api, url)
    for state in ["BE", "NL", "PT", "IE", "LU", "LT", "HR", "RO"]:
        pledge = make_pledge(state=state, places=10, quotas={"GR": 5, "IT": 5})
        services.placement_reserve(pledge=pledge, household=make_household(size=2), by=None)
    assert _queries(api, url) == few


def test_fair_shares_endpoint(pool, people, api_for):
    services.pledge_record(cycle=pool, state_code="FR", kind="relocation", by=None, fields={"places": 1000})
    api = api_for(people["commission"])
    data = api.get("/api/fair-shares/", {"cycle": "pool-2026"}).json()
    fr = next(r for r in data["rows"] if r["state"] == "FR")
    assert fr["pledged_places"] == 1000 and fr["fair_relocations"] > 3000
    assert api.get("/api/fair-shares/").status_code == 400
    assert api_for(people["officer_de"]).get("/api/fair-shares/", {"cycle": "pool-2026"}).status_code == 404


def test_dashboard_endpoint_gives_figures_to_every_figures_role(pledges, people, api_for):
    for who in ("coordinator", "caseworker_gr", "commission", "officer_de", "dublin_gr", "iom_gr"):
        data = api_for(people[who]).get("/api/dashboard/", {"as_of": "2026-12-31"}).json()
        assert data["headline"]["pledged"] == 150, who
    assert api_for(people["nobody"]).get("/api/dashboard/").status_code == 404
    assert api_for(people["commission"]).get("/api/dashboard/", {"as_of": "yesterday"}).status_code == 400
    assert api_for(people["commission"]).get("/api/dashboard/", {"cycle": "nope"}).status_code == 400


def test_the_schema_documents_every_pledges_endpoint(people, client_for):
    schema = client_for(people["coordinator"]).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/pledges/", "/api/pledges/{id}/amend/", "/api/pledges/{id}/versions/", "/api/capacity/",
                 "/api/fair-shares/", "/api/dashboard/", "/api/cycles/"):
        assert path in schema["paths"], path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pledges import services
from pledges.models import Pledge, PledgeQuota

REGISTRY_PAGES = ["pledges:registry", "pledges:fair_shares"]


@pytest.mark.parametrize("url_name", REGISTRY_PAGES)
def test_registry_pages_are_for_the_commission_and_coordinators_only(people, client_for, cycle, url_name):
    for who in ("commission", "coordinator"):
        assert client_for(people[who]).get(reverse(url_name)).status_code == 200, who
    for who in ("caseworker_gr", "officer_de", "dublin_gr", "iom_gr", "nobody", "administrator"):
        assert client_for(people[who]).get(reverse(url_name)).status_code == 404, who


def test_only_the_commission_records_and_amends(people, client_for, make_pledge):
    pledge = make_pledge(places=10)
    for who in ("coordinator", "officer_de", "caseworker_gr", "nobody"):
        client = client_for(people[who])
        assert client.get(reverse("pledges:record")).status_code == 404, who
        assert client.post(reverse("pledges:amend", args=[pledge.pk]), {"reason": "x"}).status_code == 404, who
    page = client_for(people["coordinator"]).get(reverse("pledges:detail", args=[pledge.pk]))
    assert page.status_code == 200 and b"Amend this pledge" not in page.content
    assert client_for(people["officer_de"]).get(reverse("pledges:detail", args=[pledge.pk])).status_code == 404


def test_the_commission_records_a_pledge_with_quotas_and_criteria(people, client_for, cycle):
    client = client_for(people["commission"])
    response = client.post(reverse("pledges:record"), {
        "cycle": cycle.pk, "state": "PT", "kind": "relocation", "places": "350", "status": "open",
        "quota_GR": "200", "quota_CY": "100", "compositions": ["family_with_children", "single_parent"],
        "nationalities": ["AF", "SY"], "excluded_vulnerabilities": ["serious_illness"], "languages": ["pt", "en"],
    })
    pledge = Pledge.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("pledges:detail", args=[pledge.pk])
    assert pledge.places == 350 and pledge.nationalities == ["AF", "SY"]
    assert dict(pledge.quotas.values_list("frontline_state_id", "places")) == {"GR": 200, "CY": 100}
    detail = client.get(response["Location"]).content.decode()
    assert "Quota for GR" in detail and "AF, SY" in detail


def test_a_bad_pledge_form_shows_the_error_at_the_field_and_writes_nothing(people, client_for, cycle):
    client = client_for(people["commission"])
    response = client.post(reverse("pledges:record"), {
        "cycle": cycle.pk, "state": "PT", "kind": "relocation", "places": "100", "status": "open",
        "quota_GR": "80", "quota_IT": "80",
    })
    assert response.status_code == 200
    assert "add up to 160 places" in response.content.decode()
    response = client.post(reverse("pledges:record"), {"cycle": cycle.pk, "state": "PT", "kind": "alternative",
                                                       "amount_eur": "100", "status": "open"})
    assert 'id="id_description_error"' in response.content.decode()
    assert not Pledge.objects.exists() and not PledgeQuota.objects.exists()


def test_an_amendment_through_the_page_needs_a_reason_and_shows_in_the_history(people, client_for, make_pledge):
    pledge = make_pledge(places=100, quotas={"GR": 50})
    client = client_for(people["commission"])
    form = {"places": "120", "status": "open", "quota_GR": "50", "quota_IT": "70"}
    response = client.post(reverse("pledges:amend", args=[pledge.pk]), form)
    assert response.status_code == 200 and 'id="id_reason_error"' in response.content.decode()
    response = client.post(reverse("pledges:amend", args=[pledge.pk]), {**form, "reason": "Parliament approved more"})
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.places == 120 and pledge.version == 2
    history = client.get(reverse("pledges:detail", args=[pledge.pk])).content.decode()
    assert "Parliament approved more" in history and "100 → 120" in history


def test_the_registry_filters_and_shows_capacity(people, client_for, make_pledge, make_household):
    de = make_pledge(state="DE", places=10)
    make_pledge(state="FR", places=20)
    services.placement_reserve(pledge=de, household=make_household(size=3), by=None)
    client = client_for(people["commission"])
    page = client.get(reverse("pledges:registry"), {"state": "DE"}).content.decode()
    assert ">Germany</a>" in page and ">France</a>" not in page
    assert '<td class="num">7</td>' in page  # remaining


def _count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_the_registry_needs_the_same_number_of_queries_whatever_the_page_size(people, client_for, make_pledge,
                                                                               make_household):
    client = client_for(people["commission"])
    make_pledge(state="DE", places=10, quotas={"GR": 5})
    few = _count_queries(client, reverse("pledges:registry"))
    for state in ["FR", "BE", "NL", "PT", "IE", "LU", "LT", "HR", "RO", "BG", "NO", "CH"]:
        pledge = make_pledge(state=state, places=10, quotas={"GR": 5, "IT": 5})
        services.placement_reserve(pledge=pledge, household=make_household(size=2), by=None)
    assert _count_queries(client, reverse("pledges:registry")) == few


def test_fair_shares_follow_annex_i(people, client_for, pool):
    services.pledge_record(cycle=pool, state_code="DE", kind="relocation", by=None, fields={"places": 2000})
    services.pledge_record(cycle=pool, state_code="AT", kind="financial", by=None, fields={"amount_eur": 40_000_000})
    services.pledge_record(cycle=pool, state_code="NO", kind="relocation", by=None, fields={"places": 100})
    from pledges.selectors import fair_shares

    table = fair_shares(pool)
    in_key = [r for r in table.rows if r.in_key]
    assert len(in_key) == 27
    assert abs(sum(r.key for r in in_key) - 100) < 0.01
    assert abs(sum(r.fair_relocations for r in in_key) - 30_000) <= 27
    de = next(r for r in table.rows if r.state == "DE")
    assert 20 < de.key < 23  # about 18.6% of the population and 24.5% of the GDP
    assert abs(de.fair_relocations - float(de.key) * 300) < 2
    at = next(r for r in table.rows if r.state == "AT")
    assert at.equivalent_relocations == 2000  # EUR 40 million at EUR 20,000 a relocation
    no = next(r for r in table.rows if r.state == "NO")
    assert not no.in_key and no.pledged_places == 100
    page = client_for(people["commission"]).get(reverse("pledges:fair_shares"), {"cycle": "pool-2026"})
    assert "Germany" in page.content.decode() and "30,000" in page.content.decode()


def test_the_fair_share_counts_the_whole_pool_in_relocation_equivalents(pool):
    from pledges.selectors import fair_shares

    services.pledge_record(cycle=pool, state_code="AT", kind="financial", by=None, fields={"amount_eur": 40_000_000})
    at = next(r for r in fair_shares(pool).rows if r.state == "AT")
    # 30,000 relocations + EUR 600 million / EUR 20,000 = 60,000 relocation equivalents.
    assert abs(at.fair_equivalents - float(at.key) * 600) < 2
    assert abs(float(at.percent_of_fair_share) - 2000 * 100 / at.fair_equivalents) < 0.1

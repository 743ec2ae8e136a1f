import pytest
from django.urls import reverse

from cases.models import CaseStatus, Household
from matching import services
from matching.models import MatchingRun, Proposal

OUTSIDERS = ["caseworker_gr", "officer_de", "officer_fr", "dublin_de", "iom_gr", "commission", "administrator",
             "nobody"]


def _pages(run, proposal):
    return [
        ("get", reverse("matching:run_list")),
        ("post", reverse("matching:run_list")),
        ("get", reverse("matching:run_compare") + f"?a={run.pk}&b={run.pk}"),
        ("get", reverse("matching:run_detail", args=[run.pk])),
        ("get", reverse("matching:run_status", args=[run.pk])),
        ("post", reverse("matching:run_cancel", args=[run.pk])),
        ("get", reverse("matching:run_review", args=[run.pk])),
        ("post", reverse("matching:run_review", args=[run.pk])),
        ("get", reverse("matching:run_unplaced", args=[run.pk])),
        ("get", reverse("matching:run_input", args=[run.pk])),
    ]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_everyone_but_the_coordinator_gets_404_on_every_matching_page(finished_run, people, client_for, who):
    proposal = finished_run.proposals.filter(pledge_state_id="DE").first()
    client = client_for(people[who])
    for method, url in _pages(finished_run, proposal):
        data = {"one": f"confirm:{proposal.pk}"} if method == "post" else None
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (who, method, url)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PENDING


def test_a_missing_run_is_404_for_the_coordinator(people, client_for, db):
    assert client_for(people["coordinator"]).get(reverse("matching:run_detail", args=[99999])).status_code == 404


def test_the_coordinator_starts_a_run_from_the_page(small_world, people, client_for, django_capture_on_commit_callbacks):
    client = client_for(people["coordinator"])
    assert client.get(reverse("matching:run_list")).status_code == 200
    data = {"frontline_states": ["GR"], "time_limit_seconds": 5, "note": "test",
            "weight_person": 1, "weight_vulnerable_member": 2, "weight_family_tie": 3, "weight_cultural_tie": 1,
            "weight_waiting_month": 0.1}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("matching:run_list"), data)
    run = MatchingRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("matching:run_detail", args=[run.pk])
    assert len(callbacks) == 1  # the task is enqueued once the transaction commits
    page = client.get(response.url)
    assert b"every 1s" in page.content and b"Queued" in page.content


def test_bad_start_input_shows_field_errors_and_queues_nothing(small_world, people, client_for):
    client = client_for(people["coordinator"])
    response = client.post(reverse("matching:run_list"), {"frontline_states": ["XX"], "time_limit_seconds": 0})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"frontline_states", "time_limit_seconds"}
    assert not MatchingRun.objects.exists()


def test_the_run_page_shows_figures_and_stops_polling_when_finished(finished_run, people, client_for):
    page = client_for(people["coordinator"]).get(reverse("matching:run_detail", args=[finished_run.pk]))
    assert page.status_code == 200
    assert b"every 1s" not in page.content
    assert finished_run.input_sha256.encode() in page.content


def test_review_confirms_one_by_one_and_in_bulk_by_filter(finished_run, people, client_for):
    client = client_for(people["coordinator"])
    url = reverse("matching:run_review", args=[finished_run.pk])
    first = finished_run.proposals.filter(pledge_state_id="FR").first()
    response = client.post(url, {"one": f"confirm:{first.pk}"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == "confirmed"
    response = client.post(url, {"action": "confirm_filtered", "pledge_state": "DE"}, follow=True)
    de = finished_run.proposals.filter(pledge_state_id="DE")
    assert de.exists() and all(p.status == "confirmed" for p in de)
    assert set(Household.objects.filter(destination_state_id="DE").values_list("pk", flat=True)) == set(
        de.values_list("household_id", flat=True)
    )
    assert "confirmed" in response.content.decode()


def test_review_discards_selected(finished_run, people, client_for):
    ids = list(finished_run.proposals.values_list("pk", flat=True)[:2])
    client_for(people["coordinator"]).post(
        reverse("matching:run_review", args=[finished_run.pk]), {"action": "discard", "proposal": ids}
    )
    assert set(Proposal.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"discarded"}
    assert Household.objects.filter(status=CaseStatus.PROPOSED).count() == 0


def test_review_warns_about_a_stale_proposal(finished_run, people, client_for):
    proposal = finished_run.proposals.first()
    Household.objects.filter(pk=proposal.household_id).update(version=50)
    response = client_for(people["coordinator"]).post(
        reverse("matching:run_review", args=[finished_run.pk]), {"one": f"confirm:{proposal.pk}"}, follow=True
    )
    assert "Stale, not confirmed" in response.content.decode()


def test_review_page_queries_do_not_grow_with_the_page(finished_run, people, client_for, django_assert_max_num_queries):
    client = client_for(people["coordinator"])
    url = reverse("matching:run_review", args=[finished_run.pk])
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url + "?sort=persons")
    n_small = len(few.captured_queries)
    # Many more proposals: the same number of queries.
    template = finished_run.proposals.first()
    from tests.matching import builders

    extra = [builders.household(adults=1) for _ in range(8)]
    Proposal.objects.bulk_create([
        Proposal(run=finished_run, household=h, pledge_id=template.pledge_id, pledge_state_id=template.pledge_state_id,
                 frontline_state_id="GR", persons=1, value=1.0, score_parts=template.score_parts,
                 explanation=template.explanation) for h in extra
    ])
    with django_assert_max_num_queries(n_small) as many:
        client.get(url + "?sort=persons")
    assert len(many.captured_queries) == n_small


def test_unplaced_and_compare_pages(finished_run, people, client_for):
    client = client_for(people["coordinator"])
    assert client.get(reverse("matching:run_unplaced", args=[finished_run.pk])).status_code == 200
    assert client.get(reverse("matching:run_unplaced", args=[finished_run.pk]) + "?reason=places_exhausted").status_code == 200
    response = client.get(reverse("matching:run_compare") + f"?a={finished_run.pk}&b={finished_run.pk}")
    assert response.status_code == 200 and response.context["comparison"].unchanged == finished_run.proposals.count()


def test_cancel_from_the_page(small_world, people, client_for):
    run = services.run_start(by=people["coordinator"], frontline_states=["GR"])
    client_for(people["coordinator"]).post(reverse("matching:run_cancel", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "cancelled"


def test_the_coordinator_lands_on_matching(people, client_for, db):
    response = client_for(people["coordinator"]).get("/")
    assert response.status_code == 302 and response.url == reverse("matching:run_list")


def test_the_run_list_queries_do_not_grow_with_the_number_of_runs(finished_run, people, client_for,
                                                                  django_assert_max_num_queries):
    client = client_for(people["coordinator"])
    url = reverse("matching:run_list")
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        assert client.get(url).status_code == 200
    for _ in range(5):
        services.run_start(by=people["coordinator"], frontline_states=["GR"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["runs"]) == 6


def test_deciding_returns_to_the_same_filtered_review(finished_run, people, client_for):
    proposal = finished_run.proposals.filter(pledge_state_id="DE").first()
    url = reverse("matching:run_review", args=[finished_run.pk])
    response = client_for(people["coordinator"]).post(
        url, {"one": f"discard:{proposal.pk}", "back": "pledge_state=DE&sort=persons\r\nX-Evil: 1"}
    )
    assert response.status_code == 302
    assert response.url.startswith(url + "?pledge_state=DE&sort=persons") and "\n" not in response.url


def test_review_filters_by_pledge(finished_run, people, client_for):
    de = finished_run.proposals.filter(pledge_state_id="DE").first().pledge_id
    response = client_for(people["coordinator"]).get(
        reverse("matching:run_review", args=[finished_run.pk]) + f"?pledge={de}"
    )
    shown = {p.pledge_id for p in response.context["proposals"]}
    assert shown == {de}


def test_a_bulk_confirmation_is_capped_per_request(finished_run, people, client_for, monkeypatch):
    monkeypatch.setattr(services, "MAX_CONFIRM_PER_REQUEST", 1)
    best = finished_run.proposals.order_by("-value", "pk").first()
    response = client_for(people["coordinator"]).post(
        reverse("matching:run_review", args=[finished_run.pk]), {"action": "confirm_filtered"}, follow=True
    )
    assert list(finished_run.proposals.filter(status="confirmed")) == [best]
    assert "confirm again for the rest" in response.content.decode()

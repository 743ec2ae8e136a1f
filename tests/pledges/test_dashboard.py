import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Applicant, StatusChange
from pledges import services
from pledges.figures import Dashboard

from .conftest import build_household

DASHBOARD_ROLES = ["coordinator", "caseworker_gr", "commission", "officer_de", "dublin_gr", "iom_gr"]


def at(day: str, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour)))


def relocate(pledge, *, size, frontline="GR", proposed, accepted, transfer, relocated, history=True):
    """A household through the ledger (and its status history in cases) on the given days."""
    household = build_household(size=size, frontline=frontline, status="relocated",
                                destination=pledge.state_id)
    Applicant.objects.create(household=household, frontline_state_id=frontline, given_name="Amina",
                             family_name="Haidari", date_of_birth=dt.date(1990, 1, 1), sex="female",
                             nationality_id="AF", relationship_to_principal="principal")
    placement = services.placement_reserve(pledge=pledge, household=household, by=None, at=at(proposed))
    services.placement_advance(placement=placement, stage="accepted", by=None, at=at(accepted))
    services.placement_advance(placement=placement, stage="in_transfer", by=None, at=at(transfer))
    services.placement_advance(placement=placement, stage="relocated", by=None, at=at(relocated))
    if history:
        steps = [("available", "2023-01-01"), ("proposed", proposed), ("accepted", accepted),
                 ("transfer_pending", transfer), ("relocated", relocated)]
        StatusChange.objects.bulk_create(
            StatusChange(household=household, from_status=prev[0] if prev else "", to_status=status, at=at(day))
            for prev, (status, day) in zip([None, *steps], steps, strict=False)
        )
    return household


@pytest.fixture
def world(cycle, make_pledge):
    de = make_pledge(state="DE", places=100, quotas={"GR": 60, "IT": 20}, effective_at=at("2022-07-01"))
    fr = make_pledge(state="FR", places=50, effective_at=at("2022-07-01"))
    relocate(de, size=4, proposed="2023-01-10", accepted="2023-02-10", transfer="2023-03-01", relocated="2023-03-20")
    relocate(de, size=2, frontline="IT", proposed="2023-02-01", accepted="2023-02-21", transfer="2023-03-03",
             relocated="2023-05-05")
    relocate(fr, size=3, proposed="2023-01-05", accepted="2023-01-15", transfer="2023-01-25", relocated="2023-02-04")
    waiting = build_household(size=5, status="proposed", destination="FR")
    services.placement_reserve(pledge=fr, household=waiting, by=None, at=at("2023-04-01"))
    build_household(size=1, status="identified")
    return {"de": de, "fr": fr}


def test_headline_figures_add_up(world):
    board = Dashboard(cycle=world["de"].cycle)
    assert board.headline["pledged"] == 150
    assert board.headline["relocated"] == 9
    assert board.headline["relocated_households"] == 3
    assert board.headline["in_pipeline"] == 5
    assert str(board.headline["percent"]) == "6.0"
    states = {row["state"]: row for row in board.pledging_states}
    assert (states["DE"]["pledged"], states["DE"]["relocated"]) == (100, 6)
    assert (states["FR"]["pledged"], states["FR"]["relocated"], states["FR"]["in_pipeline"]) == (50, 3, 5)


def test_frontline_states_show_quotas_and_relocations(world):
    rows = {row["state"]: row for row in Dashboard(cycle=world["de"].cycle).frontline_states}
    assert (rows["GR"]["pledged"], rows["GR"]["relocated"], rows["GR"]["in_pipeline"]) == (60, 7, 5)
    assert (rows["IT"]["pledged"], rows["IT"]["relocated"]) == (20, 2)
    assert rows["—"]["pledged"] == 20 + 50  # DE's unallocated places and all of FR's


def test_cumulative_relocations_month_by_month(world):
    board = Dashboard(cycle=world["de"].cycle, as_of=dt.date(2023, 6, 30))
    assert board.monthly == [
        {"month": "2023-02", "relocated": 3, "cumulative": 3},
        {"month": "2023-03", "relocated": 4, "cumulative": 7},
        {"month": "2023-04", "relocated": 0, "cumulative": 7},
        {"month": "2023-05", "relocated": 2, "cumulative": 9},
        {"month": "2023-06", "relocated": 0, "cumulative": 9},
    ]


def test_figures_as_of_a_date_use_the_pledge_version_and_ledger_of_that_day(world, people):
    services.pledge_amend(pledge=world["fr"], changes={"places": 80}, by=people["commission"], reason="More",
                          effective_at=timezone.now())
    before = Dashboard(cycle=world["de"].cycle, as_of=dt.date(2023, 3, 25))
    assert before.headline["pledged"] == 150  # FR's amendment takes effect later
    assert before.headline["relocated"] == 7
    assert before.headline["in_pipeline"] == 2  # DE's Italian household, in transfer
    assert Dashboard(cycle=world["de"].cycle).headline["pledged"] == 180


def test_the_pipeline_counts_households_and_persons_per_stage_now_and_then(world):
    now = {row["status"]: row for row in Dashboard(cycle=world["de"].cycle).pipeline}
    assert (now["relocated"]["households"], now["relocated"]["persons"]) == (3, 9)
    assert (now["proposed"]["households"], now["proposed"]["persons"]) == (1, 5)
    assert now["identified"]["households"] == 1
    then = {row["status"]: row for row in Dashboard(cycle=world["de"].cycle, as_of=dt.date(2023, 2, 15)).pipeline}
    assert (then["relocated"]["households"], then["accepted"]["households"], then["proposed"]["households"]) == (1, 1, 1)


def test_median_days_at_each_stage(world):
    rows = {row["status"]: row for row in Dashboard(cycle=world["de"].cycle).stage_days}
    # Days from "proposed" to the next change: 31, 20 and 10 -> median 20.
    assert str(rows["proposed"]["median_days"]) == "20.0" and rows["proposed"]["stays"] == 3
    assert rows["identified"]["median_days"] is None


@pytest.mark.parametrize("who", DASHBOARD_ROLES)
def test_every_role_that_may_see_figures_sees_the_dashboard_but_no_person(world, people, client_for, who):
    page = client_for(people[who]).get(reverse("pledges:dashboard")).content.decode()
    assert 'id="headline-relocated">9<' in page
    assert 'role="img"' in page and "<title id=" in page and "<desc id=" in page
    assert "Haidari" not in page and "Amina" not in page and "T-GR-" not in page and "T-IT-" not in page


@pytest.mark.parametrize("who", ["nobody", "administrator"])
def test_users_without_a_figures_role_get_404(world, people, client_for, who):
    client = client_for(people[who])
    assert client.get(reverse("pledges:dashboard")).status_code == 404
    assert client.get(reverse("pledges:dashboard_csv", args=["headline"])).status_code == 404


@pytest.mark.parametrize("slug", ["headline", "pledging-states", "frontline-states", "monthly", "pipeline",
                                  "stage-days"])
def test_each_figure_exports_as_csv(world, people, client_for, slug):
    response = client_for(people["commission"]).get(reverse("pledges:dashboard_csv", args=[slug]),
                                                    {"as_of": "2023-12-31"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) >= 2
    body = response.content.decode()
    assert "Haidari" not in body and "T-GR-" not in body


def test_an_unknown_figure_is_404(world, people, client_for):
    assert client_for(people["commission"]).get("/pledges/dashboard/people.csv").status_code == 404


def test_a_bad_date_falls_back_to_today_with_an_error(world, people, client_for):
    page = client_for(people["commission"]).get(reverse("pledges:dashboard"), {"as_of": "31/31/2023"})
    assert page.status_code == 200 and 'class="error"' in page.content.decode()


def _queries(client, url, params):
    # Catching the stays read model up with new status changes is work proportional to what is
    # new, not to what is there: done before measuring, as it would be by an earlier visitor.
    services.stage_stays_sync()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"as_of": "2023-03-31"}])
def test_the_dashboard_query_count_does_not_grow_with_the_data(world, people, client_for, make_pledge, params):
    client = client_for(people["commission"])
    url = reverse("pledges:dashboard")
    few = _queries(client, url, params)
    api_few = _queries(client, "/api/dashboard/", params)
    for state in ["BE", "NL", "PT", "IE", "LU", "LT", "HR", "RO", "BG", "NO", "CH"]:
        pledge = make_pledge(state=state, places=30, quotas={"GR": 10, "CY": 10})
        for size in (1, 2, 3):
            relocate(pledge, size=size, proposed="2023-01-02", accepted="2023-01-20", transfer="2023-02-01",
                     relocated="2023-03-01")
        services.pledge_amend(pledge=pledge, changes={"places": 40}, by=None, reason="More")
    assert _queries(client, url, params) == few
    assert _queries(client, "/api/dashboard/", params) == api_few
    assert few <= 20


def test_the_stays_read_model_follows_the_status_history_even_out_of_order(world):
    from pledges.models import StageStay

    services.stage_stays_sync()
    household = build_household(size=2, status="informed")
    first = StatusChange.objects.create(household=household, to_status="identified", at=at("2023-01-01"))
    third = StatusChange.objects.create(household=household, from_status="informed", to_status="assessed",
                                        at=at("2023-01-21"))
    assert services.stage_stays_sync() == 1
    # A change committed late, between the two others.
    StatusChange.objects.create(household=household, from_status="identified", to_status="informed",
                                at=at("2023-01-11"))
    assert services.stage_stays_sync() == 1
    assert services.stage_stays_sync() == 0
    stays = list(StageStay.objects.filter(household=household).order_by("entered_at"))
    assert [(s.status, s.hours) for s in stays] == [("identified", 240), ("informed", 240), ("assessed", None)]
    assert stays[0].status_change_id == first.pk and stays[2].status_change_id == third.pk


def test_the_median_of_counted_values():
    from pledges.figures import _median_of_counts

    assert _median_of_counts([(1, 1), (5, 1), (9, 1)], 3) == 5
    assert _median_of_counts([(1, 2), (5, 2)], 4) == 3
    assert _median_of_counts([(7, 10)], 10) == 7


def _months_in_step():
    from pledges.models import StageStay, StageStayMonth

    closed = StageStay.objects.filter(left_at__isnull=False).values_list("status", "left_at", "hours")
    expected = services._month_counts(closed)
    actual = {(r.status, r.month, r.days): r.stays for r in StageStayMonth.objects.all()}
    return expected == actual


def test_monthly_histograms_stay_in_step_with_the_stays_and_give_the_same_medians(world):
    import statistics

    from pledges.figures import _median_days_per_stage, end_of_day
    from pledges.models import StageStay

    services.stage_stays_sync()
    assert _months_in_step()
    household = build_household(size=1, status="assessed")
    for status, day in (("identified", "2023-01-30"), ("informed", "2023-02-03"), ("assessed", "2023-03-15")):
        StatusChange.objects.create(household=household, to_status=status, at=at(day))
    services.stage_stays_sync()
    StatusChange.objects.create(household=household, to_status="informed", at=at("2023-02-01"))  # late
    services.stage_stays_sync()
    assert _months_in_step()
    for day in ("2023-01-31", "2023-02-14", "2023-03-20", "2023-05-05", "2024-01-01"):
        end = end_of_day(dt.date.fromisoformat(day))
        raw: dict[str, list[int]] = {}
        for status, hours in StageStay.objects.filter(left_at__lt=end).values_list("status", "hours"):
            raw.setdefault(status, []).append(hours // 24)
        expected = {status: (statistics.median(values), len(values)) for status, values in raw.items()}
        fast = _median_days_per_stage(end)
        assert {s: (float(m), n) for s, (m, n) in fast.items()} == {s: (float(m), n) for s, (m, n) in expected.items()}, day


def test_the_scheduled_task_catches_the_stays_up_once(world):
    from pledges.tasks import sync_stage_stays

    sync_stage_stays()
    household = build_household(size=2, status="identified")
    StatusChange.objects.create(household=household, to_status="identified", at=at("2023-01-01"))
    assert sync_stage_stays() == 1
    assert sync_stage_stays() == 0

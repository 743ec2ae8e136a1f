"""A real Celery worker process on Redis against PostgreSQL (marked ``worker``)."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cases.models import CaseStatus, Household
from matching import services
from matching.models import MatchingRun, Proposal
from matching.tasks import solve_run
from pledges.models import Placement
from relocation.models import AuditEvent
from tests.conftest import wait_for
from tests.matching import builders


def _world():
    builders.pledge("DE", places=8, quotas={"GR": 8})
    builders.pledge("FR", places=4)
    for i in range(6):
        builders.household(adults=1 + i % 2, children=i % 3, family_ties=("DE",) if i == 0 else ())


def _finished(run_id):
    run = MatchingRun.objects.get(pk=run_id)
    return run if run.status in MatchingRun.FINISHED else None


@pytest.mark.worker
def test_a_run_goes_from_queued_to_succeeded_in_the_worker(people, celery_worker_process):
    _world()
    with transaction.atomic():
        run = services.run_start(by=people["coordinator"], frontline_states=["GR"], time_limit_seconds=10)
        assert run.status == MatchingRun.Status.QUEUED
    run = wait_for(lambda: _finished(run.pk), timeout=60)
    assert run.status == MatchingRun.Status.SUCCEEDED, run.error
    assert run.started_at <= run.finished_at and run.heartbeat_at is not None
    assert run.proposals.count() == run.counts["placed_households"] > 0


@pytest.mark.worker
def test_a_task_delivered_twice_creates_one_set_of_proposals(people, celery_worker_process):
    _world()
    with transaction.atomic():
        run = services.run_start(by=people["coordinator"], frontline_states=["GR"], time_limit_seconds=10)
    solve_run.delay(run.pk)
    solve_run.delay(run.pk)
    run = wait_for(lambda: _finished(run.pk), timeout=60)
    assert run.status == MatchingRun.Status.SUCCEEDED, run.error
    # The later deliveries run after the first on the solo pool; give them time to (not) act.
    marker = MatchingRun.objects.create(
        started_by=people["coordinator"], frontline_states=["GR"], weights={}, status=MatchingRun.Status.QUEUED
    )
    solve_run.delay(marker.pk)
    wait_for(lambda: _finished(marker.pk), timeout=60)
    assert Proposal.objects.filter(run=run).count() == run.counts["placed_households"]
    assert AuditEvent.objects.filter(action="matching.run.succeed", object_id=str(run.pk)).count() == 1


@pytest.fixture
def slow_worker(transactional_db, monkeypatch, request):
    """A worker whose runs pause 60 s after building their input (a stand-in for a huge instance)."""
    monkeypatch.setenv(services.PAUSE_ENV, "60")
    return request.getfixturevalue("celery_worker_process")


@pytest.mark.worker
def test_a_worker_killed_mid_run_leaves_a_failed_run_and_no_proposals(slow_worker, people):
    _world()
    with transaction.atomic():
        run = services.run_start(by=people["coordinator"], frontline_states=["GR"], time_limit_seconds=10)
    wait_for(lambda: MatchingRun.objects.filter(pk=run.pk, status="running").exclude(input_sha256="").exists(),
             timeout=60)
    slow_worker.kill()
    slow_worker.wait(timeout=10)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.RUNNING  # nobody knows yet
    # The reaper (a beat job) fails it once the heartbeat is older than its timeout.
    wait_for(lambda: services.fail_stale_runs(stale_after_seconds=1), timeout=20, interval=0.5)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.FAILED and "stopped responding" in run.error
    assert not Proposal.objects.filter(run=run).exists() and not run.unplaced.exists()


@pytest.mark.postgres
def test_two_coordinators_confirming_overlapping_proposals_never_exceed_a_pledges_places(
    people, make_user, transactional_db
):
    pledge = builders.pledge("DE", places=10)
    households = [builders.household(adults=2) for _ in range(8)]
    coordinators = [people["coordinator"], make_user("coordinator")]
    runs = []
    for chosen in (households[:5], households[2:]):  # households 3-5 are in both runs
        now = timezone.now()
        run = MatchingRun.objects.create(
            started_by=coordinators[0], frontline_states=["GR"], weights={}, status="succeeded", started_at=now,
            finished_at=now, input_snapshot={}, input_sha256="0" * 64, objective=0.0,
        )
        Proposal.objects.bulk_create([
            Proposal(run=run, household=h, pledge=pledge, pledge_state_id="DE", frontline_state_id="GR", persons=2,
                     value=2.0) for h in chosen
        ])
        runs.append(run)
    barrier = threading.Barrier(2)
    outcomes = {}

    def confirm(i):
        try:
            barrier.wait()
            run = runs[i]
            outcomes[i] = services.proposals_confirm(
                run=run, proposal_ids=list(run.proposals.values_list("pk", flat=True)), by=coordinators[i]
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert set(outcomes) == {0, 1}
    active = Placement.objects.filter(pledge=pledge, released_at__isnull=True)
    assert sum(active.values_list("persons", flat=True)) <= 10
    assert active.count() == len(set(active.values_list("household_id", flat=True)))  # no household twice
    confirmed = sum(len(o.confirmed) for o in outcomes.values())
    assert confirmed == active.count() == 5  # the pledge is full, not over
    assert Household.objects.filter(status=CaseStatus.PROPOSED).count() == 5
    # Every other proposal (11 in all) was refused as stale: household taken or places gone.
    assert confirmed + sum(len(o.stale) for o in outcomes.values()) == 11

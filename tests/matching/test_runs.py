import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from cases.models import CaseStatus, Household
from matching import inputs, services
from matching.engine import parse_instance
from matching.models import MatchingRun, UnplacedHousehold
from pledges.models import Placement, Pledge
from relocation.models import AuditEvent, Notification
from tests.matching import builders


def test_the_input_has_exactly_the_contract_shape(small_world):
    built = inputs.build_instance(frontline_states=["GR"])
    doc = built.instance
    assert set(doc) == {"format", "weights", "households", "pledges"}
    assert doc["format"] == "relocation-matching/1"
    assert len(doc["households"]) == 6  # the Italian household is not in a run for Greece
    keys = {"id", "frontline_state", "size", "vulnerable_members", "nationality", "composition",
            "vulnerabilities", "languages", "family_ties", "cultural_ties", "waiting_days", "excluded_states"}
    assert all(set(h) == keys for h in doc["households"])
    assert all(set(p) == {"id", "state", "capacity", "quotas", "criteria"} for p in doc["pledges"])
    tied = next(h for h in doc["households"] if h["family_ties"])
    assert tied["family_ties"] == ["DE"] and tied["size"] == 3
    vulnerable = next(h for h in doc["households"] if h["vulnerabilities"])
    assert vulnerable["vulnerabilities"] == ["single_parent"] and vulnerable["vulnerable_members"] == 1
    parse_instance(doc)  # the engine accepts it


def test_the_input_leaves_out_households_not_available_and_counts_places_already_taken(small_world, people):
    builders.household(status=CaseStatus.ELIGIBLE)
    rejected = builders.household(adults=1)
    rejected.excluded_states.add("FR")
    holder = builders.household(adults=2, status=CaseStatus.PROPOSED, destination="DE")
    Placement.objects.create(pledge=small_world["de"], frontline_state_id="GR", household=holder, persons=2)
    Pledge.objects.create(cycle=builders.cycle(), state_id="NL", kind="relocation", places=5, status="closed")
    doc = inputs.build_instance(frontline_states=["GR"]).instance
    assert len(doc["households"]) == 7
    row = next(h for h in doc["households"] if h["id"] == inputs.household_key(rejected.pk))
    assert row["excluded_states"] == ["FR"]
    de = next(p for p in doc["pledges"] if p["state"] == "DE")
    assert de["capacity"] == 6 and de["quotas"] == {"GR": 6}
    assert {p["state"] for p in doc["pledges"]} == {"DE", "FR"}


def test_a_run_goes_from_queued_to_succeeded_with_proposals_explanations_and_figures(finished_run):
    run = finished_run
    assert run.input_sha256 == inputs.sha256_of(run.input_snapshot)
    assert run.objective >= run.greedy_objective
    assert run.bound >= run.objective and run.gap >= 0
    proposals = list(run.proposals.all())
    assert proposals
    assert run.counts["placed_households"] == len(proposals)
    assert run.counts["placed_households"] + sum(run.counts["unplaced"].values()) == run.counts["households"]
    per_pledge = {f["state"]: f for f in run.counts["per_pledge"]}
    assert per_pledge["DE"]["persons"] <= 8 and per_pledge["FR"]["persons"] <= 4
    tied = next(p for p in proposals if p.family_tie)
    assert tied.pledge_state_id == "DE" and tied.score_parts["family_tie"] == 9.0
    assert {c["rule"] for c in tied.explanation} >= {"nationality", "composition", "frontline_state_quota"}
    texts = [c["text"] for c in tied.criteria_met]
    assert "The pledge accepts any nationality." in texts
    assert any(t.startswith("Quota for GR: 8 places left") for t in texts)
    assert set(run.timings) == {"build_seconds", "solve_seconds", "store_seconds", "solve_parts"}
    assert UnplacedHousehold.objects.filter(run=run).count() == run.counts["households"] - len(proposals)


def test_a_second_delivery_does_nothing(finished_run):
    count = finished_run.proposals.count()
    assert services.run_execute(run_id=finished_run.pk) is False
    assert finished_run.proposals.count() == count


def test_a_run_cancelled_while_running_stores_nothing(small_world, people, monkeypatch):
    run = services.run_start(by=people["coordinator"], frontline_states=["GR"])
    real_store = services._store

    def cancel_then_store(**kwargs):
        services.run_cancel(run=MatchingRun.objects.get(pk=run.pk), by=people["coordinator"])
        return real_store(**kwargs)

    monkeypatch.setattr(services, "_store", cancel_then_store)
    assert services.run_execute(run_id=run.pk) is False
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.CANCELLED
    assert not run.proposals.exists() and not run.unplaced.exists()


def test_a_cancelled_queued_run_is_never_started(small_world, people):
    run = services.run_start(by=people["coordinator"], frontline_states=["GR"])
    services.run_cancel(run=run, by=people["coordinator"])
    assert services.run_execute(run_id=run.pk) is False
    with pytest.raises(ValidationError):
        services.run_cancel(run=run, by=people["coordinator"])


def test_a_crash_in_the_engine_fails_the_run(small_world, people, monkeypatch):
    run = services.run_start(by=people["coordinator"], frontline_states=["GR"])
    import matching.engine as engine

    monkeypatch.setattr(engine, "solve", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.FAILED and "boom" in run.error
    assert not run.proposals.exists()


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"frontline_states": []}, "frontline_states"),
        ({"frontline_states": ["DE"]}, "frontline_states"),
        ({"frontline_states": ["GR"], "time_limit_seconds": 0}, "time_limit_seconds"),
        ({"frontline_states": ["GR"], "weights": {"luck": 1}}, "weights"),
        ({"frontline_states": ["GR"], "weights": {"person": -1}}, "weights"),
        ({"frontline_states": ["GR"], "pledge_ids": [999999]}, "pledge_ids"),
    ],
)
def test_bad_parameters_are_refused_and_nothing_is_queued(small_world, people, kwargs, field):
    with pytest.raises(ValidationError) as err:
        services.run_start(by=people["coordinator"], **kwargs)
    assert field in err.value.message_dict
    assert not MatchingRun.objects.exists()


def test_the_reaper_fails_a_run_with_an_old_heartbeat_and_spares_a_live_one(small_world, people):
    from django.utils import timezone

    old = services.run_start(by=people["coordinator"], frontline_states=["GR"])
    live = services.run_start(by=people["coordinator"], frontline_states=["GR"])
    long_ago = timezone.now() - timezone.timedelta(minutes=30)
    MatchingRun.objects.filter(pk=old.pk).update(status="running", started_at=long_ago, heartbeat_at=long_ago)
    MatchingRun.objects.filter(pk=live.pk).update(status="running", started_at=long_ago, heartbeat_at=timezone.now())
    assert services.fail_stale_runs(stale_after_seconds=120) == 1
    old.refresh_from_db()
    live.refresh_from_db()
    assert old.status == "failed" and "heartbeat" in old.error
    assert live.status == "running"


def test_confirming_proposes_the_household_reserves_places_and_notifies_the_state(finished_run, people):
    proposal = finished_run.proposals.filter(pledge_state_id="DE").first()
    decision = services.proposals_confirm(run=finished_run, proposal_ids=[proposal.pk], by=people["coordinator"])
    assert [p.pk for p in decision.confirmed] == [proposal.pk]
    proposal.refresh_from_db()
    household = Household.objects.get(pk=proposal.household_id)
    assert household.status == CaseStatus.PROPOSED and household.destination_state_id == "DE"
    assert proposal.status == "confirmed" and proposal.placement.persons == household.size
    [note] = Notification.objects.filter(recipient=people["officer_de"])
    assert note.link == "/" and "proposed to DE" in note.subject
    assert not Notification.objects.filter(recipient=people["officer_fr"]).exists()
    assert AuditEvent.objects.filter(action="matching.proposal.confirm", object_id=str(proposal.pk)).exists()
    # A second confirmation is refused, and nothing is reserved twice.
    again = services.proposals_confirm(run=finished_run, proposal_ids=[proposal.pk], by=people["coordinator"])
    assert not again.confirmed and again.refused
    assert Placement.objects.filter(household=household).count() == 1


def test_a_household_that_changed_since_the_run_is_stale(finished_run, people):
    proposal = finished_run.proposals.first()
    Household.objects.filter(pk=proposal.household_id).update(version=99)
    decision = services.proposals_confirm(run=finished_run, proposal_ids=[proposal.pk], by=people["coordinator"])
    assert not decision.confirmed and len(decision.stale) == 1
    proposal.refresh_from_db()
    assert proposal.status == "stale" and "changed since the run" in proposal.stale_reason
    assert Household.objects.get(pk=proposal.household_id).status == CaseStatus.AVAILABLE
    assert not Placement.objects.filter(household_id=proposal.household_id).exists()


def test_a_household_no_longer_available_is_stale(finished_run, people):
    proposal = finished_run.proposals.first()
    Household.objects.filter(pk=proposal.household_id).update(status=CaseStatus.CONSENT_WITHDRAWN)
    decision = services.proposals_confirm(run=finished_run, proposal_ids=[proposal.pk], by=people["coordinator"])
    assert "no longer available" in decision.stale[0][1]


def test_an_amended_or_closed_pledge_makes_its_proposals_stale(finished_run, people):
    de = finished_run.proposals.filter(pledge_state_id="DE")
    fr = finished_run.proposals.filter(pledge_state_id="FR")
    Pledge.objects.filter(state_id="DE").update(version=2)
    Pledge.objects.filter(state_id="FR").update(status="closed")
    decision = services.proposals_confirm(
        run=finished_run, proposal_ids=[*de.values_list("pk", flat=True), *fr.values_list("pk", flat=True)],
        by=people["coordinator"],
    )
    assert not decision.confirmed
    reasons = " ".join(r for _p, r in decision.stale)
    assert "amended" in reasons and "closed" in reasons


def test_capacity_taken_elsewhere_makes_a_proposal_stale_and_never_overbooks(finished_run, people, small_world):
    fr_proposals = list(finished_run.proposals.filter(pledge_state_id="FR"))
    assert fr_proposals
    other = builders.household(adults=3, status=CaseStatus.PROPOSED, destination="FR")
    Placement.objects.create(pledge=small_world["fr"], frontline_state_id="GR", household=other, persons=3)
    decision = services.proposals_confirm(
        run=finished_run, proposal_ids=[p.pk for p in fr_proposals], by=people["coordinator"]
    )
    taken = sum(Placement.objects.filter(pledge=small_world["fr"]).values_list("persons", flat=True))
    assert taken <= 4
    assert decision.stale and "places left" in decision.stale[0][1]


def test_discarding_leaves_the_household_available(finished_run, people):
    proposal = finished_run.proposals.first()
    assert services.proposals_discard(run=finished_run, proposal_ids=[proposal.pk], by=people["coordinator"]) == 1
    proposal.refresh_from_db()
    assert proposal.status == "discarded"
    assert Household.objects.get(pk=proposal.household_id).status == CaseStatus.AVAILABLE
    assert services.proposals_discard(run=finished_run, proposal_ids=[proposal.pk], by=people["coordinator"]) == 0


def test_export_writes_the_exact_input_and_match_instance_solves_it(finished_run, tmp_path):
    out = tmp_path / "instance.json"
    call_command("export_run_instance", str(finished_run.pk), "--output", str(out))
    import hashlib

    assert hashlib.sha256(out.read_bytes()).hexdigest() == finished_run.input_sha256
    result_file = tmp_path / "result.json"
    call_command("match_instance", str(out), "--output", str(result_file))
    result = json.loads(result_file.read_text())
    assert abs(result["objective"] - finished_run.objective) < 1e-6
    assert len(result["assignments"]) == finished_run.proposals.count()


def test_export_of_an_unknown_run_fails_clearly(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no matching run 424242"):
        call_command("export_run_instance", "424242", "--output", str(tmp_path / "x.json"))


def test_comparing_two_runs_lists_moved_added_and_dropped_households(finished_run, people, small_world):
    from matching.selectors import compare_runs

    late = builders.household(adults=2, family_ties=("FR",), registered_days_ago=900)
    second = services.run_start(by=people["coordinator"], frontline_states=["GR"])
    services.run_execute(run_id=second.pk)
    second.refresh_from_db()
    comparison = compare_runs(finished_run, second)
    assert late.pk in {m.household_id for m in comparison.added}
    placed_a = set(finished_run.proposals.values_list("household_id", flat=True))
    placed_b = set(second.proposals.values_list("household_id", flat=True))
    assert {m.household_id for m in comparison.dropped} == placed_a - placed_b
    assert len(comparison.moved) + comparison.unchanged == len(placed_a & placed_b)
    assert comparison.figures[0][0] == "objective"


def test_proposals_and_runs_are_filterable(finished_run):
    from matching.selectors import proposals_of

    all_ = proposals_of(finished_run)
    assert proposals_of(finished_run, filters={"pledge_state": "DE"}).count() == all_.filter(pledge_state_id="DE").count()
    assert all(p.family_tie for p in proposals_of(finished_run, filters={"tie": "family"}))
    assert all("single_parent" in p.vulnerabilities
               for p in proposals_of(finished_run, filters={"vulnerability": "single_parent"}))
    values = [p.value for p in proposals_of(finished_run, sort="score")]
    assert values == sorted(values, reverse=True)


def test_a_run_with_no_household_succeeds_with_nothing_to_review(small_world, people):
    run = services.run_start(by=people["coordinator"], frontline_states=["MT"])
    assert services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "succeeded" and run.counts["households"] == 0 and not run.proposals.exists()


def test_the_soft_time_limit_fails_the_run(small_world, people, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    import matching.engine as engine

    def too_slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(engine, "solve", too_slow)
    run = services.run_start(by=people["coordinator"], frontline_states=["GR"])
    assert services.run_execute(run_id=run.pk) is False
    run.refresh_from_db()
    assert run.status == "failed" and "time limit" in run.error and not run.proposals.exists()


def test_bench_matching_runs_the_methods_asked_for_and_writes_their_figures(tmp_path):
    out, figures = io.StringIO(), tmp_path / "bench.json"
    call_command(
        "bench_matching", "--sizes", "200", "--methods", "engine,greedy", "--scenarios",
        "standard", "--time-limit", "10", "--json", str(figures), stdout=out,
    )
    rows = json.loads(figures.read_text())["rows"]
    assert [(r["method"], r["households"]) for r in rows] == [("engine", 200), ("greedy", 200)]
    assert all("error" not in r for r in rows)
    assert rows[0]["objective"] >= rows[1]["objective"]  # the engine is never below the greedy
    assert "engine" in out.getvalue() and "greedy" in out.getvalue()


@pytest.mark.parametrize(
    "option, value, message",
    [("--methods", "engine,fast", "unknown method 'fast'"),
     ("--scenarios", "standard,huge", "unknown scenario 'huge'"),
     ("--sizes", "2000,lots", "'lots' is not a number of households")],
)
def test_bench_matching_names_an_unknown_method_scenario_or_size(option, value, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("bench_matching", option, value)

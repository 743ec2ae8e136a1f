"""HiGHS's root cuts: valid for every placement, a tighter LP, and the searches around it."""

import math
import threading
import time

import numpy as np
import pytest

from matching.engine import parse_instance
from matching.engine import solver as solver_module
from matching.engine.cuts import Cuts, root_cuts, trusted, with_cuts
from matching.engine.generator import generate_instance
from matching.engine.greedy import greedy
from matching.engine.model import feasibility_violations, prepare
from matching.engine.naive import solve_naive
from matching.engine.solver import (
    ProgramRun,
    Reference,
    counts_of,
    dual_bound,
    full_vector,
    price_vector,
    row_activity,
    search_with_cuts,
    tightened_by_cuts,
    within,
)

from .builders import solved_lp

# Mixes where whole households fill pledges badly (the LP is loose): small pledges with
# quotas, large families, few places.
SHAPES = [
    ("small-pledges", {"n_pledges": 8}),
    ("large-families", {"n_pledges": 6}),
    ("scarce", {"n_pledges": 6}),
    ({"n_pledges": 10, "small_pledges": 0.5, "quota_share": 0.9, "coverage": 0.25}, {}),
]


def _case(seed, shape, extra, n=200):
    inst = parse_instance(generate_instance(n, seed=seed, shape=shape, **extra))
    return inst, *solved_lp(inst)


def _optimum(prep):
    assignment, _, optimal, _ = solve_naive(prep, time_limit=60, mip_rel_gap=1e-9)
    assert optimal
    return assignment, math.fsum(prep.value(i, j) for i, j in enumerate(assignment) if j >= 0)


def _cut_activity(cuts, x):
    rows = np.repeat(np.arange(len(cuts)), np.diff(cuts.starts))
    return np.bincount(rows, weights=cuts.values * x[cuts.index], minlength=len(cuts))


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("shape, extra", SHAPES)
def test_root_cuts_hold_at_the_optimum_and_bound_it_more_tightly_than_the_lp(seed, shape, extra):
    inst, prep, classes, model, h = _case(seed, shape, extra)
    lp_value = h.getInfo().objective_function_value
    root = root_cuts(model, 60)
    assignment, optimum = _optimum(prep)
    if root.cuts is None:  # HiGHS's root alone proved the optimum: it gives that instead
        assert root.solved and float(model.cost @ root.solution) == pytest.approx(optimum)
        assert optimum - 1e-6 <= root.bound <= optimum * (1 + 1e-7) + 1e-6
        return
    cuts = root.cuts
    x = full_vector(model, classes, counts_of(model, classes, assignment, len(inst.households)))
    assert np.all(_cut_activity(cuts, x) <= cuts.upper + 1e-9)
    cut_model, tightened = tightened_by_cuts(model, h.getBasis(), cuts, None)
    assert optimum - 1e-6 <= tightened.value <= lp_value + 1e-6
    assert cut_model.n_rows == model.n_rows + len(cuts)


def test_the_cuts_close_most_of_the_gap_where_families_do_not_fit():
    # Few places, small pledges with quotas nearly everywhere: the LP is well above the optimum.
    closed = []
    for seed in range(4):
        _, prep, _, model, h = _case(seed, *SHAPES[3], n=400)
        lp_value = h.getInfo().objective_function_value
        _, optimum = _optimum(prep)
        cuts = root_cuts(model, 60).cuts
        if cuts is None or lp_value - optimum <= 1e-6:
            continue  # the root alone proved the optimum, or the LP had it already
        _, tightened = tightened_by_cuts(model, h.getBasis(), cuts, None)
        closed.append((lp_value - tightened.value) / (lp_value - optimum))
    assert len(closed) >= 2 and np.mean(closed) > 0.5


def test_the_program_with_cuts_keeps_its_columns_and_adds_the_cut_rows():
    inst, _, classes, model, _ = _case(1, *SHAPES[0])
    cuts = root_cuts(model, 60).cuts
    assert cuts is not None and len(cuts)
    cut_model = with_cuts(model, cuts)
    assert cut_model.n_rows == model.n_rows + len(cuts)
    assert np.array_equal(cut_model.cost, model.cost) and cut_model.n_y == model.n_y
    x = full_vector(model, classes, counts_of(model, classes, greedy(prepare(inst)), len(inst.households)))
    activity = row_activity(cut_model, x)
    assert np.allclose(activity[: model.n_rows], row_activity(model, x))
    assert np.allclose(activity[model.n_rows :], _cut_activity(cuts, x))
    # Each column's first entry is still its class row (the solver reads the class there).
    first = cut_model.index[cut_model.starts[:-1]]
    assert np.array_equal(first, model.index[model.starts[:-1]])


def test_cuts_holding_anything_not_finite_or_naming_no_column_are_left_out():
    cuts = Cuts(
        starts=np.array([0, 2, 4, 6, 8]),
        index=np.array([0, 1, 1, 2, 2, 9, 0, 3]),
        values=np.array([1.0, 1.0, np.nan, 1.0, 1.0, 1.0, 2.0, 1.0]),
        upper=np.array([1.0, 1.0, 1.0, np.inf]),
        seconds=0.0,
    )
    kept = trusted(cuts, n_columns=5)
    assert len(kept) == 1
    assert kept.index.tolist() == [0, 1] and kept.upper.tolist() == [1.0]


def test_every_solution_worth_the_target_is_inside_all_the_references_restrictions():
    for seed in range(3):
        inst, prep, classes, model, h = _case(seed, *SHAPES[3], n=300)
        prices = price_vector(model, np.asarray(h.getSolution().row_dual))
        reduced, lp_bound = dual_bound(model, prices)
        references = [Reference("D", lp_bound, reduced)]
        cuts = root_cuts(model, 60).cuts
        if cuts is not None:
            references.append(tightened_by_cuts(model, h.getBasis(), cuts, None)[1])
        assignment, optimum = _optimum(prep)
        x = full_vector(model, classes, counts_of(model, classes, assignment, len(inst.households)))
        for target in (optimum, optimum - 0.5, optimum - 5.0):
            lower, upper, restricted = within(model, references, target)
            assert np.all(x >= lower - 1e-9) and np.all(x <= upper + 1e-9)
        assert within(model, references, optimum)[2]  # something is held


@pytest.mark.parametrize("seed", range(4))
def test_solves_without_a_limit_wait_for_the_cuts_and_prove_the_true_optimum(seed, monkeypatch):
    # Waited for before the first margin program, so that the programs around D' do the proof.
    monkeypatch.setattr(solver_module, "CUTS_AFTER_PROGRAMS", 0)
    inst = parse_instance(generate_instance(300, seed=seed, shape=SHAPES[3][0]))
    prep = prepare(inst)
    outcome = solver_module.solve_exact(prep)
    value = math.fsum(prep.value(i, j) for i, j in enumerate(outcome.assignment) if j >= 0)
    _, optimum = _optimum(prep)
    steps = [e["step"] for e in outcome.log]
    assert "cuts" in steps or "root" in steps  # the root's cuts, or its proof of the optimum
    if "cuts" in steps:
        assert all("D'" in e["around"] for e in outcome.log if e["step"] == "margin-mip")
    assert value == pytest.approx(optimum, rel=1e-9)
    assert optimum - 1e-6 <= outcome.bound <= value + 1e-6 * abs(value)
    assert not feasibility_violations(inst, outcome.assignment)


def test_a_solve_that_waits_for_the_cuts_gives_the_same_placement_however_long_they_take(
    monkeypatch,
):
    inst = parse_instance(generate_instance(400, seed=2, shape=SHAPES[3][0]))
    first = solver_module.solve_exact(prepare(inst))
    assert any(e["step"] == "cuts" for e in first.log)

    def slow_root(*args, **kwargs):  # the root ends long after the main search reached it
        time.sleep(0.5)
        return root_cuts(*args, **kwargs)

    monkeypatch.setattr(solver_module, "root_cuts", slow_root)
    second = solver_module.solve_exact(prepare(inst))
    assert second.assignment == first.assignment and second.bound == first.bound


def test_the_first_margin_programs_prove_an_easy_instance_without_waiting_for_the_cuts():
    inst = parse_instance(generate_instance(2000, seed=1))  # the realistic mix
    outcome = solver_module.solve_exact(prepare(inst))
    programs = [e for e in outcome.log if e["step"] == "margin-mip"]
    assert not outcome.timed_out
    assert len(programs) <= solver_module.CUTS_AFTER_PROGRAMS
    assert not any(e["step"] in ("cuts", "root") for e in outcome.log)


def test_the_cut_search_beside_finds_placements_and_proves_only_true_bounds():
    inst, prep, classes, model, h = _case(2, *SHAPES[3], n=400)
    reduced, lp_bound = dual_bound(model, price_vector(model, np.asarray(h.getSolution().row_dual)))
    start = greedy(prep)
    start_value = math.fsum(prep.value(i, j) for i, j in enumerate(start) if j >= 0)
    shared = {"first": threading.Event(), "lp": Reference("D", lp_bound, reduced)}
    shared["incumbent"] = (start, start_value)
    shared["first"].set()
    runs = []
    search_with_cuts(
        model, classes, prep, h.getBasis(), shared, runs,
        lambda: 60.0, lambda: 60.0, lambda free: True, threading.Event(),
    )
    _, optimum = _optimum(prep)
    steps = [step for step, _, _ in runs]
    assert "cuts" in steps and "cut-margin-mip" in steps
    assert all(bound >= optimum - 1e-6 for step, _, bound in runs)
    programs = [(run, bound) for step, run, bound in runs if run is not None]
    for run, bound in programs:  # HiGHS's own root placement included
        assert bound >= optimum - 1e-6
        assert run.value <= optimum + 1e-6
        assert not feasibility_violations(inst, run.assignment)
    assert max(run.value for run, _ in programs) == pytest.approx(optimum, rel=1e-9)


def _beside_mode(monkeypatch, found):
    """Solves with a limit search beside the main one (as at 10,000 households in 3 s), with a
    stand-in for the cut search that reports ``found`` (a placement, its value)."""
    monkeypatch.setattr(solver_module, "CUTS_WAITED_FOR", 1e9)
    seen = []

    def stand_in(model, classes, prep, lp_basis, shared, runs, *timing, stop):
        assignment, value = found
        run = ProgramRun("Optimal", 0, True, True, False, True, value, value, assignment)
        runs.append(("cut-margin-mip", run, value + 1.0))
        seen.append(True)

    monkeypatch.setattr(solver_module, "search_with_cuts", stand_in)
    return seen


def test_a_solve_cut_short_by_the_clock_takes_what_the_cut_search_found(monkeypatch):
    inst = parse_instance(generate_instance(300, seed=1, shape=SHAPES[3][0]))
    prep = prepare(inst)
    optimum_assignment, optimum = _optimum(prep)
    seen = _beside_mode(monkeypatch, (optimum_assignment, optimum))
    # No margin program fits: the main search ends on the clock after the blocks.
    monkeypatch.setattr(solver_module, "ROOT_SECONDS_PER_10K_COLUMNS", 1e9)
    outcome = solver_module.solve_exact(prep, time_limit=5)
    assert seen and outcome.timed_out
    value = math.fsum(prep.value(i, j) for i, j in enumerate(outcome.assignment) if j >= 0)
    assert value == pytest.approx(optimum, rel=1e-12)
    assert any(e["step"] == "cut-margin-mip" for e in outcome.log)


def test_a_solve_proven_before_its_limit_reads_nothing_of_the_cut_search(monkeypatch):
    inst = parse_instance(generate_instance(300, seed=1, shape=SHAPES[3][0]))
    prep = prepare(inst)
    worse = greedy(prep)
    seen = _beside_mode(monkeypatch, (worse, 1e9))  # a value it does not have: shows if read
    outcome = solver_module.solve_exact(prep, time_limit=60)
    assert seen and not outcome.timed_out
    assert not any(e["step"].startswith("cut") for e in outcome.log)
    assert outcome.bound < 1e9

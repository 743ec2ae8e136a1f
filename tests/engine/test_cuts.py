"""HiGHS's root cuts: valid for every placement, a tighter LP, and the searches around it."""

import math
import threading
import time

import numpy as np
import pytest

from matching.engine import parse_instance
from matching.engine import solver as solver_module
from matching.engine.aggregate import levels_in_reach
from matching.engine.cuts import Cuts, root_cuts, trusted, with_cuts
from matching.engine.generator import generate_instance
from matching.engine.greedy import greedy
from matching.engine.highs import is_optimal, make_lp, new_highs
from matching.engine.model import feasibility_violations, prepare
from matching.engine.naive import solve_naive
from matching.engine.solver import (
    Margins,
    Offered,
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
    rows = cuts.row_of_entry()
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
    # The cuts hold for placements worth more than the root's cutoff: so does D'.
    assert max(tightened.value, root.cutoff) >= optimum - 1e-9 * optimum
    assert tightened.value <= lp_value + 1e-6
    assert root.cutoff <= optimum + 1e-5  # HiGHS's own placement, plus its tolerance
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


@pytest.mark.parametrize("seed", [0, 2, 3])
def test_a_margin_program_with_cut_rows_keeps_its_optimum_with_the_levels_held_in_reach(seed):
    # The cut rows hold level columns too: holding each class's levels where its counts put
    # them (:func:`.aggregate.levels_in_reach`, in every program HiGHS gets) must not move the
    # optimum of a margin program around ``D'``, nor HiGHS's bound on it.
    inst, prep, classes, model, h = _case(seed, *SHAPES[3], n=300)
    cuts = root_cuts(model, 60).cuts
    assert cuts is not None  # (seed 1's root proves its optimum alone: no cut rows)
    cut_model, tightened = tightened_by_cuts(model, h.getBasis(), cuts, None)
    start = counts_of(model, classes, greedy(prep), len(inst.households))
    x = full_vector(model, classes, start)
    lower, upper, _ = solver_module.restrict(cut_model, tightened.reduced, 2e-3 * tightened.value)
    widened = np.minimum(lower, x), np.maximum(upper, x)
    held = levels_in_reach(cut_model, *widened)
    assert np.count_nonzero(held[1] > held[0]) < np.count_nonzero(widened[1] > widened[0])
    run = solver_module._run_program(
        cut_model, classes, prep, lower, upper, cut_model.row_lower, start, None
    )
    whole = new_highs(mip_rel_gap=1e-9)
    whole.passModel(
        make_lp(**cut_model.arrays(*widened, cut_model.row_lower), integrality=cut_model.integrality)
    )
    whole.run()
    assert run.solved and is_optimal(whole)
    assert run.bound == pytest.approx(whole.getInfo().objective_function_value, rel=1e-7)


def test_cuts_holding_anything_not_finite_or_naming_no_column_are_left_out():
    cuts = Cuts(
        starts=np.array([0, 2, 4, 6, 8]),
        index=np.array([0, 1, 1, 2, 2, 9, 0, 3]),
        values=np.array([1.0, 1.0, np.nan, 1.0, 1.0, 1.0, 2.0, 1.0]),
        upper=np.array([1.0, 1.0, 1.0, np.inf]),
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
    # The realistic mix; seed 7, whose incumbent before the margin programs is a hundred times
    # closer to the bound than CUTS_FIRST_GAP (seed 1's was within it too, until the dive took 4
    # rounds instead of 10: now 0.011 % apart).
    inst = parse_instance(generate_instance(2000, seed=7))
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
    offered = Offered(lp=Reference("D", lp_bound, reduced))
    offered.offer(start, start_value)
    runs = []
    search_with_cuts(
        model, classes, prep, h.getBasis(), offered, runs,
        lambda: 60.0, lambda: 60.0, lambda free: True, False, threading.Event(),
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


def _beside_mode(monkeypatch, reports):
    """Solves with a limit search beside the main one (as at 10,000 households in 3 s), with a
    stand-in for the cut search that reports ``reports``: (step, run or None, bound)."""
    monkeypatch.setattr(solver_module, "CUTS_WAITED_FOR", 1e9)
    seen = []

    def stand_in(model, classes, prep, lp_basis, offered, runs, *timing, stop):
        runs.extend(reports)
        seen.append(True)

    monkeypatch.setattr(solver_module, "search_with_cuts", stand_in)
    return seen


def _found(assignment, value):
    return ProgramRun("Optimal", 0, True, True, False, True, value, value, assignment)


def test_a_solve_cut_short_by_the_clock_takes_the_cut_searchs_placements_and_bounds(monkeypatch):
    inst = parse_instance(generate_instance(300, seed=1, shape=SHAPES[3][0]))
    prep = prepare(inst)
    _, optimum = _optimum(prep)
    recognisable = greedy(prep)  # with a value it does not have: shows if taken
    seen = _beside_mode(
        monkeypatch, [("cut-margin-mip", _found(recognisable, 1e9), math.inf), ("cuts", None, optimum)]
    )
    # No margin program fits: the main search ends on the clock after the blocks.
    monkeypatch.setattr(solver_module, "ROOT_SECONDS_PER_10K_COLUMNS", 1e9)
    outcome = solver_module.solve_exact(prep, time_limit=5)
    assert seen and outcome.timed_out
    assert outcome.assignment == recognisable
    assert outcome.log[0]["lp_bound"] > optimum + 1e-3  # the bound read is the stand-in's
    assert outcome.bound == 1e9  # never below the placement's own value


def test_the_bound_of_the_cut_search_counts_when_the_clock_cuts_the_solve_short(monkeypatch):
    inst = parse_instance(generate_instance(300, seed=1, shape=SHAPES[3][0]))
    prep = prepare(inst)
    _, optimum = _optimum(prep)
    _beside_mode(monkeypatch, [("cuts", None, optimum)])
    monkeypatch.setattr(solver_module, "ROOT_SECONDS_PER_10K_COLUMNS", 1e9)
    outcome = solver_module.solve_exact(prep, time_limit=5)
    assert outcome.timed_out and outcome.log[0]["lp_bound"] > optimum + 1e-3
    assert outcome.bound == pytest.approx(optimum, rel=1e-12)


def test_a_solve_proven_before_its_limit_reads_nothing_of_the_cut_search(monkeypatch):
    inst = parse_instance(generate_instance(300, seed=1, shape=SHAPES[3][0]))
    prep = prepare(inst)
    seen = _beside_mode(monkeypatch, [("cut-margin-mip", _found(greedy(prep), 1e9), 0.0)])
    outcome = solver_module.solve_exact(prep, time_limit=60)
    assert seen and not outcome.timed_out
    assert not any(e["step"].startswith("cut") for e in outcome.log)
    assert 0.0 < outcome.bound < 1e9


@pytest.mark.parametrize("cap_above_columns", [True, False])
def test_the_cut_search_runs_only_on_programs_of_at_most_its_columns(monkeypatch, cap_above_columns):
    inst = parse_instance(generate_instance(300, seed=1, shape=SHAPES[3][0]))
    prep = prepare(inst)
    _, _, _, model, _ = _case(1, SHAPES[3][0], {}, n=300)
    columns = len(model.cost)
    seen = _beside_mode(monkeypatch, [])
    monkeypatch.setattr(
        solver_module, "CUT_SEARCH_COLUMNS", columns if cap_above_columns else columns - 1
    )
    outcome = solver_module.solve_exact(prep, time_limit=60)
    assert bool(seen) == cap_above_columns
    assert not outcome.timed_out  # proven either way


@pytest.mark.parametrize("root_in_time", [True, False])
def test_the_cut_search_runs_only_where_its_root_can_end_within_the_limit(
    monkeypatch, root_in_time
):
    _, prep, _, model, _ = _case(1, SHAPES[3][0], {}, n=300)
    columns = len(model.cost)
    seen = _beside_mode(monkeypatch, [])
    limit = 60
    # Half a column either side, so that no rounding of the product decides it.
    per_second = (columns + (0.5 if root_in_time else -0.5)) / limit
    monkeypatch.setattr(solver_module, "CUT_SEARCH_COLUMNS_PER_SECOND", per_second)
    outcome = solver_module.solve_exact(prep, time_limit=limit)
    assert bool(seen) == root_in_time
    assert not outcome.timed_out  # proven either way


def test_whether_the_cuts_are_waited_for_depends_on_the_limit_given_not_the_time_left(
    monkeypatch,
):
    import matching.engine as engine

    calls = []
    real = engine.solve_exact

    def spy(prep, time_limit=None, started=None):
        calls.append((time_limit, started))
        return real(prep, time_limit, started=started)

    monkeypatch.setattr(engine, "solve_exact", spy)
    inst = parse_instance(generate_instance(300, seed=1))
    engine.solve(inst, time_limit=0.6)  # 20 s per 10,000 households: the threshold itself
    assert calls[0][0] == 0.6 and calls[0][1] is not None
    waits = solver_module._waits_for_cuts
    assert waits(0.6, 300, 1000) and not waits(0.59, 300, 1000)
    assert waits(None, 10**6, 10**7)


def test_under_a_limit_the_root_is_waited_for_only_on_programs_narrow_enough_for_it():
    waits = solver_module._waits_for_cuts
    per_second = solver_module.ROOT_COLUMNS_PER_SECOND
    assert waits(30, 10_000, 30 * per_second) and not waits(30, 10_000, 30 * per_second + 1)
    assert not waits(3, 10_000, 1000)  # too short a limit for 10,000 households, however narrow
    assert waits(None, 10_000, 10**7)  # no limit: always


@pytest.mark.parametrize("narrow_enough", [True, False])
def test_a_solve_waits_for_the_root_only_where_the_limit_allows_its_width(
    monkeypatch, started_beside, narrow_enough
):
    # The root waited for is started beside at once, with ``root_cuts`` itself (the cut search,
    # which may run it otherwise, is started with ``search_with_cuts``).
    _, prep, _, model, _ = _case(1, SHAPES[3][0], {}, n=300)
    columns = len(model.cost)
    limit = 60  # 2,000 s per 10,000 households: the width alone decides
    # Half a column either side, so that no rounding of the product decides it.
    per_second = (columns + (0.5 if narrow_enough else -0.5)) / limit
    monkeypatch.setattr(solver_module, "ROOT_COLUMNS_PER_SECOND", per_second)
    outcome = solver_module.solve_exact(prep, time_limit=limit)
    assert ("root_cuts" in started_beside) == narrow_enough
    assert not outcome.timed_out  # proven either way


def test_a_root_that_fails_fails_the_solve(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("HiGHS refused to run")

    monkeypatch.setattr(solver_module, "root_cuts", broken)
    monkeypatch.setattr(solver_module, "CUTS_AFTER_PROGRAMS", 0)
    inst = parse_instance(generate_instance(300, seed=1, shape=SHAPES[3][0]))
    with pytest.raises(RuntimeError, match="refused"):
        solver_module.solve_exact(prepare(inst))


def _margins_case():
    inst, prep, classes, model, h = _case(1, *SHAPES[3], n=300)
    reduced, lp_bound = dual_bound(model, price_vector(model, np.asarray(h.getSolution().row_dual)))
    return model, Margins(model, model, [Reference("D", lp_bound, reduced)], 0.5), lp_bound


def test_margins_prove_the_target_when_nothing_inside_is_feasible_and_nothing_when_cut_short():
    model, margins, lp_bound = _margins_case()
    margins.bounds()
    assert margins.target == pytest.approx(lp_bound - 0.5)
    infeasible = ProgramRun("Infeasible", 1, False, False, True, False, math.inf)
    left_running = ProgramRun("Left running at the deadline", 1, True, False, False, True, math.inf)
    solved = ProgramRun("Optimal", 1, True, True, False, True, lp_bound - 2.0)
    assert margins.proven(infeasible, restricted=True) == margins.target
    assert margins.proven(left_running, restricted=True) == math.inf
    assert margins.proven(solved, restricted=True) == margins.target  # the larger of the two
    assert margins.proven(solved, restricted=False) == lp_bound - 2.0


def test_margins_grow_straight_to_the_gap_when_it_is_near_and_faster_when_stalled():
    model, margins, lp_bound = _margins_case()
    margins.grow(best_value=lp_bound - 0.8, stalled=False)  # 0.8 <= 2 x 0.5
    assert margins.tau == pytest.approx(0.8)
    margins.tau = 0.5
    margins.grow(best_value=lp_bound - 100.0, stalled=False)
    assert margins.tau == pytest.approx(1.0)
    margins.grow(best_value=lp_bound - 100.0, stalled=True)
    assert margins.tau == pytest.approx(4.0)


def test_references_that_disagree_leave_a_program_that_holds_only_what_the_incumbent_needs():
    # D and a (made up) second bound that holds a column at the other end: nothing is worth
    # the target, and the bounds stay ordered so that the solver can widen them to the incumbent.
    model, margins, lp_bound = _margins_case()
    d = margins.references[0]
    flipped = Reference("X", lp_bound, -d.reduced)
    lower, upper, restricted = within(model, [d, flipped], lp_bound - 0.5)
    assert restricted and np.all(lower <= upper)

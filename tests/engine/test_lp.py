"""The LP relaxation by sifting (:mod:`matching.engine.lp`), the dive over the counts near its
optimum, and margin programs brought back to fit the time left."""

import math

import highspy
import numpy as np
import pytest

from matching.engine import lp as lp_module
from matching.engine import parse_instance
from matching.engine.aggregate import build_aggregate
from matching.engine.classes import build_classes
from matching.engine.generator import generate_instance
from matching.engine.greedy import greedy
from matching.engine.highs import DUAL_SIMPLEX, PRIMAL_SIMPLEX, is_optimal, make_lp, new_highs
from matching.engine.lp import SIFTED_FROM_COUNTS_PER_CLASS, best_per_class, solve_lp
from matching.engine.model import feasibility_violations, prepare
from matching.engine.solver import (
    Margins,
    Reference,
    assignment_from_counts,
    assignment_value,
    counts_of,
    dive_near_lp,
    dual_bound,
    full_vector,
    price_vector,
    row_activity,
    solve_exact,
    trivial_bound,
)

from .builders import lp_value


def program(n=800, seed=3, **shape):
    """An instance whose classes have many pledges each (so that sifting has work to do)."""
    inst = parse_instance(
        generate_instance(n, seed=seed, shape={"n_pledges": 60, "strictness": 0.5, **shape})
    )
    prep = prepare(inst)
    classes = build_classes(prep)
    return prep, classes, build_aggregate(inst, classes)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sifting_reaches_the_optimum_of_the_whole_lp(seed):
    _, _, model = program(seed=seed)
    assert model.n_y > SIFTED_FROM_COUNTS_PER_CLASS * len(model.classes)  # a wide program
    lp = solve_lp(model, None)
    assert lp.optimal and lp.sifted and lp.rounds >= 1 and lp.columns < model.n_y
    value = float(model.cost @ lp.x)
    assert value == pytest.approx(lp_value(model), rel=1e-9)
    # The point is feasible for the whole program, and no column left out could raise it:
    activity = row_activity(model, lp.x)
    assert np.all(activity <= model.row_upper + 1e-6)
    assert np.all(activity >= model.row_lower - 1e-6)
    assert np.all((lp.x >= model.lower - 1e-9) & (lp.x <= model.upper + 1e-9))
    reduced, bound = dual_bound(model, price_vector(model, lp.row_dual))
    assert bound == pytest.approx(value, rel=1e-7)
    at_zero = (lp.x[: model.n_y] == 0) & (model.upper[: model.n_y] > 0)
    assert np.all(reduced[: model.n_y][at_zero] <= 1e-6)


@pytest.mark.parametrize("seed", [1, 2])
def test_sifting_lets_go_of_the_columns_that_came_to_nothing_and_reaches_the_same_optimum(
    monkeypatch, seed
):
    _, _, model = program(seed=seed)
    monkeypatch.setattr(lp_module, "LET_GO_FROM", 10**9)  # nothing let go
    kept_all = solve_lp(model, None)
    monkeypatch.setattr(lp_module, "LET_GO_FROM", 0)  # from the first round on
    monkeypatch.setattr(lp_module, "KEPT_PER_CLASS", 1)  # most of what comes to nothing
    let_go = solve_lp(model, None)
    assert kept_all.optimal and let_go.optimal and let_go.sifted
    assert let_go.columns < kept_all.columns  # fewer counts held at the end
    value = float(model.cost @ let_go.x)
    assert value == pytest.approx(lp_value(model), rel=1e-9)
    assert value == pytest.approx(float(model.cost @ kept_all.x), rel=1e-9)
    # HiGHS holds what ``working`` says, and the basis handed on is of those columns.
    assert let_go.highs.getNumCol() == len(let_go.working)
    counts, basis = let_go.held()
    assert len(counts) == let_go.columns and np.all(counts < model.n_y)
    assert len(basis.col_status) == let_go.columns + (len(model.cost) - model.n_y)
    again = new_highs(presolve="off")  # that basis is optimal there: no iteration
    again.passModel(make_lp(**model.with_counts(counts)[0].arrays()))
    again.setBasis(basis)
    again.run()
    assert is_optimal(again) and again.getInfo().simplex_iteration_count == 0
    assert again.getInfo().objective_function_value == pytest.approx(value, rel=1e-9)
    reduced, bound = dual_bound(model, price_vector(model, let_go.row_dual))
    assert bound == pytest.approx(value, rel=1e-7)


def test_a_narrow_program_is_solved_whole():
    inst = parse_instance(generate_instance(800, seed=1, shape="standard"))
    model = build_aggregate(inst, build_classes(prepare(inst)))
    assert model.n_y <= SIFTED_FROM_COUNTS_PER_CLASS * len(model.classes)
    lp = solve_lp(model, None)
    assert lp.optimal and not lp.sifted and lp.rounds == 0 and lp.columns == model.n_y
    assert float(model.cost @ lp.x) == pytest.approx(lp_value(model), rel=1e-9)


def test_a_wide_program_of_narrow_classes_is_sifted_then_held_whole(monkeypatch):
    # Wide (many counts) but narrow (few per class): sifted, then handed with its basis to a
    # HiGHS holding every column, which takes no iteration; the rest of the solve sees an LP
    # solved whole.
    inst = parse_instance(generate_instance(800, seed=1, shape="standard"))
    model = build_aggregate(inst, build_classes(prepare(inst)))
    assert model.n_y <= SIFTED_FROM_COUNTS_PER_CLASS * len(model.classes)
    monkeypatch.setattr(lp_module, "WIDENED_FROM_COUNTS", model.n_y)
    monkeypatch.setattr(lp_module, "PRIMAL_FROM_COUNTS", 0)  # its last round by the primal
    strategies = _recording_strategies(monkeypatch)
    lp = solve_lp(model, None)
    assert PRIMAL_SIMPLEX in strategies
    assert lp.optimal and not lp.sifted and lp.rounds >= 1 and lp.columns == model.n_y
    assert lp.highs.getNumCol() == len(model.cost)
    assert lp.highs.getInfo().simplex_iteration_count == 0
    assert float(model.cost @ lp.x) == pytest.approx(lp_value(model), rel=1e-9)
    activity = row_activity(model, lp.x)
    assert np.all(activity <= model.row_upper + 1e-6)
    assert np.all((lp.x >= model.lower - 1e-9) & (lp.x <= model.upper + 1e-9))


def _recording_strategies(monkeypatch) -> list[int]:
    """The ``simplex_strategy`` values set on any HiGHS from here on, in order."""
    strategies = []

    class Recording(highspy.Highs):
        def setOptionValue(self, option, value):
            if option == "simplex_strategy":
                strategies.append(value)
            return super().setOptionValue(option, value)

    monkeypatch.setattr(highspy, "Highs", Recording)
    return strategies


@pytest.mark.parametrize("primal_from", [0, 10**9], ids=["primal-last-rounds", "dual-only"])
def test_the_sifting_s_last_rounds_by_the_primal_simplex_reach_the_same_optimum(
    monkeypatch, primal_from
):
    # Rounds that add few columns are re-solved by the primal simplex on programs of at least
    # PRIMAL_FROM_COUNTS counts (here every program, or none); the optimum is the same, and
    # HiGHS is left at its default (the dual simplex) for any later re-solve.
    monkeypatch.setattr(lp_module, "PRIMAL_FROM_COUNTS", primal_from)
    strategies = _recording_strategies(monkeypatch)
    _, _, model = program()
    lp = solve_lp(model, None)
    assert lp.optimal and lp.sifted and lp.rounds >= 2
    assert (PRIMAL_SIMPLEX in strategies) == (primal_from == 0)
    assert strategies[-1] == DUAL_SIMPLEX
    assert lp.highs.getOptionValue("simplex_strategy")[1] == DUAL_SIMPLEX
    assert float(model.cost @ lp.x) == pytest.approx(lp_value(model), rel=1e-9)


def test_the_whole_basis_restarts_highs_without_iterations():
    _, _, model = program()
    lp = solve_lp(model, None)
    h = new_highs(presolve="off")
    h.passModel(make_lp(**model.arrays()))
    h.setBasis(lp.basis())
    h.run()
    assert is_optimal(h)
    assert h.getInfo().simplex_iteration_count == 0
    assert lp.basic.sum() == np.count_nonzero(
        np.array([int(s) for s in h.getBasis().col_status]) == 1
    )


def test_no_time_no_lp():
    _, _, model = program(n=3000)
    lp = solve_lp(model, 1e-9)
    assert not lp.optimal and lp.status != "Optimal"


def _cut_short_before_the_last_round(monkeypatch, model):
    """The sifting's last run (the one that would have proven the optimum) gets no time."""
    rounds = solve_lp(model, None).rounds
    assert rounds >= 2
    calls = []
    set_time_left = lp_module.set_time_left

    def cut_at_the_last(h, seconds):
        calls.append(seconds)
        if len(calls) == rounds:  # below ``set_time_left``'s floor: nothing can end in time
            h.setOptionValue("time_limit", h.getRunTime() + 1e-6)
        else:
            set_time_left(h, seconds)

    monkeypatch.setattr(lp_module, "set_time_left", cut_at_the_last)


def test_an_lp_cut_short_keeps_its_last_round_whose_prices_still_bound(monkeypatch):
    prep, classes, model = program()
    _cut_short_before_the_last_round(monkeypatch, model)
    lp = solve_lp(model, 1000.0)
    assert not lp.optimal and lp.sifted
    # The last round that ended: its optimum over the columns it held, feasible for the whole
    # program.
    activity = row_activity(model, lp.x)
    assert np.all(activity <= model.row_upper + 1e-6)
    assert np.all(activity >= model.row_lower - 1e-6)
    assert np.all((lp.x >= model.lower - 1e-9) & (lp.x <= model.upper + 1e-9))
    optimum = lp_value(model)
    assert 0 < float(model.cost @ lp.x) <= optimum + 1e-6
    # Its prices still bound every solution (at or above the LP's optimum), and far more
    # tightly than the trivial bound.
    _, bound = dual_bound(model, price_vector(model, lp.row_dual))
    assert optimum - 1e-6 <= bound < trivial_bound(prep)


def test_without_an_lp_the_solve_takes_the_last_round_and_its_bound(monkeypatch):
    prep, classes, model = program()
    _cut_short_before_the_last_round(monkeypatch, model)
    outcome = solve_exact(prep, 1000.0)
    assert outcome.timed_out and outcome.log[-1]["status"] != "Optimal"
    assert not feasibility_violations(prep.instance, outcome.assignment)
    value = assignment_value(prep, outcome.assignment)
    # Better than what the greedy answer gives (with the best households of each class for
    # its counts), and bounded by the round's prices or the places priced by hand
    # (:mod:`.lagrange`), whichever is less, not trivially.
    greedy_counts = counts_of(model, classes, greedy(prep), len(prep.instance.households))
    assert value > assignment_value(prep, assignment_from_counts(prep, model, classes, greedy_counts))
    entry = outcome.log[-1]
    assert outcome.bound == pytest.approx(min(entry["lp_bound"], entry["lagrangian_bound"]))
    assert lp_value(model) - 1e-6 <= outcome.bound < trivial_bound(prep)


def test_best_per_class_keeps_the_highest_scores_of_each_class():
    _, _, model = program(n=300)
    columns = np.arange(model.n_y)
    score = -np.arange(model.n_y, dtype=float) % 7
    chosen = best_per_class(model, columns, score, 2)
    for c in range(len(model.classes)):
        own = columns[model.y_class == c]
        picked = chosen[model.y_class[chosen] == c]
        assert len(picked) == min(2, len(own))
        assert score[picked].min() >= np.sort(score[own])[::-1][: len(picked)].min()


def test_dive_near_lp_gives_feasible_integral_counts():
    prep, classes, model = program(n=1500, seed=5)
    lp = solve_lp(model, None)
    reduced, _ = dual_bound(model, price_vector(model, lp.row_dual))
    seen = []

    def evaluate(y):
        seen.append(y)
        return float(model.cost @ full_vector(model, classes, y))

    y = dive_near_lp(model, lp, reduced, math.inf, evaluate)
    assert y.dtype.kind == "i" and len(y) == model.n_y and np.all(y >= 0)
    x = full_vector(model, classes, y)
    assert np.all(row_activity(model, x) <= model.row_upper + 1e-9)
    assert np.all(x <= model.upper + 1e-9)
    # What the dive is for: the households the LP split, which its rounding down loses.
    floor = np.maximum(np.floor(lp.x[: model.n_y] + 1e-6), 0)
    assert float(model.cost @ x) > float(model.cost @ full_vector(model, classes, floor))
    assert all(len(v) == model.n_y for v in seen)  # evaluated on whole count vectors


@pytest.mark.parametrize("seconds_left", [None, 1.0])
def test_dive_near_lp_without_time_for_its_lp_rounds_the_lp_down_without_building_it(
    monkeypatch, seconds_left
):
    # Past its deadline (None), or with less time than building its LP is expected to take.
    import time

    from matching.engine import solver as solver_module

    prep, classes, model = program(n=1500, seed=5)
    lp = solve_lp(model, None)
    assert lp.sifted  # the path that would build the dive's own LP
    reduced, _ = dual_bound(model, price_vector(model, lp.row_dual))
    deadline = 0.0  # long past
    if seconds_left is not None:  # building its LP would take twice the time left
        monkeypatch.setattr(solver_module, "DIVE_SETUP_SECONDS_PER_COUNT", 2 * seconds_left / model.n_y)
        deadline = time.perf_counter() + seconds_left

    def no_highs(*args, **options):
        raise AssertionError("no time left: no LP to build")

    monkeypatch.setattr(solver_module, "new_highs", no_highs)
    evaluated = []
    y = dive_near_lp(model, lp, reduced, deadline, evaluated.append)
    assert np.array_equal(y, np.maximum(np.floor(lp.x[: model.n_y] + 1e-6), 0))
    assert not evaluated  # no candidates: nothing was dived


def test_margin_brought_back_until_it_fits():
    _, _, model = program(n=1500, seed=5)
    lp = solve_lp(model, None)
    reduced, bound = dual_bound(model, price_vector(model, lp.row_dual))
    margins = Margins(model, model, [Reference("D", bound, reduced)], 0.05)
    margins.grow(best_value=bound - 50.0, stalled=True)  # tau: 0.05 -> 0.2, from 0.05
    assert (margins.last_tau, margins.tau) == (0.05, pytest.approx(0.2))
    lower, upper, restricted = margins.bounds()
    wide = np.count_nonzero(upper[: model.n_y] > lower[: model.n_y])
    assert restricted
    sizes = []

    def fits(free):
        sizes.append(free)
        return free <= limit

    limit = wide - 1  # the grown program is one column too large
    fitted = margins.bounds_that_fit(fits)
    assert fitted is not None
    assert 0.05 < margins.tau < 0.2
    assert sizes[-1] <= limit < sizes[0] == wide
    assert margins.target == pytest.approx(bound - margins.tau)

    limit = -1  # nothing fits: None, for the blocks to be searched instead
    assert margins.bounds_that_fit(fits) is None

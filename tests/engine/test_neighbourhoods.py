"""The small programs around the incumbent: the LP's rounding neighbourhood, blocks of pledges,
and the programs HiGHS gets with the fixed columns taken out."""

import math
import threading
import time

import numpy as np
import pytest

from matching.engine import parse_instance
from matching.engine import solver as solver_module
from matching.engine.aggregate import build_aggregate, levels_in_reach
from matching.engine.classes import build_classes
from matching.engine.generator import generate_instance
from matching.engine.highs import make_lp, new_highs
from matching.engine.model import feasibility_violations, prepare
from matching.engine.naive import solve_naive
from matching.engine.neighbourhoods import (
    block_bounds,
    disagreement_neighbourhood,
    pledge_blocks,
    pledge_losses,
    rounding_neighbourhood,
)
from matching.engine.solver import (
    _repair,
    _run_program,
    counts_of,
    dual_bound,
    full_vector,
    price_vector,
)

from .builders import household, instance, pledge


def _lp(inst):
    prep = prepare(inst)
    classes = build_classes(prep)
    model = build_aggregate(inst, classes)
    h = new_highs()
    h.passModel(make_lp(**model.arrays()))
    h.run()
    return prep, classes, model, np.array(h.getSolution().col_value)


def test_the_rounding_neighbourhood_holds_each_count_at_its_floor_or_ceiling():
    inst = parse_instance(generate_instance(400, seed=3, shape="small-pledges", n_pledges=10))
    _, _, model, point = _lp(inst)
    lower, upper = rounding_neighbourhood(model, point, model.lower, model.upper)
    y = slice(0, model.n_y)
    assert np.all(lower[y] == np.floor(point[y] + 1e-6))
    assert np.all(upper[y] == np.ceil(point[y] - 1e-6))
    assert np.all(upper[y] - lower[y] <= 1)
    assert np.count_nonzero(upper[y] > lower[y]) < 0.2 * model.n_y  # the LP is mostly integral
    # The level columns (continuous) keep their bounds.
    assert np.array_equal(lower[model.n_y :], model.lower[model.n_y :])
    assert np.array_equal(upper[model.n_y :], model.upper[model.n_y :])


def test_pledge_blocks_respect_the_budget_and_seed_each_pledge_once():
    inst = parse_instance(generate_instance(1500, seed=2, shape="small-pledges"))
    _, _, model, _ = _lp(inst)
    free = np.ones(len(model.cost), dtype=bool)
    per_pledge = np.bincount(model.y_pledge, minlength=len(inst.pledges))
    budget = int(per_pledge.max()) + 50
    loss = np.random.default_rng(0).random(len(inst.pledges))
    blocks = pledge_blocks(model, free, loss, budget)
    assert blocks
    seeds = [block[0] for block in blocks]
    assert len(seeds) == len(set(seeds))
    # Each block starts from the pledge of highest loss not yet in a block.
    assert seeds[0] == int(np.argmax(loss))
    assert all(loss[a] > loss[b] for a, b in zip(seeds, seeds[1:], strict=False))
    for block in blocks:
        assert len(block) == len(set(block))
        assert per_pledge[block].sum() <= budget or len(block) == 1
    # A seed never starts a second block once it was taken into one.
    taken = set()
    for block in blocks:
        assert block[0] not in taken
        taken.update(block)
    # Every pledge with a count free is in a block; one with none is in none.
    assert sorted(taken) == list(range(len(inst.pledges)))
    free[: model.n_y] = model.y_pledge != seeds[0]
    assert all(seeds[0] not in block for block in pledge_blocks(model, free, loss, budget))


def test_pledge_losses_add_up_to_what_the_incumbent_gives_up_against_the_bound():
    # D - value = (unused places at their price + |reduced profit| of each column's distance
    # from where D puts it); the pledges' losses are that sum without the levels' part, and an
    # empty pledge with priced places loses at least those places.
    inst = parse_instance(generate_instance(500, seed=7, shape="small-pledges", n_pledges=12))
    prep, classes, model, _ = _lp(inst)
    h = new_highs()
    h.passModel(make_lp(**model.arrays()))
    h.run()
    prices = price_vector(model, np.array(h.getSolution().row_dual))
    reduced, bound = dual_bound(model, prices)
    rng = np.random.default_rng(1)
    assignment = [int(rng.choice(e)) if e and rng.random() < 0.3 else -1 for e in prep.eligible]
    capacity_price = prices[len(classes) : len(classes) + len(inst.pledges)]
    dear = int(np.argmax(capacity_price))
    assert capacity_price[dear] > 0
    assignment = [-1 if j == dear else j for j in assignment]  # the dearest pledge left empty
    _repair(prep, assignment)  # within every capacity and quota: no place used twice
    x = full_vector(model, classes, counts_of(model, classes, assignment, len(assignment)))
    loss = pledge_losses(model, prices, reduced, x, len(inst.pledges))
    assert np.all(loss >= -1e-9)
    z = slice(model.n_y, len(model.cost))
    levels = np.where(reduced[z] > 0, reduced[z] * (model.upper[z] - x[z]), -reduced[z] * x[z]).sum()
    assert loss.sum() + levels == pytest.approx(bound - float(model.cost @ x), rel=1e-9, abs=1e-7)
    # The empty pledge loses at least all its places, at their price.
    assert loss[dear] >= capacity_price[dear] * model.row_upper[len(classes) + dear] - 1e-9


def test_a_block_moves_only_its_own_pledges_columns():
    inst = parse_instance(generate_instance(400, seed=5, n_pledges=6))
    prep, classes, model, _ = _lp(inst)
    incumbent = full_vector(model, classes, counts_of(model, classes, [-1] * 400, 400))
    lower, upper = block_bounds(model, [1, 4], incumbent, model.lower, model.upper)
    outside = ~np.isin(model.y_pledge, [1, 4])
    assert np.all(lower[: model.n_y][outside] == 0) and np.all(upper[: model.n_y][outside] == 0)
    inside = ~outside
    assert np.array_equal(upper[: model.n_y][inside], model.upper[: model.n_y][inside])
    assert np.array_equal(upper[model.n_y :], model.upper[model.n_y :])


def test_the_disagreement_neighbourhood_frees_only_the_classes_the_incumbent_moved():
    inst = parse_instance(generate_instance(400, seed=6, n_pledges=8))
    prep, classes, model, point = _lp(inst)
    rounded = np.maximum(np.floor(point[: model.n_y] + 1e-6), 0).astype(np.int64)
    incumbent = full_vector(model, classes, rounded)
    lower, upper = disagreement_neighbourhood(model, point, incumbent, model.lower, model.upper)
    moved = np.unique(model.y_class[np.abs(incumbent[: model.n_y] - point[: model.n_y]) > 1e-6])
    assert len(moved) > 0
    in_moved = np.isin(model.y_class, moved)
    y_lower, y_upper = lower[: model.n_y], upper[: model.n_y]
    assert np.array_equal(y_upper[in_moved], model.upper[: model.n_y][in_moved])
    assert np.array_equal(y_lower[~in_moved], incumbent[: model.n_y][~in_moved])
    assert np.array_equal(y_upper[~in_moved], incumbent[: model.n_y][~in_moved])


@pytest.mark.parametrize(
    "seed, households, shape, neighbourhood",
    [
        (8, 300, "small-pledges", "rounding"),
        (3, 400, "small-pledges", "block"),
        (5, 400, "standard", "margin"),
        (6, 400, "large-families", "rounding"),
    ],
)
def test_a_program_over_the_free_columns_has_the_whole_programs_optimum(
    seed, households, shape, neighbourhood
):
    # HiGHS gets only the free columns (the fixed ones moved into the row bounds) and, of the
    # levels, only those between what each class surely places and what it can place: its
    # optimum and bound must be those of the program with every column. (The households it
    # gives are then topped up greedily, so they are worth at least that.)
    inst = parse_instance(generate_instance(households, seed=seed, shape=shape, n_pledges=8))
    prep, classes, model, point = _lp(inst)
    start = np.maximum(np.floor(point[: model.n_y] + 1e-6), 0).astype(np.int64)
    x = full_vector(model, classes, start)
    if neighbourhood == "rounding":
        lower, upper = rounding_neighbourhood(model, point, model.lower, model.upper)
    elif neighbourhood == "block":  # two pledges free, the others held at the start
        lower, upper = block_bounds(model, [0, 1], x, model.lower, model.upper)
    else:  # columns held where the LP's prices put them
        h = new_highs()
        h.passModel(make_lp(**model.arrays()))
        h.run()
        reduced, bound = dual_bound(model, price_vector(model, np.array(h.getSolution().row_dual)))
        lower, upper, _ = solver_module.restrict(model, reduced, 1e-3 * bound)
    widened = np.minimum(lower, x), np.maximum(upper, x)
    held = levels_in_reach(model, *widened)
    assert np.count_nonzero(held[1] > held[0]) < np.count_nonzero(widened[1] > widened[0])
    run = _run_program(model, classes, prep, lower, upper, model.row_lower, start, None)
    h = new_highs(mip_rel_gap=1e-9)
    h.passModel(make_lp(**model.arrays(*widened, model.row_lower), integrality=model.integrality))
    h.run()
    assert run.solved and run.has_solution
    assert run.bound == pytest.approx(h.getInfo().objective_function_value, rel=1e-7)
    assert run.value >= h.getInfo().objective_function_value - 1e-6
    assert not feasibility_violations(inst, run.assignment)


def test_a_start_highs_misreads_is_dropped_and_the_program_solved_again(monkeypatch):
    # HiGHS 1.16 (pinned in requirements.txt) reads this rounding program's start as worth
    # more than it is, and returns it as optimal; the program is solved again without it, and
    # its optimum is found.
    inst = parse_instance(generate_instance(300, seed=5, shape="small-pledges"))
    prep, classes, model, point = _lp(inst)
    lower, upper = rounding_neighbourhood(model, point, model.lower, model.upper)
    start = np.maximum(np.floor(point[: model.n_y] + 1e-6), 0).astype(np.int64)
    made, real = [], solver_module.new_highs

    def recording(*args, **options):
        made.append(real(*args, **options))
        return made[-1]

    monkeypatch.setattr(solver_module, "new_highs", recording)
    run = _run_program(model, classes, prep, lower, upper, model.row_lower, start, None)
    assert len(made) == 2  # the run from the start, then the one without it
    first = made[0]
    returned = np.array(first.getSolution().col_value)
    cost = np.array(first.getLp().col_cost_)
    assert first.getInfo().objective_function_value > cost @ returned + 1e-3  # the misread
    x = full_vector(model, classes, start)
    h = real(mip_rel_gap=1e-9)
    h.passModel(
        make_lp(
            **model.arrays(np.minimum(lower, x), np.maximum(upper, x), model.row_lower),
            integrality=model.integrality,
        )
    )
    h.run()
    optimum = h.getInfo().objective_function_value
    assert run.solved and run.misread_start
    assert run.bound == pytest.approx(optimum, rel=1e-7) and run.value >= optimum - 1e-6
    assert not feasibility_violations(inst, run.assignment)
    # Under a limit, the run without the start gets at most twice the first one's time, and
    # 0.2 s: not the whole minute left.
    made.clear()
    began = time.perf_counter()
    limited = _run_program(model, classes, prep, lower, upper, model.row_lower, start, 60.0)
    took = time.perf_counter() - began
    assert len(made) == 2 and limited.solved
    assert made[1].getOptionValue("time_limit")[1] <= 2 * took + 0.2 < 60.0
    # Too little time left for a second run: the first one's result, its bound holding.
    made.clear()
    monkeypatch.setattr(solver_module, "MISREAD_LEAST_SECONDS", 60.0)
    short = _run_program(model, classes, prep, lower, upper, model.row_lower, start, 30.0)
    assert len(made) == 1 and short.misread_start and short.solved
    assert short.bound >= optimum - 1e-6 and short.value < run.value


def test_levels_in_reach_agree_with_a_class_by_class_reading():
    # Random bounds on the counts of many classes (and, in some trials, levels held as
    # ``restrict`` holds them: the best ones placed, the worst ones out), against the rule read
    # class by class.
    inst = parse_instance(generate_instance(300, seed=2, shape="large-families"))
    classes = build_classes(prepare(inst))
    model = build_aggregate(inst, classes)
    rng = np.random.default_rng(5)
    held_any = 0
    for trial in range(20):
        lower, upper = model.lower.copy(), model.upper.copy()
        y = slice(0, model.n_y)
        a = rng.integers(0, model.upper[y].astype(np.int64) + 1)
        b = rng.integers(0, model.upper[y].astype(np.int64) + 1)
        lower[y], upper[y] = np.minimum(a, b), np.maximum(a, b)
        z = model.n_y
        if trial % 2:
            for cls in classes:  # the first level placed, the last one out, where there are two
                if len(cls.levels) >= 2:
                    lower[z] = cls.levels[0][1]
                    upper[z + len(cls.levels) - 1] = 0
                z += len(cls.levels)
        held_lower, held_upper = levels_in_reach(model, lower, upper)
        assert np.array_equal(held_lower[y], lower[y]) and np.array_equal(held_upper[y], upper[y])
        z = model.n_y
        for c, cls in enumerate(classes):
            mine = model.y_class == c
            n = len(cls.levels)
            lo_z, hi_z = lower[z : z + n], upper[z : z + n]
            low = max(lower[y][mine].sum(), lo_z.sum())
            high = min(upper[y][mine].sum(), hi_z.sum())
            expected_lower, expected_upper = lo_z.copy(), hi_z.copy()
            if low <= high:
                before = 0
                for k, (_, count) in enumerate(cls.levels):
                    expected_lower[k] = max(lo_z[k], min(count, max(0, low - before)))
                    expected_upper[k] = min(hi_z[k], min(count, max(0, high - before)))
                    before += count
            assert np.array_equal(held_lower[z : z + n], expected_lower)
            assert np.array_equal(held_upper[z : z + n], expected_upper)
            held_any += int(np.count_nonzero(expected_upper - expected_lower < hi_z - lo_z))
            z += n
    assert held_any > 0


def test_levels_in_reach_hold_what_a_class_surely_places_and_what_it_cannot():
    # One class of five households, four base values (two wait alike), two pledges: one count
    # held at 1, the other free in 0-2, so the class places 1-3 households, its best first.
    people = [
        household(f"H-{k}", waiting_days=days) for k, days in enumerate([700, 350, 350, 70, 0])
    ]
    inst = parse_instance(instance(people, [pledge("P-1"), pledge("P-2", state="FR")]))
    classes = build_classes(prepare(inst))
    model = build_aggregate(inst, classes)
    assert [count for _, count in classes[0].levels] == [1, 2, 1, 1]
    lower, upper = model.lower.copy(), model.upper.copy()
    lower[0] = upper[0] = 1
    lower[1], upper[1] = 0, 2
    held_lower, held_upper = levels_in_reach(model, lower, upper)
    z = slice(model.n_y, None)
    assert held_lower[z].tolist() == [1, 0, 0, 0] and held_upper[z].tolist() == [1, 2, 0, 0]
    assert np.array_equal(held_lower[: model.n_y], lower[: model.n_y])
    # Placing three or four: the first two levels whole, the third's household possible.
    lower[1], upper[1] = 2, 3
    held_lower, held_upper = levels_in_reach(model, lower, upper)
    assert held_lower[z].tolist() == [1, 2, 0, 0] and held_upper[z].tolist() == [1, 2, 1, 0]
    # Level bounds that are not the best first (a later level held, an earlier one free) are
    # the caller's own: left as they are.
    lower[1], upper[1] = 0, 2
    lower[model.n_y + 2] = 1
    held_lower, held_upper = levels_in_reach(model, lower, upper)
    assert np.array_equal(held_lower, lower) and np.array_equal(held_upper, upper)


def test_a_program_with_nothing_free_is_its_one_solution():
    inst = parse_instance(generate_instance(200, seed=1))
    prep, classes, model, point = _lp(inst)
    y = np.maximum(np.floor(point[: model.n_y] + 1e-6), 0).astype(np.int64)
    x = full_vector(model, classes, y)
    run = _run_program(model, classes, prep, x, x, model.row_lower, y, None)
    assert run.solved and not run.infeasible and run.free == 0
    assert run.bound == pytest.approx(float(model.cost @ x))
    assert run.assignment is None and run.value == -math.inf


def test_blocks_search_the_time_a_margin_program_would_not_fit(monkeypatch):
    # Roots are judged to need 3,000 s per 10,000 free columns: with 30 s, no margin program
    # (hundreds of free columns) fits, but blocks of up to 100 free columns do. The solve searches blocks
    # instead, and its result is feasible, never below the small programs', with an honest bound.
    monkeypatch.setattr(solver_module, "ROOT_SECONDS_PER_10K_COLUMNS", 3000.0)
    monkeypatch.setattr(solver_module, "BLOCK_COLUMNS", 60)
    inst = parse_instance(generate_instance(600, seed=4, shape="small-pledges", n_pledges=12))
    prep = prepare(inst)
    outcome = solver_module.solve_exact(prep, time_limit=30)
    steps = [entry["step"] for entry in outcome.log]
    assert steps[:2] == ["lp", "rounding"]
    small = steps.index("disagreement")  # after the rounding cuts' own search, if any
    assert "pledge-block" in steps[small:] and "margin-mip" not in steps
    assert all(e["free_columns"] <= 100 for e in outcome.log if e["step"] == "pledge-block")
    assert outcome.timed_out
    assert not feasibility_violations(inst, outcome.assignment)
    value = math.fsum(prep.value(i, j) for i, j in enumerate(outcome.assignment) if j >= 0)
    assignment, _, optimal, _ = solve_naive(prep, time_limit=60, mip_rel_gap=1e-9)
    optimum = math.fsum(prep.value(i, j) for i, j in enumerate(assignment) if j >= 0)
    assert optimal
    assert value <= optimum + 1e-6 <= outcome.bound + 2e-6
    assert value >= outcome.log[small]["value"]  # the blocks never lose what came before


def _wait_for_runs_left_running():
    for thread in threading.enumerate():
        if thread.name == "highs-run":
            thread.join(60)


def test_a_program_still_running_at_its_wait_is_left_with_what_it_reported():
    # HiGHS checks its time limit only between phases: the engine waits for it no longer than
    # ``wait`` and keeps the last solution HiGHS reported, without reading a bound from a run
    # that goes on. Here the whole program, whose root takes far longer than 1 ms (HiGHS's own
    # limit, 2 s, ends the run left going).
    inst = parse_instance(generate_instance(2000, seed=3, shape="small-pledges"))
    prep, classes, model, point = _lp(inst)
    start = np.maximum(np.floor(point[: model.n_y] + 1e-6), 0).astype(np.int64)
    began = time.perf_counter()
    run = _run_program(
        model, classes, prep, model.lower, model.upper, model.row_lower, start, 2, wait=0.001
    )
    waited = time.perf_counter() - began
    _wait_for_runs_left_running()
    assert run.status == "Left running at the deadline"
    assert not run.solved and not run.infeasible and run.bound == math.inf
    assert waited < 1.0  # the run itself goes on to HiGHS's limit, 2 s
    if run.has_solution:  # whatever HiGHS had reported by then is a feasible placement
        assert not feasibility_violations(inst, run.assignment)


def test_a_program_that_ends_in_its_wait_is_read_as_usual():
    inst = parse_instance(generate_instance(300, seed=8, shape="small-pledges", n_pledges=8))
    prep, classes, model, point = _lp(inst)
    lower, upper = rounding_neighbourhood(model, point, model.lower, model.upper)
    start = np.maximum(np.floor(point[: model.n_y] + 1e-6), 0).astype(np.int64)
    waited = _run_program(model, classes, prep, lower, upper, model.row_lower, start, 60, wait=60)
    unlimited = _run_program(model, classes, prep, lower, upper, model.row_lower, start, None)
    assert waited.solved and waited.status == unlimited.status
    assert waited.value == unlimited.value and waited.assignment == unlimited.assignment


def test_a_program_stopped_by_its_node_limit_keeps_what_it_found_and_proves_nothing(monkeypatch):
    # A program HiGHS does not solve at its root (with the levels held in reach it solves
    # those of 300 households, seeds 1-14, there).
    inst = parse_instance(generate_instance(500, seed=4, shape="small-pledges", n_pledges=8))
    prep, classes, model, _ = _lp(inst)
    nothing = np.zeros(model.n_y, dtype=np.int64)  # from nothing placed, over the whole program
    made, real = [], solver_module.new_highs

    def recording(*args, **options):
        made.append(real(*args, **options))
        return made[-1]

    monkeypatch.setattr(solver_module, "new_highs", recording)
    limited = _run_program(
        model, classes, prep, model.lower, model.upper, model.row_lower, nothing, None,
        widen=False, max_nodes=1,
    )
    unlimited = _run_program(
        model, classes, prep, model.lower, model.upper, model.row_lower, nothing, None, widen=False
    )
    _, no_limit = real().getOptionValue("mip_max_nodes")  # HiGHS's default
    assert [h.getOptionValue("mip_max_nodes")[1] for h in made] == [1, no_limit]
    assert limited.status == "Solution limit reached"  # HiGHS's words for its node limit
    assert not limited.solved and not limited.infeasible and limited.has_solution
    assert not feasibility_violations(inst, limited.assignment)
    assert unlimited.solved and unlimited.value >= limited.value - 1e-9


def test_only_the_neighbourhood_programs_stop_at_the_search_node_limit(monkeypatch):
    # The rounding and disagreement programs prove nothing; the margin programs prove the bound
    # and must run to the end.
    inst = parse_instance(generate_instance(600, seed=3))  # proven by a margin program
    calls, real = [], solver_module._run_program

    def spy(*args, **kwargs):
        if threading.current_thread() is threading.main_thread():  # the main search's
            calls.append(kwargs.get("max_nodes"))
        return real(*args, **kwargs)

    monkeypatch.setattr(solver_module, "_run_program", spy)
    outcome = solver_module.solve_exact(prepare(inst), None)
    assert not outcome.timed_out  # so the log holds the main search's programs only
    steps = [row["step"] for row in outcome.log if "free_columns" in row]
    neighbourhoods = {"rounding", "disagreement", "rounding-at-M"}
    assert len(steps) == len(calls)  # each of its programs is in the log, in order
    assert "margin-mip" in steps and neighbourhoods & set(steps)  # both kinds ran
    for step, max_nodes in zip(steps, calls, strict=True):
        assert max_nodes == (solver_module.SEARCH_NODES if step in neighbourhoods else None), step

"""The master program: knapsack pledges as column generation's whole packings (a search)."""

import math
import threading

import numpy as np
import pytest

from matching.engine import parse_instance
from matching.engine import solver as solver_module
from matching.engine.decomposition import improve_prices, knapsack_bound, pledge_columns
from matching.engine.generator import generate_instance
from matching.engine.greedy import greedy
from matching.engine.master import master_program
from matching.engine.model import feasibility_violations, prepare
from matching.engine.naive import solve_naive
from matching.engine.solver import (
    _run_program,
    counts_of,
    dual_bound,
    full_vector,
    price_vector,
    restrict,
    row_activity,
)

from .builders import solved_lp


def _generated(inst):
    """The model, its classes and column generation's result (with its packings)."""
    prep, classes, model, h = solved_lp(inst)
    prices = price_vector(model, np.asarray(h.getSolution().row_dual))
    pledges = pledge_columns(model, len(inst.pledges))
    tight = improve_prices(model, pledges, knapsack_bound(model, pledges, prices), basis=h.getBasis())
    return prep, classes, model, pledges, tight


def _from_greedy():
    """A small-pledges instance, and its master program around the greedy placement."""
    inst = parse_instance(generate_instance(1500, seed=4, shape="small-pledges"))
    prep, classes, model, pledges, tight = _generated(inst)
    y = counts_of(model, classes, greedy(prep), len(inst.households))
    return inst, prep, classes, model, pledges, tight, y, master_program(model, pledges, tight, y)


def _optimum(prep):
    assignment, _, optimal, _ = solve_naive(prep, time_limit=60, mip_rel_gap=1e-9)
    assert optimal
    return assignment, math.fsum(prep.value(i, j) for i, j in enumerate(assignment) if j >= 0)


def _solve_master(prep, classes, model, pledges, tight, incumbent, tau=math.inf):
    y = counts_of(model, classes, incumbent, len(prep.instance.households))
    master = master_program(model, pledges, tight, y)
    reduced, _ = dual_bound(model, tight.prices)
    lower, upper = master.bounds(*restrict(model, reduced, tau)[:2], tau)
    return _run_program(
        master.model, classes, prep, lower, upper, master.model.row_lower, y, None, master=master
    )


def test_the_master_holds_the_incumbent_and_gives_its_counts_back():
    _, _, classes, model, _, tight, y, master = _from_greedy()
    assert tight.knapsack_pledges and all(tight.packings[j] for j in tight.knapsack_pledges)
    x = full_vector(model, classes, y)
    start = master.vector(x)
    assert np.array_equal(master.counts(start), y)
    # The same value, inside every bound and row of the master.
    assert float(master.model.cost @ start) == pytest.approx(float(model.cost @ x))
    assert np.all(start >= master.model.lower) and np.all(start <= master.model.upper)
    activity = row_activity(master.model, start)
    assert np.all(activity >= master.model.row_lower - 1e-9)
    assert np.all(activity <= master.model.row_upper + 1e-9)
    # Each knapsack pledge takes one packing at most, and its own counts are held at zero.
    assert np.all(start[master.knapsack_columns] == 0)
    assert np.count_nonzero(start[len(model.cost) :]) <= len(tight.knapsack_pledges)


def test_packings_giving_up_more_than_tau_are_held_out():
    _, _, _, model, _, tight, _, master = _from_greedy()
    reduced, _ = dual_bound(model, tight.prices)
    tau = float(np.median(master.packing_loss))
    lower, upper = master.bounds(*restrict(model, reduced, tau)[:2], tau)
    packings = slice(len(model.cost), None)
    assert np.array_equal(upper[packings] > 0, master.packing_loss <= tau)
    assert 0 < np.count_nonzero(upper[packings]) < len(master.packing_loss) or tau == 0
    assert np.all(upper[master.knapsack_columns] == 0)
    held_up = reduced[: len(model.cost)] > tau
    assert np.all(lower[: len(model.cost)][held_up] == model.upper[held_up])


@pytest.mark.parametrize("seed", [0, 1, 4, 5, 9, 10, 11, 15])  # seeds with knapsack pledges
def test_the_master_gives_placements_never_above_the_optimum_and_finds_it_from_its_packings(seed):
    # Whatever its packings, a solution of the master is a placement (never above the
    # optimum); given the optimum's own packings, the master's optimum is the optimum.
    inst = parse_instance(generate_instance(150, seed=seed, shape="small-pledges", n_pledges=8))
    prep, classes, model, pledges, tight = _generated(inst)
    assert tight.knapsack_pledges
    optimum_assignment, optimum = _optimum(prep)
    from_greedy = _solve_master(prep, classes, model, pledges, tight, greedy(prep))
    assert from_greedy.solved
    assert not feasibility_violations(inst, from_greedy.assignment)
    assert from_greedy.value <= optimum + 1e-9 * abs(optimum)
    from_optimum = _solve_master(prep, classes, model, pledges, tight, optimum_assignment)
    assert from_optimum.solved
    assert not feasibility_violations(inst, from_optimum.assignment)
    assert from_optimum.value == pytest.approx(optimum, rel=1e-9)


def test_a_proven_solve_reads_nothing_from_the_master(monkeypatch, started_beside):
    # The margin programs prove the optimum: the master search beside them is stopped and
    # nothing of it is read, so the result is the one without it (whichever ends first). A
    # limit far off: without one no master search starts at all.
    inst = parse_instance(generate_instance(1500, seed=4, shape="small-pledges"))
    outcome = solver_module.solve_exact(prepare(inst), time_limit=600)
    assert "search_master" in started_beside  # it ran beside the margin programs
    assert not outcome.timed_out
    assert "master" not in [e["step"] for e in outcome.log]
    monkeypatch.setattr(solver_module, "MASTER_ROUNDS", 0)
    assert solver_module.solve_exact(prepare(inst), time_limit=600).assignment == outcome.assignment


def test_when_the_margin_programs_are_cut_short_the_master_solutions_are_taken(monkeypatch):
    # Every margin program (and pledge block) "stopped by the clock" with nothing found (the
    # master's own runs and the neighbourhood searches, with their node limit, are real): the
    # solve ends cut short, and what the master found is its result. A limit far off (none
    # would start no master search: nothing would read it).
    real = solver_module._run_program

    def margins_cut_short(*args, master=None, max_nodes=None, **kwargs):
        if master is not None or max_nodes is not None:
            return real(*args, master=master, max_nodes=max_nodes, **kwargs)
        return solver_module.ProgramRun(
            status="Time limit reached", free=0, started_from_incumbent=True, solved=False,
            infeasible=False, has_solution=False, bound=math.inf,
        )

    monkeypatch.setattr(solver_module, "_run_program", margins_cut_short)
    inst = parse_instance(generate_instance(1500, seed=4, shape="small-pledges"))
    prep = prepare(inst)
    outcome = solver_module.solve_exact(prep, time_limit=600)
    steps = [e["step"] for e in outcome.log]
    assert outcome.timed_out and "master" in steps
    assert steps.index("column-generation") < steps.index("master")
    # Its results come last (the exchange at L's prices, when it improves, then the master
    # programs), each taken when better, and they are the result, polished (:mod:`.slots`).
    first = min(steps.index(s) for s in ("exchange-at-L", "master") if s in steps)
    assert set(steps[first:-1]) <= {"exchange-at-L", "master"} and steps[-1] == "slots"
    values = [e["value"] for e in outcome.log[first - 1 :]]
    assert values == sorted(values)
    value = math.fsum(prep.value(i, j) for i, j in enumerate(outcome.assignment) if j >= 0)
    assert value == pytest.approx(values[-1])
    assert not feasibility_violations(inst, outcome.assignment)
    _, optimum = _optimum(prep)
    assert value <= optimum + 1e-9 * optimum <= outcome.bound + 1e-6


def test_column_generation_is_read_after_the_first_margin_program_when_cuts_are_not_waited_for(
    monkeypatch,
):
    # Root cuts never waited for (as under a short limit): the first margin program, around D
    # and the rounding cuts' M, runs while column generation goes on beside it, which is read (and L used) only after it.
    # The optimum is still proven, and it is the one the solve waiting for everything finds.
    inst = parse_instance(generate_instance(1500, seed=4, shape="small-pledges"))
    waited = solver_module.solve_exact(prepare(inst))
    monkeypatch.setattr(solver_module, "CUTS_WAITED_FOR", math.inf)
    outcome = solver_module.solve_exact(prepare(inst))
    steps = [e["step"] for e in outcome.log]
    assert "root" not in steps and "cut-margin-mip" not in steps
    assert steps.index("margin-mip") < steps.index("column-generation")
    first = next(e for e in outcome.log if e["step"] == "margin-mip")
    assert first["around"] == "D+M"
    assert not outcome.timed_out
    assert outcome.bound == pytest.approx(waited.bound, rel=1e-6)
    assert not feasibility_violations(inst, outcome.assignment)


def test_a_master_program_told_to_stop_is_interrupted():
    _, prep, classes, model, _, tight, y, master = _from_greedy()
    reduced, _ = dual_bound(model, tight.prices)
    lower, upper = master.bounds(*restrict(model, reduced, math.inf)[:2], math.inf)
    stop = threading.Event()
    stop.set()
    run = _run_program(
        master.model, classes, prep, lower, upper, master.model.row_lower, y, None,
        master=master, stop=stop,
    )
    assert run.status == "Interrupted by user"
    assert not run.solved and not run.infeasible

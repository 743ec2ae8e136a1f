"""Column generation beside the dive and the first programs: the worker thread, its stop, its bound."""

import math
import threading
import time

import numpy as np
import pytest

from matching.engine import parse_instance
from matching.engine import solver as solver_module
from matching.engine.aggregate import build_aggregate
from matching.engine.classes import build_classes
from matching.engine.decomposition import improve_prices, knapsack_bound, pledge_columns
from matching.engine.generator import generate_instance
from matching.engine.highs import make_lp, new_highs, set_time_left
from matching.engine.model import prepare
from matching.engine.solver import Beside, price_vector


def test_beside_gives_the_value_or_the_error_of_its_function():
    assert Beside(lambda a, b, stop: a + b, 2, 3).result(None) == 5

    def fails(stop):
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        Beside(fails).result(None)


def test_beside_not_done_in_time_gives_none_and_is_told_to_stop():
    release = threading.Event()

    def waits(stop):
        release.wait(30)
        return stop.is_set()

    beside = Beside(waits)
    assert beside.result(0.01) is None
    assert beside.stop.is_set()
    release.set()
    beside._thread.join(30)
    assert beside._value is True  # it saw the stop


def test_beside_after_another_starts_once_that_one_has_ended():
    release, order = threading.Event(), []

    def first(stop):
        release.wait(30)
        order.append("first")

    def second(stop):
        order.append("second")
        return len(order)

    earlier = Beside(first)
    later = Beside(second, after=earlier)
    time.sleep(0.05)
    assert order == []  # still waiting for the first
    release.set()
    assert later.result(30) == 2
    assert order == ["first", "second"]


def test_beside_after_another_told_to_stop_meanwhile_never_starts():
    release, called = threading.Event(), []
    earlier = Beside(lambda stop: release.wait(30))
    later = Beside(lambda stop: called.append(True), after=earlier)
    later.stop.set()
    release.set()
    assert later.result(30) is None
    assert called == []


def _start(seed=4):
    inst = parse_instance(generate_instance(1500, seed=seed, shape="small-pledges"))
    model = build_aggregate(inst, build_classes(prepare(inst)))
    h = new_highs(presolve="off")
    h.passModel(make_lp(**model.arrays()))
    h.run()
    pledges = pledge_columns(model, len(inst.pledges))
    start = knapsack_bound(model, pledges, price_vector(model, np.asarray(h.getSolution().row_dual)))
    return model, pledges, start, h.getBasis()


def test_column_generation_told_to_stop_runs_no_round():
    model, pledges, start, basis = _start()
    assert start.knapsack_pledges  # small pledges the LP fills with fractions
    stopped = threading.Event()
    stopped.set()
    assert improve_prices(model, pledges, start, basis=basis, stop=stopped) is start
    assert improve_prices(model, pledges, start, basis=basis).rounds > 0


def test_the_bound_of_column_generation_counts_when_the_time_runs_out(monkeypatch):
    # No margin program fits (roots judged to need 3,000 s per 10,000 columns): the solve ends
    # on the clock after searching blocks, and the bound is still column generation's L.
    monkeypatch.setattr(solver_module, "ROOT_SECONDS_PER_10K_COLUMNS", 3000.0)
    monkeypatch.setattr(solver_module, "CUTS_WAITED_FOR", math.inf)  # L alone, no cuts
    inst = parse_instance(generate_instance(1500, seed=4, shape="small-pledges"))
    prep = prepare(inst)
    outcome = solver_module.solve_exact(prep, time_limit=30)
    generation = [e for e in outcome.log if e["step"] == "column-generation"]
    assert outcome.timed_out and "margin-mip" not in [e["step"] for e in outcome.log]
    assert len(generation) == 1 and generation[0]["rounds"] > 0
    assert outcome.bound <= outcome.log[0]["knapsack_bound"]
    assert outcome.bound == pytest.approx(generation[0]["bound"])
    # That bound is the least of L and of the LP with the rounding cuts (M).
    model, pledges, start, basis = _start()
    at_l = improve_prices(model, pledges, start, basis=basis).bound
    at_m = next(e["cut_bound"] for e in outcome.log if e["step"] == "rounding-cuts")
    assert generation[0]["bound"] == pytest.approx(min(at_l, at_m))


def test_a_re_solve_gets_the_time_left_on_top_of_what_its_instance_used():
    # HiGHS's clock adds up every run of one instance: a re-solve given "0.5 s" after runs
    # that took longer would stop at once (column generation's master did, after ten rounds).
    model, _, _, _ = _start()
    h = new_highs(presolve="off")
    h.passModel(make_lp(**model.arrays()))
    h.run()
    used = h.getRunTime()
    assert used > 0
    set_time_left(h, 0.5)
    assert h.getOptionValue("time_limit")[1] == pytest.approx(used + 0.5)


@pytest.mark.parametrize("root_waited_for", [True, False])
def test_the_searches_read_only_when_the_time_runs_out_start_only_under_a_limit(
    monkeypatch, started_beside, root_waited_for
):
    # Without a limit the main search ends in a proof, which ignores the master search and the
    # blocks beside: starting them would only hold memory and a core. Where the root cuts are
    # waited for (always, without a limit) the master search runs beside; where they are not,
    # the blocks do.
    if not root_waited_for:
        monkeypatch.setattr(solver_module, "CUTS_WAITED_FOR", math.inf)
    beside = "search_master" if root_waited_for else "search_blocks_beside"
    prep = prepare(parse_instance(generate_instance(300, seed=1, shape="small-pledges")))
    values = {}
    for time_limit in (60, None):
        started_beside.clear()
        outcome = solver_module.solve_exact(prep, time_limit=time_limit)
        assert not outcome.timed_out
        values[time_limit] = solver_module.assignment_value(prep, outcome.assignment)
        assert "improve_prices" in started_beside  # column generation runs either way: its L is read
        if time_limit is None:
            assert "search_master" not in started_beside
            assert "search_blocks_beside" not in started_beside
        else:
            assert beside in started_beside  # under a limit, on this instance
    assert values[60] == pytest.approx(values[None], rel=1e-9)  # both proven optimal

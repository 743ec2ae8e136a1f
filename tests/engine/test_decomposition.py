"""The whole-household bound: exact pledge knapsacks, column generation, and the proofs
restricted around it."""

import itertools
import math
import time
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.engine import knapsack, parse_instance, solve
from matching.engine import solver as solver_module
from matching.engine.aggregate import build_aggregate
from matching.engine.classes import build_classes
from matching.engine.decomposition import improve_prices, knapsack_bound, pledge_columns
from matching.engine.generator import generate_instance
from matching.engine.highs import make_lp, new_highs
from matching.engine.knapsack import pack
from matching.engine.model import feasibility_violations, prepare
from matching.engine.naive import solve_naive
from matching.engine.solver import dual_bound, price_vector

from .builders import household, instance, pledge
from .test_shapes import exhaustive_optimum, shaped_instances


@st.composite
def knapsacks(draw):
    n = draw(st.integers(0, 5))
    n_groups = draw(st.integers(0, 3))
    return {
        "profit": np.array([draw(st.sampled_from([-1.0, 0.0, 0.5, 1.25, 3.0, 7.5])) for _ in range(n)]),
        "size": np.array([draw(st.integers(1, 6)) for _ in range(n)], dtype=np.int64),
        "count": np.array([draw(st.integers(0, 3)) for _ in range(n)], dtype=np.int64),
        "group": np.array(
            [draw(st.integers(-1, n_groups - 1)) if n_groups else -1 for _ in range(n)],
            dtype=np.int64,
        ),
        "group_limit": [draw(st.integers(0, 12)) for _ in range(n_groups)],
        "capacity": draw(st.integers(0, 15)),
    }


def brute_force_pack(k) -> float:
    best = 0.0
    for xs in itertools.product(*[range(c + 1) for c in k["count"]]):
        x = np.array(xs, dtype=np.int64)
        weight = x * k["size"]
        if weight.sum() > k["capacity"]:
            continue
        if any(weight[k["group"] == g].sum() > lim for g, lim in enumerate(k["group_limit"])):
            continue
        best = max(best, float(np.dot(x, k["profit"])) if len(x) else 0.0)
    return best


def no_greedy(*args):
    return None


@pytest.mark.parametrize(
    "table_cells, greedy",
    [
        (knapsack.SIZE_TABLE_CELLS, knapsack._whole_greedy),
        (knapsack.SIZE_TABLE_CELLS, no_greedy),
        (0, no_greedy),
    ],
    ids=["greedy-first", "by-size", "by-piece"],
)
@settings(max_examples=400, deadline=None)
@given(k=knapsacks())
def test_pack_is_the_best_whole_packing_and_says_what_it_takes(table_cells, greedy, k):
    # The greedy packing where it takes whole households, else the tables; and both ways of
    # adding a size's households to a table: all at once, and piece by piece (taken where the
    # one-step table would be too large).
    with (
        patch.object(knapsack, "SIZE_TABLE_CELLS", table_cells),
        patch.object(knapsack, "_whole_greedy", greedy),
    ):
        value, counts = pack(**k)
    assert value == pytest.approx(brute_force_pack(k), abs=1e-9)
    weight = counts * k["size"]
    assert np.all((counts >= 0) & (counts <= k["count"]))
    assert weight.sum() <= k["capacity"]
    for g, limit in enumerate(k["group_limit"]):
        assert weight[k["group"] == g].sum() <= limit
    assert float(np.dot(counts, k["profit"])) == pytest.approx(value, abs=1e-9)


def test_pack_takes_the_greedy_packing_only_where_it_holds_whole_households():
    # By profit per person: the family of 3 (2.0 per person), then the pair (1.5), then the
    # family of 4 (1.25). Capacity 5 takes 3 + 2 whole: the greedy packing is the best.
    k = {
        "profit": np.array([6.0, 3.0, 5.0]),
        "size": np.array([3, 2, 4]),
        "count": np.array([1, 1, 1]),
        "group": np.array([-1, -1, -1]),
        "group_limit": [],
    }
    groups = (np.array([0, 1, 2]), np.array([1, 1, 1]), np.zeros(3, dtype=np.int64))
    assert knapsack._whole_greedy(k["profit"], k["size"], *groups, np.array([5]), 5).tolist() == [1, 1, 0]
    assert pack(**k, capacity=5)[0] == 9.0
    # Capacity 4: the greedy takes the family of 3 and half the pair, so the tables decide:
    # the family of 3 alone (6.0) beats the family of 4 (5.0).
    assert knapsack._whole_greedy(k["profit"], k["size"], *groups, np.array([4]), 4) is None
    assert pack(**k, capacity=4)[0] == 6.0


def _lp_prices(inst):
    prep = prepare(inst)
    model = build_aggregate(inst, build_classes(prep))
    h = new_highs()
    h.passModel(make_lp(**model.arrays()))
    h.run()
    prices = price_vector(model, np.asarray(h.getSolution().row_dual))
    return model, prices, h.getBasis()


def test_a_pledge_of_ten_holds_two_families_of_four_not_two_and_a_half():
    inst = parse_instance(
        instance(
            [household(f"H-{i}", size=4, composition="family_with_children") for i in range(5)],
            [pledge("P-1", capacity=10)],
        )
    )
    model, prices, _ = _lp_prices(inst)
    _, lp_bound = dual_bound(model, prices)
    pledges = pledge_columns(model, len(inst.pledges))
    tight = knapsack_bound(model, pledges, prices)
    # Capacity 10 is first lowered to 8 (what families of four can fill); the knapsack then
    # agrees with it, and both bounds equal the optimum: 8 persons.
    assert lp_bound == pytest.approx(8.0)
    assert tight.bound == pytest.approx(8.0)
    assert solve(inst).objective == pytest.approx(8.0)


def _sizes_that_do_not_fit():
    """Families of 3 and 4 and a pledge of 10 with a quota of 7 for GR: the LP takes 7/4 of
    valuable GR families, while whole families fit 3 + 4 = 7 only with the less valuable one."""
    households = [
        household(
            "H-1", size=4, cultural_ties=["DE"], composition="family_with_children"
        ),  # a tie to the pledge's state: a class of its own
        household("H-2", size=4, vulnerable_members=3, composition="family_with_children"),
        household("H-3", size=3, composition="family_with_children"),
        household("H-4", size=3, frontline_state="IT", composition="family_with_children"),
    ]
    return parse_instance(instance(households, [pledge("P-1", capacity=10, quotas={"GR": 7, "IT": 3})]))


def test_the_knapsack_bound_is_below_the_lp_where_sizes_do_not_fit():
    inst = _sizes_that_do_not_fit()
    model, prices, basis = _lp_prices(inst)
    _, lp_bound = dual_bound(model, prices)
    pledges = pledge_columns(model, len(inst.pledges))
    tight = knapsack_bound(model, pledges, prices)
    improved = improve_prices(model, pledges, tight, basis=basis)
    optimum = exhaustive_optimum(inst)
    assert tight.knapsack_pledges == [0]
    assert tight.bound < lp_bound - 1.0
    assert optimum - 1e-9 <= improved.bound <= tight.bound + 1e-9
    assert optimum == pytest.approx(16.0)  # H-2, H-3 and H-4: 10 + 3 + 3
    assert improved.bound == pytest.approx(optimum)


def test_past_its_deadline_the_knapsack_bound_keeps_the_lp_terms():
    # The instance above, whose knapsack lowers the bound: past the deadline no pledge is
    # priced as a knapsack, and the bound is the LP's (still above the optimum).
    inst = _sizes_that_do_not_fit()
    model, prices, _ = _lp_prices(inst)
    _, lp_bound = dual_bound(model, prices)
    pledges = pledge_columns(model, len(inst.pledges))
    late = knapsack_bound(model, pledges, prices, deadline=time.perf_counter() - 1.0)
    assert late.knapsack_pledges == []
    assert late.bound == pytest.approx(lp_bound)
    assert late.bound >= exhaustive_optimum(inst) + 1.0
    assert knapsack_bound(model, pledges, prices).bound < late.bound - 1.0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shaped_instances())
def test_every_bound_is_above_the_optimum_and_below_the_lp(inst):
    model, prices, basis = _lp_prices(inst)
    if model.n_y == 0:
        return
    _, lp_bound = dual_bound(model, prices)
    pledges = pledge_columns(model, len(inst.pledges))
    tight = knapsack_bound(model, pledges, prices)
    improved = improve_prices(model, pledges, tight, basis=basis)
    # A master holding only some counts (as after sifting) prices L over all of them still.
    partial = improve_prices(model, pledges, tight, master_counts=np.arange(0, model.n_y, 2))
    optimum = exhaustive_optimum(inst)
    tolerance = 1e-7 * max(1.0, abs(optimum))
    for found in (improved, partial):
        assert optimum - tolerance <= found.bound <= tight.bound + tolerance
        assert all(s >= 0 for s in found.slack.values())
    assert tight.bound <= lp_bound + tolerance


def test_proofs_restricted_around_the_knapsack_bound_are_sound(monkeypatch):
    # A first margin so small that it proves nothing sends the solves through column
    # generation and the restrictions around L (slack included); each "optimal" must still be
    # the optimum of the naive model solved exactly.
    monkeypatch.setattr(solver_module, "START_TAU_REL", 1e-12)
    monkeypatch.setattr(solver_module, "CUTS_WAITED_FOR", math.inf)  # L alone, no cuts
    around_l = 0
    for seed in range(10):
        inst = parse_instance(generate_instance(150, seed=seed, shape="small-pledges", n_pledges=8))
        prep = prepare(inst)
        outcome = solver_module.solve_exact(prep)
        around_l += any("L" in step.get("around", "").split("+") for step in outcome.log)
        value = math.fsum(prep.value(i, j) for i, j in enumerate(outcome.assignment) if j >= 0)
        assignment, _, naive_optimal, _ = solve_naive(prep, time_limit=60, mip_rel_gap=1e-9)
        optimum = math.fsum(prep.value(i, j) for i, j in enumerate(assignment) if j >= 0)
        assert naive_optimal
        assert not outcome.timed_out
        assert value == pytest.approx(optimum, rel=1e-9)
        assert optimum - 1e-6 <= outcome.bound <= value + 1e-6 * abs(value)
        assert not feasibility_violations(inst, outcome.assignment)
    assert around_l >= 3  # the restrictions around L were really used


def test_small_pledges_bound_is_within_target_of_the_objective():
    # Many pledges of 5 to 50 places: the LP bound alone is several times too loose here.
    inst = parse_instance(generate_instance(1500, seed=4, shape="small-pledges"))
    result = solve(inst, time_limit=60)
    assert result.status == "optimal"
    model, prices, basis = _lp_prices(inst)
    _, lp_bound = dual_bound(model, prices)
    pledges = pledge_columns(model, len(inst.pledges))
    improved = improve_prices(model, pledges, knapsack_bound(model, pledges, prices), basis=basis)
    assert result.objective <= improved.bound + 1e-6
    assert improved.bound - result.objective < lp_bound - result.objective

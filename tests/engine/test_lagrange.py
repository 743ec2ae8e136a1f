"""The pledges' places priced by hand: a bound where the LP did not end in time."""

import math

import numpy as np
import pytest

from matching.engine import lagrange, parse_instance
from matching.engine.aggregate import build_aggregate
from matching.engine.classes import build_classes
from matching.engine.generator import generate_instance
from matching.engine.model import prepare
from matching.engine.naive import solve_naive
from matching.engine.solver import assignment_value, trivial_bound

from .builders import lp_value

SHAPES = ["standard", "small-pledges", "large-families", "scarce", "strict"]


def _program(shape, seed, n=120):
    prep = prepare(parse_instance(generate_instance(n, seed=seed, shape=shape)))
    return prep, build_aggregate(prep.instance, build_classes(prep))


def _optimum(prep) -> float:
    assignment, _, optimal, _ = solve_naive(prep, time_limit=60, mip_rel_gap=1e-9)
    assert optimal
    return assignment_value(prep, assignment)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", [1, 2])
def test_any_prices_bound_every_placement_and_the_lp(shape, seed):
    prep, model = _program(shape, seed)
    pricing = lagrange.Pricing(model, len(prep.instance.pledges))
    optimum, lp = _optimum(prep), lp_value(model)
    assert optimum <= lp + 1e-6
    rng = np.random.default_rng(seed)
    for scale in (0.0, 1.0, 5.0):  # no price (the trivial bound), moderate, dear
        prices = np.zeros(model.n_rows)
        prices[pricing.n_classes :] = rng.uniform(0, scale, model.n_rows - pricing.n_classes)
        value, _ = pricing.bound(prices)
        assert value >= lp - 1e-6
    # No price: every household in its best pledge that can take one of its size (no more
    # than the trivial bound, where any eligible pledge counts).
    assert pricing.bound(np.zeros(model.n_rows))[0] <= trivial_bound(prep) + 1e-6
    found = lagrange.lagrangian_bound(model, len(prep.instance.pledges), optimum, math.inf)
    assert lp - 1e-6 <= found <= trivial_bound(prep) + 1e-6


@pytest.mark.parametrize("shape", SHAPES)
def test_the_price_per_person_is_the_best_single_price(shape):
    prep, model = _program(shape, 3, n=300)
    pricing = lagrange.Pricing(model, len(prep.instance.pledges))
    chosen = pricing.per_person()
    mu = chosen[pricing.capacity_rows[0]]
    assert np.all(chosen[pricing.capacity_rows] == mu) and not chosen[: pricing.n_classes].any()
    best, _ = pricing.bound(chosen)
    for other in np.linspace(0, 3 * max(mu, 1.0), 61):
        prices = np.zeros(model.n_rows)
        prices[pricing.capacity_rows] = other
        assert best <= pricing.bound(prices)[0] + 1e-9


def test_the_steps_only_lower_the_bound_and_stop_at_the_time_given():
    prep, model = _program("standard", 4, n=600)
    n_pledges = len(prep.instance.pledges)
    pricing = lagrange.Pricing(model, n_pledges)
    per_person, _ = pricing.bound(pricing.per_person())
    optimum = _optimum(prep)
    stepped = lagrange.lagrangian_bound(model, n_pledges, optimum, math.inf)
    assert lp_value(model) - 1e-6 <= stepped < per_person  # the steps found better prices
    # Out of time from the start: the price per person alone.
    assert lagrange.lagrangian_bound(model, n_pledges, optimum, 0.0) == pytest.approx(per_person)


def test_the_subgradient_is_the_places_left_by_what_the_prices_place():
    prep, model = _program("standard", 5)
    pricing = lagrange.Pricing(model, len(prep.instance.pledges))
    # Prices away from B's kinks (the price per person is one): random ones.
    prices = np.zeros(model.n_rows)
    rng = np.random.default_rng(5)
    prices[pricing.n_classes :] = rng.uniform(0, 4, model.n_rows - pricing.n_classes)
    value, left = pricing.bound(prices)
    assert not left[: pricing.n_classes].any()
    # Raising one row's price by a little changes B by that much times its places left (B is
    # linear between its kinks).
    row = pricing.capacity_rows[int(np.argmax(np.abs(left[pricing.capacity_rows])))]
    assert left[row] != 0
    step = 1e-7
    raised = prices.copy()
    raised[row] += step
    assert pricing.bound(raised)[0] - value == pytest.approx(step * left[row], abs=1e-9)


@pytest.mark.parametrize("shape", ["standard", "large-families", "strict"])
def test_counts_held_at_zero_take_no_one(shape):
    # A count whose pledge cannot hold a household of its size (upper bound 0) is left out of
    # each household's choice: the bound is then tighter than with it, and still valid.
    prep, model = _program(shape, 1)
    held_at_zero = model.upper[: model.n_y] == 0
    assert held_at_zero.any()
    n_pledges = len(prep.instance.pledges)
    pricing, with_them = lagrange.Pricing(model, n_pledges), lagrange.Pricing(model, n_pledges)
    with_them.bonus = model.cost[: model.n_y].copy()  # as if they could take households
    assert np.isneginf(pricing.bonus[held_at_zero]).all()
    for prices in (np.zeros(model.n_rows), pricing.per_person()):
        assert lp_value(model) - 1e-6 <= pricing.bound(prices)[0] < with_them.bound(prices)[0]

"""Rounding cuts on the pledges' rows: valid for every whole filling, and a tighter LP."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.engine import lp as lp_module
from matching.engine import parse_instance
from matching.engine.cuts import with_cuts
from matching.engine.generator import generate_instance
from matching.engine.lp import solve_lp
from matching.engine.mir import PledgeRow, lp_with_cuts, pledge_rows, separate
from matching.engine.naive import solve_naive
from matching.engine.solver import counts_of, dual_bound, full_vector, price_vector, solve_exact

from .builders import solved_lp

# Mixes where whole households fill pledges badly: small pledges with quotas, few places.
LOOSE = {"n_pledges": 10, "small_pledges": 0.5, "quota_share": 0.9, "coverage": 0.25}


def _cut_rows(cuts):
    """Each cut as (columns, coefficients, right-hand side)."""
    for k in range(len(cuts)):
        entries = slice(cuts.starts[k], cuts.starts[k + 1])
        yield cuts.index[entries], cuts.values[entries], cuts.upper[k]


@st.composite
def rows_and_points(draw):
    """A row ``sum size * y <= rhs`` over a few counts, and an LP point of it: each count
    within its bounds, the row filled as far as the point goes."""
    n = draw(st.integers(1, 5))
    size = np.array(draw(st.lists(st.integers(1, 7), min_size=n, max_size=n)), dtype=np.int64)
    upper = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), dtype=np.int64)
    rhs = draw(st.integers(0, 20))
    share = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    x = share * upper
    filled = float(size @ x)
    if filled > rhs:  # scaled down onto the row: an LP point fills it exactly
        x = x * rhs / filled
    return PledgeRow(0, np.arange(n), size, upper, rhs), x


@settings(max_examples=300, deadline=None)
@given(rows_and_points())
def test_every_rounding_cut_holds_for_every_whole_filling_of_its_row(case):
    row, x = case
    cuts = separate([row], x)
    if cuts is None:
        return
    ranges = [range(int(u) + 1) for u in row.upper]
    for columns, coefficients, rhs in _cut_rows(cuts):
        for y in itertools.product(*ranges):
            y = np.array(y)
            if row.size @ y <= row.rhs:
                assert coefficients @ y[columns] <= rhs + 1e-9


@settings(max_examples=100, deadline=None)
@given(st.lists(rows_and_points(), min_size=1, max_size=4))
def test_rows_separated_together_give_each_rows_own_cut(cases):
    # Every row at once (in arrays) as each row alone: side by side, over columns of their own.
    rows, points, offset = [], [], 0
    for row, x in cases:
        rows.append(PledgeRow(len(rows), row.columns + offset, row.size, row.upper, row.rhs))
        points.append(x)
        offset += len(x)
    together = separate(rows, np.concatenate(points))
    alone = [separate([row], x) for row, x in cases]
    expected = []
    for cuts, base in zip(alone, np.cumsum([0] + [len(x) for x in points]), strict=False):
        if cuts is not None:
            expected += [(c + base, v, u) for c, v, u in _cut_rows(cuts)]
    if together is None:
        assert expected == []
        return
    got = list(_cut_rows(together))
    assert len(got) == len(expected)
    for (c1, v1, u1), (c2, v2, u2) in zip(got, expected, strict=True):
        assert c1.tolist() == c2.tolist() and np.allclose(v1, v2) and u1 == pytest.approx(u2)


def test_a_quota_that_fits_one_family_cuts_off_a_fraction_of_a_second():
    # Quota of 5 persons, families of 3, 4 and 5: the LP takes 5/3 of the family of 3.
    row = PledgeRow(0, np.arange(3), np.array([3, 4, 5]), np.array([2, 1, 1]), 5)
    cuts = separate([row], np.array([5 / 3, 0.0, 0.0]))
    assert cuts is not None and len(cuts) == 1
    columns, coefficients, rhs = next(_cut_rows(cuts))
    assert columns.tolist() == [0, 1, 2]
    assert coefficients.tolist() == [1.0, 1.0, 1.0] and rhs == pytest.approx(1.0)


def test_a_row_with_room_left_or_an_integral_point_gives_no_cut():
    row = PledgeRow(0, np.arange(2), np.array([2, 3]), np.array([3, 3]), 10)
    assert separate([row], np.array([1.0, 1.0])) is None  # 5 of 10 places filled
    assert separate([row], np.array([2.0, 2.0])) is None  # 10 of 10, whole households


def test_the_rows_are_each_pledges_capacity_and_quota_rows_with_their_counts():
    inst = parse_instance(generate_instance(200, seed=1, shape=LOOSE))
    _, _, model, _ = solved_lp(inst)
    rows = pledge_rows(model)
    n_classes, n_pledges = len(model.classes), len(inst.pledges)
    assert [r.row for r in rows] == sorted(r.row for r in rows)
    capacity = [r for r in rows if r.row < n_classes + n_pledges]
    assert {r.row - n_classes for r in capacity} == set(np.unique(model.y_pledge).tolist())
    for r in rows:
        entries = [model.starts[j] + k for j in r.columns for k in (1, 2)]
        entries = [e for e in entries if e < model.starts[-1] and model.index[e] == r.row]
        assert len(entries) == len(r.columns)  # each column has one entry in its row
        assert np.array_equal(model.values[entries], r.size)
        assert r.rhs == model.row_upper[r.row]


def _optimum(prep):
    assignment, _, optimal, _ = solve_naive(prep, time_limit=60, mip_rel_gap=1e-9)
    assert optimal
    return assignment, math.fsum(prep.value(i, j) for i, j in enumerate(assignment) if j >= 0)


def _lp_and_cut_bounds(model):
    lp = solve_lp(model, None)
    _, lp_bound = dual_bound(model, price_vector(model, lp.row_dual))
    counts, basis = lp.held()
    found = lp_with_cuts(model, lp.x, basis, counts, lambda: None)
    if found is None:
        return lp_bound, None, None
    cut_model = with_cuts(model, found.cuts)
    _, cut_bound = dual_bound(cut_model, price_vector(cut_model, found.row_dual))
    return lp_bound, found.cuts, cut_bound


@pytest.mark.parametrize("sifted", [False, True])
def test_the_cuts_hold_at_the_optimum_and_bound_it_more_tightly_than_the_lp(sifted, monkeypatch):
    if sifted:  # every program sifted: the cuts' LP is solved over part of the counts
        monkeypatch.setattr(lp_module, "SIFTED_FROM_COUNTS_PER_CLASS", 0)
    closed = []
    for seed in range(4):
        inst = parse_instance(generate_instance(300, seed=seed, shape=LOOSE))
        prep, classes, model, _ = solved_lp(inst)
        assert solve_lp(model, None).sifted == sifted
        lp_bound, cuts, cut_bound = _lp_and_cut_bounds(model)
        assignment, optimum = _optimum(prep)
        if cuts is None:
            continue
        x = full_vector(model, classes, counts_of(model, classes, assignment, len(inst.households)))
        for columns, coefficients, rhs in _cut_rows(cuts):
            assert coefficients @ x[columns] <= rhs + 1e-9
        assert optimum - 1e-6 <= cut_bound <= lp_bound + 1e-6
        if lp_bound - optimum > 1e-6:
            closed.append((lp_bound - cut_bound) / (lp_bound - optimum))
    assert len(closed) >= 2 and np.mean(closed) > 0.3


def test_the_engine_logs_the_cuts_bound_and_stays_exact():
    inst = parse_instance(generate_instance(300, seed=2, shape=LOOSE))
    prep, _, model, _ = solved_lp(inst)
    _, optimum = _optimum(prep)
    outcome = solve_exact(prep, None)
    steps = {entry["step"]: entry for entry in outcome.log}
    assert "rounding-cuts" in steps
    assert steps["rounding-cuts"]["bound"] >= optimum - 1e-6
    value = math.fsum(prep.value(i, j) for i, j in enumerate(outcome.assignment) if j >= 0)
    assert value == pytest.approx(optimum, rel=1e-9)

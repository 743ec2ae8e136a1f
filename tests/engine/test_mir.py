"""Rounding cuts on the pledges' rows: valid for every whole filling, and a tighter LP."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.engine import lp as lp_module
from matching.engine import parse_instance
from matching.engine.cuts import LOOSEN, with_cuts
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


@st.composite
def pledge_rows_and_points(draw):
    """A pledge's capacity row over a few counts and quota rows over some of them (a count's
    size the same in each), and an LP point within every row: counts often at zero or at
    their upper bound, where the cuts complement them."""
    n = draw(st.integers(1, 6))
    size = np.array(draw(st.lists(st.integers(1, 9), min_size=n, max_size=n)), dtype=np.int64)
    upper = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=np.int64)
    share = draw(st.lists(st.sampled_from([0.0, 1.0, 0.5, 1 / 3, 0.8]) | st.floats(0, 1),
                          min_size=n, max_size=n))
    x = np.array(share) * upper
    rows = [PledgeRow(0, np.arange(n), size, upper, draw(st.integers(0, 40)))]
    for k in range(draw(st.integers(0, 2))):
        members = np.array(sorted(set(draw(st.lists(st.integers(0, n - 1), min_size=1)))))
        rows.append(PledgeRow(k + 1, members, size[members], upper[members], draw(st.integers(0, 20))))
    for r in rows:  # the point scaled down onto every row it overfills
        filled = float(r.size @ x[r.columns])
        if filled > r.rhs:
            x = x * (r.rhs / filled)
    return rows, x


def _reference_cuts(rows, x):
    """Row by row, from the definition (exact fractions): per row the candidates ``delta`` =
    each size the LP takes over 1, 2 and 4, without and then with the counts above half their
    bound complemented; the first cut within a millionth of the best efficacy, the
    complemented one only if better by more. As (columns, coefficients, right-hand side)."""
    out = []
    for r in rows:
        y = x[r.columns]
        taken = y > 1e-9
        if not taken.any() or r.size @ y < r.rhs - 0.5 * r.size[taken].min():
            continue
        best = []  # per way: (efficacy, coefficients, right-hand side, complemented)
        for flipped in (np.zeros(len(y), dtype=bool), taken & (2 * y > r.upper)):
            if flipped.any() or not best:
                rhs = r.rhs - int(r.size[flipped] @ r.upper[flipped])
                a = [-int(v) if f else int(v) for v, f in zip(r.size, flipped, strict=True)]
                point = np.where(flipped, r.upper - y, y)
                found = []
                for delta in [Fraction(int(v), k) for v in np.unique(r.size[taken]) for k in (1, 2, 4)]:
                    beta = rhs / delta
                    f0 = beta - math.floor(beta)
                    if f0 == 0:
                        found.append((0.0, None, None))
                        continue
                    coef = [math.floor(v / delta) + max(0, v / delta - math.floor(v / delta) - f0) / (1 - f0)
                            for v in a]
                    coef = np.array([float(c) for c in coef])
                    violation = coef[taken] @ point[taken] - math.floor(beta)
                    norm = math.sqrt(coef[taken] @ coef[taken])
                    found.append((violation / max(norm, 1e-12) if violation > 1e-6 else 0.0, coef, math.floor(beta)))
                top = max(e for e, _, _ in found)
                chosen = next(c for c in found if c[0] >= top * (1 - 1e-6))
                best.append((top, chosen[1], chosen[2], flipped))
        way = best[0]
        if len(best) == 2 and best[1][0] > 1e-4 and (way[0] <= 1e-4 or best[1][0] > way[0] * (1 + 1e-6)):
            way = best[1]
        if way[0] <= 1e-4:
            continue
        _, coef, rhs, flipped = way
        upper = rhs - float(coef[flipped] @ r.upper[flipped])
        coef = np.where(flipped, -coef, coef)
        upper += LOOSEN * max(1.0, abs(upper))  # as every cut's, see :mod:`matching.engine.cuts`
        out.append((r.columns[coef != 0], coef[coef != 0], upper))
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(pledge_rows_and_points(), min_size=1, max_size=3))
def test_the_cuts_found_every_row_at_once_are_each_rows_by_its_definition(pledges):
    # The pledges side by side, each over counts of its own; every row separated at once (in
    # arrays) gives each row's cut as the definition gives it, row by row.
    rows, points, offset = [], [], 0
    for pledge_rows_, x in pledges:
        for r in pledge_rows_:
            rows.append(PledgeRow(len(rows), r.columns + offset, r.size, r.upper, r.rhs))
        points.append(x)
        offset += len(x)
    x = np.concatenate(points)
    expected = _reference_cuts(rows, x)
    cuts = separate(rows, x)
    got = [] if cuts is None else list(_cut_rows(cuts))
    assert len(got) == len(expected)
    for (columns, values, upper), (want_columns, want_values, want_upper) in zip(got, expected, strict=True):
        assert columns.tolist() == want_columns.tolist()
        assert np.allclose(values, want_values, atol=1e-9)
        assert upper == pytest.approx(want_upper, rel=1e-12, abs=1e-12)


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

"""Rounding cuts on each pledge's rows: a tighter LP in a fraction of a second.

A pledge's capacity row (and each of its quota rows) says ``sum_c size_c y_c <= b`` over
whole households. The LP fills it with fractions: a quota of 5 persons open only to families
of 3 to 5 takes 5/3 of a family of 3, where whole families give one. Dividing the row by a
``delta`` and rounding down (a *mixed-integer rounding*, MIR) gives a row every whole placement
holds and that LP point does not: here ``y_3 + y_4 + y_5 <= 1``. Counts near their upper
bound are *complemented* first (``y = u - y'``), which makes the rounding bite where the LP
sends a whole class and part of another.

For a row ``sum a_j y_j <= b`` over integers ``0 <= y_j``, ``delta > 0``, ``beta = b / delta``
and ``f0 = beta - floor(beta) > 0``, the MIR row is

    sum_j (floor(a_j / delta) + max(0, frac(a_j / delta) - f0) / (1 - f0)) y_j <= floor(beta)

Sizes, quotas, capacities and the counts' upper bounds are integers, and each ``delta`` is a
size divided by 1, 2 or 4, so every coefficient is computed in integers and is exact up to
one division; each right-hand side is still loosened by a millionth, as HiGHS's cuts are
(:mod:`.cuts`). The cuts hold for every placement, whatever its value, so (unlike HiGHS's root
cuts) nothing proven with them needs a floor.

Each round takes, per row that the LP fills, the most efficacious violated cut of those
``delta``; the LP with them is re-solved from its basis and the rows are looked at again. On
the 21 outside instances at 10,000 households, the LP's distance above the optimum went from
0.0007-0.16 % to 0.0006-0.049 % in 0.14-1.1 s, 1.8-3.2 s with 114-149 pledges
(docs/benchmarks.md): HiGHS's own root finds tighter cuts (also across pledges, through the
class rows), but takes 0.1-10 s.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from .aggregate import AggregateModel
from .cuts import LOOSEN, Cuts
from .highs import checked, is_optimal, make_lp, new_highs, set_time_left
from .lp import ADDED_PER_CLASS, PRICING_TOLERANCE, best_per_class, count_profits

# Rounds of cuts and re-solves: a count, not a clock (the result must not depend on the
# machine's speed). Most of the gain comes in the first two or three.
ROUNDS = 6
SCALES = (1, 2, 4)  # each delta is a size divided by one of these
MIN_VIOLATION = 1e-6
MIN_EFFICACY = 1e-4  # violation over the cut's norm: below it the cut moves the LP too little


@dataclass(slots=True)
class PledgeRow:
    """A capacity or quota row: ``sum size * y[columns] <= rhs``."""

    row: int
    columns: np.ndarray  # y columns, ascending
    size: np.ndarray  # int64
    upper: np.ndarray  # int64, each count's upper bound
    rhs: int


def pledge_rows(model: AggregateModel) -> list[PledgeRow]:
    """Every capacity and quota row with its count columns. A count's entries are its class
    row, its pledge's capacity row, then its quota row when the pledge has quotas."""
    ny = model.n_y
    first = model.starts[:ny]
    has_quota = np.diff(model.starts[: ny + 1]) > 2
    quota_columns = np.flatnonzero(has_quota)
    rows = np.concatenate([model.index[first + 1], model.index[first[quota_columns] + 2]])
    columns = np.concatenate([np.arange(ny), quota_columns])
    order = np.lexsort((columns, rows))
    rows, columns = rows[order], columns[order]
    edges = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1], True])
    size = model.values[first + 1].astype(np.int64)
    upper = np.rint(model.upper[:ny]).astype(np.int64)
    out = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        r, cols = int(rows[a]), columns[a:b]
        out.append(PledgeRow(r, cols, size[cols], upper[cols], int(round(model.row_upper[r]))))
    return out


def mir(size, rhs: int, delta, scale, complemented):
    """The MIR rows of ``sum size * y <= rhs`` (``size`` negated where ``complemented``, with
    ``rhs`` already moved accordingly), one for each ``delta / scale`` (arrays of integers):
    (coefficients, one row per delta; right-hand sides), in integers but for one division.
    Where ``rhs`` is a multiple of ``delta / scale`` there is nothing to round: that row is
    all zeros with a right-hand side of 0, which no point violates."""
    a = np.where(complemented, -size, size)[None, :] * scale[:, None]
    b = rhs * scale
    f0 = b % delta
    q, r = np.divmod(a, delta[:, None])
    fractional = f0 > 0
    width = np.where(fractional, delta - f0, 1)
    coef = np.where(fractional[:, None], q + np.maximum(0, r - f0[:, None]) / width[:, None], 0.0)
    return coef, np.where(fractional, b // delta, 0)


def separate(rows: list[PledgeRow], x: np.ndarray) -> Cuts | None:
    """For each row the LP point ``x`` fills (to within its smallest size taken), the most
    efficacious violated MIR cut over the candidate ``delta`` (None: none violated)."""
    starts, index, values, upper = [0], [], [], []
    for pr in rows:
        y = x[pr.columns]
        taken = y > 1e-9
        if not taken.any():
            continue
        if pr.size @ y < pr.rhs - 0.5 * pr.size[taken].min():  # room left: nothing to round
            continue
        sizes = np.unique(pr.size[taken])
        delta = np.repeat(sizes, len(SCALES))
        scale = np.tile(np.array(SCALES, dtype=np.int64), len(sizes))
        best = None
        near_upper = taken & (2 * y > pr.upper)
        # Only the counts the LP takes weigh in the violation (and, here, in the norm); the
        # chosen cut's row is then computed over every column.
        for complemented in (np.zeros(len(y), dtype=bool), near_upper):
            if complemented is near_upper and not near_upper.any():
                continue
            rhs = pr.rhs - int(pr.size[complemented] @ pr.upper[complemented])
            point = np.where(complemented, pr.upper - y, y)[taken]
            coef, cut_rhs = mir(pr.size[taken], rhs, delta, scale, complemented[taken])
            violation = coef @ point - cut_rhs
            norm = np.sqrt(np.einsum("ij,ij->i", coef, coef))
            efficacy = np.where(violation > MIN_VIOLATION, violation / np.maximum(norm, 1e-12), 0.0)
            k = int(np.argmax(efficacy))
            if efficacy[k] > MIN_EFFICACY and (best is None or efficacy[k] > best[0]):
                best = (efficacy[k], delta[k : k + 1], scale[k : k + 1], rhs, complemented)
        if best is None:
            continue
        _, best_delta, best_scale, rhs, complemented = best
        coef, cut_rhs = mir(pr.size, rhs, best_delta, best_scale, complemented)
        coef, cut_rhs = coef[0], int(cut_rhs[0])
        # Back to y: coef * (u - y) = coef * u - coef * y.
        row_rhs = cut_rhs - float(coef[complemented] @ pr.upper[complemented])
        row_coef = np.where(complemented, -coef, coef)
        kept = row_coef != 0
        index.append(pr.columns[kept])
        values.append(row_coef[kept])
        upper.append(row_rhs)
        starts.append(starts[-1] + int(np.count_nonzero(kept)))
    if not upper:
        return None
    upper = np.array(upper, dtype=np.float64)
    return Cuts(
        starts=np.array(starts, dtype=np.int64),
        index=np.concatenate(index).astype(np.int64),
        values=np.concatenate(values).astype(np.float64),
        upper=upper + LOOSEN * np.maximum(1.0, np.abs(upper)),
    )


def joined(first: Cuts | None, second: Cuts) -> Cuts:
    """Both sets of cut rows, ``first``'s first."""
    if first is None:
        return second
    return Cuts(
        starts=np.concatenate([first.starts, first.starts[-1] + second.starts[1:]]),
        index=np.concatenate([first.index, second.index]),
        values=np.concatenate([first.values, second.values]),
        upper=np.concatenate([first.upper, second.upper]),
    )


@dataclass(slots=True)
class CutLp:
    """The LP with rounding cuts: the cuts, and its row duals (the model's rows, then one per
    cut) at its optimum."""

    cuts: Cuts
    row_dual: np.ndarray
    rounds: int
    x: np.ndarray  # its optimum, every column of the model (0 for those it left out)


def lp_with_cuts(
    model: AggregateModel,
    x: np.ndarray,
    basis,
    columns: np.ndarray | None,
    seconds_left,
    stop: threading.Event | None = None,
) -> CutLp | None:
    """Up to ``ROUNDS`` rounds of :func:`separate` from the LP's optimum ``x`` (with its
    ``basis``), each followed by the LP with the cuts so far. Where the LP was sifted (:mod:`.lp`)
    it is solved over the count ``columns`` it held (ascending; None: all), and after each
    round the counts left out are priced with the cuts' prices too: those that could raise the
    LP join it, so its duals prove its value over every column. ``seconds_left()`` gives the
    time left (None: no limit). None when no cut was violated or the LP was not solved in time
    (or ``stop`` was set)."""
    rows = pledge_rows(model)
    n_columns = len(model.cost)
    part = model if columns is None else model.with_counts(columns)[0]
    held = np.arange(n_columns)  # the model's columns in HiGHS's order
    if columns is not None:
        held = np.concatenate([columns, np.arange(model.n_y, n_columns)])
    position = np.full(n_columns, -1, dtype=np.int64)  # each model column's place in HiGHS
    position[held] = np.arange(len(held))
    h = new_highs(seconds_left(), presolve="off")
    checked(h.passModel(make_lp(**part.arrays())), "the LP with rounding cuts")
    checked(h.setBasis(basis), "the LP's basis")
    x = x.copy()
    found: Cuts | None = None
    rounds = 0

    def solved() -> bool:
        left = seconds_left()
        if left is not None:
            if left <= 0:
                return False
            set_time_left(h, left)
        h.run()
        if not is_optimal(h):
            return False
        x[:] = 0.0
        x[held] = h.getSolution().col_value
        return True

    while rounds < ROUNDS and not (stop is not None and stop.is_set()):
        cuts = separate(rows, x)
        if cuts is None:
            break
        # Their entries on the columns HiGHS holds (the others are at zero there).
        where = position[cuts.index]
        inside = where >= 0
        per_cut = np.bincount(cuts.row_of_entry()[inside], minlength=len(cuts))
        added = h.addRows(
            len(cuts), np.full(len(cuts), -np.inf), cuts.upper, int(inside.sum()),
            np.concatenate([[0], np.cumsum(per_cut)[:-1]]).astype(np.int32),
            where[inside].astype(np.int32), cuts.values[inside],
        )
        checked(added, "the rounding cuts")
        found = joined(found, cuts)
        rounds += 1
        if not solved():
            return None
        while columns is not None:  # the counts left out that the cuts' prices make profitable
            joining = _profitable_outside(model, found, h, position)
            if len(joining) == 0:
                break
            checked(h.addCols(len(joining), *_columns_with_cuts(model, found, joining)), "counts")
            position[joining] = len(held) + np.arange(len(joining))
            held = np.concatenate([held, joining])
            if not solved():
                return None
    if found is None or (stop is not None and stop.is_set()):
        return None
    return CutLp(found, np.asarray(h.getSolution().row_dual), rounds, x)


def _profitable_outside(model: AggregateModel, cuts: Cuts, h, position) -> np.ndarray:
    """The count columns not in HiGHS whose reduced profit at its duals is positive, the best
    few of each class (as sifting adds them, :mod:`.lp`)."""
    dual = np.asarray(h.getSolution().row_dual)
    profit = count_profits(model, dual[: model.n_rows])
    cut_of_entry = cuts.row_of_entry()
    cut_price = np.maximum(dual[model.n_rows :], 0.0)
    profit -= np.bincount(
        cuts.index, weights=cuts.values * cut_price[cut_of_entry], minlength=len(model.cost)
    )[: model.n_y]
    outside = np.flatnonzero(
        (profit > PRICING_TOLERANCE) & (position[: model.n_y] < 0) & (model.upper[: model.n_y] > 0)
    )
    return np.sort(best_per_class(model, outside, profit[outside], ADDED_PER_CLASS))


def _columns_with_cuts(model: AggregateModel, cuts: Cuts, joining: np.ndarray) -> tuple:
    """The count columns ``joining`` (ascending) as arguments of ``Highs.addCols`` after their
    count: their entries in the model's rows, then in the cut rows."""
    part, _ = model.with_counts(joining)
    k = len(joining)
    own_column = np.repeat(np.arange(k), np.diff(part.starts[: k + 1]))
    local = np.full(len(model.cost), -1, dtype=np.int64)
    local[joining] = np.arange(k)
    cut_of_entry = cuts.row_of_entry()
    in_cut = local[cuts.index] >= 0
    column = np.concatenate([own_column, local[cuts.index[in_cut]]])
    row = np.concatenate([part.index[: part.starts[k]], model.n_rows + cut_of_entry[in_cut]])
    value = np.concatenate([part.values[: part.starts[k]], cuts.values[in_cut]])
    order = np.lexsort((row, column))
    starts = np.searchsorted(column[order], np.arange(k)).astype(np.int32)
    return (
        part.cost[:k], part.lower[:k], part.upper[:k], len(order),
        starts, row[order].astype(np.int32), value[order],
    )

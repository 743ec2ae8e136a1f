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
(docs/benchmarks.md). Since each round separates every row at once, in arrays
(:func:`separate`), the rounds took 30 s in all over the 104 outside files at 10,000
households instead of 42 s, at most 1.75 s (a slow day). HiGHS's own root finds tighter cuts
(also across pledges, through the class rows), but takes 0.1-10 s.
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
TIE = 1e-6  # efficacies this near each other (relatively) are equal (:func:`separate`)


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


def mir(a, b, delta):
    """The MIR row of ``sum a * y <= b`` divided by ``delta``, entry by entry (integer arrays
    that broadcast together; the row already multiplied by its scale, and ``a`` negated and
    ``b`` moved where a count is complemented): (coefficients, right-hand sides), in integers
    but for one division. Where ``b`` is a multiple of ``delta`` there is nothing to round:
    the coefficient is 0 and the right-hand side 0, which no point violates."""
    f0 = b % delta
    q, r = np.divmod(a, delta)
    fractional = f0 > 0
    width = np.where(fractional, delta - f0, 1)
    coef = np.where(fractional, q + np.maximum(0, r - f0) / width, 0.0)
    return coef, np.where(fractional, b // delta, 0)


@dataclass(slots=True)
class RowSet:
    """The rows' entries one after the other (row by row, each row's columns ascending)."""

    row: np.ndarray  # each entry's row, as a position in the list of rows
    column: np.ndarray
    size: np.ndarray
    upper: np.ndarray
    rhs: np.ndarray  # per row

    @classmethod
    def of(cls, rows: list[PledgeRow]) -> RowSet:
        lengths = np.fromiter((len(r.columns) for r in rows), np.int64, len(rows))
        none = [np.zeros(0, dtype=np.int64)]  # so that no rows concatenate too

        def joined(part):
            return np.concatenate(none + [getattr(r, part) for r in rows]).astype(np.int64)

        return cls(
            row=np.repeat(np.arange(len(rows)), lengths),
            column=joined("columns"),
            size=joined("size"),
            upper=joined("upper"),
            rhs=np.fromiter((r.rhs for r in rows), np.int64, len(rows)),
        )


def separate(rows: list[PledgeRow] | RowSet, x: np.ndarray) -> Cuts | None:
    """For each row the LP point ``x`` fills (its room left below half its smallest size
    taken), the most efficacious violated MIR cut (None: none violated) over the candidates:
    ``delta`` each size the LP takes in the row divided by each of ``SCALES``, either with no
    count complemented or with those the LP takes above half their bound complemented.
    Efficacies within a relative millionth of the row's best count as equal (one cut is often
    another's multiple, and their sums are rounded differently): the first ``delta`` among
    them is taken, and the uncomplemented cut unless the complemented one is better by more.

    Every row at once, in arrays, and over the counts the LP takes; only the chosen cuts are
    written out over every count of their rows. Row by row in Python, the separation took
    0.8 s of the rounds' 2 s at 100-150 pledges."""
    f = rows if isinstance(rows, RowSet) else RowSet.of(rows)
    n = len(f.rhs)
    if n == 0:
        return None
    # The entries the LP takes ("taken"), and what the search reads of them.
    taken = np.flatnonzero(x[f.column] > 1e-9)
    row, size, upper, y = f.row[taken], f.size[taken], f.upper[taken], x[f.column[taken]]
    fill = np.bincount(row, weights=size * y, minlength=n)
    smallest = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(smallest, row, size)
    # A row with room for more than half its smallest size taken is not full: nothing to round.
    active = (np.bincount(row, minlength=n) > 0) & (fill >= f.rhs - 0.5 * smallest)
    keep = active[row]
    taken, row, size, upper, y = taken[keep], row[keep], size[keep], upper[keep], y[keep]
    if len(taken) == 0:
        return None
    # The candidates: per active row, each size it takes (ascending) by each scale.
    size_span = int(size.max()) + 1
    row_sizes = np.unique(row * size_span + size)
    cand_row = np.repeat(row_sizes // size_span, len(SCALES))
    cand_delta = np.repeat(row_sizes % size_span, len(SCALES))
    cand_scale = np.tile(np.array(SCALES, dtype=np.int64), len(row_sizes))
    # Each row's first candidate (a row without any: the next row's, never read) and count.
    first_cand = np.searchsorted(cand_row, np.arange(n))
    cand_count = np.bincount(cand_row, minlength=n)
    near_upper = 2 * y > upper  # per taken entry: complemented in the second search

    def best_of(flipped: np.ndarray, rows_on: np.ndarray):
        """Per row (of ``rows_on``; the others 0 and -1) with the taken entries ``flipped``
        complemented: its candidates' best efficacy (0 if none is violated), the first
        candidate within ``TIE`` of it, and the row's right-hand side once complemented (an
        integer: the sum of integers below 2^53 in floats is exact)."""
        rhs = f.rhs - np.bincount(
            row, weights=np.where(flipped, size * upper, 0), minlength=n
        ).round().astype(np.int64)
        entries = np.flatnonzero(rows_on[row])
        per_entry = cand_count[row[entries]]
        entry = np.repeat(entries, per_entry)  # one per (entry, candidate of its row)
        within = np.arange(len(entry)) - np.repeat(np.cumsum(per_entry) - per_entry, per_entry)
        cand = first_cand[row[entry]] + within
        scale = cand_scale[cand]
        a = np.where(flipped[entry], -size[entry], size[entry]) * scale
        coef, _ = mir(a, rhs[row[entry]] * scale, cand_delta[cand])
        point = np.where(flipped[entry], upper[entry] - y[entry], y[entry])
        _, cand_rhs = mir(0, rhs[cand_row] * cand_scale, cand_delta)
        violation = np.bincount(cand, weights=coef * point, minlength=len(cand_row)) - cand_rhs
        norm = np.sqrt(np.bincount(cand, weights=coef * coef, minlength=len(cand_row)))
        efficacy = np.where(
            (violation > MIN_VIOLATION) & rows_on[cand_row], violation / np.maximum(norm, 1e-12), 0.0
        )
        best = np.zeros(n)
        np.maximum.at(best, cand_row, efficacy)
        near_best = np.flatnonzero(efficacy >= best[cand_row] * (1 - TIE))
        first = np.full(n, -1, dtype=np.int64)
        rows_at, where = np.unique(cand_row[near_best], return_index=True)
        first[rows_at] = near_best[where]
        return best, first, rhs

    best, choice, rhs = best_of(np.zeros(len(taken), dtype=bool), active)
    complemented = np.zeros(n, dtype=bool)  # per row: whether its cut complements
    with_near = active & (np.bincount(row[near_upper], minlength=n) > 0)
    if with_near.any():
        best_c, choice_c, rhs_c = best_of(near_upper, with_near)
        complemented = (best_c > MIN_EFFICACY) & (
            (best <= MIN_EFFICACY) | (best_c > best * (1 + TIE))
        )
        best = np.where(complemented, best_c, best)
        choice = np.where(complemented, choice_c, choice)
        rhs = np.where(complemented, rhs_c, rhs)
    cut_rows = np.flatnonzero(best > MIN_EFFICACY)
    if len(cut_rows) == 0:
        return None

    # The chosen cuts, over every count of their rows (not only those the LP takes). A count's
    # coefficient depends only on its size, unless it is complemented (then one the LP takes).
    is_cut = np.zeros(n, dtype=bool)
    is_cut[cut_rows] = True
    entries = np.flatnonzero(is_cut[f.row])
    cut_of_entry = np.searchsorted(cut_rows, f.row[entries])
    k = choice[cut_rows]
    delta, scale, cut_rhs = cand_delta[k], cand_scale[k], rhs[cut_rows] * cand_scale[k]
    sizes = np.arange(int(f.size.max()) + 1)  # household sizes: a short table
    by_size, cut_upper = mir(sizes[None, :] * scale[:, None], cut_rhs[:, None], delta[:, None])
    coef = by_size[cut_of_entry, f.size[entries]]
    flipped = np.flatnonzero(complemented[row] & near_upper)  # among the taken entries
    at = np.searchsorted(entries, taken[flipped])  # the same, among the cuts' entries
    cut = cut_of_entry[at]
    coef[at] = mir(-size[flipped] * scale[cut], cut_rhs[cut], delta[cut])[0]
    # Back to y: coef * (u - y) = coef * u - coef * y.
    moved = np.bincount(cut, weights=coef[at] * upper[flipped], minlength=len(cut_rows))
    cut_upper = (cut_upper[:, 0] - moved).astype(np.float64)
    coef[at] *= -1
    kept = coef != 0
    per_cut = np.bincount(cut_of_entry[kept], minlength=len(cut_rows))
    return Cuts(
        starts=np.concatenate([[0], np.cumsum(per_cut)]).astype(np.int64),
        index=f.column[entries][kept],
        values=coef[kept].astype(np.float64),
        upper=cut_upper + LOOSEN * np.maximum(1.0, np.abs(cut_upper)),
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
    rows = RowSet.of(pledge_rows(model))
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

"""The last placement polished: households moved between pledges, each pledge's persons kept.

A placement fills each pledge with so many households of each size: its *slots*, one per
size and quota where the pledge has quotas (households of that frontline state), one per size
where it has none. Any eligible households of a slot's size (and state) may fill it: each
pledge then holds at most as many persons, and from each state, as before, so every capacity
and quota still holds. The best households for all slots at once is a transportation
problem: the classes' households on one side (worth their base values level by level, as in
:mod:`.aggregate`, plus the tie bonus of the pledge they go to), the slots on the other. Each
count has one entry in its class's row and one in its slot's, each level one in its class's
row: a network's matrix, so the simplex method's optimum is whole. A class's households and a
slot have one size each, so it falls apart into one program per household size (see
:func:`same_slots`). An exact search over a
neighbourhood that moves every placed household at once and lets in any unplaced one, where
the margin programs move a block of pledges at a time (vulnerable-first 4 of the third outside
set, 10,000 households, its placement at 3 s: 0.0364 % below its optimum, polished 0.0259 %;
docs/benchmarks.md, "The last placement polished").
"""

from __future__ import annotations

import time

import numpy as np

from .aggregate import AggregateModel
from .highs import checked, is_optimal, make_lp, new_highs


def same_slots(
    model: AggregateModel, y: np.ndarray, columns: np.ndarray, until: float
) -> np.ndarray | None:
    """The best counts with the slots of the integral counts ``y`` (at most as many in each),
    over the count ``columns`` (with every count ``y`` uses): at least as good as ``y``. None
    if HiGHS ended no program by ``until`` (a ``time.perf_counter()`` reading), or ``y``
    places nobody.

    A class's households and a slot have one size each, so the program falls apart into one
    per household size, solved in turn, the smallest first: those solved by ``until`` take
    their best counts, the others keep ``y``'s (each slot still holds at most as many), so a
    polish cut short by the clock keeps what it finished (uniform-waiting 69 of the fresh
    outside set at 3 s: its program of 46,048 counts did not end whole in the time kept)."""
    if until <= time.perf_counter():
        return None
    capacity_row, quota_row, size = model.count_rows()
    # A count's slot: its quota row where its pledge has quotas, else its capacity row; and
    # its households' size.
    slot = np.where(quota_row >= 0, quota_row, capacity_row) * (int(size.max()) + 1) + size.astype(np.int64)
    slots = np.unique(slot[y > 0])
    # Every count the placement uses is in the programs (their slots' places are counted from
    # them); a count into an empty slot stays at zero.
    columns = np.union1d(columns, np.flatnonzero(y > 0))
    columns = columns[np.isin(slot[columns], slots)]
    level_class = model.level_classes()
    out = y.astype(np.int64, copy=True)
    solved = False
    by_size = [columns[size[columns] == s] for s in np.unique(size[columns])]
    for part in sorted(by_size, key=len):
        counts = _best_counts(model, y, part, slot[part], level_class, until)
        if counts is None:  # out of time (or not solved): it and the larger ones keep y's counts
            break
        out[part] = counts
        solved = True
    return out if solved else None


def _best_counts(model: AggregateModel, y, columns, slot, level_class, until: float) -> np.ndarray | None:
    """The transportation program over the count ``columns`` of one household size (their
    classes' levels, found by ``level_class``; their ``slot``s holding ``y``'s counts at most):
    its whole optimal counts, or None if HiGHS did not end by ``until``."""
    if until <= time.perf_counter():
        return None
    slots, slot_row = np.unique(slot, return_inverse=True)
    classes, class_row = np.unique(model.y_class[columns], return_inverse=True)
    n_classes, ny = len(classes), len(columns)
    levels = np.flatnonzero(np.isin(level_class, classes))  # those classes' levels
    # Each count: 1 in its class's row, then 1 in its slot's; each level -1 in its class's row.
    index = np.empty(2 * ny + len(levels), dtype=np.int32)
    index[0 : 2 * ny : 2] = class_row
    index[1 : 2 * ny : 2] = n_classes + slot_row
    index[2 * ny :] = np.searchsorted(classes, level_class[levels])
    values = np.ones(len(index))
    values[2 * ny :] = -1.0
    kept = np.concatenate([columns, model.n_y + levels])
    lp = make_lp(
        cost=model.cost[kept],
        lower=model.lower[kept],
        upper=model.upper[kept],
        row_lower=np.concatenate([np.zeros(n_classes), np.full(len(slots), -np.inf)]),
        row_upper=np.concatenate(
            [np.zeros(n_classes), np.bincount(slot_row, weights=y[columns], minlength=len(slots))]
        ),
        starts=np.concatenate([2 * np.arange(ny + 1), 2 * ny + 1 + np.arange(len(levels))]).astype(np.int32),
        index=index,
        values=values,
    )
    h = new_highs(max(0.0, until - time.perf_counter()), presolve="off")  # presolve: slower
    checked(h.passModel(lp), "the slots' program")
    h.run()
    if not is_optimal(h):
        return None
    x = np.asarray(h.getSolution().col_value)[:ny]
    counts = np.rint(x).astype(np.int64)
    if np.any(np.abs(x - counts) > 1e-6):  # never: the simplex ends on a vertex, whole here
        return None
    return counts

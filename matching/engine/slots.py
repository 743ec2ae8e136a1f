"""The last placement polished: households moved between pledges, each pledge's persons kept.

A placement fills each pledge with so many households of each size: its *slots*, one per
size and quota where the pledge has quotas (households of that frontline state), one per size
where it has none. Any eligible households of a slot's size (and state) may fill it: each
pledge then holds at most as many persons, and from each state, as before, so every capacity
and quota still holds. The best households for all slots at once is a transportation
problem: the classes' households on one side (worth their base values level by level, as in
:mod:`.aggregate`, plus the tie bonus of the pledge they go to), the slots on the other. Each
count has one entry in its class's row and one in its slot's, each level one in its class's
row: a network's matrix, so the simplex method's optimum is whole. An exact search over a
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
    over the count ``columns`` (ascending; every count of ``y`` above zero among them): at
    least as good as ``y``. None if HiGHS did not end by ``until`` (a ``time.perf_counter()``
    reading)."""
    if until <= time.perf_counter():
        return None
    capacity_row, quota_row, size = model.count_rows()
    # A count's slot: its quota row where its pledge has quotas, else its capacity row; and
    # its households' size.
    slot = np.where(quota_row >= 0, quota_row, capacity_row) * (int(size.max()) + 1) + size.astype(np.int64)
    slots = np.unique(slot[y > 0])
    columns = columns[np.isin(slot[columns], slots)]  # a count into an empty slot stays at zero
    slot_row = np.searchsorted(slots, slot[columns])
    n_classes, ny = len(model.classes), len(columns)
    levels = np.arange(model.n_y, len(model.cost))
    # Each count: 1 in its class's row, then 1 in its slot's; each level, as in the program,
    # -1 in its class's row.
    index = np.empty(2 * ny + len(levels), dtype=np.int32)
    index[0 : 2 * ny : 2] = model.y_class[columns]
    index[1 : 2 * ny : 2] = n_classes + slot_row
    index[2 * ny :] = model.index[model.starts[model.n_y] :]
    values = np.ones(len(index))
    values[2 * ny :] = -1.0
    kept = np.concatenate([columns, levels])
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
    out = np.zeros(model.n_y, dtype=np.int64)
    out[columns] = counts
    return out

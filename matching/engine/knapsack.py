"""The best packing of one pledge: a bounded knapsack with quotas, solved exactly.

Items are household classes with a profit per household, a size (persons) and how many of
them may go; the pledge holds at most ``capacity`` persons, and the items of each frontline
state at most that state's quota. Dynamic programming over persons is exact and fast because
pledges hold at most a few thousand persons: one array per quota group (``best[w]`` = the
best profit of at most ``w`` persons), items added by binary splitting of their
multiplicity, the groups then combined under the capacity. Before any table, the fractional
knapsack's optimum (by profit per person) is tried: where it takes only whole households it is
the best packing, and no table is needed (about half the exchange's packs).
"""

from __future__ import annotations

import math

import numpy as np

# A size's households go into a group's table in one step when the step's table (persons x
# households) has at most this many cells (a few MB); else one step per piece.
SIZE_TABLE_CELLS = 1 << 18


def pack(
    profit: np.ndarray,
    size: np.ndarray,
    count: np.ndarray,
    group: np.ndarray,
    group_limit: list[int],
    capacity: int,
    want_counts: bool = True,
) -> tuple[float, np.ndarray | None]:
    """The best total profit, and (``want_counts``) how many of each item give it.

    ``group[k]`` indexes ``group_limit`` (-1: the item has no quota, only the capacity).
    Items with no positive profit are never worth taking.
    """
    capacity = max(0, int(capacity))
    nothing = 0.0, (np.zeros(len(profit), dtype=np.int64) if want_counts else None)
    if len(profit) == 0:
        return nothing
    keys = np.unique(group)
    limits = np.array(
        [capacity if g < 0 else min(capacity, int(group_limit[g])) for g in keys.tolist()],
        dtype=np.int64,
    )
    slot = np.searchsorted(keys, group)  # each item's group, as an index into ``keys``
    items = np.flatnonzero((profit > 0) & (count > 0) & (size <= limits[slot]))
    order, usable = _usable(profit, size, count, items, slot, limits)
    if len(order) == 0:
        return nothing
    whole = _whole_greedy(profit, size, order, usable, slot, limits, capacity)
    if whole is not None:
        counts = np.zeros(len(profit), dtype=np.int64)
        counts[order] = whole
        return math.fsum(profit[order] * whole), (counts if want_counts else None)
    tables = []  # per group with items: (best array, pieces, takes)
    runs = np.flatnonzero(np.diff(slot[order], prepend=-1)).tolist() + [len(order)]
    for a, b in zip(runs[:-1], runs[1:], strict=True):
        # No more persons than the items hold: beyond that every table entry is the same (all
        # of them taken). The exchange's small pledges take households from everywhere, but a
        # large pledge's table need not be its whole capacity long (same results, 0.86 s
        # instead of 0.94 s over the 887 calls of five solves at 10,000 households).
        persons = int((size[order[a:b]] * usable[a:b]).sum())
        limit = int(limits[slot[order[a]]])
        tables.append(
            _group_table(profit, size, order[a:b], usable[a:b], min(limit, persons), want_counts)
        )

    # Combine the groups under the capacity: total[w] = max over splits of w.
    total = tables[0][0]
    splits = []
    for best, _, _ in tables[1:]:
        total, split = _max_plus(total, best, capacity)
        splits.append(split)
    w = min(capacity, len(total) - 1)
    value = float(total[w])
    if not want_counts:
        return value, None

    counts = np.zeros(len(profit), dtype=np.int64)
    # Undo the combination from the last group back, then each group's table.
    budgets = [0] * len(tables)
    for t in range(len(tables) - 1, 0, -1):
        part = int(splits[t - 1][w])  # persons given to group t
        budgets[t] = part
        w -= part
    budgets[0] = w
    for (best, pieces, takes), budget in zip(tables, budgets, strict=True):
        w = min(budget, len(best) - 1)
        for (first, second), take in zip(reversed(pieces), reversed(takes), strict=True):
            if take.dtype == bool:  # one item's piece of ``second`` households
                if take[w]:
                    counts[first] += second
                    w -= int(size[first]) * second
            else:  # the best ``take[w]`` households of size ``first``
                taken = int(take[w])
                np.add.at(counts, second[:taken], 1)
                w -= first * taken
    return value, counts


def _whole_greedy(profit, size, order, usable, slot, limits, capacity):
    """The packing that takes items by profit per person, each as far as its group's limit and
    the capacity still allow: the optimum of the fractional knapsack (the quotas' groups are
    disjoint and all inside the capacity, so taking by profit per person is exact there). When
    it takes only whole households it is the best packing too, and no table is needed: then
    how many of each item of ``order`` it takes, else None. Where it splits one, the tables
    are built: about half the exchange's repacks at 10,000 households need none."""
    sizes = size[order].astype(np.int64)
    by_density = np.lexsort((order, -profit[order] / sizes))
    persons = usable[by_density].astype(np.int64) * sizes[by_density]
    member = slot[order[by_density]]
    taken = persons.copy()
    for g in np.unique(member).tolist():
        mine = np.flatnonzero(member == g)
        taken[mine] = np.diff(np.minimum(np.cumsum(persons[mine]), limits[g]), prepend=0)
    taken = np.diff(np.minimum(np.cumsum(taken), capacity), prepend=0)
    if np.any(taken % sizes[by_density]):
        return None
    whole = np.empty(len(order), dtype=np.int64)
    whole[by_density] = taken // sizes[by_density]
    return whole


def _usable(profit, size, count, items, slot, limits):
    """``items`` by group (``slot``), then size, best first (then by index), and the count of
    each no optimal packing exceeds: of households of one size, at most ``limit // size`` go
    in a group of ``limit`` persons, and they are the most profitable ones (equal sizes, so
    the better always replaces the worse). Cuts a small pledge's items from hundreds of
    classes to a few dozen households. Items that may not go at all are left out."""
    # Two stable sorts (by profit, then by group and size) instead of one over four keys: the
    # second sorts small integers (NumPy's radix sort where they fit in 16 bits).
    order = items[np.argsort(-profit[items], kind="stable")]
    run = slot[order] * (int(size[order].max(initial=0)) + 1) + size[order]  # group, then size
    if run.max(initial=0) < 1 << 16:
        run = run.astype(np.uint16)
    by_run = np.argsort(run, kind="stable")
    order, run = order[by_run], run[by_run]
    sizes = size[order]
    counts = count[order]
    before = np.cumsum(counts) - counts  # households of smaller sizes and better profit
    before -= before[np.searchsorted(run, run)]  # from where each (group, size) run starts
    usable = np.minimum(counts, np.maximum(0, limits[slot[order]] // sizes - before))
    kept = usable > 0
    return order[kept], usable[kept]


def _group_table(profit, size, order, usable, limit, want_take):
    """``best[w]``: the best profit of at most ``w`` persons from the items ``order`` (by
    size, best first; ``usable`` of each), and how to rebuild it: per step, the pieces it
    may add and where it did."""
    best = np.zeros(limit + 1)
    pieces = []  # per step: (item, times) of a single item, or (size, households in order)
    takes = []  # per step: whether (bool) or how many households of the size (int) it took
    sizes = size[order]
    starts = np.flatnonzero(np.diff(sizes, prepend=-1)).tolist() + [len(order)]
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        s = int(sizes[a])
        mine, times_each = order[a:b], usable[a:b]
        households = int(times_each.sum())
        if (limit + 1) * (households + 1) <= SIZE_TABLE_CELLS:
            # All households of one size at once: taking k of them is worth the best k, a
            # running sum; one table over (persons, k) instead of a step per piece.
            gains = np.concatenate(([0.0], np.cumsum(np.repeat(profit[mine], times_each))))
            left = np.arange(limit + 1)[:, None] - s * np.arange(households + 1)[None, :]
            options = np.where(left >= 0, best[np.maximum(left, 0)] + gains, -np.inf)
            taken = np.argmax(options, axis=1)  # the fewest households among equal profits
            best = options[np.arange(limit + 1), taken]
            if want_take:
                pieces.append((s, np.repeat(mine, times_each)))
                takes.append(taken)
            continue
        for k, left in zip(mine.tolist(), times_each.tolist(), strict=True):
            step = 1
            while left > 0:  # binary splitting: 1, 2, 4, ... households at a time
                times = min(step, left)
                weight = s * times
                candidate = best[: limit + 1 - weight] + float(profit[k]) * times
                better = candidate > best[weight:]
                if want_take:
                    take = np.zeros(limit + 1, dtype=bool)
                    take[weight:] = better
                    takes.append(take)
                    pieces.append((k, times))
                best[weight:] = np.where(better, candidate, best[weight:])
                left -= times
                step *= 2
    return best, pieces, takes


def _max_plus(a: np.ndarray, b: np.ndarray, capacity: int):
    """``out[w] = max_{v <= w} a[w - v] + b[v]`` for ``w <= capacity``, and the best ``v``."""
    width = min(capacity, len(a) - 1 + len(b) - 1)
    n_v = min(len(b), width + 1)
    if (width + 1) * n_v <= SIZE_TABLE_CELLS:  # every split at once: one table over (w, v)
        left = np.arange(width + 1)[:, None] - np.arange(n_v)[None, :]
        inside = (left >= 0) & (left < len(a))
        options = np.where(inside, a[np.clip(left, 0, len(a) - 1)] + b[:n_v], -np.inf)
        arg = np.argmax(options, axis=1)  # the first best: the smallest ``v``, as below
        return options[np.arange(width + 1), arg], arg
    out = np.full(width + 1, -np.inf)
    arg = np.zeros(width + 1, dtype=np.int64)
    for v in range(n_v):
        span = min(len(a), width + 1 - v)
        candidate = a[:span] + b[v]
        window = out[v : v + span]
        better = candidate > window
        window[better] = candidate[better]
        arg[v : v + span][better] = v
    # Both tables mean "at most w persons", so ``out`` does too (it never decreases in w).
    return out, arg

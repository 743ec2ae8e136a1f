"""The aggregated integer program over household classes (see :mod:`.classes`).

Columns:
  ``y[c, p]``  integer: how many households of class ``c`` go to pledge ``p``;
               objective coefficient: the class's tie bonus at ``p``.
  ``z[c, l]``  continuous in ``[0, count of level l]``: how many of class ``c``'s households
               with the ``l``-th highest base value are placed; objective: that base value.
Rows:
  class ``c``:         sum_p y[c, p] - sum_l z[c, l] = 0
  capacity of ``p``:   sum_c size_c * y[c, p] <= capacity_p
  quota ``(p, s)``:    sum_{c from s} size_c * y[c, p] <= quota_p[s]

Every capacity and quota is lowered to the largest number of persons that whole households
can actually fill (a quota of 3 persons open only to families of 2 and 4 holds at most 2;
a pledge's capacity at most the best sum of what its quotas can hold): integer solutions are
unchanged, but the LP relaxation, and so the bound, gets much tighter on small pledges.

For integer ``y`` the best ``z`` takes levels in order (the base values decrease), which is
the value of sending the best ``k`` households of the class, so this program has exactly the
optimum of the one-binary-per-pair model while having far fewer integer columns and no
symmetry between interchangeable households.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import chain

import numpy as np

from .classes import HouseholdClass
from .instance import Instance


@dataclass(slots=True)
class AggregateModel:
    classes: list[HouseholdClass]
    n_y: int
    y_class: np.ndarray  # class index of each y column
    y_pledge: np.ndarray  # pledge index of each y column
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integrality: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    starts: np.ndarray  # CSC column starts
    index: np.ndarray
    values: np.ndarray
    n_rows: int
    # Built on first use by :func:`household_columns`.
    column_of_pair: np.ndarray | None = None  # classes x pledges: y column, -1 for none
    class_of: np.ndarray | None = None  # per household: its class, -1 for none
    entry_columns: np.ndarray | None = None  # built on first use by :meth:`column_of_entry`

    def replaced(self, **fields) -> AggregateModel:
        """A copy with ``fields`` changed, and what is built on first use built anew."""
        return replace(self, column_of_pair=None, class_of=None, entry_columns=None, **fields)

    def column_of_entry(self) -> np.ndarray:
        """The column of each matrix entry (``index``/``values``)."""
        if self.entry_columns is None:
            self.entry_columns = np.repeat(np.arange(len(self.cost)), np.diff(self.starts))
        return self.entry_columns

    def level_classes(self) -> np.ndarray:
        """The class of each level column, in order: a level's first entry is its class row
        (its only one, or the first of its rows with cut rows after, :func:`.cuts.with_cuts`)."""
        return self.index[self.starts[self.n_y : -1]]

    def count_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per y column (a count): its pledge's capacity row, its quota row (-1 where the
        pledge has no quotas) and its households' size. A count's entries are its class row,
        the capacity row, then the quota row (:func:`build_aggregate`): not for a program with
        cut rows added (:func:`.cuts.with_cuts`)."""
        first = self.starts[: self.n_y]
        has_quota = np.diff(self.starts[: self.n_y + 1]) > 2
        quota_row = np.where(has_quota, self.index[np.where(has_quota, first + 2, 0)], -1)
        return self.index[first + 1], quota_row, self.values[first + 1]

    def arrays(self, lower=None, upper=None, row_lower=None, integer=False) -> dict:
        """The program as arrays for :func:`.highs.make_lp`: its LP relaxation (the integer
        program with ``integer``), with any of the bounds given in place of its own."""
        out = {
            "cost": self.cost,
            "lower": self.lower if lower is None else lower,
            "upper": self.upper if upper is None else upper,
            "row_lower": self.row_lower if row_lower is None else row_lower,
            "row_upper": self.row_upper,
            "starts": self.starts,
            "index": self.index,
            "values": self.values,
        }
        if integer:
            out["integrality"] = self.integrality
        return out

    def with_counts(self, keep: np.ndarray) -> tuple[AggregateModel, np.ndarray]:
        """The same program with only the y columns ``keep`` (ascending; every z column
        stays), and the indices of its columns in this one."""
        columns = np.concatenate([keep, np.arange(self.n_y, len(self.cost))])
        lengths = np.diff(self.starts)[columns]
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        entries = np.repeat(self.starts[columns] - starts[:-1], lengths) + np.arange(starts[-1])
        part = AggregateModel(
            classes=self.classes,
            n_y=len(keep),
            y_class=self.y_class[keep],
            y_pledge=self.y_pledge[keep],
            cost=self.cost[columns],
            lower=self.lower[columns],
            upper=self.upper[columns],
            integrality=self.integrality[columns],
            row_lower=self.row_lower,
            row_upper=self.row_upper,
            starts=starts,
            index=self.index[entries],
            values=self.values[entries],
            n_rows=self.n_rows,
        )
        return part, columns


def levels_in_reach(model: AggregateModel, lower: np.ndarray, upper: np.ndarray):
    """``lower``/``upper`` with each class's levels held where its counts' bounds put them.

    A class whose counts sum to between ``T_lo`` and ``T_hi`` households places its best ``T``
    for some ``T`` in that range, so its first ``T_lo`` are placed and none past its ``T_hi``-th:
    only the levels between stay free. Every solution keeps its counts and its value at its
    best levels, so the program's optimum is unchanged and every bound HiGHS proves on it still
    holds; but HiGHS gets the levels within reach of each open class instead of all of them
    (hundreds where waiting days make every household's base value its own), which its presolve
    did not remove. Every class has a level (:func:`.classes.build_classes`). A class whose
    level bounds are not themselves the best first (held at other values by the caller) is
    left as it is. For the aggregated program and its cut rows (:func:`.cuts.with_cuts`) only,
    whose columns are the counts, then the levels.
    """
    z = np.arange(model.n_y, len(model.cost))
    if len(z) == 0:
        return lower, upper
    n_classes = len(model.classes)
    z_class = model.level_classes()
    count = model.upper[z]
    ends = np.cumsum(count)
    first = np.searchsorted(z_class, np.arange(n_classes))  # each class's first level
    before = ends - count - np.concatenate([[0.0], ends])[first][z_class]  # best ones before it
    lo_z, hi_z = lower[z], upper[z]

    def best_first(levels):  # per class: whether no level is taken after one not taken whole
        short = levels < count - 1e-9
        short_before = np.cumsum(short) - short
        short_before -= short_before[first][z_class]
        late = (short_before > 0) & (levels > 1e-9)
        return np.bincount(z_class, weights=late, minlength=n_classes) == 0

    low = np.maximum(
        np.bincount(model.y_class, weights=lower[: model.n_y], minlength=n_classes),
        np.bincount(z_class, weights=lo_z, minlength=n_classes),
    )
    high = np.minimum(
        np.bincount(model.y_class, weights=upper[: model.n_y], minlength=n_classes),
        np.bincount(z_class, weights=hi_z, minlength=n_classes),
    )
    held = (best_first(lo_z) & best_first(hi_z) & (low <= high))[z_class]
    lower, upper = lower.copy(), upper.copy()
    lower[z] = np.where(held, np.maximum(lo_z, np.clip(low[z_class] - before, 0, count)), lo_z)
    upper[z] = np.where(held, np.minimum(hi_z, np.clip(high[z_class] - before, 0, count)), hi_z)
    return lower, upper


def row_activity(model: AggregateModel, x: np.ndarray) -> np.ndarray:
    """Each row's left-hand side at the column values ``x``."""
    column = model.column_of_entry()
    return np.bincount(model.index, weights=model.values * x[column], minlength=model.n_rows)


def household_columns(model: AggregateModel, n_households: int):
    """Per household its class, and per (class, pledge) its y column (-1 where none)."""
    if model.column_of_pair is None:
        n_pledges = int(model.y_pledge.max()) + 1 if model.n_y else 0
        pairs = np.full((len(model.classes), n_pledges), -1, dtype=np.int64)
        pairs[model.y_class, model.y_pledge] = np.arange(model.n_y)
        class_of = np.full(n_households, -1, dtype=np.int64)
        for c, cls in enumerate(model.classes):
            class_of[cls.members] = c
        model.column_of_pair, model.class_of = pairs, class_of
    return model.class_of, model.column_of_pair


def build_aggregate(instance: Instance, classes: list[HouseholdClass]) -> AggregateModel:
    """The program for ``classes`` (column by column in class order, as arrays)."""
    pledges = instance.pledges
    n_classes, n_pledges = len(classes), len(pledges)
    capacity = np.array([p.capacity for p in pledges], dtype=np.int64)
    has_quotas = np.array([bool(p.quotas) for p in pledges], dtype=bool)
    # Rows: one per class, one capacity row per pledge, then the quota rows (pledge by pledge,
    # states in alphabetical order).
    fronts = sorted({s for p in pledges for s in p.quotas})
    front_index = {s: f for f, s in enumerate(fronts)}
    quota_row = np.full((n_pledges, max(1, len(fronts))), -1, dtype=np.int64)
    row_upper = [0.0] * n_classes + [float(c) for c in capacity]
    for j, p in enumerate(pledges):
        for state in sorted(p.quotas):
            quota_row[j, front_index[state]] = len(row_upper)
            row_upper.append(float(p.quotas[state]))
    n_rows = len(row_upper)
    row_upper = np.array(row_upper, dtype=np.float64)
    row_lower = np.concatenate([np.zeros(n_classes), np.full(n_rows - n_classes, -np.inf)])

    # y columns: each class's pledges in turn. A class eligible for a pledge with quotas has a
    # quota there for its frontline state (rule 7), so its quota row exists.
    y_class = np.repeat(np.arange(n_classes), [len(c.pledges) for c in classes])
    y_pledge = np.fromiter(chain.from_iterable(c.pledges for c in classes), np.int64, len(y_class))
    y_cost = np.fromiter(chain.from_iterable(c.bonus for c in classes), np.float64, len(y_class))
    size = np.array([c.size for c in classes], dtype=np.int64)[y_class]
    members = np.array([len(c.members) for c in classes], dtype=np.int64)[y_class]
    front = np.array([front_index.get(c.frontline_state, 0) for c in classes], dtype=np.int64)
    y_quota_row = np.where(has_quotas[y_pledge], quota_row[y_pledge, front[y_class]], -1)
    y_capacity_row = n_classes + y_pledge
    with_quota = y_quota_row >= 0
    y_upper = _column_limits(members, size, row_upper, y_capacity_row, y_quota_row)
    _tighten(row_upper, size, y_upper, y_capacity_row, y_quota_row, n_classes, quota_row, has_quotas)
    y_upper = _column_limits(y_upper, size, row_upper, y_capacity_row, y_quota_row)

    n_y = len(y_class)
    entries = 2 + with_quota
    starts_y = np.concatenate([[0], np.cumsum(entries)])
    index_y = np.empty(starts_y[-1], dtype=np.int64)
    values_y = np.empty(starts_y[-1], dtype=np.float64)
    first = starts_y[:-1]
    index_y[first], values_y[first] = y_class, 1.0
    index_y[first + 1], values_y[first + 1] = y_capacity_row, size
    index_y[first[with_quota] + 2] = y_quota_row[with_quota]
    values_y[first[with_quota] + 2] = size[with_quota]

    # z columns: each class's levels in turn, one entry (-1) in the class's row.
    z_class = np.repeat(np.arange(n_classes), [len(c.levels) for c in classes])
    levels = [level for c in classes for level in c.levels]
    z_cost = np.array([base for base, _ in levels], dtype=np.float64)
    z_upper = np.array([count for _, count in levels], dtype=np.float64)
    n_z = len(z_class)
    return AggregateModel(
        classes=classes,
        n_y=n_y,
        y_class=y_class,
        y_pledge=y_pledge,
        cost=np.concatenate([y_cost, z_cost]),
        lower=np.zeros(n_y + n_z),
        upper=np.concatenate([y_upper.astype(np.float64), z_upper]),
        integrality=np.concatenate([np.ones(n_y), np.zeros(n_z)]).astype(np.int32),
        row_lower=row_lower,
        row_upper=row_upper,
        starts=np.concatenate([starts_y, starts_y[-1] + 1 + np.arange(n_z)]).astype(np.int32),
        index=np.concatenate([index_y, z_class]).astype(np.int32),
        values=np.concatenate([values_y, -np.ones(n_z)]),
        n_rows=n_rows,
    )


def _column_limits(limit, size, row_upper, capacity_row, quota_row) -> np.ndarray:
    """At most ``limit`` households per column, and no more than its rows can hold."""
    limit = np.minimum(limit, row_upper[capacity_row].astype(np.int64) // size)
    quota = row_upper[np.maximum(quota_row, 0)].astype(np.int64) // size
    return np.maximum(0, np.where(quota_row >= 0, np.minimum(limit, quota), limit))


def reachable(items: dict[int, int], limit: int) -> int:
    """Bitset (bit ``k`` set) of the person counts ``<= limit`` that households can sum to;
    ``items`` maps a household size to how many such households there are."""
    if limit < 0:
        return 0
    mask = (1 << (limit + 1)) - 1
    bits = 1
    for size, count in sorted(items.items()):
        count = min(count, limit // size)
        step = 1
        while count > 0:  # binary splitting of a bounded multiplicity
            take = min(step, count)
            bits |= (bits << (size * take)) & mask
            count -= take
            step *= 2
    return bits


def sumset(a: int, b: int, limit: int) -> int:
    """Bitset of ``x + y <= limit`` for ``x`` in ``a`` and ``y`` in ``b``."""
    mask = (1 << (limit + 1)) - 1
    if a == (1 << a.bit_length()) - 1 and b == (1 << b.bit_length()) - 1:  # two intervals
        return ((1 << (a.bit_length() + b.bit_length() - 1)) - 1) & mask
    if a.bit_count() > b.bit_count():
        a, b = b, a
    out = 0
    k = 0
    while a:
        if a & 1:
            out |= (b << k) & mask
        a >>= 1
        k += 1
    return out


def _totals_by_key(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``keys`` (>= 0), ascending, and the sum of ``weights`` for each: by one
    count per possible key where keys are few against the entries (np.unique sorted the 350,000
    count columns of wide programs: 0.04 s), else by sorting (a household of a billion
    persons must not make an array of a billion counts)."""
    if len(keys) == 0 or int(keys.max()) < 4 * len(keys) + 1024:
        totals = np.bincount(keys, weights=weights)
        present = np.flatnonzero(np.bincount(keys))
        return present, totals[present]
    distinct, where = np.unique(keys, return_inverse=True)
    return distinct, np.bincount(where, weights=weights)


def _tighten(row_upper, size, upper, capacity_row, quota_row, n_classes, quota_rows, has_quotas):
    """Lower each capacity and quota row to what whole households can fill (see above)."""
    # Per row: how many households of each size its columns could send.
    has_row = quota_row >= 0
    rows = np.concatenate([capacity_row, quota_row[has_row]])
    sizes = np.concatenate([size, size[has_row]])
    width = int(sizes.max(initial=0)) + 1
    keys, totals = _totals_by_key(
        (rows - n_classes) * width + sizes, np.concatenate([upper, upper[has_row]])
    )
    items: dict[int, dict[int, int]] = {}
    for key, total in zip(keys.tolist(), totals.tolist(), strict=True):
        if total > 0:
            items.setdefault(n_classes + key // width, {})[key % width] = int(total)
    reach: dict[int, int] = {}
    for j in range(len(has_quotas)):
        r = n_classes + j
        cap = int(row_upper[r])
        if has_quotas[j]:
            bits = 1
            for q in quota_rows[j][quota_rows[j] >= 0].tolist():
                reach[q] = reachable(items.get(q, {}), min(int(row_upper[q]), cap))
                bits = sumset(bits, reach[q], cap)
        else:
            bits = reachable(items.get(r, {}), cap)
        reach[r] = bits
    for r, bits in reach.items():
        row_upper[r] = float(max(0, bits.bit_length() - 1))

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

from dataclasses import dataclass

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


def build_aggregate(
    instance: Instance,
    classes: list[HouseholdClass],
    capacity: list[int] | None = None,
    quotas: list[dict[str, int]] | None = None,
) -> AggregateModel:
    """The program for ``classes``; ``capacity``/``quotas`` override the pledges' own."""
    pledges = instance.pledges
    if capacity is None:
        capacity = [p.capacity for p in pledges]
    if quotas is None:
        quotas = [p.quotas for p in pledges]
    n_classes = len(classes)
    cap_row = {j: n_classes + j for j in range(len(pledges))}
    quota_row: dict[tuple[int, str], int] = {}
    row_upper = [0.0] * n_classes + [float(c) for c in capacity]
    for j, quota in enumerate(quotas):
        for state in sorted(quota):
            quota_row[j, state] = len(row_upper)
            row_upper.append(float(quota[state]))
    n_rows = len(row_upper)
    row_lower = [0.0] * n_classes + [-np.inf] * (n_rows - n_classes)

    cost, lower, upper, integrality = [], [], [], []
    starts, index, values = [0], [], []
    y_class, y_pledge = [], []
    for c, cls in enumerate(classes):
        n = len(cls.members)
        for j, bonus in zip(cls.pledges, cls.bonus, strict=True):
            limit = min(n, capacity[j] // cls.size)
            rows = [c, cap_row[j]]
            coefs = [1.0, float(cls.size)]
            if pledges[j].quotas:
                limit = min(limit, quotas[j][cls.frontline_state] // cls.size)
                rows.append(quota_row[j, cls.frontline_state])
                coefs.append(float(cls.size))
            cost.append(bonus)
            lower.append(0.0)
            upper.append(float(max(0, limit)))
            integrality.append(1)
            index.extend(rows)
            values.extend(coefs)
            starts.append(len(index))
            y_class.append(c)
            y_pledge.append(j)
    n_y = len(cost)
    _tighten(row_upper, upper, index, starts, values, n_classes, cap_row, quota_row)
    for c, cls in enumerate(classes):
        for base, count in cls.levels:
            cost.append(base)
            lower.append(0.0)
            upper.append(float(count))
            integrality.append(0)
            index.append(c)
            values.append(-1.0)
            starts.append(len(index))
    return AggregateModel(
        classes=classes,
        n_y=n_y,
        y_class=np.array(y_class, dtype=np.int64),
        y_pledge=np.array(y_pledge, dtype=np.int64),
        cost=np.array(cost, dtype=np.float64),
        lower=np.array(lower, dtype=np.float64),
        upper=np.array(upper, dtype=np.float64),
        integrality=np.array(integrality, dtype=np.int32),
        row_lower=np.array(row_lower, dtype=np.float64),
        row_upper=np.array(row_upper, dtype=np.float64),
        starts=np.array(starts, dtype=np.int32),
        index=np.array(index, dtype=np.int32),
        values=np.array(values, dtype=np.float64),
        n_rows=n_rows,
    )


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


def _tighten(row_upper, upper, index, starts, values, n_classes, cap_row, quota_row) -> None:
    """Lower each capacity and quota row to what whole households can fill (see above)."""
    n_y = len(upper)
    items: dict[int, dict[int, int]] = {}
    for k in range(n_y):
        size = int(values[starts[k] + 1])
        for r in index[starts[k] + 1 : starts[k + 1]]:
            row = items.setdefault(r, {})
            row[size] = row.get(size, 0) + int(upper[k])
    reach: dict[int, int] = {}
    quota_rows_of: dict[int, list[int]] = {}
    for (j, _), r in quota_row.items():
        cap = int(row_upper[cap_row[j]])
        reach[r] = reachable(items.get(r, {}), min(int(row_upper[r]), cap))
        quota_rows_of.setdefault(j, []).append(r)
    for j, r in cap_row.items():
        cap = int(row_upper[r])
        if j in quota_rows_of:
            bits = 1
            for q in quota_rows_of[j]:
                bits = sumset(bits, reach[q], cap)
        else:
            bits = reachable(items.get(r, {}), cap)
        reach[r] = bits
    for r, bits in reach.items():
        row_upper[r] = float(max(0, bits.bit_length() - 1))
    for k in range(n_y):
        size = values[starts[k] + 1]
        for r in index[starts[k] + 1 : starts[k + 1]]:
            upper[k] = min(upper[k], float(row_upper[r] // size))

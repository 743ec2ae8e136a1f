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

"""The naive model, one binary per eligible (household, pledge) pair, for comparison only.

It is what one would write first; the benchmark runs it with a time limit to show why the
engine aggregates households into classes instead.
"""

from __future__ import annotations

import time

import numpy as np

from .highs import checked, is_optimal, make_lp, new_highs
from .model import UNPLACED, Prepared


def solve_naive(
    prep: Prepared, time_limit: float | None = None, mip_rel_gap: float = 1e-7
) -> tuple[list[int], float, bool, float]:
    """(assignment, proven bound, proven optimal?, seconds) from HiGHS on the naive model."""
    started = time.perf_counter()
    instance = prep.instance
    n = len(instance.households)
    quota_row: dict[tuple[int, str], int] = {}
    row_upper = [1.0] * n + [float(p.capacity) for p in instance.pledges]
    for j, p in enumerate(instance.pledges):
        for state in sorted(p.quotas):
            quota_row[j, state] = len(row_upper)
            row_upper.append(float(p.quotas[state]))
    cost, starts, index, values, pairs = [], [0], [], [], []
    for i, h in enumerate(instance.households):
        for j, bonus in zip(prep.eligible[i], prep.bonus[i], strict=True):
            cost.append(prep.base[i] + bonus)
            index.extend((i, n + j))
            values.extend((1.0, float(h.size)))
            if instance.pledges[j].quotas:
                index.append(quota_row[j, h.frontline_state])
                values.append(float(h.size))
            starts.append(len(index))
            pairs.append((i, j))
    if not pairs:
        return [UNPLACED] * n, 0.0, True, time.perf_counter() - started
    m = len(cost)
    h = new_highs(time_limit, mip_rel_gap=mip_rel_gap)
    naive_model = make_lp(
        cost=np.array(cost),
        lower=np.zeros(m),
        upper=np.ones(m),
        row_lower=np.full(len(row_upper), -np.inf),
        row_upper=np.array(row_upper),
        starts=np.array(starts, dtype=np.int32),
        index=np.array(index, dtype=np.int32),
        values=np.array(values),
        integrality=np.ones(m, dtype=np.int32),
    )
    checked(h.passModel(naive_model), "the naive model")
    h.run()
    info = h.getInfo()
    assignment = [UNPLACED] * n
    if info.primal_solution_status == 2:
        x = np.asarray(h.getSolution().col_value)
        for k in np.flatnonzero(x > 0.5):
            i, j = pairs[k]
            assignment[i] = j
    return assignment, float(info.mip_dual_bound), is_optimal(h), time.perf_counter() - started

"""The exact method: LP relaxation, Lagrangian bound, and integer programs over the margin.

Outline (docs/matching-engine.md has the full argument):

1. Group households into interchangeable classes and build the aggregated integer program
   (:mod:`.aggregate`); solve its LP relaxation with HiGHS.
2. From the LP's capacity and quota prices compute the Lagrangian bound ``D`` ourselves:
   ``D = sum(price * places) + sum_h max(0, max_p value(h, p) - size_h * price_p)``. It holds
   for any non-negative prices, so it is an honest upper bound whatever the LP's tolerances.
3. The same prices say, for every household and pledge, how much a choice costs against ``D``
   (its *penalty*). A solution whose choices have total penalty ``> tau`` is worth less than
   ``D - tau``. So the integer program restricted to choices with penalty ``<= tau`` (the
   households near the margin; everyone well above it is placed, everyone well below is left
   out) is small, and HiGHS solves it in well under a second. If its optimum ``L`` satisfies
   ``D - L <= tau``, nothing outside the restriction can beat it: ``L`` is optimal. Otherwise
   ``tau`` grows and the next, larger program starts from ``L``. The proven bound is always
   ``max(bound of the restricted program, D - tau)``, never more than ``D``.
4. When the restriction has grown to nothing, the program is the full aggregated model and its
   bound is the solver's own. A time limit stops the loop with the best solution so far.

Everything is deterministic: HiGHS is deterministic for a given model, the model is built in
a fixed order, and counts are turned into households by a fixed order (best base value first,
then household id).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .aggregate import AggregateModel, build_aggregate
from .classes import HouseholdClass, build_classes
from .greedy import fill, greedy
from .highs import is_infeasible, is_optimal, make_lp, new_highs, set_start, status_name
from .model import UNPLACED, Prepared, Room

MIP_REL_GAP = 1e-7  # the contract's "optimal" is a relative gap of 1e-6; leave room for it
START_TAU_REL = 5e-6
FULL_MODEL_SHARE = 0.5


@dataclass(slots=True)
class Outcome:
    assignment: list[int]
    bound: float
    timed_out: bool = False
    log: list[dict] = field(default_factory=list)


def solve_exact(prep: Prepared, time_limit: float | None = None) -> Outcome:
    started = time.perf_counter()
    # Keep a little of the limit for turning the last solution into households.
    reserve = 0.0 if time_limit is None else min(1.0, 0.1 * time_limit)
    deadline = math.inf if time_limit is None else started + time_limit - reserve

    def remaining() -> float:
        return deadline - time.perf_counter()

    classes = build_classes(prep)
    model = build_aggregate(prep.instance, classes)
    n_households = len(prep.instance.households)
    if model.n_y == 0:
        return Outcome([UNPLACED] * n_households, 0.0)

    # The greedy answer is the fallback and the first incumbent (after taking, within each
    # class, the best households for the same counts, which can only raise its value).
    best_y = counts_of(model, classes, greedy(prep), n_households)
    best = assignment_from_counts(prep, model, classes, best_y)
    best_value = assignment_value(prep, best)

    # 1. LP relaxation.
    h = new_highs(remaining() if time_limit is not None else None)
    h.passModel(make_lp(**_arrays(model)))
    h.run()
    log = [{"step": "lp", "status": status_name(h), "seconds": time.perf_counter() - started}]
    if not is_optimal(h):
        bound = trivial_bound(prep)
        return Outcome(best, max(bound, best_value), timed_out=True, log=log)
    n_classes = len(classes)
    lp_solution = h.getSolution()
    prices = np.maximum(np.asarray(lp_solution.row_dual)[n_classes:], 0.0)
    # The LP rounded down and topped up greedily: a far better first incumbent than greedy.
    y_floor = np.floor(np.asarray(lp_solution.col_value)[: model.n_y] + 1e-9).astype(np.int64)
    candidate = assignment_from_counts(prep, model, classes, np.maximum(y_floor, 0))
    value = assignment_value(prep, candidate)
    if value > best_value:
        best, best_value = candidate, value
        best_y = counts_of(model, classes, best, n_households)
    del h, lp_solution

    # 2. Lagrangian bound and reduced profits.
    gain, best_gain = reduced_gains(model, prices)
    level_class = np.repeat(np.arange(n_classes), [len(c.levels) for c in classes])
    level_base = model.cost[model.n_y :]
    level_count = model.upper[model.n_y :]
    lagrangian = math.fsum(
        (
            float(np.dot(model.row_upper[n_classes:], prices)),
            math.fsum(level_count * np.maximum(0.0, level_base + best_gain[level_class])),
        )
    )
    log[-1]["lagrangian_bound"] = lagrangian

    # 3. Integer programs over the margin, growing until the optimum is proven.
    bound = lagrangian
    tau = max(START_TAU_REL * abs(lagrangian), 1e-6)
    timed_out = False
    force_must = True
    while True:
        if remaining() <= 0:
            timed_out = True
            break
        lower, upper, restricted = restrict(model, gain, best_gain, level_class, tau, force_must)
        free = np.count_nonzero(upper[: model.n_y] > lower[: model.n_y])
        if restricted and free > FULL_MODEL_SHARE * model.n_y:
            # The margin is most of the model: solve the whole of it (HiGHS then does its own
            # reduced-cost fixing from our incumbent, plus cuts).
            lower, upper, restricted = model.lower, model.upper, False
        h = new_highs(
            remaining() if time_limit is not None else None,
            mip_rel_gap=MIP_REL_GAP,
        )
        h.passModel(make_lp(**_arrays(model, lower, upper), integrality=model.integrality))
        start_x = full_vector(model, classes, best_y)
        if np.all(start_x >= lower - 1e-9) and np.all(start_x <= upper + 1e-9):
            set_start(h, start_x)
        value_before = best_value
        h.run()
        info = h.getInfo()
        solved = is_optimal(h)
        entry = {
            "step": "margin-mip",
            "tau": tau,
            "free_columns": int(np.count_nonzero(upper[: model.n_y] > lower[: model.n_y])),
            "restricted": restricted,
            "status": status_name(h),
            "seconds": time.perf_counter() - started,
        }
        has_solution = info.primal_solution_status == 2
        if has_solution:
            x = np.asarray(h.getSolution().col_value)
            y = np.rint(x[: model.n_y]).astype(np.int64)
            candidate = assignment_from_counts(prep, model, classes, np.maximum(y, 0))
            value = assignment_value(prep, candidate)
            if value > best_value:
                best, best_value = candidate, value
                best_y = counts_of(model, classes, best, n_households)
        if solved:
            restricted_bound = info.mip_dual_bound
        elif is_infeasible(h):
            restricted_bound = -math.inf  # nothing inside the restriction: all is outside
            force_must = False
        else:  # stopped by the time limit
            timed_out = True
            restricted_bound = info.mip_dual_bound if has_solution else math.inf
            if not math.isfinite(restricted_bound):
                restricted_bound = math.inf
        if restricted:
            bound = min(bound, max(restricted_bound, lagrangian - tau))
        else:
            bound = min(bound, restricted_bound)
        entry.update(value=best_value, bound=bound)
        log.append(entry)
        if timed_out or not restricted:
            break
        if bound - best_value <= 0.5e-6 * max(abs(best_value), 1e-9):
            break
        # Grow the margin: straight to a proof round when it is at most twice as large or when
        # this round found nothing better (the incumbent is then probably optimal), else double.
        gap = lagrangian - best_value
        stalled = has_solution and best_value <= value_before
        tau = gap * (1 + 1e-9) + 1e-9 if gap <= 2 * tau or stalled else 2 * tau
    return Outcome(best, max(bound, best_value), timed_out=timed_out, log=log)


# ---------------------------------------------------------------------------------------------


def _arrays(model: AggregateModel, lower=None, upper=None) -> dict:
    return {
        "cost": model.cost,
        "lower": model.lower if lower is None else lower,
        "upper": model.upper if upper is None else upper,
        "row_lower": model.row_lower,
        "row_upper": model.row_upper,
        "starts": model.starts,
        "index": model.index,
        "values": model.values,
    }


def reduced_gains(model: AggregateModel, prices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per y column: tie bonus minus the priced places it uses; per class: the best of those."""
    n_classes = len(model.classes)
    ny = model.n_y
    end = model.starts[ny]
    column = np.repeat(np.arange(ny), np.diff(model.starts[: ny + 1]))
    rows = model.index[:end]
    coupling = rows >= n_classes
    used = np.bincount(
        column[coupling],
        weights=model.values[:end][coupling] * prices[rows[coupling] - n_classes],
        minlength=ny,
    )
    gain = model.cost[:ny] - used
    best_gain = np.full(n_classes, -np.inf)
    np.maximum.at(best_gain, model.y_class, gain)
    return gain, best_gain


def restrict(model: AggregateModel, gain, best_gain, level_class, tau: float, force_must=True):
    """Column bounds allowing only choices whose penalty against the Lagrangian bound is <= tau.

    With ``force_must``, households whose leaving out alone costs more than ``tau`` must be
    placed; that makes the program much smaller, but can make it infeasible when places are
    tight, and then the caller drops it. Returns (lower, upper, whether anything was restricted).
    """
    ny = model.n_y
    lower = model.lower.copy()
    upper = model.upper.copy()
    off = (gain < best_gain[model.y_class] - tau) & (upper[:ny] > 0)
    upper[:ny][off] = 0.0
    profit = model.cost[ny:] + best_gain[level_class]
    must = profit > tau
    out = profit < -tau
    if force_must:
        lower[ny:][must] = upper[ny:][must]
    upper[ny:][out] = 0.0
    restricted = bool(off.any() or must.any() or out.any())
    return lower, upper, restricted


def counts_of(
    model: AggregateModel, classes: list[HouseholdClass], assignment: list[int], n: int
) -> np.ndarray:
    """Per y column: how many households of its class the assignment sends to its pledge."""
    column = {
        (int(c), int(j)): k
        for k, (c, j) in enumerate(zip(model.y_class, model.y_pledge, strict=True))
    }
    y = np.zeros(model.n_y, dtype=np.int64)
    for c, cls in enumerate(classes):
        for i in cls.members:
            if assignment[i] != UNPLACED:
                y[column[c, assignment[i]]] += 1
    return y


def full_vector(model: AggregateModel, classes: list[HouseholdClass], y: np.ndarray):
    """The complete column vector (y, and z filling the best levels first) for counts ``y``."""
    x = np.zeros(len(model.cost))
    x[: model.n_y] = y
    placed = np.bincount(model.y_class, weights=y, minlength=len(classes))
    k = model.n_y
    for c, cls in enumerate(classes):
        left = placed[c]
        for _, count in cls.levels:
            take = min(left, count)
            x[k] = take
            left -= take
            k += 1
    return x


def assignment_from_counts(
    prep: Prepared, model: AggregateModel, classes: list[HouseholdClass], y: np.ndarray
) -> list[int]:
    """Households for counts ``y``: in each class the best ones, in pledge order; then repaired
    (should rounding ever break a limit) and topped up greedily."""
    n = len(prep.instance.households)
    assignment = [UNPLACED] * n
    next_member = [0] * len(classes)
    for k in np.flatnonzero(y > 0):
        c = int(model.y_class[k])
        j = int(model.y_pledge[k])
        members = classes[c].members
        take = min(int(y[k]), len(members) - next_member[c])
        for i in members[next_member[c] : next_member[c] + take]:
            assignment[i] = j
        next_member[c] += take
    room = _repair(prep, assignment)
    order = sorted(
        (i for i in range(n) if assignment[i] == UNPLACED and prep.eligible[i]),
        key=lambda i: (-prep.base[i] - max(prep.bonus[i]), prep.instance.households[i].id),
    )
    fill(prep, assignment, room, order)
    return assignment


def _repair(prep: Prepared, assignment: list[int]) -> Room:
    """Remove the least valuable households from any pledge or quota over its limit."""
    instance = prep.instance
    room = Room(instance)
    for i, j in enumerate(assignment):
        if j != UNPLACED:
            room.take(i, j)
    broken = [
        j
        for j in range(len(instance.pledges))
        if room.capacity[j] < 0 or any(v < 0 for v in room.quota[j].values())
    ]
    for j in broken:
        members = sorted(
            (i for i, a in enumerate(assignment) if a == j),
            key=lambda i: (prep.value(i, j), instance.households[i].id),
        )
        for i in members:
            if room.capacity[j] >= 0 and all(v >= 0 for v in room.quota[j].values()):
                break
            front = instance.households[i].frontline_state
            if room.capacity[j] < 0 or room.quota[j].get(front, 0) < 0:
                room.give_back(i, j)
                assignment[i] = UNPLACED
    return room


def assignment_value(prep: Prepared, assignment: list[int]) -> float:
    return math.fsum(prep.value(i, j) for i, j in enumerate(assignment) if j != UNPLACED)


def trivial_bound(prep: Prepared) -> float:
    """Every household in its best pledge, ignoring places: a (weak) upper bound."""
    return math.fsum(
        max(0.0, prep.base[i] + max(bonus)) for i, bonus in enumerate(prep.bonus) if bonus
    )

"""A bound that knows households are whole: pledge packings priced by column generation.

Even with its rows lowered to what whole households can fill (:mod:`.aggregate`), the LP
relaxation fills a small pledge with fractions of its most valuable families where whole ones
would leave places to less valuable households. On instances with many small pledges that
puts the LP bound up to 0.1 % above the optimum. Lagrangian relaxation of the class rows fixes this:
for class prices ``mu`` (one per class, any sign),

    L(mu) = sum over levels of count * max(0, base + mu_c)          (the households' side)
          + sum over pledges p of  max { sum_c (bonus_cp - mu_c) y_cp :
                                         y a whole packing of p }     (one knapsack each)

is an upper bound on every placement, because each placement is a packing of each pledge
plus levels of each class and the ``mu`` terms cancel. Each pledge's knapsack is solved
exactly (:mod:`.knapsack`), which is what the LP could not do; where it is no better than the
LP (large pledges), the pledge's LP dual term is used instead, which bounds the knapsack for
any prices of its capacity and quotas, so the bound stays honest whatever the tolerances.

The best ``mu`` comes from Dantzig-Wolfe column generation: pledges whose packing the LP gets
wrong are described in a master LP by whole packings (columns) instead of by their counts;
the master's class prices are ``mu``, each pledge's knapsack at those prices is its pricing
problem, and its best packing becomes a new column. Every round gives a valid bound; the
smallest is kept.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field, replace

import numpy as np

from .aggregate import AggregateModel
from .highs import (
    PRIMAL_SIMPLEX,
    checked,
    is_optimal,
    make_lp,
    new_highs,
    release_freed_memory,
    set_time_left,
)
from .knapsack import pack

# Rounds of column generation: a count, not a clock, so the result does not depend on the
# machine's speed (a deadline still stops it early).
MAX_ROUNDS = 40
# ... and it stops after this many rounds in a row without a lower ``L``. Where it helps, the
# first lower ``L`` came by round 14 (small-pledges 5; 1-6 elsewhere) and the next ones a round
# or two apart; where it does not, 40 rounds took a second that the main search waited for.
STALL_ROUNDS = 16
# A pledge is priced as a knapsack when that lowers its term by more than this (objective
# units): below it, the LP's term is as good and cheaper.
KNAPSACK_GAIN = 1e-6
# Pledges of more places than this keep their LP term without trying the knapsack: households
# of every size fill them exactly as the LP does (no gain measured on any pledge above 44
# places), and their tables cost 5-185 ms each at 40,000 households.
KNAPSACK_PLACES = 1000
SMOOTHING = 0.5
CONVERGED = 1e-7  # relative distance of the bound from the master's value


@dataclass(slots=True)
class PledgeColumns:
    """The y columns of one pledge, as knapsack items."""

    columns: np.ndarray  # y column indices
    classes: np.ndarray  # class of each
    size: np.ndarray  # persons per household
    count: np.ndarray  # at most this many households
    bonus: np.ndarray  # objective coefficient (the tie bonus)
    group: np.ndarray  # index into quota_rows, -1 without quotas
    quota_rows: list[int]
    capacity_row: int
    quota_row: np.ndarray  # per column: its quota row, or -1


def pledge_columns(model: AggregateModel, n_pledges: int) -> list[PledgeColumns]:
    n_classes = len(model.classes)
    _, quota_row_of, size_of = model.count_rows()
    by_pledge = np.argsort(model.y_pledge, kind="stable")  # ascending within each pledge
    edges = np.searchsorted(model.y_pledge[by_pledge], np.arange(n_pledges + 1))
    out = []
    for j in range(n_pledges):
        columns = by_pledge[edges[j] : edges[j + 1]]
        rows = quota_row_of[columns]
        found, first = np.unique(rows[rows >= 0], return_index=True)
        quota_rows = [int(r) for r in found[np.argsort(first, kind="stable")]]  # as first met
        position = np.full(model.n_rows + 1, -1, dtype=np.int64)  # the last: no quota row
        position[quota_rows] = np.arange(len(quota_rows))
        group = position[rows]
        out.append(
            PledgeColumns(
                columns=columns,
                classes=model.y_class[columns],
                size=size_of[columns].astype(np.int64),
                count=model.upper[columns].astype(np.int64),
                bonus=model.cost[columns],
                group=group,
                quota_rows=quota_rows,
                capacity_row=n_classes + j,
                quota_row=np.array(quota_rows + [-1], dtype=np.int64)[group],
            )
        )
    return out


def households_term(model: AggregateModel, mu: np.ndarray) -> float:
    """The levels' part of ``L(mu)``."""
    z = np.arange(model.n_y, len(model.cost))
    return math.fsum(model.upper[z] * np.maximum(0.0, model.cost[z] + mu[model.level_classes()]))


def lp_term(model: AggregateModel, p: PledgeColumns, mu: np.ndarray, prices: np.ndarray):
    """Pledge ``p``'s term bounded by its LP dual: capacity and quota prices ``>= 0``."""
    profit = p.bonus - mu[p.classes]
    place = prices[p.capacity_row] + np.where(p.quota_row >= 0, prices[p.quota_row], 0.0)
    rows = [p.capacity_row, *p.quota_rows]
    return math.fsum(
        (
            math.fsum(prices[rows] * model.row_upper[rows]),
            math.fsum(p.count * np.maximum(0.0, profit - p.size * place)),
        )
    )


def knapsack_term(model: AggregateModel, p: PledgeColumns, mu: np.ndarray, want_counts=False):
    """Pledge ``p``'s term exactly: its best whole packing at prices ``mu``."""
    limits = [int(model.row_upper[r]) for r in p.quota_rows]
    return pack(
        p.bonus - mu[p.classes],
        p.size,
        p.count,
        p.group,
        limits,
        int(model.row_upper[p.capacity_row]),
        want_counts=want_counts,
    )


@dataclass(slots=True)
class Tightened:
    bound: float  # L at ``prices``
    prices: np.ndarray  # per row: class prices, then capacity and quota prices (>= 0)
    knapsack_pledges: list[int]  # pledges whose term in ``bound`` is their knapsack
    slack: dict[int, float]  # per knapsack pledge: its LP term minus its knapsack term
    rounds: int = 0  # of column generation
    # per knapsack pledge: the whole packings column generation found (counts per column of
    # the pledge), for the master program (:mod:`.master`)
    packings: dict[int, list[np.ndarray]] = field(default_factory=dict)

    def column_slack(self, model: AggregateModel, pledges: list[PledgeColumns]) -> np.ndarray:
        """Per column of the model: its pledge's ``slack`` (0 outside knapsack pledges)."""
        out = np.zeros(len(model.cost))
        for j, value in self.slack.items():
            out[pledges[j].columns] = value
        return out


def knapsack_bound(
    model: AggregateModel,
    pledges: list[PledgeColumns],
    prices: np.ndarray,
    deadline: float = math.inf,
) -> Tightened:
    """``L`` at the LP's ``prices``, each pledge's knapsack used where it beats its LP term.
    Past ``deadline`` the pledges left keep their LP term (a bound all the same): with
    hundreds of pledges their knapsacks take a third of a second or more."""
    mu = prices[: len(model.classes)]
    terms = []
    chosen = []
    for j, p in enumerate(pledges):
        lp = lp_term(model, p, mu, prices)
        if model.row_upper[p.capacity_row] > KNAPSACK_PLACES or time.perf_counter() > deadline:
            terms.append(lp)
            continue
        exact, _ = knapsack_term(model, p, mu)
        if exact < lp - KNAPSACK_GAIN:
            chosen.append(j)
            terms.append(exact)
        else:
            terms.append(lp)
    bound = households_term(model, mu) + math.fsum(terms)
    return _finish(model, pledges, bound, prices[: model.n_rows].copy(), chosen, 0)


def improve_prices(
    model: AggregateModel,
    pledges: list[PledgeColumns],
    start: Tightened,
    deadline: float = math.inf,
    basis=None,
    master_counts: np.ndarray | None = None,
    stop: threading.Event | None = None,
) -> Tightened:
    """Column generation from ``start`` (:func:`knapsack_bound`) over its knapsack pledges:
    the smallest ``L`` found, its prices, and the whole packings the rounds found (for the
    master program, :mod:`.master`). ``basis`` is the LP's, to start the master LP, which
    holds only the count columns ``master_counts`` (ascending; None: all) where the LP was
    sifted; the basis is then of ``model.with_counts(master_counts)``'s columns. ``L`` itself
    is priced over every column whatever the master holds, so it stays a bound.
    Ends after ``MAX_ROUNDS``, or ``STALL_ROUNDS`` in a row without a lower ``L``; early at
    ``deadline`` or, between rounds, once ``stop`` is set."""
    n_classes = len(model.classes)
    chosen = start.knapsack_pledges
    best, centre = start.bound, start.prices.copy()
    if not chosen or time.perf_counter() > deadline:
        return start

    # The master: the LP with the chosen pledges' counts fixed at zero, each of those pledges
    # instead a convex combination of whole packings (at most one packing, fractionally).
    upper = model.upper.copy()
    for j in chosen:
        upper[pledges[j].columns] = 0.0
    master_model, columns = model, None
    if master_counts is not None:
        master_model, columns = model.with_counts(master_counts)
    h = new_highs(None if math.isinf(deadline) else deadline - time.perf_counter())
    arrays = master_model.arrays(upper=upper if columns is None else upper[columns])
    checked(h.passModel(make_lp(**arrays)), "column generation's master")
    if basis is not None:
        h.setBasis(basis)
    convexity = {}
    found: dict[int, list[np.ndarray]] = {j: [] for j in chosen}

    def add_packing(j: int, counts: np.ndarray) -> None:
        _add_packing(h, pledges[j], counts, convexity[j])
        found[j].append(counts)

    for j in chosen:
        convexity[j] = h.getNumRow()
        h.addRow(-math.inf, 1.0, 0, np.array([], dtype=np.int32), np.array([]))
        _, packing = knapsack_term(model, pledges[j], centre[:n_classes], want_counts=True)
        add_packing(j, packing)

    # Wentges smoothing: price at a point between the best prices so far (the "centre") and
    # the master's, which are erratic while the master knows few packings. A packing found
    # there enters the master when it is worth more than the master's prices say.
    rounds = last_lower = 0
    while rounds < MAX_ROUNDS and time.perf_counter() < deadline and not (stop and stop.is_set()):
        if rounds - last_lower >= STALL_ROUNDS:
            break
        if not math.isinf(deadline):
            set_time_left(h, deadline - time.perf_counter())
        h.run()
        release_freed_memory()  # each round's knapsack tables and HiGHS's re-solve, freed
        if not is_optimal(h):
            break
        master_value = h.getInfo().objective_function_value
        # New columns leave the basis primal feasible (see ``PRIMAL_SIMPLEX``).
        h.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
        rounds += 1
        duals = np.asarray(h.getSolution().row_dual)
        master = duals[: model.n_rows].copy()
        master[n_classes:] = np.maximum(master[n_classes:], 0.0)
        added = 0
        for smoothing in (SMOOTHING, 0.0):
            point = smoothing * centre + (1.0 - smoothing) * master
            value, packings = _lagrangian(model, pledges, point, convexity)
            if value < best:
                best, centre, last_lower = value, point, rounds
            for j, counts in packings.items():
                worth = float(np.dot(counts, pledges[j].bonus - master[pledges[j].classes]))
                if worth > max(0.0, duals[convexity[j]]) + 1e-9 * max(1.0, abs(worth)):
                    add_packing(j, counts)
                    added += 1
            if added:
                break
        # The master's value is the bound's limit (the Lagrangian dual): stop near it.
        if not added or best - master_value <= CONVERGED * max(1.0, abs(best)):
            break
    if rounds == 0:
        return start
    if best >= start.bound:
        return replace(start, rounds=rounds, packings=found)
    return _finish(model, pledges, best, centre, chosen, rounds, found)


def _finish(model, pledges, bound, centre, chosen, rounds, packings=None) -> Tightened:
    slack = {}
    mu = centre[: len(model.classes)]
    for j in chosen:  # the chosen pledges' own prices: those that bound their knapsack best
        _set_pledge_prices(model, pledges[j], centre)
        exact, _ = knapsack_term(model, pledges[j], mu)
        slack[j] = max(0.0, lp_term(model, pledges[j], mu, centre) - exact)
    return Tightened(bound, centre, chosen, slack, rounds, packings or {})


def _set_pledge_prices(model: AggregateModel, p: PledgeColumns, prices: np.ndarray) -> None:
    """Give ``p``'s capacity and quota rows in ``prices`` the optimal duals of its knapsack's
    LP relaxation at the class prices in ``prices`` (which minimise :func:`lp_term`)."""
    rows = [p.capacity_row, *p.quota_rows]
    n = len(p.columns)
    local_row = np.where(p.quota_row >= 0, p.group + 1, -1)
    has_quota = local_row >= 0
    starts = np.zeros(n + 1, dtype=np.int32)
    starts[1:] = np.cumsum(1 + has_quota)
    index = np.zeros(starts[-1], dtype=np.int32)
    index[starts[1:] - 1] = np.where(has_quota, local_row, 0)  # the quota row, if any, last
    values = np.repeat(p.size.astype(np.float64), 1 + has_quota)
    h = new_highs()
    knapsack_lp = make_lp(
        cost=p.bonus - prices[p.classes],
        lower=np.zeros(n),
        upper=p.count.astype(np.float64),
        row_lower=np.full(len(rows), -np.inf),
        row_upper=model.row_upper[rows],
        starts=starts,
        index=index,
        values=values,
    )
    checked(h.passModel(knapsack_lp), "a pledge's knapsack LP")
    h.run()
    if is_optimal(h):
        prices[rows] = np.maximum(np.asarray(h.getSolution().row_dual), 0.0)


def _lagrangian(model, pledges, point, convexity):
    """``L`` at ``point`` (class prices, then capacity and quota prices >= 0), and the best
    packing of each pledge in ``convexity``."""
    mu = point[: len(model.classes)]
    terms = [households_term(model, mu)]
    packings = {}
    for j, p in enumerate(pledges):
        if j in convexity:
            value, packings[j] = knapsack_term(model, p, mu, want_counts=True)
        else:
            value = lp_term(model, p, mu, point)
        terms.append(value)
    return math.fsum(terms), packings


def _add_packing(h, p: PledgeColumns, counts: np.ndarray, convexity_row: int) -> None:
    taken = np.flatnonzero(counts > 0)
    if len(taken) == 0:
        return
    rows = np.append(p.classes[taken], convexity_row).astype(np.int32)
    values = np.append(counts[taken].astype(np.float64), 1.0)
    cost = float(np.dot(counts[taken], p.bonus[taken]))
    h.addCol(cost, 0.0, 1.0, len(rows), rows, values)

"""The LP relaxation of the aggregated program, solved by sifting where it is wide (where it
has many counts but few per class, sifted and then held whole: ``WIDENED_FROM_COUNTS``).

Each class has a count column for every pledge it is eligible for: with 100-150 pledges, a
class can have sixty, and the program 350,000 count columns, most of which the LP optimum
leaves at zero (a household goes to one of the few pledges cheapest at the LP's prices).
HiGHS's dual simplex pays for every column in every iteration (1.6 s on that program), so the
LP is solved over a few columns per class and then *priced* over all of them: the reduced
profit of each count column outside, ``c - A'y`` at the LP's prices, shows whether it could
raise the LP's value; the most profitable few of each class join, and the LP is re-solved
from its basis. When no column outside has a positive reduced profit, the LP's optimum over
the columns it holds is the optimum over all (0.8 s on that program; 0.3 s where 1.2 s).

HiGHS runs without presolve: on this program it takes longer than it saves (0.36 s with it,
0.15 s without, at 10,000 households), and the dive's warm starts need none.

The first columns of each class are its tie pledges first, then the pledges with the least
demand for their places (whose price is likely to be lowest). The LP's value does not depend
on that choice, only the time does (and, where the LP has several optima, which one is found).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from .aggregate import AggregateModel
from .highs import (
    DUAL_SIMPLEX,
    PRIMAL_SIMPLEX,
    checked,
    is_optimal,
    make_lp,
    new_highs,
    set_time_left,
    status_name,
)

# Sifting pays only where classes have many more count columns than it starts from (at 9-18
# per class, on the named and random instances of docs/benchmarks.md, it saves nothing); the
# others are solved whole, in one run.
SIFTED_FROM_COUNTS_PER_CLASS = 20
# Below that, an LP of this many count columns or more is still solved by sifting, and then
# handed with its optimal basis to a HiGHS holding every column (no iteration; 0.1-0.6 s), so
# that the rest of the solve sees it as solved whole: where households are worth about the
# same in many pledges (uniform waiting times, scarce places) the whole LP is degenerate and
# slow (uniform-waiting 6 of the outside set at 10,000 households, 142,005 counts: 0.8-1.9 s
# whole, 0.5 s so; at 40,000 households, 477,696 counts: 5.7 s against 2.7 s). Below 100,000
# the whole LP was as often faster (custom-weights 4: 0.38 s against 0.74 s).
WIDENED_FROM_COUNTS = 100_000
# Sifting rounds that add few columns (at most half as many as the program has rows) are
# re-solved by the primal simplex, in about as many iterations as columns joined, where the dual
# one re-solves with thousands however few joined (0.03-0.09 s against 0.22-0.29 s per round on
# quota-lattice 13 of the fourth outside set and many-pledges 30 of the second, 10,000
# households); only on programs of this many count columns or more, whose LP takes a large
# share of a short limit. Below it the primal's optimum, another vertex than the dual's, was a
# worse start for the dive as often as not, and the time saved too little to make up for it:
# 72-76 of 104 outside instances met the targets at 3 s with it everywhere, 75-80 without.
PRIMAL_FROM_COUNTS = 100_000
FIRST_COUNTS_PER_CLASS = 3
ADDED_PER_CLASS = 5  # per round, the most profitable of each class's columns outside
# Once the LP holds this many counts, before each round that follows a rise of its value, the
# counts held that have come to nothing are let go: nonbasic at zero, and not among the
# ``KEPT_PER_CLASS`` of their class with the highest reduced profit. They may join again like
# any other; the value takes finitely many values (one per basis), so after its last rise
# nothing is let go and the rounds still end. Every re-solve pays for every column held, and
# a program of hundreds of pledges takes many rounds: at 40,000 households with 600 pledges
# (3 million counts) the held counts grew to 700,000 and the rounds to 4-7 s each, 57 s in all;
# with them let go, 15.5 s (300 pledges: 7.7 s against 14.3 s). Below this the rounds are few
# and cheap, and letting go only moved the LP to another optimal vertex, a worse start for the
# dive on the widest instances at 10,000 households and 3 s: many-pledges 2, 9, 30, 51 and 65
# of the outside sets 0.097-0.24 % below their optima against 0.066-0.13 %, tight-quotas 24
# 0.043 % against 0.000 % (the sweep's count, 88 of 104 against 87, moved within its noise).
# No instance of the 104 outside files at 10,000 households holds that many.
LET_GO_FROM = 150_000
KEPT_PER_CLASS = 5
PRICING_TOLERANCE = 1e-7  # HiGHS's own dual feasibility tolerance


# HiGHS's basis statuses by their number (kLower 0, kBasic 1, kUpper 2, kZero 3, kNonbasic 4).
STATUSES = [highspy.HighsBasisStatus(k) for k in range(5)]
BASIC = 1


@dataclass(slots=True)
class LpSolution:
    status: str  # HiGHS's, of the last run
    optimal: bool
    # Every column's value (0 for those never taken in), and the row prices. When not optimal:
    # those of a sifted LP's last round that ended (``round_kept``), or zeros.
    x: np.ndarray
    row_dual: np.ndarray
    columns: int  # count columns the LP was solved over
    rounds: int
    highs: highspy.Highs | None  # the LP solved: over every column unless ``sifted``
    sifted: bool
    working: np.ndarray  # the columns HiGHS holds, in its order
    highs_basis: highspy.HighsBasis | None  # its optimal basis (of ``working``)
    # Cut short by the time limit after a sifting round had ended: ``x`` is that round's
    # optimum over the columns it held (a feasible point), and its prices still give a bound.
    round_kept: bool = False
    column_status: np.ndarray | None = None  # built on first use by :meth:`status_codes`

    def status_codes(self) -> np.ndarray:
        """Every column's basis status by number (the columns left out: at zero, kLower)."""
        if self.column_status is None:
            codes = np.zeros(len(self.x), dtype=np.int8)
            codes[self.working] = [int(s) for s in self.highs_basis.col_status]
            self.column_status = codes
        return self.column_status

    def basis(self, columns: np.ndarray | None = None) -> highspy.HighsBasis:
        """The optimal basis, of the program with only ``columns`` (None: all of them)."""
        if columns is None and not self.sifted:
            return self.highs_basis
        codes = self.status_codes() if columns is None else self.status_codes()[columns]
        basis = highspy.HighsBasis()
        basis.col_status = [STATUSES[k] for k in codes.tolist()]
        basis.row_status = self.highs_basis.row_status
        basis.valid = True
        return basis

    def held(self) -> tuple[np.ndarray | None, highspy.HighsBasis]:
        """The count columns the LP was solved over (ascending; None: all, it was not sifted),
        and its optimal basis over them and every level (``model.with_counts(counts)``'s)."""
        if not self.sifted:
            return None, self.basis()
        working = np.sort(self.working)  # the counts first, then every level
        return working[: self.columns], self.basis(working)

    @property
    def basic(self) -> np.ndarray:
        return self.status_codes() == BASIC


def solve_lp(model: AggregateModel, seconds: float | None) -> LpSolution:
    """The LP relaxation of ``model``, within ``seconds`` (None: no limit)."""
    started = time.perf_counter()
    ny = model.n_y
    if ny > SIFTED_FROM_COUNTS_PER_CLASS * len(model.classes):
        return _sifted(model, seconds)
    if ny < WIDENED_FROM_COUNTS:
        h = _whole(model, seconds)
        h.run()
        return _solution(model, h, np.arange(len(model.cost)), ny, 0, sifted=False)
    lp = _sifted(model, seconds)
    if not lp.optimal:
        return lp
    return _widened(model, lp, None if seconds is None else seconds - (time.perf_counter() - started))


def _sifted(model: AggregateModel, seconds: float | None) -> LpSolution:
    """The LP solved by sifting (see the module's doc)."""
    started = time.perf_counter()
    ny, n_columns = model.n_y, len(model.cost)
    h = new_highs(seconds, presolve="off")
    held = np.zeros(ny, dtype=bool)
    held[_first_counts(model)] = True
    working = np.concatenate([np.flatnonzero(held), np.arange(ny, n_columns)])
    part, _ = model.with_counts(working[: np.count_nonzero(held)])
    checked(h.passModel(make_lp(**part.arrays())), "the LP")
    rounds = 0
    last = None  # the last round that ended: (working, its x, its row duals)
    value = -np.inf  # the LP's value at the last round
    while True:
        h.run()
        if not is_optimal(h):
            break
        solution = h.getSolution()
        row_dual = np.asarray(solution.row_dual)
        last = working, np.asarray(solution.col_value), row_dual
        profit = count_profits(model, row_dual)
        outside = np.flatnonzero((profit > PRICING_TOLERANCE) & ~held & (model.upper[:ny] > 0))
        if len(outside) == 0:
            break
        reached = h.getInfo().objective_function_value
        rose = reached > value + 1e-9 * max(1.0, abs(reached))
        if rose and np.count_nonzero(held) >= LET_GO_FROM:
            working = _let_go(model, h, working, held, np.asarray(solution.col_value), profit)
        value = reached
        joining = np.sort(best_per_class(model, outside, profit[outside], ADDED_PER_CLASS))
        held[joining] = True
        working = np.concatenate([working, joining])
        new = _columns_of(model, joining)
        checked(h.addCols(len(joining), *new), "the LP's new columns")
        # The last rounds add a few hundred columns (``PRIMAL_FROM_COUNTS``); the early ones
        # more than the program has rows, which the dual simplex re-solves faster (0.25 s
        # against 0.5 s on quota-lattice 13).
        few = len(joining) <= model.n_rows // 2 and ny >= PRIMAL_FROM_COUNTS
        h.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX if few else DUAL_SIMPLEX)
        rounds += 1
        if seconds is not None:
            set_time_left(h, seconds - (time.perf_counter() - started))
    h.setOptionValue("simplex_strategy", DUAL_SIMPLEX)  # HiGHS's default, for any re-solve
    lp = _solution(model, h, working, int(np.count_nonzero(held)), rounds, sifted=True)
    if not lp.optimal and last is not None:  # cut short by the time limit
        columns, values, lp.row_dual = last
        lp.x[columns] = values
        lp.round_kept = True
    return lp


def _let_go(model, h, working, held, x, profit) -> np.ndarray:
    """Take out of ``h`` the count columns it holds that have come to nothing (see
    ``LET_GO_FROM``), no longer ``held``; the columns ``h`` holds after, in its order.
    Nonbasic by the basis, not by a reduced profit below zero: where the LP is degenerate
    many nonbasic columns have none (at 10,000 households with 600 pledges, 11,000-21,000
    of them beside 2,300 basic ones)."""
    position = np.flatnonzero(working < model.n_y)
    counts = working[position]
    status = np.fromiter(map(int, h.getBasis().col_status), np.int8, len(working))
    candidate = (x[position] <= 1e-9) & (status[position] != BASIC)
    ranked = np.sort(counts)
    kept = np.zeros(model.n_y, dtype=bool)
    kept[best_per_class(model, ranked, profit[ranked], KEPT_PER_CLASS)] = True
    going = position[candidate & ~kept[counts]]
    if len(going) == 0:
        return working
    checked(h.deleteCols(len(going), going.astype(np.int32)), "the LP's columns let go")
    held[working[going]] = False
    return np.delete(working, going)


def _widened(model: AggregateModel, sifted: LpSolution, seconds: float | None) -> LpSolution:
    """The sifted LP's optimum (optimal over every column: none outside is profitable) handed,
    with its basis, to a HiGHS holding the whole program, which takes no iteration; the
    sifted one if that fails (it never has)."""
    h = _whole(model, seconds)
    if h.setBasis(sifted.basis()) == highspy.HighsStatus.kError:
        return sifted
    h.run()
    if not is_optimal(h):
        return sifted
    return _solution(model, h, np.arange(len(model.cost)), model.n_y, sifted.rounds, sifted=False)


def _whole(model: AggregateModel, seconds: float | None) -> highspy.Highs:
    """A HiGHS holding the whole LP, not yet run."""
    h = new_highs(seconds, presolve="off")
    checked(h.passModel(make_lp(**model.arrays())), "the LP")
    return h


def _solution(model, h, working, columns: int, rounds: int, sifted: bool) -> LpSolution:
    """The LP ``h`` has solved over the columns ``working`` (in its order)."""
    optimal = is_optimal(h)
    x = np.zeros(len(model.cost))
    row_dual = np.zeros(model.n_rows)
    if optimal:
        solution = h.getSolution()
        x[working] = solution.col_value
        row_dual = np.asarray(solution.row_dual)
    return LpSolution(
        status=status_name(h),
        optimal=optimal,
        x=x,
        row_dual=row_dual,
        columns=columns,
        rounds=rounds,
        highs=h,
        sifted=sifted,
        working=working,
        highs_basis=h.getBasis() if optimal else None,
    )


def _first_counts(model: AggregateModel) -> np.ndarray:
    """Per class, its first ``FIRST_COUNTS_PER_CLASS`` count columns (see the module's doc)."""
    ny = model.n_y
    n_pledges = int(model.y_pledge.max()) + 1
    size = model.values[model.starts[:ny] + 1]  # each count's entry in its capacity row
    demand = np.bincount(model.y_pledge, weights=size * model.upper[:ny], minlength=n_pledges)
    places = model.row_upper[len(model.classes) : len(model.classes) + n_pledges]
    pressure = demand / np.maximum(places, 1.0)
    order = np.lexsort((np.arange(ny), pressure[model.y_pledge], -model.cost[:ny], model.y_class))
    return np.sort(order[_rank_in_class(model.y_class[order]) < FIRST_COUNTS_PER_CLASS])


def best_per_class(model: AggregateModel, columns, score, per_class: int) -> np.ndarray:
    """Of the count ``columns`` (ascending), the ``per_class`` of highest ``score`` in each
    class (ties: the first column)."""
    order = np.lexsort((columns, -score, model.y_class[columns]))
    return columns[order[_rank_in_class(model.y_class[columns][order]) < per_class]]


def _rank_in_class(sorted_classes: np.ndarray) -> np.ndarray:
    """For entries sorted by class: each one's place within its class (0 first)."""
    n = len(sorted_classes)
    starts = np.flatnonzero(np.r_[True, sorted_classes[1:] != sorted_classes[:-1]])
    return np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))


def count_profits(model: AggregateModel, row_dual: np.ndarray) -> np.ndarray:
    """Reduced profit ``c - A'y`` of every count column."""
    end = model.starts[model.n_y]
    used = np.bincount(
        model.column_of_entry()[:end],
        weights=model.values[:end] * row_dual[model.index[:end]],
        minlength=model.n_y,
    )
    return model.cost[: model.n_y] - used


def _columns_of(model: AggregateModel, columns: np.ndarray) -> tuple:
    """``columns`` as arguments of ``Highs.addCols`` after their count."""
    part, _ = model.with_counts(columns)
    k = len(columns)
    return (
        part.cost[:k],
        part.lower[:k],
        part.upper[:k],
        int(part.starts[k]),
        part.starts[:k],
        part.index[: part.starts[k]],
        part.values[: part.starts[k]],
    )

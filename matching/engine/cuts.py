"""HiGHS's root cuts on the whole aggregated program: a tighter LP, so smaller margin programs.

Where whole households cannot fill the pledges the way the LP does, and no single pledge's
knapsack shows it (:mod:`.decomposition` then has nothing to price), the LP bound ``D`` can
stay 0.05-0.08 % above the optimum, and the optimum lies so far from ``D``'s margin that the
margin programs around it only reach it once they are most of the model (random shape 129
at 10,000 households: found after 14 s). HiGHS's root cut loop on the whole program (knapsack
covers and mixed-integer roundings of one pledge's rows, and of pledges' rows combined
through the class rows) closes most of that gap: on 50 instances of 10,000 households the
LP with its cuts is at most 0.0065 % above the optimum (0.0005 % on average), and around it a
margin program of a sixth of the counts holds the optimum (random 129: found in 0.9 s,
proven in 2 s).

HiGHS runs here without presolve, so that its cuts are in the program's own columns, and is
stopped as soon as it hands over its cut pool at the end of the root's cut loop (0.1-1 s on
small programs, 2-10 s on the largest at 10,000 households). Its cuts hold for every
placement worth more than the best HiGHS has found by then, plus its feasibility tolerance
(``Root.cutoff``: it derives them from the rows and from bounds it may have tightened by that
placement's value). So the engine takes that placement too, and floors at that value every
bound it proves with the cuts: the bound is then true of the optimum either way. Each
right-hand side is loosened by a millionth (relative), so that a cut HiGHS holds to its
tolerances stays valid. When the root alone proves the optimum, HiGHS ends before handing over
cuts: its placement and bound are given instead.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace

import numpy as np

from .aggregate import AggregateModel
from .highs import checked, is_optimal, make_lp, new_highs, run_within

# HiGHS's heuristics before its root LP (feasibility jump: 0.4 s at 10,000 households) and
# its symmetry detection find nothing the engine needs here. No gap: the root counts as
# solving the program only when it closes the gap entirely; otherwise its cuts are wanted.
ROOT_OPTIONS = {
    "presolve": "off",
    "threads": 1,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_detect_symmetry": False,
    "mip_heuristic_run_rens": False,
    "mip_rel_gap": 0.0,
    "mip_abs_gap": 0.0,
}
LOOSEN = 1e-6
# HiGHS's MIP feasibility tolerance (absolute; its default), and a little more for rounding.
CUTOFF_TOLERANCE = 1e-6


@dataclass(slots=True)
class Cuts:
    """Rows ``sum_j values * x[index] <= upper``, row by row (``starts``, CSR)."""

    starts: np.ndarray
    index: np.ndarray
    values: np.ndarray
    upper: np.ndarray

    def __len__(self) -> int:
        return len(self.upper)

    def row_of_entry(self) -> np.ndarray:
        """The cut of each entry (``index``/``values``)."""
        return np.repeat(np.arange(len(self)), np.diff(self.starts))


@dataclass(slots=True)
class Root:
    """What HiGHS's root on the whole program gave."""

    cuts: Cuts | None  # None when it ended its root without handing them over (solved there)
    solution: np.ndarray | None  # the best placement it found (column values), if any
    solved: bool  # that placement proven optimal
    bound: float  # its proven bound when solved, else inf
    # The cuts hold for every placement worth more than this (the value of ``solution`` plus
    # HiGHS's feasibility tolerance): whatever is proven with them is true of the optimum or
    # of a placement worth at most this, so a bound proven with them is floored here.
    cutoff: float = -math.inf


def root_cuts(
    model: AggregateModel,
    seconds: float | None,
    wait: float | None = None,
    stop: threading.Event | None = None,
) -> Root | None:
    """HiGHS's root on ``model``: its cuts, or the optimum when its root alone proves it (None
    when it got to neither within ``seconds``, was waited for no longer than ``wait``, or
    ``stop`` was set)."""
    h = new_highs(seconds, **ROOT_OPTIONS)
    checked(h.passModel(make_lp(**model.arrays(integer=True))), "the whole program")
    found: list[Cuts] = []
    reported = {}

    def keep_cuts(event) -> None:
        out = event.data_out
        if out.cutpool_num_col != len(model.cost):  # never without presolve; not ours if so
            return
        if math.isfinite(out.mip_primal_bound):  # its best placement's value (maximised)
            reported["cutoff"] = out.mip_primal_bound + CUTOFF_TOLERANCE * (
                1.0 + 1e-3 * abs(out.mip_primal_bound)
            )
        # Copies: the arrays belong to HiGHS's callback data, which the next callback reuses.
        n = out.cutpool_num_cut
        starts = np.array(out.cutpool_start, dtype=np.int64)[: n + 1]
        if len(starts) < n + 1:
            starts = np.append(starts, len(out.cutpool_index))
        upper = np.array(out.cutpool_upper, dtype=np.float64)[:n]
        found.append(
            Cuts(
                starts=starts,
                index=np.array(out.cutpool_index, dtype=np.int64)[: starts[-1]],
                values=np.array(out.cutpool_value, dtype=np.float64)[: starts[-1]],
                upper=upper + LOOSEN * np.maximum(1.0, np.abs(upper)),
            )
        )

    def keep_solution(event) -> None:
        reported["x"] = np.array(event.data_out.mip_solution, dtype=np.float64)

    def interrupt(event) -> None:  # HiGHS asks between phases
        # Past its root (should it ever leave the root without handing over its cuts, its
        # branching is not what is waited for).
        if found or event.data_out.mip_node_count > 0 or (stop is not None and stop.is_set()):
            event.data_in.user_interrupt = True

    h.cbMipGetCutPool.subscribe(keep_cuts)
    h.cbMipImprovingSolution.subscribe(keep_solution)
    h.cbMipInterrupt.subscribe(interrupt)
    if not run_within(h, wait):
        return None
    if found:
        cuts = trusted(found[0], len(model.cost))
        return Root(cuts, reported.get("x"), False, math.inf, reported.get("cutoff", -math.inf))
    if is_optimal(h) and "x" in reported:  # the root closed the gap before its cut loop ended
        return Root(None, reported["x"], True, h.getInfo().mip_dual_bound)
    return None


def trusted(cuts: Cuts, n_columns: int) -> Cuts:
    """The cuts without those that hold anything not finite or name a column the program does
    not have (a cut is an upper bound on its row): left out rather than trusted."""
    entry_ok = np.isfinite(cuts.values) & (cuts.index >= 0) & (cuts.index < n_columns)
    row_of_entry = cuts.row_of_entry()
    broken = np.bincount(row_of_entry[~entry_ok], minlength=len(cuts)) > 0
    rows = np.isfinite(cuts.upper) & ~broken
    if rows.all():
        return cuts
    entries = np.repeat(rows, np.diff(cuts.starts))
    return replace(
        cuts,
        starts=np.concatenate([[0], np.cumsum(np.diff(cuts.starts)[rows])]),
        index=cuts.index[entries],
        values=cuts.values[entries],
        upper=cuts.upper[rows],
    )


def with_cuts(model: AggregateModel, cuts: Cuts) -> AggregateModel:
    """``model`` with the cuts as rows after its own (each column's entries stay ordered by
    row, so a column's first entry is still its class row)."""
    n = len(cuts)
    rows = model.n_rows + cuts.row_of_entry()
    all_columns = np.concatenate([model.column_of_entry(), cuts.index])
    all_rows = np.concatenate([model.index, rows])
    order = np.lexsort((all_rows, all_columns))
    counts = np.bincount(all_columns, minlength=len(model.cost))
    return model.replaced(
        row_lower=np.concatenate([model.row_lower, np.full(n, -np.inf)]),
        row_upper=np.concatenate([model.row_upper, cuts.upper]),
        starts=np.concatenate([[0], np.cumsum(counts)]).astype(np.int32),
        index=all_rows[order].astype(np.int32),
        values=np.concatenate([model.values, cuts.values])[order],
        n_rows=model.n_rows + n,
    )

"""The aggregated program with its knapsack pledges as whole packings: a search around ``L``.

Where whole households cannot fill a pledge the way the LP does (:mod:`.decomposition`), the
aggregated program's LP is loose on that pledge, and HiGHS spends seconds of root cuts on a
margin program before its heuristics find anything (at 10,000 households on many small
pledges: 2-3 s). Column generation has by then found, for each such pledge, a few dozen whole
packings (class counts that fit its capacity and quotas). In the *master program* each of
those pledges takes exactly one of its known packings (a binary column per packing, at most
one per pledge) instead of free counts, while every other pledge keeps its counts: its LP
relaxation is column generation's master, whose value is ``L``, so HiGHS starts from a
bound a few thousandths of a percent above the optimum rather than a few hundredths.

It is a search, not a proof: a packing column generation did not find is not in it. It is
restricted around ``L``'s prices like a margin program (:func:`.solver.restrict`): a count or
level whose reduced profit is beyond ``tau`` is held where ``L`` puts it, and a packing that
gives up more than ``tau`` against its pledge's best one is left out (:meth:`Master.bounds`); the incumbent's own
packings are always in it, so the incumbent is a feasible start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .aggregate import AggregateModel
from .decomposition import PledgeColumns, Tightened, knapsack_term


@dataclass(slots=True)
class Master:
    """The master program: ``model``'s columns (the knapsack pledges' counts held at zero),
    then one binary column per packing; its rows, then one row per knapsack pledge (at most
    one packing)."""

    model: AggregateModel
    base: AggregateModel  # the aggregated program it was built from
    pledge_columns: list[np.ndarray]  # per packing: the y columns of its pledge
    packing_counts: list[np.ndarray]  # per packing: households per column of its pledge
    packing_loss: np.ndarray  # per packing: what it gives up against its pledge's best packing
    knapsack_columns: np.ndarray  # the y columns of the knapsack pledges (held at zero)

    def vector(self, x: np.ndarray) -> np.ndarray:
        """The master's column vector for the aggregated program's vector ``x``, whose packing
        of every knapsack pledge must be one of the master's."""
        out = np.zeros(len(self.model.cost))
        base_columns = len(self.base.cost)
        out[:base_columns] = x
        out[self.knapsack_columns] = 0.0
        for k, (columns, counts) in enumerate(
            zip(self.pledge_columns, self.packing_counts, strict=True)
        ):
            if np.array_equal(np.rint(x[columns]), counts):
                out[base_columns + k] = 1.0
        return out

    def counts(self, x: np.ndarray) -> np.ndarray:
        """The aggregated program's counts for a solution ``x`` of the master."""
        n_y = self.base.n_y
        y = np.maximum(np.rint(x[:n_y]).astype(np.int64), 0)
        chosen = np.flatnonzero(np.rint(x[len(self.base.cost) :]) >= 1)
        for k in chosen.tolist():
            y[self.pledge_columns[k]] += self.packing_counts[k]
        return y

    def bounds(self, lower: np.ndarray, upper: np.ndarray, tau: float):
        """The master's column bounds from the aggregated program's ``lower``/``upper`` (a
        restriction around ``L``'s prices, :func:`.solver.restrict`): the knapsack pledges'
        counts held at zero, and their packings that give up more than ``tau`` left out."""
        upper = upper.copy()
        upper[self.knapsack_columns] = 0.0
        kept = (self.packing_loss <= tau).astype(np.float64)
        return np.concatenate([lower, np.zeros(len(kept))]), np.concatenate([upper, kept])


def master_program(
    model: AggregateModel,
    pledges: list[PledgeColumns],
    tight: Tightened,
    incumbent_y: np.ndarray,
) -> Master:
    """The master program over column generation's packings (``tight.packings``) and the
    incumbent's own packing of each knapsack pledge (counts ``incumbent_y``)."""
    mu = tight.prices[: len(model.classes)]
    columns, counts, losses, costs = [], [], [], []
    entry_rows, entry_values = [], []
    knapsack = tight.knapsack_pledges
    for row_offset, j in enumerate(knapsack):
        p = pledges[j]
        best, _ = knapsack_term(model, p, mu)
        profit = p.bonus - mu[p.classes]
        seen = set()
        for packing in [*tight.packings.get(j, []), incumbent_y[p.columns].astype(np.int64)]:
            key = packing.tobytes()
            if key in seen or not packing.any():
                continue
            seen.add(key)
            taken = np.flatnonzero(packing > 0)
            columns.append(p.columns)
            counts.append(packing)
            losses.append(max(0.0, best - float(np.dot(packing, profit))))
            costs.append(float(np.dot(packing[taken], p.bonus[taken])))
            entry_rows.append(np.append(p.classes[taken], model.n_rows + row_offset))
            entry_values.append(np.append(packing[taken].astype(np.float64), 1.0))
    n_packings = len(counts)
    starts = np.concatenate(
        [model.starts, model.starts[-1] + np.cumsum([len(r) for r in entry_rows], dtype=np.int64)]
    )
    extended = model.replaced(
        cost=np.concatenate([model.cost, costs]),
        lower=np.concatenate([model.lower, np.zeros(n_packings)]),
        upper=np.concatenate([model.upper, np.ones(n_packings)]),
        integrality=np.concatenate([model.integrality, np.ones(n_packings)]).astype(np.int32),
        row_lower=np.concatenate([model.row_lower, np.full(len(knapsack), -np.inf)]),
        row_upper=np.concatenate([model.row_upper, np.ones(len(knapsack))]),
        starts=starts.astype(np.int32),
        index=np.concatenate([model.index, *entry_rows]).astype(np.int32),
        values=np.concatenate([model.values, *entry_values]),
        n_rows=model.n_rows + len(knapsack),
    )
    held = np.concatenate([pledges[j].columns for j in knapsack]) if knapsack else np.array([], int)
    return Master(extended, model, columns, counts, np.array(losses), held.astype(np.int64))

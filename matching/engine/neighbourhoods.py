"""Small integer programs around the incumbent: searches for better solutions, not bounds.

Each gives column bounds for the aggregated program (:mod:`.aggregate`) inside a margin
restriction (``lower``/``upper`` from :func:`.solver.restrict`); the solver widens them to
hold the incumbent and solves them exactly. The rounding and disagreement neighbourhoods are
searched on every solve; the pledge blocks only when the time left under a limit is too short
for the next margin program (the solve then ends ``feasible``, cut short by the clock).
"""

from __future__ import annotations

import numpy as np

from .aggregate import AggregateModel, row_activity


def rounding_neighbourhood(model: AggregateModel, point: np.ndarray, lower, upper):
    """RENS: every integer column held at the floor or the ceiling of its value in ``point``
    (an LP solution). The LP leaves all but a few hundred counts integral, so the program is
    tiny, and it rounds the fractional ones jointly where the dive rounded them one by one."""
    integer = model.integrality.astype(bool)
    lower = np.where(integer, np.maximum(lower, np.floor(point + 1e-6)), lower)
    upper = np.where(integer, np.minimum(upper, np.ceil(point - 1e-6)), upper)
    return lower, np.maximum(upper, lower)


def disagreement_neighbourhood(model: AggregateModel, point: np.ndarray, incumbent, lower, upper):
    """Every count column of a class on which the ``incumbent`` and the LP ``point`` disagree
    left as ``lower``/``upper`` allow; every other count held at the incumbent's. The classes
    the rounding moved are few (50-150 at 10,000 households), but each may now go to any pledge
    its margin allows, which is where the dive's and the exchange's choices are undone."""
    y = slice(0, model.n_y)
    disputed = np.zeros(len(model.classes), dtype=bool)
    disputed[model.y_class[np.abs(incumbent[y] - point[y]) > 1e-6]] = True
    return _hold_counts(model, ~disputed[model.y_class], incumbent, lower, upper)


def pledge_losses(model: AggregateModel, prices, reduced, incumbent, n_pledges: int) -> np.ndarray:
    """Per pledge: what the ``incumbent`` (a full column vector) gives up there against the
    bound ``D`` of ``prices`` (whose reduced profits are ``reduced``): the places its capacity
    and quotas leave unused, at their price, and each of its counts' distance from where ``D``
    puts it, at ``|reduced profit|``. Summed over the pledges, with the same sum over the
    levels, this is ``D`` minus the incumbent's value (see :func:`.solver.dual_bound`), so the
    pledges that lose most are where a better solution has the most to gain."""
    y = slice(0, model.n_y)
    counts = slice(0, model.starts[model.n_y])  # the count columns' matrix entries
    rows, columns = model.index[counts], model.column_of_entry()[counts]
    coupling = rows >= len(model.classes)  # capacity and quota rows
    row_pledge = np.full(model.n_rows, n_pledges)  # the class rows: no pledge's
    row_pledge[rows[coupling]] = model.y_pledge[columns[coupling]]
    unused = (model.row_upper - row_activity(model, incumbent)) * prices[: model.n_rows]
    away = np.where(reduced[y] > 0, model.upper[y] - incumbent[y], incumbent[y] - model.lower[y])
    loss = np.bincount(row_pledge, weights=unused, minlength=n_pledges + 1)[:n_pledges]
    return loss + np.bincount(model.y_pledge, weights=np.abs(reduced[y]) * away, minlength=n_pledges)


def pledge_blocks(model: AggregateModel, free: np.ndarray, loss: np.ndarray, budget: int):
    """Sets of pledges that compete for the same households, each with at most ``budget``
    free count columns (``free``: per column, free in the margin restriction), each pledge
    starting one block at most.

    A block starts from the pledge with the highest ``loss`` (:func:`pledge_losses`) not yet
    in a block, among those with free columns, and takes in turn the pledge sharing the most
    classes with it (a family both could take), while the budget allows. Within a block
    households may move between its pledges and out of or into placement; every other pledge
    keeps the incumbent's households. Started where the incumbent loses most rather than from
    the pledges with the most free columns, 88 of our 90 instances met the targets at 3 s
    against 84, and 14 of the 21 outside ones against 12 (same sitting; docs/benchmarks.md).
    """
    n_pledges = len(loss)
    y_free = free[: model.n_y]
    pledge_of = model.y_pledge[y_free]
    per_pledge = np.bincount(pledge_of, minlength=n_pledges)
    shares = np.zeros((len(model.classes), n_pledges), dtype=np.int64)
    shares[model.y_class[y_free], pledge_of] = 1
    affinity = shares.T @ shares  # classes two pledges can both take
    blocks: list[list[int]] = []
    taken = per_pledge == 0  # a pledge with nothing free starts no block
    for seed in np.argsort(-loss, kind="stable").tolist():
        if taken[seed]:
            continue
        block, size = [seed], int(per_pledge[seed])
        taken[seed] = True
        while True:
            score = affinity[block].sum(axis=0)
            score[block] = -1
            q = int(np.argmax(score))
            if score[q] <= 0 or size + per_pledge[q] > budget:
                break
            block.append(q)
            size += int(per_pledge[q])
            taken[q] = True
        blocks.append(block)
    return blocks


def block_bounds(model: AggregateModel, block: list[int], incumbent: np.ndarray, lower, upper):
    """Bounds freeing, within ``lower``/``upper``, only the count columns of ``block``'s
    pledges; every other count column held at the ``incumbent``'s value."""
    return _hold_counts(model, ~np.isin(model.y_pledge, block), incumbent, lower, upper)


def _hold_counts(model: AggregateModel, held: np.ndarray, incumbent, lower, upper):
    """``lower``/``upper`` with the count columns marked in ``held`` fixed at the incumbent's."""
    fixed = np.zeros(len(lower), dtype=bool)
    fixed[: model.n_y] = held
    return np.where(fixed, incumbent, lower), np.where(fixed, incumbent, upper)

"""Greedy baseline: the way placement is done by hand or by spreadsheet.

Households are taken in priority order (households with vulnerable members first, then the
longest waiting, then by id) and each goes to the eligible pledge where it scores most among
those that still have room for the whole household. It is fast and always feasible, but it
never revisits a choice, so a large family placed early can block two better ones later.
The exact solver uses :func:`top_up` to complete rounded solutions.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .model import UNPLACED, Prepared, Room, household_arrays

FILL_BLOCK = 1024  # households whose fitting pledges are read at once (see :func:`fill`)


def priority_order(prep: Prepared) -> list[int]:
    households = prep.instance.households
    return sorted(
        range(len(households)),
        key=lambda i: (
            households[i].vulnerable_members == 0,
            -households[i].waiting_days,
            households[i].id,
        ),
    )


def greedy(prep: Prepared) -> list[int]:
    """Assignment (pledge index or -1 per household) chosen greedily in priority order."""
    assignment = [UNPLACED] * len(prep.instance.households)
    fill(prep, assignment, Room(prep.instance), priority_order(prep))
    return assignment


def fill(
    prep: Prepared,
    assignment: list[int],
    room: Room,
    order: Iterable[int],
    fitting: np.ndarray | None = None,
) -> None:
    """Place each unplaced household of ``order`` in its best pledge that still has room.

    ``room`` must already account for the households placed in ``assignment``; ``fitting``
    is ``room.fitting(prep)`` when the caller has it already.
    Ties between pledges go to the one with more places left, then to the lower index.
    """
    # Places only get fewer: a pledge without room for a household now never has any, so
    # each household looks only at the pledges that fit it now (after rounding most pledges
    # are full: 10,000 households with 600 small pledges visited 3 million eligible pairs).
    # Those are read for a block of households at a time: from an empty room nearly every
    # eligible pair fits (12 million at 40,000 households with 600 pledges), and one household
    # at a time made the numpy calls cost more than the loop.
    if fitting is None:
        fitting = room.fitting(prep)
    value_at = household_arrays(prep).value
    households = prep.instance.households
    capacity, quota = room.capacity, room.quota
    pending = [i for i in order if assignment[i] == UNPLACED]
    for begin in range(0, len(pending), FILL_BLOCK):
        block = pending[begin : begin + FILL_BLOCK]
        rows, columns = np.nonzero(fitting[block])  # by household, pledges ascending
        values = value_at[np.asarray(block, dtype=np.int64)[rows], columns].tolist()
        starts = np.searchsorted(rows, np.arange(len(block) + 1)).tolist()
        columns = columns.tolist()
        # Room.fits and the (value, places left, -index) key written out: this loop visits
        # every fitting pledge of every household left out.
        for k, i in enumerate(block):
            size, front = households[i].size, households[i].frontline_state
            best, best_value, best_left = UNPLACED, 0.0, 0
            for m in range(starts[k], starts[k + 1]):
                j, value = columns[m], values[m]
                left = capacity[j]
                if value <= 0 or size > left or (quota[j] and quota[j].get(front, 0) < size):
                    continue
                # Ties go to more places left, then to the lower index (pledges come ascending).
                if best == UNPLACED or value > best_value or (value == best_value and left > best_left):
                    best, best_value, best_left = j, value, left
            if best != UNPLACED:
                assignment[i] = best
                room.take(i, best)


def top_up(prep: Prepared, assignment: list[int], room: Room) -> None:
    """Place the unplaced households that still fit somewhere, the most valuable first (then by
    id), each in its best pledge with room: what rounding and repacking leave behind."""
    households = prep.instance.households
    fitting = room.fitting(prep)
    order = sorted(
        (int(i) for i in np.flatnonzero(fitting.any(axis=1)) if assignment[i] == UNPLACED),
        key=lambda i: (-prep.base[i] - max(prep.bonus[i]), households[i].id),
    )
    fill(prep, assignment, room, order, fitting)

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

from .model import UNPLACED, Prepared, Room


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


def fill(prep: Prepared, assignment: list[int], room: Room, order: Iterable[int]) -> None:
    """Place each unplaced household of ``order`` in its best pledge that still has room.

    ``room`` must already account for the households placed in ``assignment``.
    Ties between pledges go to the one with more places left, then to the lower index.
    """
    # Places only get fewer: a household with no room anywhere now never gets any.
    candidate = room.fits_somewhere(prep)
    households = prep.instance.households
    capacity, quota = room.capacity, room.quota
    # Room.fits and the (value, places left, -index) key written out: this loop visits every
    # eligible pledge of every household left out (1.8 million at 40,000 households with 140
    # pledges, 2 s through the method calls and tuples).
    for i in order:
        if assignment[i] != UNPLACED or not candidate[i]:
            continue
        size, front, base = households[i].size, households[i].frontline_state, prep.base[i]
        best, best_value, best_left = UNPLACED, 0.0, 0
        for j, bonus in zip(prep.eligible[i], prep.bonus[i], strict=True):
            value = base + bonus
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
    order = sorted(
        (int(i) for i in np.flatnonzero(room.fits_somewhere(prep)) if assignment[i] == UNPLACED),
        key=lambda i: (-prep.base[i] - max(prep.bonus[i]), households[i].id),
    )
    fill(prep, assignment, room, order)

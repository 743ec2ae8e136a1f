"""Exact repacking of one pledge at a time: the rounding repair for small pledges.

Rounding the LP down leaves holes in small pledges: a quota of 7 persons holding one family of
4 has 3 places no household of the right size was sent to. :func:`repack` takes one pledge, its
current households and every unplaced household eligible for it, and chooses among them the
set of highest value that fits its capacity and each of its quotas, exactly (the knapsack of
:mod:`.knapsack`, one household per item). The pledge's current households are candidates too, so a pledge never loses value.
Passes over all pledges repeat while they improve anything. :func:`exchange` also lets small
pledges take households placed elsewhere, which the pledges they leave then replace.
"""

from __future__ import annotations

import numpy as np

from .knapsack import pack
from .model import UNPLACED, Prepared, Room

MAX_PLACES = 3000  # pledges (or quotas) larger than this are left to the LP: holes matter little


def eligible_lists(prep: Prepared) -> list[list[int]]:
    """Per pledge: its eligible households, in index order."""
    lists: list[list[int]] = [[] for _ in prep.instance.pledges]
    for i, pledges in enumerate(prep.eligible):
        for j in pledges:
            lists[j].append(i)
    return lists


def repack_all(
    prep: Prepared,
    assignment: list[int],
    eligible_for: list[list[int]],
    passes: int = 3,
    deadline: float | None = None,
) -> bool:
    """Repack every pledge with room left, in index order, until a pass changes nothing."""
    import time

    changed_any = False
    for _ in range(passes):
        room = Room(prep.instance)
        for i, j in enumerate(assignment):
            if j != UNPLACED:
                room.take(i, j)
        changed = False
        for j in range(len(prep.instance.pledges)):
            if deadline is not None and time.perf_counter() > deadline:
                return changed_any or changed
            if not _has_room(prep, room, j, assignment, eligible_for[j]):
                continue
            changed |= repack(prep, assignment, room, j, eligible_for[j])
        changed_any |= changed
        if not changed:
            break
    return changed_any


def _has_room(prep: Prepared, room: Room, j: int, assignment, eligible: list[int]) -> bool:
    if room.capacity[j] <= 0:
        return False
    quota = room.quota[j]
    smallest = min(
        (prep.instance.households[i].size for i in eligible if assignment[i] == UNPLACED),
        default=None,
    )
    if smallest is None or smallest > room.capacity[j]:
        return False
    return not quota or any(v >= smallest for v in quota.values())


def repack(
    prep: Prepared,
    assignment: list[int],
    room: Room,
    j: int,
    eligible: list[int],
    place_price=None,
) -> bool:
    """Best content of pledge ``j`` among its households and the unplaced eligible ones.

    With ``place_price(i, q)``, households placed in other pledges ``q`` are candidates too,
    worth their value here minus their value there plus what ``q`` can get for the places
    they free (its LP price); the caller re-fills those places and keeps the result only if
    it is better. Updates ``assignment`` and ``room``; returns whether anything changed.
    """
    instance = prep.instance
    households = instance.households
    pledge = instance.pledges[j]
    capacity = pledge.capacity
    if capacity > MAX_PLACES:
        return False
    if place_price is None:
        candidates = [i for i in eligible if assignment[i] in (UNPLACED, j)]
    else:
        candidates = list(eligible)
    keys = sorted(pledge.quotas) if pledge.quotas else []
    items, profit, size, group = [], [], [], []
    for i in candidates:
        v = prep.value(i, j)
        q = assignment[i]
        if q != UNPLACED and q != j:  # taken from pledge q, which can re-fill its place
            v -= prep.value(i, q) - place_price(i, q)
        if v <= 0:
            continue
        h = households[i]
        items.append(i)
        profit.append(v)
        size.append(h.size)
        group.append(keys.index(h.frontline_state) if pledge.quotas else -1)
    current = sum(prep.value(i, j) for i in candidates if assignment[i] == j)
    best, counts = pack(
        np.array(profit, dtype=np.float64),
        np.array(size, dtype=np.int64),
        np.ones(len(items), dtype=np.int64),
        np.array(group, dtype=np.int64),
        [min(capacity, pledge.quotas[key]) for key in keys],
        capacity,
    )
    if best <= current + 1e-9:
        return False
    chosen = [items[k] for k in np.flatnonzero(counts)]
    for i in candidates:
        if assignment[i] == j:
            room.give_back(i, j)
            assignment[i] = UNPLACED
    for i in chosen:
        if assignment[i] != UNPLACED:
            room.give_back(i, assignment[i])
        assignment[i] = j
        room.take(i, j)
    return True


def exchange(
    prep: Prepared,
    assignment: list[int],
    eligible_for: list[list[int]],
    place_price,
    deadline: float | None = None,
    limit: int = 200,
) -> list[int]:
    """One exchange pass: each pledge of at most ``limit`` places is repacked from all its
    eligible households (those placed elsewhere at their exchange value, see :func:`repack`),
    then every pledge with room is repacked and the rest filled greedily. Returns a new
    assignment (feasible; the caller compares values)."""
    from .greedy import fill

    instance = prep.instance
    households = instance.households
    trial = list(assignment)
    room = _room_of(instance, trial)
    for j, p in enumerate(instance.pledges):
        if p.capacity <= limit:
            repack(prep, trial, room, j, eligible_for[j], place_price)
    repack_all(prep, trial, eligible_for, deadline=deadline)
    order = sorted(
        (i for i in range(len(trial)) if trial[i] == UNPLACED and prep.eligible[i]),
        key=lambda i: (-prep.base[i] - max(prep.bonus[i]), households[i].id),
    )
    fill(prep, trial, _room_of(instance, trial), order)
    return trial


def _room_of(instance, assignment: list[int]) -> Room:
    room = Room(instance)
    for i, j in enumerate(assignment):
        if j != UNPLACED:
            room.take(i, j)
    return room

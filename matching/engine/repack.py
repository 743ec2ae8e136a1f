"""Exact repacking of one pledge at a time: the rounding repair for small pledges.

Rounding the LP down leaves holes in small pledges: a quota of 7 persons holding one family of
4 has 3 places no household of the right size was sent to. :func:`repack` takes one pledge, its
current households and every unplaced household eligible for it, and chooses among them the
set of highest value that fits its capacity and each of its quotas, exactly (the knapsack of
:mod:`.knapsack`, one household per item). The pledge's current households are candidates too,
so a pledge never loses value in a repack. A large pledge is repacked over a window: only its
least valuable households and its places left are packed afresh.
Passes over all pledges repeat while they improve anything. :func:`exchange` also lets small
pledges, and large ones with places left, take households placed elsewhere, which the pledges
they leave then replace.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .greedy import top_up
from .knapsack import pack
from .model import UNPLACED, Prepared, Room, household_arrays

# A pledge of more places than this is repacked over a window only: its least valuable
# households (per person) of at least WINDOW_PERSONS persons, and its places left, are packed
# afresh from those households and the unplaced eligible ones (in an exchange, those placed
# elsewhere too: :func:`exchange`); the rest stay. Its households are what the LP chose at its
# prices, so the holes and the few households worth less than their places are what a repack
# can improve, and an exact packing of all its places (a table of thousands of persons per
# household) took most of the exchange's time.
WINDOW_FROM = 200
WINDOW_PERSONS = 40
# Passes over the pledges, at most, until one changes nothing.
REPACK_PASSES = 3


@dataclass(slots=True)
class PledgeCandidates:
    """The households eligible for one pledge, as arrays (built once per solve)."""

    households: np.ndarray  # household indices, ascending
    value: np.ndarray  # each one's value at this pledge
    size: np.ndarray
    group: np.ndarray  # its quota group (index into ``limits``), -1 without quotas
    limits: list[int]  # per quota group: places it may take


def eligible_lists(prep: Prepared) -> list[PledgeCandidates]:
    """Per pledge: its eligible households, in index order, with their values there."""
    a = household_arrays(prep)
    out = []
    for j, pledge in enumerate(prep.instance.pledges):
        households = np.flatnonzero(a.eligible[:, j])
        keys = sorted(pledge.quotas)
        group = np.full(len(households), -1, dtype=np.int64)
        if keys:  # every eligible household's state has a quota here (eligibility checks it)
            state_group = np.full(len(a.states), -1, dtype=np.int64)
            for g, key in enumerate(keys):
                if key in a.states:
                    state_group[a.states[key]] = g
            group = state_group[a.front[households]]
        limits = [min(pledge.capacity, pledge.quotas[key]) for key in keys]
        out.append(PledgeCandidates(households, a.value[households, j], a.size[households], group, limits))
    return out


class _Placement:
    """A working copy of an assignment: each household's pledge, the places left, and (for
    exchanges) what each placed household is worth where it is, net of its places' price.

    ``stale`` marks the pledges a repack may improve: all at first, then those that lost a
    household or had one they are eligible for become unplaced. A pledge not marked has
    lost no places and gained no candidates since its last repack left it unchanged, so
    repacking it again would leave it unchanged too."""

    def __init__(self, prep: Prepared, assignment: list[int], place_price=None):
        self.prep = prep
        self.place_price = place_price
        self.pledge = np.array(assignment, dtype=np.int64)
        self.room = Room(prep.instance)
        self.net = np.zeros(len(assignment))  # value here minus the price of the places freed
        self.eligible = household_arrays(prep).eligible
        self.stale = np.ones(len(prep.instance.pledges), dtype=bool)
        for i, j in enumerate(assignment):
            if j != UNPLACED:
                self.room.take(i, j)
                self.net[i] = self._net(i, j)

    def _net(self, i: int, j: int) -> float:
        if self.place_price is None:
            return 0.0
        return self.prep.value(i, j) - self.place_price(i, j)

    def move(self, i: int, j: int) -> None:
        old = int(self.pledge[i])
        if old != UNPLACED:
            self.room.give_back(i, old)
            self.stale[old] = True
        self.pledge[i] = j
        if j == UNPLACED:
            self.stale |= self.eligible[i]
        if j != UNPLACED:
            self.room.take(i, j)
            self.net[i] = self._net(i, j)

    def places_left(self, j: int) -> bool:
        """Whether pledge ``j`` has a place free in its capacity and, when it has quotas, in at
        least one of them (whether some household fits there is not checked)."""
        quota = self.room.quota[j]
        return self.room.capacity[j] > 0 and (not quota or any(v > 0 for v in quota.values()))

    def has_room(self, j: int, candidates: PledgeCandidates) -> bool:
        if self.room.capacity[j] <= 0:
            return False
        unplaced = self.pledge[candidates.households] == UNPLACED
        if not unplaced.any():
            return False
        smallest = int(candidates.size[unplaced].min())
        if smallest > self.room.capacity[j]:
            return False
        quota = self.room.quota[j]
        return not quota or any(v >= smallest for v in quota.values())


def repack_all(
    prep: Prepared,
    assignment: list[int],
    eligible_for: list[PledgeCandidates],
    passes: int = REPACK_PASSES,
    deadline: float | None = None,
) -> bool:
    """Repack every pledge with room left, in index order, until a pass changes nothing."""
    state = _Placement(prep, assignment)
    changed = _repack_stale(state, eligible_for, passes, deadline)
    assignment[:] = state.pledge.tolist()
    return changed


def _repack_stale(state: _Placement, eligible_for, passes: int, deadline: float | None) -> bool:
    """Passes of :func:`repack` over the pledges marked stale (see :class:`_Placement`), in
    index order, until a pass changes nothing."""
    changed_any = False
    for _ in range(passes):
        changed = False
        for j in range(len(eligible_for)):
            if deadline is not None and time.perf_counter() > deadline:
                break
            if not state.stale[j]:  # marks set earlier in this pass count too
                continue
            state.stale[j] = False
            if state.has_room(j, eligible_for[j]) and repack(state, j, eligible_for[j]):
                # Repacked again next pass, as a large pledge's window has moved.
                state.stale[j] = changed = True
        changed_any |= changed
        if not changed:
            break
    return changed_any


def repack(state: _Placement, j: int, candidates: PledgeCandidates, from_others: bool = False) -> bool:
    """Best content of pledge ``j`` among its households and the unplaced eligible ones.

    With ``from_others`` (the placement then knows its ``place_price``), households placed in
    other pledges ``q`` are candidates too, worth their value here minus their value there plus
    what ``q`` can get for the places they free (its LP price); the caller re-fills those places
    and keeps the result only if it is better. A large pledge is repacked over a window only
    (see :data:`WINDOW_FROM`). Updates ``state``; returns whether it changed.
    """
    pledge = state.prep.instance.pledges[j]
    households = candidates.households
    where = state.pledge[households]
    own = where == j
    unplaced = where == UNPLACED
    usable = np.ones(len(households), dtype=bool) if from_others else own | unplaced
    capacity, limits = pledge.capacity, candidates.limits
    if capacity > WINDOW_FROM:
        released = _least_valuable(candidates, own)
        usable &= released | ~own
        room = state.room
        capacity = room.capacity[j] + int(candidates.size[released].sum())
        keys = sorted(pledge.quotas)
        limits = [
            min(capacity, room.quota[j][key] + int(candidates.size[released & (candidates.group == g)].sum()))
            for g, key in enumerate(keys)
        ]
        own = released
    profit = candidates.value.copy()
    elsewhere = usable & ~own & ~unplaced
    profit[elsewhere] -= state.net[households[elsewhere]]  # taken from q, which re-fills
    usable &= profit > 0
    current = float(candidates.value[own].sum())
    best, counts = pack(
        profit[usable],
        candidates.size[usable],
        np.ones(int(usable.sum()), dtype=np.int64),
        candidates.group[usable],
        limits,
        capacity,
    )
    if best <= current + 1e-9:
        return False
    for i in households[own]:
        state.move(int(i), UNPLACED)
    for i in households[usable][counts > 0]:
        state.move(int(i), j)
    return True


def _least_valuable(candidates: PledgeCandidates, own: np.ndarray) -> np.ndarray:
    """The pledge's households of least value per person: in each quota group (the holes may
    be in any), at least WINDOW_PERSONS persons."""
    released = np.zeros(len(own), dtype=bool)
    for g in np.unique(candidates.group[own]):
        mine = np.flatnonzero(own & (candidates.group == g))
        per_person = candidates.value[mine] / candidates.size[mine]
        order = mine[np.lexsort((mine, per_person))]
        persons = np.cumsum(candidates.size[order])
        released[order[: int(np.searchsorted(persons, WINDOW_PERSONS)) + 1]] = True
    return released


def exchange(
    prep: Prepared,
    assignment: list[int],
    eligible_for: list[PledgeCandidates],
    place_price,
    deadline: float | None = None,
    limit: int = 200,
) -> list[int]:
    """One exchange pass: each pledge of at most ``limit`` places, and each larger one with
    places left, is repacked from all its eligible households (those placed elsewhere at their
    exchange value, see :func:`repack`; a pledge of more than :data:`WINDOW_FROM` places over
    its window), then the pledges it touched that have room are repacked from the unplaced
    and the rest filled greedily. Past ``deadline`` no further pledge takes households from
    others (nor is repacked); what was moved is still filled greedily. Returns a new
    assignment (feasible; the caller compares values).

    A large pledge's places left are often a quota that only households already placed
    elsewhere can fill: the LP fills it with fractions of them, and repacking from the
    unplaced ones cannot (family-reunification 13 of the third outside set, 10,000
    households: two places of a 27-place quota of an 838-place pledge, at 21 per person,
    were most of what its 3 s placement lacked; docs/benchmarks.md).
    """
    instance = prep.instance
    state = _Placement(prep, assignment, place_price)
    # ``assignment`` comes out of repacking: only what the exchanges touch is repacked again.
    state.stale[:] = False
    for j, p in enumerate(instance.pledges):
        if deadline is not None and time.perf_counter() > deadline:
            break  # what was exchanged so far is still repacked and filled below
        if p.capacity <= limit or state.places_left(j):
            repack(state, j, eligible_for[j], from_others=True)
    _repack_stale(state, eligible_for, REPACK_PASSES, deadline)
    trial = state.pledge.tolist()
    top_up(prep, trial, _room_of(instance, trial))
    return trial


def _room_of(instance, assignment: list[int]) -> Room:
    room = Room(instance)
    for i, j in enumerate(assignment):
        if j != UNPLACED:
            room.take(i, j)
    return room

"""Numbers the algorithms share: eligibility, values and remaining capacity.

Households and pledges are referred to by their index in the instance.
``assignment[i]`` is the index of household ``i``'s pledge, or ``-1`` when unplaced.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import chain

import numpy as np

from .eligibility import eligible_pledges, failed_criteria
from .instance import Instance
from .scoring import base_value, tie_bonus

UNPLACED = -1


@dataclass(slots=True)
class Prepared:
    instance: Instance
    eligible: list[tuple[int, ...]]  # per household: eligible pledge indices, ascending
    base: list[float]  # per household: value without the pledge-dependent ties
    bonus: list[tuple[float, ...]]  # per household: tie bonus for each eligible pledge
    arrays: HouseholdArrays | None = None  # built on first use by household_arrays()

    def value(self, i: int, j: int) -> float:
        k = self.eligible[i].index(j)
        return self.base[i] + self.bonus[i][k]


@dataclass(slots=True)
class HouseholdArrays:
    """The households as arrays, for checks over all of them at once."""

    size: np.ndarray  # persons per household
    front: np.ndarray  # index of the household's frontline state in ``states``
    states: dict[str, int]
    eligible: np.ndarray  # households x pledges: whether the household meets the criteria
    value: np.ndarray  # households x pledges: the household's value there (0 where not eligible)


def household_arrays(prep: Prepared) -> HouseholdArrays:
    if prep.arrays is None:
        households = prep.instance.households
        states = {s: k for k, s in enumerate(sorted({h.frontline_state for h in households}))}
        # Households with the same eligible pledges share one tuple of them
        # (:func:`.eligibility.eligible_pledges`): one row is built per tuple, then spread
        # (10,000 households with 600 pledges: 3 million pairs read one by one before).
        row_of: dict[int, int] = {}
        rows: list[tuple[int, ...]] = []
        which = np.empty(len(households), dtype=np.int64)
        for i, pledges in enumerate(prep.eligible):
            k = row_of.get(id(pledges))
            if k is None:
                k = row_of[id(pledges)] = len(rows)
                rows.append(pledges)
            which[i] = k
        lengths = np.fromiter(map(len, rows), np.int64, len(rows))
        distinct = np.zeros((len(rows), len(prep.instance.pledges)), dtype=bool)
        distinct[
            np.repeat(np.arange(len(rows)), lengths),
            np.fromiter(chain.from_iterable(rows), np.int64, int(lengths.sum())),
        ] = True
        eligible = distinct[which]
        value = np.where(eligible, np.asarray(prep.base, dtype=np.float64)[:, None], 0.0)
        tied = [i for i, h in enumerate(households) if h.family_ties or h.cultural_ties]
        lengths = np.fromiter((len(prep.eligible[i]) for i in tied), np.int64, len(tied))
        pairs = int(lengths.sum())  # only households with ties have a bonus
        value[
            np.repeat(np.asarray(tied, dtype=np.int64), lengths),
            np.fromiter(chain.from_iterable(prep.eligible[i] for i in tied), np.int64, pairs),
        ] += np.fromiter(chain.from_iterable(prep.bonus[i] for i in tied), np.float64, pairs)
        prep.arrays = HouseholdArrays(
            size=np.array([h.size for h in households], dtype=np.int64),
            front=np.array([states[h.frontline_state] for h in households], dtype=np.int64),
            states=states,
            eligible=eligible,
            value=value,
        )
    return prep.arrays


def prepare(instance: Instance) -> Prepared:
    instance = within_persons(instance)
    eligible = eligible_pledges(instance)
    w = instance.weights
    pledges = instance.pledges
    base = [base_value(h, w) for h in instance.households]
    # A household's bonus at a pledge depends only on the pledging state, and households with
    # the same eligible pledges share one tuple of them (:func:`.eligibility.eligible_pledges`),
    # so their states are read once per tuple (by its identity: hashing it would cost more),
    # and the few states a household has ties to are priced once per household.
    bonus, states_of, no_ties = [], {}, {}
    for h, pledge_indices in zip(instance.households, eligible, strict=True):
        key = id(pledge_indices)
        if h.family_ties or h.cultural_ties:
            states = states_of.get(key)
            if states is None:
                states = states_of[key] = [pledges[j].state for j in pledge_indices]
            tied = {s: tie_bonus(h, s, w) for s in h.family_ties | h.cultural_ties}
            bonus.append(tuple([tied.get(s, 0.0) for s in states]))
        else:
            zeros = no_ties.get(key)
            if zeros is None:
                zeros = no_ties[key] = (0.0,) * len(pledge_indices)
            bonus.append(zeros)
    return Prepared(instance=instance, eligible=eligible, base=base, bonus=bonus)


def within_persons(instance: Instance) -> Instance:
    """``instance`` with no capacity or quota above the persons of all its households.

    A pledge can never take more persons than there are, so the placements allowed are the
    same; but its places are counted in arrays and bitsets as long as its capacity, and a
    pledge of a billion places (or "unlimited" written as 10**20) must not make them that
    long. The instance itself where nothing is above (the usual case)."""
    persons = sum(h.size for h in instance.households)
    if all(
        p.capacity <= persons and all(q <= persons for q in p.quotas.values())
        for p in instance.pledges
    ):
        return instance
    pledges = tuple(
        replace(
            p,
            capacity=min(p.capacity, persons),
            quotas={state: min(q, persons) for state, q in p.quotas.items()},
        )
        for p in instance.pledges
    )
    return replace(instance, pledges=pledges)


class Room:
    """Remaining places per pledge and per (pledge, frontline state) quota."""

    def __init__(self, instance: Instance):
        self.instance = instance
        self.capacity = [p.capacity for p in instance.pledges]
        self.quota = [dict(p.quotas) for p in instance.pledges]

    def fits(self, i: int, j: int) -> bool:
        h = self.instance.households[i]
        if h.size > self.capacity[j]:
            return False
        quota = self.quota[j]
        return not quota or quota.get(h.frontline_state, 0) >= h.size

    def take(self, i: int, j: int) -> None:
        h = self.instance.households[i]
        self.capacity[j] -= h.size
        if self.quota[j]:
            self.quota[j][h.frontline_state] -= h.size

    def give_back(self, i: int, j: int) -> None:
        h = self.instance.households[i]
        self.capacity[j] += h.size
        if self.quota[j]:
            self.quota[j][h.frontline_state] += h.size

    def fitting(self, prep: Prepared) -> np.ndarray:
        """Households x pledges: whether the household meets the pledge's criteria and the
        pledge has room for it now (places, and its quota for the household's state)."""
        a = household_arrays(prep)
        limit = np.array(self.capacity, dtype=np.float64)[:, None].repeat(len(a.states), axis=1)
        for j, quota in enumerate(self.quota):
            if quota:  # a state without a quota here has no places here
                limit[j] = np.minimum(limit[j], 0)
                for state, left in quota.items():
                    if state in a.states:
                        limit[j, a.states[state]] = min(self.capacity[j], left)
        return a.eligible & (a.size[:, None] <= limit[:, a.front].T)


def feasibility_violations(instance: Instance, assignment: list[int]) -> list[str]:
    """Everything that makes ``assignment`` infeasible (eligibility, capacity, quotas)."""
    problems = []
    used = [0] * len(instance.pledges)
    used_quota: list[dict[str, int]] = [{} for _ in instance.pledges]
    for i, j in enumerate(assignment):
        if j == UNPLACED:
            continue
        h, p = instance.households[i], instance.pledges[j]
        failed = failed_criteria(h, p)
        if failed:
            problems.append(f"{h.id} is not eligible for {p.id}: {', '.join(failed)}")
        used[j] += h.size
        used_quota[j][h.frontline_state] = used_quota[j].get(h.frontline_state, 0) + h.size
    for j, p in enumerate(instance.pledges):
        if used[j] > p.capacity:
            problems.append(f"{p.id} holds {used[j]} persons, capacity {p.capacity}")
        if p.quotas:
            for state, n in used_quota[j].items():
                if n > p.quotas.get(state, 0):
                    problems.append(
                        f"{p.id} holds {n} persons from {state}, quota {p.quotas.get(state, 0)}"
                    )
    return problems

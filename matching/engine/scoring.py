"""The contract's objective: the value of assigning a household to a pledge, and its parts."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import fields, replace

from .instance import Household, Instance, Pledge, Weights

# The engine's tolerances are absolute (HiGHS's feasibility and optimality tolerances of
# 1e-7-1e-6, its own on prices, reduced profits and margins), and were chosen where a person
# is worth one to a few dozen: on the 104 outside files a household's value per person, each
# term taken at its size, averages 1.2-23. Weights a million times smaller put whole values
# under those tolerances: a 300-household instance with the default weights times 1e-6 had a
# bound 0.005 % below its optimum, and its solve without a limit did not end in 10 minutes.
# Where the average lies outside this range the engine solves the instance with its weights
# multiplied by a power of two that brings it to 1-2, which changes every value and sum
# exactly (no rounding), and divides the bound by it (:func:`usual_scale`).
USUAL_VALUE_PER_PERSON = (0.25, 64.0)
# Each weight multiplied stays this far inside the doubles' range (2^-1022 to 2^1024), with
# room for the sizes, counts and waiting times it is multiplied by: every product stays exact.
NORMAL_WEIGHTS = (2.0**-900, 2.0**900)


def score_parts(h: Household, p: Pledge, w: Weights) -> dict[str, float]:
    """The five terms of ``value(h, p)``, named as a caseworker would read them."""
    return {
        "persons": h.size * w.person,
        "vulnerable_members": h.vulnerable_members * w.vulnerable_member,
        "family_tie": h.size * w.family_tie if p.state in h.family_ties else 0.0,
        "cultural_tie": h.size * w.cultural_tie if p.state in h.cultural_ties else 0.0,
        "waiting_time": h.size * w.waiting_month * h.waiting_days / 30,
    }


def value(h: Household, p: Pledge, w: Weights) -> float:
    return math.fsum(score_parts(h, p, w).values())


def base_value(h: Household, w: Weights) -> float:
    """The pledge-independent part of ``value``: persons, vulnerable members, waiting time."""
    return math.fsum(
        (
            h.size * w.person,
            h.vulnerable_members * w.vulnerable_member,
            h.size * w.waiting_month * h.waiting_days / 30,
        )
    )


def tie_bonus(h: Household, state: str, w: Weights) -> float:
    """The pledge-dependent part of ``value`` at a pledge of ``state``: family and cultural
    ties to the pledging state (nothing else of the pledge counts)."""
    bonus = 0.0
    if state in h.family_ties:
        bonus += h.size * w.family_tie
    if state in h.cultural_ties:
        bonus += h.size * w.cultural_tie
    return bonus


def total(values: Iterable[float]) -> float:
    return math.fsum(values)


def usual_scale(instance: Instance) -> float:
    """The power of two the weights are multiplied by for solving (see
    ``USUAL_VALUE_PER_PERSON``): 1.0 where a household's value per person averages inside that
    range, where there is nothing to scale (no household, no weight), or where a weight would
    leave the doubles' normal range (a weight no household's value uses, zero waiting times
    under a weight of 1e305, say: multiplied, it could become infinite, or lose digits)."""
    households = instance.households
    w = instance.weights
    per_person = math.fsum(
        abs(w.person)
        + abs(w.vulnerable_member) * h.vulnerable_members / h.size
        + abs(w.waiting_month) * h.waiting_days / 30
        + (abs(w.family_tie) if h.family_ties else 0.0)
        + (abs(w.cultural_tie) if h.cultural_ties else 0.0)
        for h in households
    ) / max(1, len(households))
    low, high = USUAL_VALUE_PER_PERSON
    if per_person == 0.0 or not math.isfinite(per_person) or low <= per_person < high:
        return 1.0
    # Within the exponents a double holds, so that the factor itself is finite.
    factor = math.ldexp(1.0, max(-1000, min(1000, -math.floor(math.log2(per_person)))))
    for weight in (abs(getattr(w, f.name)) for f in fields(Weights)):
        if weight and not NORMAL_WEIGHTS[0] <= weight * factor <= NORMAL_WEIGHTS[1]:
            return 1.0
    return factor


def scaled(instance: Instance, factor: float) -> Instance:
    """``instance`` with every weight multiplied by ``factor`` (itself when it is 1)."""
    if factor == 1.0:
        return instance
    w = instance.weights
    return replace(
        instance,
        weights=replace(w, **{f.name: getattr(w, f.name) * factor for f in fields(Weights)}),
    )

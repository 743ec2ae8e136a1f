"""The contract's objective: the value of assigning a household to a pledge, and its parts."""

from __future__ import annotations

import math
from collections.abc import Iterable

from .instance import Household, Pledge, Weights


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

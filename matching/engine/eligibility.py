"""The seven eligibility rules of the contract, each on its own, and their combination.

A household may go to a pledge only if every rule holds. :func:`failed_criteria` names the
rules that fail, which is what the explanations show a caseworker.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

import numpy as np

from .instance import Household, Instance, Pledge


def nationality_ok(h: Household, p: Pledge) -> bool:
    """Rule 1: the pledge takes any nationality, or this household's."""
    allowed = p.criteria.nationalities
    return not allowed or h.nationality in allowed


def composition_ok(h: Household, p: Pledge) -> bool:
    """Rule 2: the pledge takes any composition, or this household's."""
    allowed = p.criteria.compositions
    return not allowed or h.composition in allowed


def size_ok(h: Household, p: Pledge) -> bool:
    """Rule 3: the household is not larger than the pledge's maximum household size."""
    limit = p.criteria.max_household_size
    return limit is None or h.size <= limit


def vulnerabilities_ok(h: Household, p: Pledge) -> bool:
    """Rule 4: the household has none of the vulnerabilities the pledge excludes."""
    return h.vulnerabilities.isdisjoint(p.criteria.excluded_vulnerabilities)


def language_ok(h: Household, p: Pledge) -> bool:
    """Rule 5: the pledge asks for no language, or the household speaks one it asks for."""
    wanted = p.criteria.languages
    return not wanted or not h.languages.isdisjoint(wanted)


def state_not_excluded(h: Household, p: Pledge) -> bool:
    """Rule 6: the pledging state is not excluded for this household (e.g. it rejected it)."""
    return p.state not in h.excluded_states


def frontline_state_ok(h: Household, p: Pledge) -> bool:
    """Rule 7: the pledge has no quotas, or a quota for the household's frontline state."""
    return not p.quotas or h.frontline_state in p.quotas


# Names are the words the explanations use; order is the contract's. Each rule reads one part
# of a household (the third item), which lets :func:`eligible_pledges` evaluate it once per
# distinct value of that part instead of once per household.
RULES: tuple[tuple[str, Callable[[Household, Pledge], bool], str], ...] = (
    ("nationality", nationality_ok, "nationality"),
    ("composition", composition_ok, "composition"),
    ("max_household_size", size_ok, "size"),
    ("excluded_vulnerabilities", vulnerabilities_ok, "vulnerabilities"),
    ("languages", language_ok, "languages"),
    ("excluded_states", state_not_excluded, "excluded_states"),
    ("frontline_state_quota", frontline_state_ok, "frontline_state"),
)


def is_eligible(h: Household, p: Pledge) -> bool:
    return all(rule(h, p) for _, rule, _ in RULES)


def failed_criteria(h: Household, p: Pledge) -> list[str]:
    """Names of the rules that keep ``h`` out of ``p`` (empty when eligible)."""
    return [name for name, rule, _ in RULES if not rule(h, p)]


def eligible_pledges(instance: Instance) -> list[tuple[int, ...]]:
    """For each household (in instance order), the indices of the pledges it may go to.

    Households are many, while each rule reads one part of a household that takes few values
    (a few nationalities, sizes, sets of languages): each rule is evaluated for each pledge once
    per distinct value, on a household that has it, and the answers are spread over all.
    """
    households = instance.households
    n, pledges = len(households), instance.pledges
    if n == 0:
        return []
    eligible = np.ones((n, len(pledges)), dtype=bool)
    for _, rule, part in RULES:
        representatives: list[Household] = []  # the first household with each value
        which = np.fromiter(_value_numbers(households, part, representatives), np.int64, n)
        holds = np.array([[rule(h, p) for p in pledges] for h in representatives], dtype=bool)
        eligible &= holds[which]
    # Households with the same row share one tuple.
    rows: dict[bytes, tuple[int, ...]] = {}
    packed = np.packbits(eligible, axis=1)
    result = []
    for i in range(n):
        key = packed[i].tobytes()
        found = rows.get(key)
        if found is None:
            found = rows[key] = tuple(np.flatnonzero(eligible[i]).tolist())
        result.append(found)
    return result


def _value_numbers(households, part: str, representatives: list[Household]):
    """For each household, the number of its value of ``part`` (0 for the first value seen,
    and so on); the first household with each value is appended to ``representatives``."""
    numbers: dict = {}
    read = attrgetter(part)
    for h in households:
        value = read(h)
        number = numbers.get(value)
        if number is None:
            number = numbers[value] = len(representatives)
            representatives.append(h)
        yield number

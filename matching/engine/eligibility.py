"""The seven eligibility rules of the contract, each on its own, and their combination.

A household may go to a pledge only if every rule holds. :func:`failed_criteria` names the
rules that fail, which is what the explanations show a caseworker.
"""

from __future__ import annotations

from collections.abc import Callable

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


# Names are the words the explanations use; order is the contract's.
RULES: tuple[tuple[str, Callable[[Household, Pledge], bool]], ...] = (
    ("nationality", nationality_ok),
    ("composition", composition_ok),
    ("max_household_size", size_ok),
    ("excluded_vulnerabilities", vulnerabilities_ok),
    ("languages", language_ok),
    ("excluded_states", state_not_excluded),
    ("frontline_state_quota", frontline_state_ok),
)


def is_eligible(h: Household, p: Pledge) -> bool:
    return all(rule(h, p) for _, rule in RULES)


def failed_criteria(h: Household, p: Pledge) -> list[str]:
    """Names of the rules that keep ``h`` out of ``p`` (empty when eligible)."""
    return [name for name, rule in RULES if not rule(h, p)]


def eligible_pledges(instance: Instance) -> list[tuple[int, ...]]:
    """For each household (in instance order), the indices of the pledges it may go to.

    Households are many and pledges few, so the rules are evaluated once per *profile*: the
    part of a household that any pledge's criteria can see. Two households with the same
    profile are eligible for exactly the same pledges.
    """
    pledges = instance.pledges
    nationalities = _union(p.criteria.nationalities for p in pledges)
    excluded_vulns = _union(p.criteria.excluded_vulnerabilities for p in pledges)
    languages = _union(p.criteria.languages for p in pledges)
    states = frozenset(p.state for p in pledges)
    cache: dict[tuple, tuple[int, ...]] = {}
    result = []
    for h in instance.households:
        key = (
            h.nationality if h.nationality in nationalities else None,
            h.composition,
            h.size,
            h.vulnerabilities & excluded_vulns,
            h.languages & languages,
            h.excluded_states & states,
            h.frontline_state,
        )
        found = cache.get(key)
        if found is None:
            found = tuple(j for j, p in enumerate(pledges) if is_eligible(h, p))
            cache[key] = found
        result.append(found)
    return result


def _union(sets) -> frozenset[str]:
    out: set[str] = set()
    for s in sets:
        out |= s
    return frozenset(out)

"""Households grouped into interchangeable classes.

Two households are interchangeable when they have the same size, the same eligible pledges,
the same tie bonus at each of those pledges and (when one of those pledges has quotas) the same
frontline state: any feasible assignment stays feasible, and changes value only by the
difference of their pledge-independent ``base`` values, if the two swap places. So within a
class only the *number* of households sent to each pledge matters, and for a given total ``k``
the best choice is always the ``k`` households with the highest base value. That turns tens of
thousands of binary variables into a few thousand integer counts plus a concave, piecewise
linear gain per class, which is what makes the integer program small.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .model import Prepared


@dataclass(slots=True)
class HouseholdClass:
    size: int
    frontline_state: str  # "" when none of its pledges has quotas
    pledges: tuple[int, ...]
    bonus: tuple[float, ...]  # tie bonus (whole household) per pledge in ``pledges``
    members: list[int]  # household indices, best base value first, then by id
    levels: list[tuple[float, int]]  # (base value, how many members have it), descending


def build_classes(
    prep: Prepared, households_subset: Iterable[int] | None = None
) -> list[HouseholdClass]:
    """Classes of all households (or of ``households_subset``) with at least one pledge."""
    instance = prep.instance
    households = instance.households
    has_quotas = [bool(p.quotas) for p in instance.pledges]
    with_quotas: dict[int, bool] = {}  # by the identity of a shared tuple of eligible pledges
    groups: dict[tuple, list[int]] = {}
    subset = range(len(households)) if households_subset is None else households_subset
    for i in subset:
        h = households[i]
        pledges = prep.eligible[i]
        if not pledges:
            continue
        quotas = with_quotas.get(id(pledges))
        if quotas is None:
            quotas = with_quotas[id(pledges)] = any(has_quotas[j] for j in pledges)
        front = h.frontline_state if quotas else ""
        key = (h.size, front, pledges, prep.bonus[i])
        groups.setdefault(key, []).append(i)

    base = prep.base
    classes = []
    for (size, front, pledges, bonus), members in groups.items():
        members.sort(key=lambda i: (-base[i], households[i].id))
        levels: list[tuple[float, int]] = []
        for i in members:
            if levels and levels[-1][0] == base[i]:
                levels[-1] = (base[i], levels[-1][1] + 1)
            else:
                levels.append((base[i], 1))
        classes.append(HouseholdClass(size, front, pledges, bonus, members, levels))
    # A stable order independent of dict internals: by first member.
    classes.sort(key=lambda c: c.members[0])
    return classes

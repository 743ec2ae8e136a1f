"""The result in the contract's ``relocation-matching-result/1`` format.

The objective is always recomputed here, from the assignments and the contract's formula,
whatever the solver believed it was.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from .instance import Instance
from .model import UNPLACED
from .scoring import value

RESULT_FORMAT = "relocation-matching-result/1"
OPTIMAL_GAP = 1e-6  # the contract's "optimal": proven within this relative gap


@dataclass(frozen=True, slots=True)
class Result:
    status: str  # "optimal" or "feasible"
    objective: float
    bound: float
    solve_seconds: float
    assignments: tuple[tuple[str, str], ...]  # (household id, pledge id), by household id
    method: str = "exact"

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound)

    def assignment_map(self) -> dict[str, str]:
        return dict(self.assignments)

    def to_dict(self) -> dict:
        """Exactly the contract's keys."""
        return {
            "format": RESULT_FORMAT,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "solve_seconds": round(self.solve_seconds, 3),
            "assignments": [{"household": h, "pledge": p} for h, p in self.assignments],
        }


def relative_gap(objective: float, bound: float) -> float:
    """(bound - objective) relative to the objective; 0 when both are 0."""
    diff = max(0.0, bound - objective)
    if diff == 0.0:
        return 0.0
    return diff / max(abs(objective), 1e-9)


def objective_of(instance: Instance, assignments: Iterable[tuple[str, str]]) -> float:
    """The contract's objective for (household id, pledge id) pairs."""
    households = instance.household_by_id()
    pledges = instance.pledge_by_id()
    w = instance.weights
    return math.fsum(value(households[h], pledges[p], w) for h, p in assignments)


def build_result(
    instance: Instance,
    assignment: list[int],
    *,
    bound: float,
    seconds: float,
    method: str = "exact",
) -> Result:
    pairs = sorted(
        (instance.households[i].id, instance.pledges[j].id)
        for i, j in enumerate(assignment)
        if j != UNPLACED
    )
    objective = objective_of(instance, pairs)
    bound = max(bound, objective)  # an achieved value is never above a valid bound
    status = "optimal" if relative_gap(objective, bound) <= OPTIMAL_GAP else "feasible"
    return Result(
        status=status,
        objective=objective,
        bound=bound,
        solve_seconds=seconds,
        assignments=tuple(pairs),
        method=method,
    )

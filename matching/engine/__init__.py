"""Matching engine: provably optimal placement of households into relocation pledges.

Plain Python (numpy and HiGHS through highspy); nothing here imports Django or another app.
The input and output follow ``relocation-matching/1`` (see docs/matching-engine.md)::

    from matching.engine import load_instance, solve, explain
    instance = load_instance("instance.json")     # raises InstanceError, one readable line
    result = solve(instance, time_limit=30)       # Result: status, objective, bound, ...
    result.to_dict()                              # the contract's result document
    explain(instance, result)                     # score parts; why each household is out
"""

from __future__ import annotations

import time

from .explain import explain
from .greedy import greedy
from .instance import Instance, InstanceError, load_instance, parse_instance, parse_instance_text
from .model import feasibility_violations, prepare
from .result import Result, build_result
from .scoring import scaled, usual_scale
from .solver import solve_exact, trivial_bound

__all__ = [
    "Instance",
    "InstanceError",
    "Result",
    "explain",
    "load_instance",
    "parse_instance",
    "parse_instance_text",
    "solve",
    "solve_greedy",
]


def solve(
    instance: Instance, time_limit: float | None = None, started: float | None = None
) -> Result:
    """The best placement, with the bound that proves how good it is.

    ``time_limit`` (seconds, None for none) stops the search early; the result is then
    ``feasible`` with an honest bound, unless the optimum was already proven. It counts from
    ``started`` (a ``time.perf_counter()`` reading; None: now), so that a caller who read the
    instance first can count that time in (the command line does, from its process's start).
    """
    begun = time.perf_counter()
    # Solved at the scale of values the engine's tolerances were chosen for; the bound is
    # divided back (exactly: a power of two), the objective counted with the given weights.
    factor = usual_scale(instance)
    prep = prepare(scaled(instance, factor))
    # The limit covers the whole solve, preparation included; what the solver chooses to do
    # depends on the limit given, never on how long preparing took (see solver.solve_exact).
    outcome = solve_exact(prep, time_limit, started=begun if started is None else started)
    _check(instance, outcome.assignment)
    return build_result(
        instance,
        outcome.assignment,
        bound=outcome.bound / factor,
        seconds=time.perf_counter() - begun,
    )


def solve_greedy(instance: Instance) -> Result:
    """The greedy baseline (vulnerable first, then longest waiting), with a weak bound."""
    started = time.perf_counter()
    prep = prepare(instance)
    assignment = greedy(prep)
    _check(instance, assignment)
    return build_result(
        instance,
        assignment,
        bound=trivial_bound(prep),
        seconds=time.perf_counter() - started,
        method="greedy",
    )


def _check(instance: Instance, assignment: list[int]) -> None:
    problems = feasibility_violations(instance, assignment)
    if problems:  # a bug, never bad input: fail loudly rather than return a wrong placement
        raise AssertionError(f"infeasible assignment ({len(problems)}): {problems[0]}")

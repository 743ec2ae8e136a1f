"""Small builders for engine tests: instance dicts with sensible defaults, a solved LP."""

from __future__ import annotations

import copy
from typing import Any

from matching.engine.aggregate import build_aggregate
from matching.engine.classes import build_classes
from matching.engine.highs import is_optimal, make_lp, new_highs
from matching.engine.model import prepare


def household(hid: str = "H-1", **fields: Any) -> dict[str, Any]:
    data = {
        "id": hid,
        "frontline_state": "GR",
        "size": 1,
        "vulnerable_members": 0,
        "nationality": "AF",
        "composition": "single_man",
        "vulnerabilities": [],
        "languages": ["fa"],
        "family_ties": [],
        "cultural_ties": [],
        "waiting_days": 0,
        "excluded_states": [],
    }
    data.update(fields)
    return data


def pledge(pid: str = "P-1", **fields: Any) -> dict[str, Any]:
    data = {"id": pid, "state": "DE", "capacity": 10, "quotas": {}, "criteria": {}}
    data.update(fields)
    return data


def instance(households=None, pledges=None, weights=None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": "relocation-matching/1",
        "households": copy.deepcopy(households if households is not None else [household()]),
        "pledges": copy.deepcopy(pledges if pledges is not None else [pledge()]),
    }
    if weights is not None:
        data["weights"] = weights
    return data


def solved_lp(inst):
    """The instance prepared, its classes, its aggregated program and HiGHS with that
    program's LP relaxation solved (its prices and basis ready to read)."""
    prep = prepare(inst)
    classes = build_classes(prep)
    model = build_aggregate(inst, classes)
    h = new_highs(presolve="off")
    h.passModel(make_lp(**model.arrays()))
    h.run()
    return prep, classes, model, h


def lp_value(model) -> float:
    """The optimum of ``model``'s LP relaxation, solved whole."""
    h = new_highs(presolve="off")
    h.passModel(make_lp(**model.arrays()))
    h.run()
    assert is_optimal(h)
    return h.getInfo().objective_function_value

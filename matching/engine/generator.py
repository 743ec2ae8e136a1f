"""Realistic random instances for tests and benchmarks (seedable, plain ``random``).

The shapes follow the 2022-2024 Voluntary Solidarity Mechanism: five frontline states with
very different shares, a handful of main nationalities, mostly single adults and families of
three to eight, about a third of households with some vulnerability, some family and cultural
ties to pledging states, national criteria on nationality / composition / size /
vulnerabilities / language, per-frontline-state quotas on about half of the pledges, and total
pledged places covering about half of the candidates' persons.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

from .instance import DEFAULT_WEIGHTS, FORMAT

FRONTLINE_SHARES = {"GR": 0.36, "IT": 0.26, "ES": 0.18, "CY": 0.12, "MT": 0.08}

# nationality: (weight, languages spoken, usual cultural-tie states)
NATIONALITIES = {
    "AF": (0.20, ["fa", "ps"], ["DE"]),
    "SY": (0.18, ["ar", "ku"], ["DE", "NL"]),
    "ER": (0.07, ["ti", "ar"], ["DE", "CH"]),
    "SD": (0.06, ["ar"], ["FR"]),
    "SO": (0.05, ["so"], ["NO", "FI"]),
    "IQ": (0.06, ["ar", "ku"], ["DE", "FI"]),
    "YE": (0.03, ["ar"], ["FR"]),
    "PK": (0.05, ["ur", "pa"], ["PT", "IE"]),
    "BD": (0.05, ["bn"], ["PT", "IE"]),
    "NG": (0.05, ["en", "yo"], ["IE"]),
    "CD": (0.04, ["fr", "ln"], ["BE", "FR"]),
    "CM": (0.03, ["fr", "en"], ["FR", "BE"]),
    "GN": (0.03, ["fr"], ["FR", "BE"]),
    "TR": (0.04, ["tr", "ku"], ["DE", "NL"]),
    "PS": (0.03, ["ar"], ["DE"]),
    "XX": (0.03, ["ar"], []),
}

# composition: weight
COMPOSITION_SHARES = {
    "single_man": 0.36,
    "single_woman": 0.09,
    "couple": 0.09,
    "family_with_children": 0.30,
    "single_parent": 0.11,
    "unaccompanied_minor": 0.05,
}

# pledging state: relative weight of its pledged places (roughly the 2022 declaration)
PLEDGING_STATES = {
    "DE": 0.35,
    "FR": 0.3,
    "PT": 0.04,
    "LU": 0.02,
    "IE": 0.03,
    "BE": 0.03,
    "NL": 0.03,
    "LT": 0.01,
    "RO": 0.02,
    "BG": 0.02,
    "HR": 0.01,
    "CH": 0.04,
    "NO": 0.03,
    "FI": 0.02,
    "SI": 0.01,
    "LI": 0.01,
}

OTHER_VULNERABILITIES = [
    ("disability", 0.04),
    ("elderly", 0.04),
    ("pregnant", 0.04),
    ("trafficking_victim", 0.03),
    ("serious_illness", 0.05),
    ("mental_disorder", 0.08),
    ("torture_or_violence_victim", 0.07),
    ("gender_based_violence_victim", 0.04),
    ("lgbtiq", 0.02),
]


@dataclass(frozen=True, slots=True)
class Shape:
    """How an instance is drawn; the defaults give the realistic mix described above.

    ``small_pledges``: share of pledges that are small (``small_capacity`` places, always with
    per-frontline-state quotas), the rest sharing the remaining places. ``quota_share``: chance
    that an ordinary pledge has quotas. ``strictness``: multiplies the chance of each national
    criterion (0 = no criteria; 3 = nearly every pledge restricts everything).
    ``frontline_shares``: overrides :data:`FRONTLINE_SHARES` (e.g. ``{"GR": 1}``).
    ``family_scale``: multiplies the mean number of children (large families).
    """

    n_pledges: int = 20
    coverage: float = 0.5
    small_pledges: float = 0.0
    small_capacity: tuple[int, int] = (5, 50)
    quota_share: float = 0.5
    strictness: float = 1.0
    frontline_shares: dict[str, float] | None = None
    family_scale: float = 1.0


# Named shapes used by the benchmark and the tests (reviewers can pass their own).
SHAPES: dict[str, dict[str, Any]] = {
    "standard": {},
    "small-pledges": {"n_pledges": 40, "small_pledges": 0.6, "small_capacity": (5, 50)},
    "strict": {"strictness": 2.5, "coverage": 0.4},
    "few-big": {"n_pledges": 3, "quota_share": 0.0},
    "one-front": {"frontline_shares": {"GR": 1.0}},
    "large-families": {"family_scale": 3.0},
    "scarce": {"coverage": 0.15},
    "plenty": {"coverage": 1.5},
}


def generate_instance(
    n_households: int,
    *,
    seed: int = 0,
    n_pledges: int | None = None,
    coverage: float = 0.5,
    weights: dict[str, float] | None = None,
    shape: Shape | dict[str, Any] | str | None = None,
) -> dict[str, Any]:
    """A JSON-ready instance dict with ``n_households`` households.

    ``coverage`` is the ratio of pledged places to candidates' persons. ``shape`` (a
    :class:`Shape`, its fields as a dict, or a name in :data:`SHAPES`) varies the mix;
    ``n_pledges`` and ``coverage`` given here override the shape's.
    """
    if isinstance(shape, str):
        shape = SHAPES[shape]
    if shape is None or isinstance(shape, dict):
        shape = Shape(**(shape or {}))
    if n_pledges is not None:
        shape = replace(shape, n_pledges=n_pledges)
    if coverage != 0.5:
        shape = replace(shape, coverage=coverage)
    rng = random.Random(seed)
    states = list(PLEDGING_STATES)
    fronts = shape.frontline_shares or FRONTLINE_SHARES
    households = [
        _household(rng, i, states, fronts, shape.family_scale) for i in range(n_households)
    ]
    persons = sum(h["size"] for h in households)
    pledges = _pledges(rng, shape, max(1, round(persons * shape.coverage)), list(fronts))
    return {
        "format": FORMAT,
        "weights": dict(weights or DEFAULT_WEIGHTS),
        "households": households,
        "pledges": pledges,
    }


def _pick(rng: random.Random, shares: dict) -> str:
    keys = list(shares)
    values = [v[0] if isinstance(v, tuple) else v for v in shares.values()]
    return rng.choices(keys, weights=values)[0]


def _household(
    rng: random.Random, i: int, states: list[str], fronts: dict[str, float], family_scale: float
) -> dict[str, Any]:
    frontline = _pick(rng, fronts)
    nationality = _pick(rng, NATIONALITIES)
    _, spoken, culture = NATIONALITIES[nationality]
    composition = _pick(rng, COMPOSITION_SHARES)
    vulnerabilities: set[str] = set()
    if composition in ("single_man", "single_woman", "unaccompanied_minor"):
        size = 1
    elif composition == "couple":
        size = 2
    elif composition == "single_parent":
        size = 2 + min(4 * round(family_scale), int(rng.expovariate(0.8 / family_scale)))
        vulnerabilities |= {"single_parent", "minor"}
    else:
        size = 3 + min(6 * round(family_scale), int(rng.expovariate(0.55 / family_scale)))
        vulnerabilities.add("minor")
    if composition == "unaccompanied_minor":
        vulnerabilities |= {"unaccompanied_minor", "minor"}
    for word, probability in OTHER_VULNERABILITIES:
        if rng.random() < probability:
            vulnerabilities.add(word)
    if composition == "single_man":
        vulnerabilities.discard("pregnant")
    # Children count as vulnerable members; other vulnerabilities touch one or two people.
    children = 0
    if composition == "family_with_children":
        children = size - 2
    elif composition == "single_parent":
        children = size - 1
    elif composition == "unaccompanied_minor":
        children = 1
    extra = len(vulnerabilities - {"minor", "single_parent", "unaccompanied_minor"})
    vulnerable = min(
        size, children + min(extra, 2) + (1 if "single_parent" in vulnerabilities else 0)
    )
    languages = {spoken[0]}
    if len(spoken) > 1 and rng.random() < 0.5:
        languages.add(spoken[1])
    if rng.random() < 0.3:
        languages.add("en")
    if rng.random() < 0.08:
        languages.add("fr")
    family_ties = []
    if rng.random() < 0.12:
        family_ties.append(rng.choices(states, weights=list(PLEDGING_STATES.values()))[0])
    cultural_ties = []
    if culture and rng.random() < 0.25:
        cultural_ties.append(rng.choice(culture))
    excluded = []
    if rng.random() < 0.04:
        excluded.append(rng.choice(states))
    waiting = int(min(900, rng.expovariate(1 / 180)))
    return {
        "id": f"H-{i + 1:06d}",
        "frontline_state": frontline,
        "size": size,
        "vulnerable_members": vulnerable,
        "nationality": nationality,
        "composition": composition,
        "vulnerabilities": sorted(vulnerabilities),
        "languages": sorted(languages),
        "family_ties": family_ties,
        "cultural_ties": cultural_ties,
        "waiting_days": waiting,
        "excluded_states": excluded,
    }


def _pledges(
    rng: random.Random, shape: Shape, places: int, fronts: list[str]
) -> list[dict[str, Any]]:
    n = shape.n_pledges
    states = list(PLEDGING_STATES)
    weights = list(PLEDGING_STATES.values())
    chosen = states[: min(n, len(states))]
    while len(chosen) < n:
        chosen.append(rng.choices(states, weights=weights)[0])
    raw = [PLEDGING_STATES[s] * rng.uniform(0.5, 1.5) for s in chosen]
    small = [False] * n
    fixed: list[int | None] = [None] * n
    if shape.small_pledges > 0:
        small = [rng.random() < shape.small_pledges for _ in range(n)]
        fixed = [rng.randint(*shape.small_capacity) if s else None for s in small]
        places = max(n, places - sum(c for c in fixed if c))
    total = sum(r for r, s in zip(raw, small, strict=True) if not s) or 1.0
    strict = shape.strictness
    counters: dict[str, int] = {}
    pledges = []
    high_recognition = ["AF", "SY", "ER", "SD", "YE", "SO", "XX", "PS"]
    for k, (state, share) in enumerate(zip(chosen, raw, strict=True)):
        counters[state] = counters.get(state, 0) + 1
        capacity = fixed[k] or max(5, round(places * share / total))
        criteria: dict[str, Any] = {}
        if rng.random() < 0.5 * strict:
            criteria["nationalities"] = sorted(
                rng.sample(high_recognition, rng.randint(2, len(high_recognition)))
            )
        if rng.random() < 0.35 * strict:
            criteria["compositions"] = sorted(
                rng.sample(
                    [
                        "family_with_children",
                        "single_parent",
                        "single_woman",
                        "couple",
                        "unaccompanied_minor",
                        "single_man",
                    ],
                    rng.randint(2, 4),
                )
            )
        if rng.random() < 0.3 * strict:
            criteria["max_household_size"] = rng.randint(4, 7)
        if rng.random() < 0.3 * strict:
            criteria["excluded_vulnerabilities"] = sorted(
                rng.sample(["serious_illness", "mental_disorder", "disability"], rng.randint(1, 2))
            )
        if rng.random() < 0.15 * strict:
            criteria["languages"] = rng.choice([["en"], ["fr"], ["en", "fr"], ["ar", "en"]])
        quotas: dict[str, int] = {}
        if small[k] or rng.random() < shape.quota_share:
            named = rng.sample(fronts, rng.randint(1, min(4, len(fronts))))
            parts = [rng.uniform(0.3, 1.0) for _ in named]
            scale = rng.uniform(0.9, 1.3) * capacity / sum(parts)
            quotas = {f: max(1, round(part * scale)) for f, part in zip(named, parts, strict=True)}
        pledges.append(
            {
                "id": f"P-{state}-{counters[state]}",
                "state": state,
                "capacity": capacity,
                "quotas": quotas,
                "criteria": criteria,
            }
        )
    return pledges

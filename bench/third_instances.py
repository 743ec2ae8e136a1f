"""Third set of benchmark instances for the relocation matching engine.

This is an outside generator: it was written from the instance contract
(shared/matching-contract.md, format ``relocation-matching/1``) and the domain
notes (shared/domain.md) only, without reading the engine or the other
generators, so the instances are not shaped by what the engine does well.
Standard library only; the output depends only on (seed, households, profile).

The situations come from how the Annual Solidarity Pool of Regulation (EU)
2024/1351 might run, and from what a coordinator meets in practice:

solidarity-pool
    Every EU state except the five frontline states, plus NO, CH, IS and LI,
    pledges 1-3 pledges sized by the Annex I fair share (50 % population, 50 % GDP);
    some of CZ, HU, PL, SK pay instead. Places for about 100 % of persons, so nearly
    everyone could fit, but quotas follow the pledging states' preferences, not arrivals.
single-frontline
    Second round in one frontline state (mostly MT or CY): all households come from it,
    40 % were already rejected by 1-4 states and 1 % are security exclusions (Art. 67(2)).
    Some quotas do not name that state or are used up (0), some pledges are already full.
nationality-restricted
    Most pledges take only 1-3 nationalities (mostly high recognition rates) and many
    insist on a language (fr, en, or the nationality's own with an interpreter). About
    15-20 % of households fit nowhere; pledges for Syrians and Eritreans compete for them.
vulnerable-first
    30-60 % of households have a vulnerable member, vulnerable_member weight 5-20, places
    for 25-50 % of persons, and most pledges exclude serious illness or mental disorder.
family-reunification
    60-85 % of households have family in a pledging state (diaspora: DE, SE, FR, NL, ...),
    family_tie weight 10-30, and the popular destinations pledge less than their share.
unaccompanied-minors
    About 40 % unaccompanied minors (some sibling groups of 2-3) mostly from GR and IT, as
    in the 2020 relocations from Greece; pledges are for minors only, families only, or open.
huge-pledges
    3-6 pledges of thousands of places from large states, all with quotas for 3-5 frontline
    states drawn independently of arrivals; family-heavy households (sizes up to 12).
exact-ties
    Degenerate objective: integer weights with waiting_month 0, every waiting_days equal,
    only about 300 distinct households among 10,000 (sizes 1, 2, 4, 6; 3 nationalities),
    odd capacities and quotas while most sizes are even: many optima of equal value.

Commands (from the repository root):

    python bench/third_instances.py --seed 3 --households 10000 --profile huge-pledges \\
        --out /tmp/huge.json
    python bench/third_instances.py --seed 3 --households 10000 --out /tmp/x.json
    python bench/third_instances.py --set /tmp/third --households 10000 --seeds 16 --stats

Without --profile the profile of seed s is PROFILES[(s - 1) % len(PROFILES)], as in --set,
which writes PROFILE-SEED.json for seeds 1..--seeds (default: one per profile) and prints
each file with its pledge count (--stats adds places, persons, quotas and eligibility).

The set of 16 (``--set DIR --households 10000 --seeds 16``) was first solved on 6 December
2026. The optima of the three not proven within 0.01 % at 3 s are in
``bench/outside_optima.json`` with the other outside sets' (``bench/engine_sweep.py --files
DIR/*.json --optima bench/outside_optima.json``); docs/benchmarks.md has the results. So are
those of eight more, first solved later the same day: seeds 51-58, one per profile in the order
of PROFILES (``--seed S --profile P --households 10000 --out DIR/P-S.json``).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = "relocation-matching/1"
FRONTLINE = ("CY", "ES", "GR", "IT", "MT")

# Population (millions, 2024) and GDP (EUR billion, 2023), rounded: enough for the
# Annex I fair-share key of Regulation (EU) 2024/1351 (50 % population, 50 % GDP).
POP_GDP = {
    "AT": (9.1, 477), "BE": (11.8, 584), "BG": (6.4, 94), "CH": (8.9, 780),
    "CZ": (10.9, 305), "DE": (84.4, 4122), "DK": (5.9, 387), "EE": (1.4, 38),
    "FI": (5.6, 277), "FR": (68.4, 2803), "HR": (3.9, 76), "HU": (9.6, 197),
    "IE": (5.3, 510), "IS": (0.39, 28), "LI": (0.04, 7), "LT": (2.9, 72),
    "LU": (0.67, 80), "LV": (1.9, 40), "NL": (17.9, 1033), "NO": (5.5, 440),
    "PL": (36.6, 750), "PT": (10.6, 266), "RO": (19.1, 324), "SE": (10.5, 541),
    "SI": (2.1, 63), "SK": (5.4, 122),
}
POOL = tuple(sorted(POP_GDP))  # 22 EU states + NO, CH, IS, LI
PAYERS = ("CZ", "HU", "PL", "SK")  # have said they would rather pay than relocate
FRANCOPHONE = ("BE", "CH", "FR", "LU")

# Rough share of arrivals by frontline state (Mediterranean routes, recent years).
ARRIVALS = {"CY": 10, "ES": 20, "GR": 30, "IT": 35, "MT": 5}

# Nationality mix of each frontline state's caseload (XX = stateless).
NATIONALITIES = {
    "CY": {"AF": 10, "BD": 5, "CM": 6, "EG": 4, "IQ": 6, "NG": 12, "PK": 6, "SO": 8, "SY": 35,
           "XX": 3},
    "ES": {"CI": 8, "DZ": 15, "GN": 10, "MA": 25, "ML": 15, "SN": 15, "SY": 3, "XX": 1},
    "GR": {"AF": 18, "BD": 3, "EG": 6, "ER": 5, "IQ": 8, "NG": 3, "PK": 6, "SD": 5, "SO": 8,
           "SY": 20, "XX": 3},
    "IT": {"AF": 2, "BD": 12, "CI": 12, "EG": 10, "ER": 5, "GN": 12, "MA": 3, "NG": 4, "PK": 7,
           "SD": 5, "SO": 3, "SY": 8, "TN": 14, "XX": 1},
    "MT": {"BD": 20, "EG": 10, "ER": 15, "PK": 5, "SD": 20, "SO": 5, "SY": 10, "TN": 5, "XX": 2},
}

# Languages (ISO 639-1) by nationality: (language, probability). The first is always
# spoken if nothing else was drawn.
LANGUAGES = {
    "AF": (("fa", 0.8), ("ps", 0.4), ("en", 0.2), ("ur", 0.05)),
    "BD": (("bn", 1.0), ("en", 0.4)),
    "CI": (("fr", 1.0), ("en", 0.05)),
    "CM": (("fr", 0.8), ("en", 0.4)),
    "DZ": (("ar", 1.0), ("fr", 0.7)),
    "EG": (("ar", 1.0), ("en", 0.3)),
    "ER": (("ti", 1.0), ("ar", 0.3), ("en", 0.3)),
    "GN": (("fr", 0.7), ("ff", 0.5), ("en", 0.05)),
    "IQ": (("ar", 0.8), ("ku", 0.35), ("en", 0.2)),
    "MA": (("ar", 1.0), ("fr", 0.5), ("es", 0.2)),
    "ML": (("bm", 0.8), ("fr", 0.6)),
    "NG": (("en", 1.0), ("yo", 0.3), ("ha", 0.3), ("ig", 0.2)),
    "PK": (("ur", 0.9), ("pa", 0.4), ("en", 0.5), ("ps", 0.1)),
    "SD": (("ar", 1.0), ("en", 0.3)),
    "SN": (("wo", 0.8), ("fr", 0.7)),
    "SO": (("so", 1.0), ("ar", 0.3), ("en", 0.3)),
    "SY": (("ar", 1.0), ("ku", 0.15), ("en", 0.3), ("tr", 0.1)),
    "TN": (("ar", 1.0), ("fr", 0.6)),
    "XX": (("ar", 0.9), ("en", 0.3)),
}
# Some learn the frontline state's language while waiting there.
LOCAL_LANGUAGE = {"CY": ("el", 0.05), "ES": ("es", 0.15), "GR": ("el", 0.05),
                  "IT": ("it", 0.1), "MT": ("en", 0.2)}

# Where relatives of each nationality already live (diaspora). Frontline states appear
# too: a tie there is real but earns nothing, since they do not pledge.
DIASPORA = {
    "AF": {"AT": 4, "BE": 1, "CH": 1, "DE": 8, "FR": 3, "NL": 1, "SE": 3},
    "BD": {"DE": 1, "FR": 2, "IE": 1, "IT": 3, "PT": 2},
    "CI": {"BE": 2, "CH": 1, "FR": 6},
    "CM": {"BE": 3, "CH": 1, "DE": 2, "FR": 4},
    "DZ": {"BE": 1, "ES": 1, "FR": 8},
    "EG": {"AT": 1, "DE": 2, "FR": 2, "IT": 3, "NL": 1},
    "ER": {"CH": 3, "DE": 4, "NL": 3, "NO": 3, "SE": 4},
    "GN": {"BE": 3, "DE": 1, "FR": 5},
    "IQ": {"DE": 4, "DK": 1, "FI": 2, "NL": 2, "SE": 3},
    "MA": {"BE": 3, "DE": 1, "ES": 4, "FR": 5, "IT": 2, "NL": 3},
    "ML": {"ES": 2, "FR": 6},
    "NG": {"BE": 1, "DE": 2, "IE": 3, "IT": 2, "NL": 1},
    "PK": {"BE": 1, "DE": 2, "ES": 2, "FR": 1, "IT": 2, "NO": 1},
    "SD": {"BE": 1, "DE": 2, "FR": 3, "NL": 2, "NO": 1},
    "SN": {"BE": 1, "ES": 3, "FR": 5, "IT": 3},
    "SO": {"DE": 1, "DK": 1, "FI": 3, "IE": 1, "NL": 2, "NO": 3, "SE": 4},
    "SY": {"AT": 3, "BE": 1, "DE": 10, "DK": 1, "FR": 1, "NL": 3, "NO": 1, "SE": 5},
    "TN": {"BE": 1, "DE": 2, "FR": 6, "IT": 3},
    "XX": {"BE": 1, "DE": 3, "DK": 2, "SE": 2},
}
POPULAR = ("AT", "BE", "DE", "FR", "NL", "SE")

# Nationalities with high EU recognition rates, the ones pledging states ask for.
HIGH_RECOGNITION = {"AF": 6, "CM": 1, "ER": 6, "IQ": 2, "ML": 1, "SD": 4, "SO": 3, "SY": 10,
                    "XX": 3}
ALL_NATIONALITIES = tuple(sorted(LANGUAGES))

# National preferences on compositions, as pledging states have stated them.
COMPOSITION_SETS = (
    ("couple", "family_with_children", "single_parent", "single_woman",
     "unaccompanied_minor"),  # no single men
    ("couple", "family_with_children", "single_parent"),
    ("family_with_children", "single_parent"),
    ("single_man", "single_woman", "couple"),  # small flats only
    ("single_parent", "single_woman", "unaccompanied_minor"),
)
EXCLUSION_SETS = (
    ("serious_illness",),
    ("mental_disorder",),
    ("mental_disorder", "serious_illness"),
    ("disability", "mental_disorder", "serious_illness"),
)

BASE_COMPOSITIONS = {"couple": 8, "family_with_children": 30, "single_man": 35,
                     "single_parent": 9, "single_woman": 8, "unaccompanied_minor": 10}

# Per-person chance of each vulnerability (before the profile's multiplier), by role:
# m/f adult man/woman, e elderly relative, c child, u unaccompanied minor.
RATES = {
    "m": (("disability", 0.02), ("serious_illness", 0.03), ("mental_disorder", 0.05),
          ("torture_or_violence_victim", 0.05), ("trafficking_victim", 0.005)),
    "f": (("disability", 0.02), ("serious_illness", 0.03), ("mental_disorder", 0.05),
          ("torture_or_violence_victim", 0.03), ("gender_based_violence_victim", 0.06),
          ("trafficking_victim", 0.02), ("pregnant", 0.08)),
    "e": (("disability", 0.15), ("serious_illness", 0.15), ("mental_disorder", 0.03)),
    "c": (("disability", 0.02), ("serious_illness", 0.02), ("mental_disorder", 0.02)),
    "u": (("mental_disorder", 0.12), ("torture_or_violence_victim", 0.06),
          ("trafficking_victim", 0.03), ("serious_illness", 0.02)),
}


# ---------------------------------------------------------------- small helpers


def pick(rng: random.Random, table: dict[str, float]) -> str:
    """One key drawn with the given weights (keys sorted, so the draw is reproducible)."""
    keys = sorted(table)
    return rng.choices(keys, weights=[table[k] for k in keys])[0]


def pick_some(rng: random.Random, table: dict[str, float], k: int) -> list[str]:
    """k distinct keys drawn with the given weights, returned sorted."""
    left = {key: w for key, w in table.items() if w > 0}
    chosen = []
    while left and len(chosen) < k:
        key = pick(rng, left)
        chosen.append(key)
        del left[key]
    return sorted(chosen)


def jitter(rng: random.Random, table: dict[str, float], sigma: float) -> dict[str, float]:
    """The same weights, each multiplied by a log-normal factor."""
    return {k: table[k] * rng.lognormvariate(0.0, sigma) for k in sorted(table)}


def fair_share(states: list[str]) -> dict[str, float]:
    """Annex I key: half population share, half GDP share, over the given states."""
    pop = sum(POP_GDP[s][0] for s in states)
    gdp = sum(POP_GDP[s][1] for s in states)
    return {s: 0.5 * POP_GDP[s][0] / pop + 0.5 * POP_GDP[s][1] / gdp for s in sorted(states)}


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split an integer total in proportion to weights (largest remainder)."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    norm = sum(weights)
    raw = [total * w / norm for w in weights]
    parts = [math.floor(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def odd(n: int) -> int:
    return n if n % 2 else n + 1


# ---------------------------------------------------------------- households


@dataclass
class Mix:
    """What the caseload of a profile looks like."""

    frontline: dict[str, float] = field(default_factory=lambda: dict(ARRIVALS))
    nationalities: dict[str, float] | None = None  # same mix everywhere, else NATIONALITIES
    compositions: dict[str, float] = field(default_factory=lambda: dict(BASE_COMPOSITIONS))
    vuln: float = 0.6  # multiplier on RATES
    minor_tag: float = 0.15  # chance a family's children are recorded as "minor"
    family_tie: float = 0.2
    max_family_ties: int = 2
    cultural_tie: float = 0.15
    waiting: int | None = None  # every household waited this long, or log-normal if None
    exclusion: float = 0.05  # chance of having been rejected before
    max_excluded: int = 1
    security: float = 0.0  # chance of a security exclusion: every pledging state refuses
    uam_siblings: float = 0.03  # chance an unaccompanied minor comes with siblings
    big_families: bool = False
    templates: bool = False  # exact-ties: no random languages, few sizes


def roles_for(rng: random.Random, comp: str, mix: Mix) -> list[str]:
    if comp == "single_man":
        return ["m"]
    if comp == "single_woman":
        return ["f"]
    if comp == "couple":
        return ["m", "f"]
    if comp == "unaccompanied_minor":
        extra = 0
        if rng.random() < mix.uam_siblings:
            extra = rng.choice((1, 1, 2))
        return ["u"] * (1 + extra)
    if comp == "single_parent":
        parent = "m" if rng.random() < 0.15 else "f"
        kids = int(pick(rng, {"1": 40, "2": 30, "3": 18, "4": 8, "5": 4}))
        return [parent] + ["c"] * kids
    # family_with_children
    if mix.templates:
        return ["m", "f"] + ["c"] * rng.choice((2, 2, 2, 4, 4))
    kids_table = {"1": 25, "2": 30, "3": 22, "4": 12, "5": 6, "6": 3, "7": 2}
    if mix.big_families:
        kids_table.update({"5": 10, "6": 8, "7": 5, "8": 3, "9": 2})
    roles = ["m", "f"] + ["c"] * int(pick(rng, kids_table))
    if rng.random() < (0.15 if mix.big_families else 0.08):
        roles.append("e")  # a grandparent travelling with the family
    return roles


def make_household(rng: random.Random, index: int, frontline: str, mix: Mix,
                   pledgers: list[str]) -> dict:
    comp = pick(rng, mix.compositions)
    nat = pick(rng, mix.nationalities or NATIONALITIES[frontline])
    roles = roles_for(rng, comp, mix)

    # Vulnerabilities are drawn per person; vulnerable_members counts people with any.
    words: set[str] = set()
    vulnerable = 0
    tag_minors = "c" in roles and rng.random() < mix.minor_tag
    single = len(roles) == 1
    for i, role in enumerate(roles):
        mine = set()
        if mix.templates:
            if rng.random() < 0.04:
                mine.add(rng.choice(("disability", "mental_disorder", "serious_illness")))
        else:
            for word, rate in RATES[role]:
                if word == "trafficking_victim" and nat == "NG" and role == "f":
                    rate = 0.15
                if rng.random() < min(0.9, rate * mix.vuln):
                    mine.add(word)
            if single and role in "mf" and rng.random() < min(0.9, 0.03 * mix.vuln):
                mine.add("lgbtiq")
        if role == "e":
            mine.add("elderly")
        if role == "c" and tag_minors:
            mine.add("minor")
        if role == "u":
            mine.add("unaccompanied_minor")
            if rng.random() < 0.5:  # caseworkers differ on also recording "minor"
                mine.add("minor")
        if comp == "single_parent" and i == 0:
            mine.add("single_parent")
        if mine:
            vulnerable += 1
            words |= mine

    if mix.templates:
        langs = {LANGUAGES[nat][0][0]}
    else:
        langs = {lang for lang, p in LANGUAGES[nat] if rng.random() < p}
        local, p = LOCAL_LANGUAGE[frontline]
        if rng.random() < p:
            langs.add(local)
        if not langs:
            langs.add(LANGUAGES[nat][0][0])

    family: list[str] = []
    if rng.random() < mix.family_tie:
        k = 1 if rng.random() < 0.75 else rng.randint(1, mix.max_family_ties)
        family = pick_some(rng, DIASPORA[nat], k)

    cultural: list[str] = []
    if not mix.templates and rng.random() < mix.cultural_tie:
        if "fr" in langs and rng.random() < 0.7:
            cultural = [rng.choice(FRANCOPHONE)]
        elif "en" in langs and rng.random() < 0.4:
            cultural = [rng.choice(("IE", "NL", "SE"))]
        else:  # studied or worked there before
            cultural = [rng.choice(POOL)]

    if mix.waiting is not None:
        waiting = mix.waiting
    else:
        waiting = min(1500, int(rng.lognormvariate(math.log(150), 0.8)))

    excluded: list[str] = []
    if rng.random() < mix.security:
        excluded = list(POOL)
    elif pledgers and rng.random() < mix.exclusion:
        k = min(len(pledgers), rng.randint(1, mix.max_excluded))
        excluded = sorted(rng.sample(pledgers, k))

    return {
        "id": f"H-{index:06d}",
        "frontline_state": frontline,
        "size": len(roles),
        "vulnerable_members": vulnerable,
        "nationality": nat,
        "composition": comp,
        "vulnerabilities": sorted(words),
        "languages": sorted(langs),
        "family_ties": family,
        "cultural_ties": cultural,
        "waiting_days": waiting,
        "excluded_states": excluded,
    }


def make_households(rng: random.Random, n: int, mix: Mix, pledgers: list[str]) -> list[dict]:
    pledgers = sorted(pledgers)
    return [make_household(rng, i + 1, pick(rng, mix.frontline), mix, pledgers)
            for i in range(n)]


def persons(households: list[dict]) -> int:
    return sum(h["size"] for h in households)


# ---------------------------------------------------------------- pledges


def criteria(rng: random.Random, *, compositions: float = 0.0, max_size: float = 0.0,
             exclusions: float = 0.0, nationalities: float = 0.0,
             languages: float = 0.0, state: str = "") -> dict:
    """National criteria. Unused keys are sometimes left out and sometimes written
    empty or null, since the contract allows both."""
    crit: dict = {}
    if rng.random() < compositions:
        crit["compositions"] = list(rng.choice(COMPOSITION_SETS))
    if rng.random() < max_size:
        crit["max_household_size"] = rng.randint(4, 8)
    if rng.random() < exclusions:
        crit["excluded_vulnerabilities"] = list(rng.choice(EXCLUSION_SETS))
    if rng.random() < nationalities:
        crit["nationalities"] = pick_some(rng, HIGH_RECOGNITION, rng.randint(3, 8))
    if rng.random() < languages:
        crit["languages"] = ["fr"] if state in FRANCOPHONE else ["en"]
    if rng.random() < 0.3:
        for key in ("compositions", "excluded_vulnerabilities", "nationalities", "languages"):
            crit.setdefault(key, [])
        crit.setdefault("max_household_size", None)
    return crit


def quotas(rng: random.Random, capacity: int, prefs: dict[str, float], names: list[str],
           ratio: float) -> dict[str, int]:
    """Per-frontline-state quotas that add up to about ratio * capacity, split by the
    pledging state's preferences (not by arrivals)."""
    names = sorted(names)
    parts = apportion(round(capacity * ratio), [prefs[s] for s in names])
    return dict(zip(names, parts, strict=True))


def state_prefs(rng: random.Random) -> dict[str, float]:
    """How much a pledging state wants to help each frontline state."""
    return jitter(rng, ARRIVALS, 0.9)


def pledge(state: str, k: int, capacity: int, quota: dict | None, crit: dict) -> dict:
    p = {"id": f"P-{state}-{k}", "state": state, "capacity": max(0, int(capacity))}
    if quota is not None:
        p["quotas"] = quota
    p["criteria"] = crit
    return p


def standard_pledges(rng: random.Random, states: list[str], total: int, per_state: tuple,
                     quota_share: float, crit_args: dict, noise: float = 0.2,
                     factor: dict[str, float] | None = None) -> list[dict]:
    """Pledges sized by fair share (with noise and an optional per-state factor), each
    state split into 1-3 pledges, a share of them with quotas."""
    share = fair_share(states)
    weights = [share[s] * rng.lognormvariate(0.0, noise) * (factor or {}).get(s, 1.0)
               for s in states]
    out = []
    for state, state_total in zip(states, apportion(total, weights), strict=True):
        prefs = state_prefs(rng)
        k = rng.randint(*per_state)
        caps = apportion(state_total, [rng.uniform(0.3, 1.0) for _ in range(k)])
        for j, cap in enumerate(caps, 1):
            quota = None
            if rng.random() < quota_share:
                names = list(FRONTLINE) if rng.random() < 0.4 else pick_some(
                    rng, prefs, rng.randint(2, 4))
                quota = quotas(rng, cap, prefs, names, rng.uniform(0.8, 1.25))
            elif rng.random() < 0.3:
                quota = {}  # written but empty: any frontline state
            out.append(pledge(state, j, cap, quota, criteria(rng, state=state, **crit_args)))
    return out


def instance(weights: dict | None, households: list[dict], pledges: list[dict]) -> dict:
    inst: dict = {"format": FORMAT}
    if weights is not None:
        inst["weights"] = weights
    inst["households"] = households
    inst["pledges"] = pledges
    return inst


# ---------------------------------------------------------------- profiles


def solidarity_pool(rng: random.Random, n: int) -> dict:
    states = [s for s in POOL if not (s in PAYERS and rng.random() < 0.6)]
    mix = Mix(frontline=jitter(rng, ARRIVALS, 0.3), exclusion=0.12, max_excluded=2)
    households = make_households(rng, n, mix, states)
    total = round(persons(households) * rng.uniform(0.95, 1.05))
    pledges = standard_pledges(
        rng, states, total, (1, 3), 0.7,
        dict(compositions=0.25, max_size=0.2, exclusions=0.2, nationalities=0.1,
             languages=0.05))
    weights = {"person": 1.0, "vulnerable_member": 2.0, "family_tie": 3.0,
               "cultural_tie": 1.0, "waiting_month": 0.1}
    return instance(weights, households, pledges)


def single_frontline(rng: random.Random, n: int) -> dict:
    fs = pick(rng, {"CY": 3, "ES": 1, "GR": 2, "IT": 1, "MT": 3})
    states = sorted(rng.sample(POOL, rng.randint(10, 20)))
    mix = Mix(frontline={fs: 1}, exclusion=0.4, max_excluded=4, security=0.01)
    households = make_households(rng, n, mix, states)
    total = round(persons(households) * rng.uniform(0.4, 0.8))
    pledges = standard_pledges(
        rng, states, total, (1, 3), 0.0,
        dict(compositions=0.25, max_size=0.2, exclusions=0.25, nationalities=0.1,
             languages=0.1))
    for p in pledges:
        r = rng.random()
        if r < 0.06:
            p["capacity"] = 0  # already filled earlier in the year
        elif r < 0.66:
            others = [s for s in FRONTLINE if s != fs]
            names = sorted(rng.sample(others, rng.randint(1, 3)))
            q = {s: round(p["capacity"] * rng.uniform(0.1, 0.6)) for s in names}
            if rng.random() < 0.88:  # the rest do not take from this state at all
                q[fs] = 0 if rng.random() < 0.1 else round(p["capacity"] * rng.uniform(0.3, 1.0))
            p["quotas"] = dict(sorted(q.items()))
    return instance({}, households, pledges)


def nationality_restricted(rng: random.Random, n: int) -> dict:
    states = sorted(rng.sample(POOL, rng.randint(12, 22)))
    mix = Mix(frontline=jitter(rng, ARRIVALS, 0.3))
    households = make_households(rng, n, mix, states)

    # Persons by (nationality, frontline state, languages), to size pledges on supply.
    groups: dict[tuple, int] = {}
    for h in households:
        key = (h["nationality"], h["frontline_state"], tuple(h["languages"]))
        groups[key] = groups.get(key, 0) + h["size"]

    pledges = []
    for state in states:
        prefs = state_prefs(rng)
        for j in range(1, rng.randint(1, 4) + 1):
            crit: dict = {}
            if rng.random() < 0.93:
                table = HIGH_RECOGNITION if rng.random() < 0.8 else dict.fromkeys(
                    ALL_NATIONALITIES, 1)
                crit["nationalities"] = pick_some(rng, table, rng.randint(1, 3))
            if rng.random() < 0.6 or "nationalities" not in crit:
                r = rng.random()
                if r < 0.4:
                    crit["languages"] = ["fr"] if state in FRANCOPHONE else ["en"]
                elif r < 0.6 or "nationalities" not in crit:
                    crit["languages"] = ["en", "fr"]  # the few open pledges want one of these
                else:  # an interpreter for the nationality's own language
                    nat = rng.choice(crit["nationalities"])
                    crit["languages"] = [LANGUAGES[nat][0][0]]
            if rng.random() < 0.2:
                crit["max_household_size"] = rng.randint(4, 7)
            names = pick_some(rng, prefs, rng.randint(1, 4)) if rng.random() < 0.4 else []
            nats = set(crit.get("nationalities", ALL_NATIONALITIES))
            langs = set(crit.get("languages", ()))
            supply = sum(v for (nat, fs, hl), v in sorted(groups.items())
                         if nat in nats and (not langs or langs & set(hl))
                         and (not names or fs in names))
            # Several pledges want the same people, so each takes a slice of the supply;
            # a pledge nobody matches still gets a few places (it happens).
            top = 0.25 if "nationalities" in crit else 0.08
            cap = round(supply * rng.uniform(0.04, top)) if supply else rng.randint(5, 40)
            quota = quotas(rng, cap, prefs, names, rng.uniform(0.7, 1.1)) if names else None
            pledges.append(pledge(state, j, cap, quota, crit))
    weights = {"cultural_tie": 2.0, "waiting_month": 0.2}
    return instance(weights, households, pledges)


def vulnerable_first(rng: random.Random, n: int) -> dict:
    states = sorted(rng.sample(POOL, rng.randint(15, 24)))
    comps = dict(BASE_COMPOSITIONS, single_parent=14, single_woman=12, single_man=28)
    mix = Mix(frontline=jitter(rng, ARRIVALS, 0.3), compositions=comps,
              vuln=rng.uniform(0.8, 1.6), minor_tag=0.2, exclusion=0.08)
    households = make_households(rng, n, mix, states)
    total = round(persons(households) * rng.uniform(0.25, 0.5))
    pledges = standard_pledges(
        rng, states, total, (1, 3), 0.5,
        dict(compositions=0.3, max_size=0.2, exclusions=0.6, nationalities=0.05))
    weights = {"person": 1.0, "vulnerable_member": round(rng.uniform(5, 20), 1),
               "family_tie": 3.0, "cultural_tie": 1.0, "waiting_month": 0.05}
    return instance(weights, households, pledges)


def family_reunification(rng: random.Random, n: int) -> dict:
    states = [s for s in POOL if rng.random() < 0.75 or s in POPULAR]
    mix = Mix(frontline=jitter(rng, ARRIVALS, 0.3), family_tie=rng.uniform(0.6, 0.85),
              max_family_ties=3, cultural_tie=0.25, exclusion=0.08)
    households = make_households(rng, n, mix, states)
    total = round(persons(households) * rng.uniform(0.4, 0.7))
    # The destinations everyone has family in pledge well below their fair share.
    factor = {s: (rng.uniform(0.3, 0.6) if s in POPULAR else rng.uniform(1.0, 1.6))
              for s in states}
    pledges = standard_pledges(
        rng, states, total, (1, 3), 0.5,
        dict(compositions=0.2, max_size=0.2, exclusions=0.2, nationalities=0.05,
             languages=0.05), factor=factor)
    weights = {"person": 1.0, "vulnerable_member": 2.0,
               "family_tie": round(rng.uniform(10, 30), 1),
               "cultural_tie": round(rng.uniform(2, 5), 1), "waiting_month": 0.1}
    return instance(weights, households, pledges)


def unaccompanied_minors(rng: random.Random, n: int) -> dict:
    states = sorted(rng.sample(POOL, rng.randint(12, 20)))
    comps = {"couple": 5, "family_with_children": 25, "single_man": 15, "single_parent": 10,
             "single_woman": 5, "unaccompanied_minor": 40}
    mix = Mix(frontline={"CY": 10, "ES": 5, "GR": 50, "IT": 30, "MT": 5}, compositions=comps,
              uam_siblings=0.08, exclusion=0.05)
    households = make_households(rng, n, mix, states)
    total = round(persons(households) * rng.uniform(0.3, 0.6))
    share = fair_share(states)
    pledges = []
    state_totals = apportion(total, [share[s] * rng.lognormvariate(0, 0.3) for s in states])
    for state, state_total in zip(states, state_totals, strict=True):
        prefs = state_prefs(rng)
        kinds = [pick(rng, {"family": 35, "minors": 45, "open": 20})
                 for _ in range(rng.randint(1, 3))]
        caps = apportion(state_total, [rng.uniform(0.3, 1.0) for _ in kinds])
        for j, (kind, cap) in enumerate(zip(kinds, caps, strict=True), 1):
            crit: dict = {}
            if kind == "minors":
                crit["compositions"] = ["unaccompanied_minor"]
                if rng.random() < 0.4:
                    crit["max_household_size"] = 1  # no sibling groups
                if rng.random() < 0.5:
                    crit["excluded_vulnerabilities"] = list(rng.choice(EXCLUSION_SETS[:3]))
            elif kind == "family":
                crit["compositions"] = ["family_with_children", "single_parent"]
                crit["max_household_size"] = rng.randint(5, 8)
            else:
                crit = criteria(rng, state=state, exclusions=0.3, languages=0.1)
            quota = None
            if rng.random() < 0.4:
                quota = quotas(rng, cap, prefs, pick_some(rng, prefs, rng.randint(1, 3)),
                               rng.uniform(0.8, 1.2))
            pledges.append(pledge(state, j, cap, quota, crit))
    return instance({"vulnerable_member": 4.0}, households, pledges)


def huge_pledges(rng: random.Random, n: int) -> dict:
    big = ["AT", "BE", "CH", "CZ", "DE", "FR", "NL", "PL", "PT", "RO", "SE"]
    states = sorted(rng.sample(big, rng.randint(3, 6)))
    comps = {"couple": 10, "family_with_children": 45, "single_man": 25, "single_parent": 12,
             "single_woman": 5, "unaccompanied_minor": 3}
    mix = Mix(frontline=jitter(rng, ARRIVALS, 0.3), compositions=comps, big_families=True,
              exclusion=0.05)
    households = make_households(rng, n, mix, states)
    total = round(persons(households) * rng.uniform(0.5, 0.9))
    share = fair_share(states)
    caps = apportion(total, [share[s] * rng.lognormvariate(0, 0.4) for s in states])
    pledges = []
    for state, cap in zip(states, caps, strict=True):
        prefs = jitter(rng, dict.fromkeys(FRONTLINE, 1.0), 1.0)  # unrelated to arrivals
        names = pick_some(rng, prefs, rng.randint(3, 5))
        quota = quotas(rng, cap, prefs, names, rng.uniform(0.7, 1.1))
        crit: dict = {}
        r = rng.random()
        if r < 0.25:
            crit["max_household_size"] = rng.randint(6, 9)
        elif r < 0.5:
            crit["compositions"] = list(COMPOSITION_SETS[0])
        elif r < 0.65:
            crit["excluded_vulnerabilities"] = ["serious_illness"]
        pledges.append(pledge(state, 1, cap, quota, crit))
    weights = {"person": 1.0, "vulnerable_member": 2.0, "family_tie": 3.0,
               "cultural_tie": 1.0, "waiting_month": 0.2}
    return instance(weights, households, pledges)


def exact_ties(rng: random.Random, n: int) -> dict:
    states = sorted(rng.sample(POOL, rng.randint(10, 18)))
    # Three nationalities, one language each, no cultural ties, one waiting time: the
    # households are copies of a handful of templates.
    mix = Mix(nationalities={"AF": 2, "ER": 1, "SY": 3},
              compositions={"couple": 40, "family_with_children": 50, "single_man": 10},
              family_tie=0.05, max_family_ties=1, cultural_tie=0.0,
              waiting=rng.choice((0, 0, 30, 365)), exclusion=0.0, templates=True)
    households = make_households(rng, n, mix, states)
    total = round(persons(households) * rng.uniform(0.3, 0.7))
    share = fair_share(states)
    k = rng.randint(20, 40)
    owners = [pick(rng, share) for _ in range(k)]
    caps = apportion(total, [rng.uniform(0.3, 1.0) for _ in range(k)])
    pledges = []
    count: dict[str, int] = {}
    for state, cap in zip(owners, caps, strict=True):
        count[state] = count.get(state, 0) + 1
        quota = None
        if rng.random() < 0.5:
            prefs = state_prefs(rng)
            names = pick_some(rng, prefs, rng.randint(2, 5))
            quota = {s: odd(q) for s, q in quotas(rng, cap, prefs, names, 0.9).items()}
        crit: dict = {}
        if rng.random() < 0.3:
            crit["compositions"] = ["couple", "family_with_children"]
        if rng.random() < 0.2:
            crit["max_household_size"] = rng.choice((4, 5))
        pledges.append(pledge(state, count[state], odd(cap), quota, crit))
    weights = {"person": 1, "vulnerable_member": 1, "family_tie": 2, "cultural_tie": 0,
               "waiting_month": 0}
    return instance(weights, households, pledges)


BUILDERS = {
    "solidarity-pool": solidarity_pool,
    "single-frontline": single_frontline,
    "nationality-restricted": nationality_restricted,
    "vulnerable-first": vulnerable_first,
    "family-reunification": family_reunification,
    "unaccompanied-minors": unaccompanied_minors,
    "huge-pledges": huge_pledges,
    "exact-ties": exact_ties,
}
PROFILES = tuple(BUILDERS)


def generate(seed: int, households: int, profile: str | None = None) -> dict:
    profile = profile or PROFILES[(seed - 1) % len(PROFILES)]
    rng = random.Random(f"third-instances/{profile}/{seed}/{households}")
    return BUILDERS[profile](rng, households)


# ---------------------------------------------------------------- output and checks


def write(inst: dict, path: Path) -> None:
    """One household or pledge per line: small enough to diff, easy to grep."""
    path.parent.mkdir(parents=True, exist_ok=True)
    head = {k: v for k, v in inst.items() if k not in ("households", "pledges")}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f"{json.dumps(key)}: {json.dumps(value)},")
    for key in ("households", "pledges"):
        items = inst[key]
        lines.append(f'"{key}": [')
        lines += [json.dumps(x) + ("," if i < len(items) - 1 else "")
                  for i, x in enumerate(items)]
        lines.append("]," if key == "households" else "]")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n")


def eligible(h: dict, p: dict) -> bool:
    """The contract's seven eligibility rules (for the statistics only)."""
    c = p.get("criteria") or {}
    q = p.get("quotas") or {}
    if c.get("nationalities") and h["nationality"] not in c["nationalities"]:
        return False
    if c.get("compositions") and h["composition"] not in c["compositions"]:
        return False
    if c.get("max_household_size") is not None and h["size"] > c["max_household_size"]:
        return False
    if set(h["vulnerabilities"]) & set(c.get("excluded_vulnerabilities") or ()):
        return False
    if c.get("languages") and not set(c["languages"]) & set(h["languages"]):
        return False
    if p["state"] in h["excluded_states"]:
        return False
    return not q or h["frontline_state"] in q


def stats(inst: dict) -> str:
    hh, pl = inst["households"], inst["pledges"]
    people = persons(hh)
    places = sum(p["capacity"] for p in pl)
    with_quotas = sum(1 for p in pl if p.get("quotas"))
    open_pl = [p for p in pl if p["capacity"] > 0]
    counts = [sum(1 for p in open_pl if h["size"] <= p["capacity"] and eligible(h, p))
              for h in hh]
    somewhere = sum(1 for c in counts if c)
    vulnerable = sum(1 for h in hh if h["vulnerable_members"])
    return (f"households={len(hh)} pledges={len(pl)} places={places} persons={people} "
            f"places/persons={places / people:.2f} with_quotas={with_quotas / len(pl):.0%} "
            f"eligible_somewhere={somewhere / len(hh):.0%} "
            f"mean_eligible_pledges={sum(counts) / len(hh):.1f} "
            f"vulnerable={vulnerable / len(hh):.0%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--households", type=int, default=10_000)
    ap.add_argument("--profile", choices=PROFILES)
    ap.add_argument("--out", type=Path, help="instance file to write")
    ap.add_argument("--set", type=Path, metavar="DIR", help="write a set of instances to DIR")
    ap.add_argument("--seeds", type=int, default=len(PROFILES),
                    help="with --set: seeds 1..N (default: one per profile)")
    ap.add_argument("--stats", action="store_true", help="also print instance statistics")
    args = ap.parse_args(argv)
    if args.households < 1:
        ap.error("--households must be at least 1")

    if args.set is not None:
        for seed in range(1, args.seeds + 1):
            profile = PROFILES[(seed - 1) % len(PROFILES)]
            inst = generate(seed, args.households, profile)
            path = args.set / f"{profile}-{seed}.json"
            write(inst, path)
            line = f"{path} pledges={len(inst['pledges'])}"
            print(line + (" " + stats(inst) if args.stats else ""))
        return 0

    if args.out is None:
        ap.error("give --out FILE (or --set DIR)")
    inst = generate(args.seed, args.households, args.profile)
    write(inst, args.out)
    print(f"{args.out} pledges={len(inst['pledges'])}"
          + (" " + stats(inst) if args.stats else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

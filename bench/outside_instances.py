#!/usr/bin/env python3
"""Outside instances for the matching contract: python bench/outside_instances.py [--help].

An instance generator for the ``relocation-matching/1`` contract (../shared/matching-contract.md),
written by someone who had not read the engine in matching/engine/, only the contract and
../shared/domain.md. Its instances are therefore not shaped by what the engine does well: they try
the engine on mixes nobody tuned it for. Standard library only; no Django. The output depends only
on (seed, households, profile), so a file can always be remade from its name.

Every profile draws households from the same base mix (compositions, nationalities and their
languages, frontline states with weights that vary per instance, vulnerabilities, family and
cultural ties, waiting times, excluded states) and pledges from 15-26 pledging states, with criteria
from open to strict. The profiles change that mix as follows:

  realistic        the base mix: family sizes up to 9, waiting days exponential (mean about 170,
                   at most 1400, 30 % rounded down to whole weeks), 12 % with a family tie, cultural
                   ties from the languages spoken; pledges 1-4 per state, sized by the state's size,
                   places for 30-70 % of the persons, about half with quotas; default weights.
  many-pledges     80-150 pledges from 18-26 states, three quarters of them small (3-40 places);
                   when the total passes 30-70 % of the persons, only the big ones are shrunk (not
                   below 40); a smaller total is kept as drawn. 85 % with quotas.
  tight-quotas     every pledge has quotas for all five frontline states that sum to only 60-100 %
                   of its capacity, split unevenly (some quotas are 0); places for 35-70 % of the
                   persons.
  custom-weights   a partial weights object from person 0.5, vulnerable_member 10, family_tie 0,
                   cultural_tie 2, waiting_month 0.5, with 1-3 keys left out (they take defaults).
  big-families     more families and single parents, family sizes heavy-tailed up to 14, and
                   max_household_size more often in non-open criteria (90 % against 50 %) and
                   lower (2-6 against 4-8).
  uniform-waiting  waiting days uniform in 0-1500 (no week ties), 0-3 family ties and 0-3 cultural
                   ties drawn uniformly from all pledging states.
  scarce           places for only 5-15 % of the persons.

One instance (without --profile, the profile is drawn from the seed):

    python bench/outside_instances.py --seed N --households H --out FILE.json [--profile NAME]

The 21-instance set (10,000 households, seeds 1-21, the profiles in the order above, in turn):

    P=(realistic many-pledges tight-quotas custom-weights big-families uniform-waiting scarce)
    for s in $(seq 1 21); do
        p=${P[$(( (s - 1) % 7 ))]}
        python bench/outside_instances.py --seed $s --households 10000 --profile $p --out DIR/$p-$s.json
    done

or, with the same files, in one command (``--households`` changes the size):

    python bench/outside_instances.py --set DIR

A second set, first solved on 6 December 2026, is the same loop over seeds 22-35, and a third
(first solved later the same day) the same loop over seeds 50-63. The optima of all three at
10,000 households are in ``bench/outside_optima.json`` (many-pledges 16 not proven;
many-pledges 51 within 0.0046 %).
"""

import argparse
import json
import os
import random

PROFILES = [
    "realistic",
    "many-pledges",
    "tight-quotas",
    "custom-weights",
    "big-families",
    "uniform-waiting",
    "scarce",
]
SET_SEEDS = range(1, 22)  # --set: seed s gets profile PROFILES[(s - 1) % 7]
SET_HOUSEHOLDS = 10_000
FRONTLINE = ["CY", "GR", "IT", "MT", "ES"]
FRONTLINE_LANGUAGE = {"GR": "el", "CY": "el", "IT": "it", "MT": "mt", "ES": "es"}
# EU+ states that are not frontline states (EU 22 + NO, CH, LI, IS), with a rough "size" weight.
PLEDGERS = {
    "DE": 10,
    "FR": 8,
    "NL": 4,
    "BE": 3,
    "AT": 3,
    "SE": 3,
    "PT": 3,
    "IE": 2,
    "LU": 1,
    "FI": 2,
    "DK": 2,
    "PL": 4,
    "CZ": 2,
    "SK": 1,
    "SI": 1,
    "HR": 1,
    "HU": 1,
    "RO": 2,
    "BG": 1,
    "LT": 1,
    "LV": 1,
    "EE": 1,
    "NO": 2,
    "CH": 2,
    "LI": 1,
    "IS": 1,
}
NATIONALITIES = {  # code: (weight, native languages)
    "AF": (14, ["fa", "ps"]),
    "SY": (14, ["ar", "ku"]),
    "ER": (7, ["ti", "ar"]),
    "SD": (7, ["ar"]),
    "SO": (6, ["so", "ar"]),
    "BD": (8, ["bn"]),
    "PK": (7, ["ur", "pa"]),
    "EG": (6, ["ar"]),
    "CD": (5, ["fr", "ln", "sw"]),
    "YE": (3, ["ar"]),
    "IQ": (6, ["ar", "ku"]),
    "NG": (5, ["en", "yo", "ha", "ig"]),
    "XX": (3, ["ar"]),
    "TR": (3, ["tr", "ku"]),
    "GN": (3, ["fr"]),
    "CI": (3, ["fr"]),
    "ML": (2, ["fr", "bm"]),
    "TN": (3, ["ar", "fr"]),
    "IR": (3, ["fa"]),
    "CM": (2, ["fr", "en"]),
    "PS": (2, ["ar"]),
    "ET": (2, ["am", "om"]),
}
CULTURE = {  # language: pledging states with a community speaking it
    "fr": ["FR", "BE", "LU", "CH"],
    "ar": ["FR", "DE", "SE", "NL"],
    "fa": ["DE", "SE", "AT"],
    "en": ["IE", "NL", "SE"],
    "ku": ["DE", "SE"],
    "ur": ["NL", "DE"],
    "bn": ["PT", "FR"],
    "so": ["SE", "FI", "NO"],
    "ti": ["DE", "SE", "NO"],
}
# The contract's vocabulary and default weights, copied from ../shared/matching-contract.md, not
# imported from the engine (nor the Django models): this generator must not depend on what it tests.
COMPOSITIONS = [
    "single_man",
    "single_woman",
    "couple",
    "family_with_children",
    "single_parent",
    "unaccompanied_minor",
]
COMPOSITION_WEIGHTS = [30, 10, 8, 30, 12, 10]
BIG_FAMILIES_COMPOSITION_WEIGHTS = [5, 5, 4, 40, 16, 6]
VULNERABILITIES = [
    "minor",
    "unaccompanied_minor",
    "disability",
    "elderly",
    "pregnant",
    "single_parent",
    "trafficking_victim",
    "serious_illness",
    "mental_disorder",
    "torture_or_violence_victim",
    "gender_based_violence_victim",
    "lgbtiq",
]
OTHER_VULNERABILITY_P = {  # drawn for every household, independently of its composition
    "disability": 0.05,
    "elderly": 0.04,
    "pregnant": 0.04,
    "trafficking_victim": 0.02,
    "serious_illness": 0.06,
    "mental_disorder": 0.08,
    "torture_or_violence_victim": 0.06,
    "gender_based_violence_victim": 0.04,
    "lgbtiq": 0.02,
}
CRITERIA_LANGUAGES = ["en", "fr", "ar", "fa", "ps", "de", "so", "ti", "es"]
DEFAULT_WEIGHTS = {
    "person": 1.0,
    "vulnerable_member": 2.0,
    "family_tie": 3.0,
    "cultural_tie": 1.0,
    "waiting_month": 0.1,
}
CUSTOM_WEIGHTS = {  # custom-weights: 1-3 of these keys are left out again
    "vulnerable_member": 10.0,
    "family_tie": 0.0,
    "waiting_month": 0.5,
    "cultural_tie": 2.0,
    "person": 0.5,
}


def dirichlet(rng, n, alpha=1.0):
    draws = [rng.gammavariate(alpha, 1.0) for _ in range(n)]
    total = sum(draws) or 1.0
    return [x / total for x in draws]


def split_int(rng, total, n, alpha=1.0, minimum=0):
    """Split integer total into n parts >= minimum (as far as total allows)."""
    base = min(minimum, total // n) if n else 0
    rest = total - base * n
    parts = [base + int(rest * share) for share in dirichlet(rng, n, alpha)]
    for _ in range(total - sum(parts)):
        parts[rng.randrange(n)] += 1
    return parts


def family_size(rng, profile, smallest):
    if profile == "big-families":  # heavy tail, truncated (redrawn) at 14
        while True:
            size = smallest + int(rng.paretovariate(1.1)) - 1 + rng.choice([0, 0, 1, 2])
            if size <= 14:
                return size
    extra = 0
    while extra < 6 and rng.random() < 0.45:
        extra += 1
    return smallest + extra


def make_household(rng, number, profile, frontline_weights, nat_codes, nat_weights, pledgers):
    comp_weights = BIG_FAMILIES_COMPOSITION_WEIGHTS if profile == "big-families" else COMPOSITION_WEIGHTS
    comp = rng.choices(COMPOSITIONS, comp_weights)[0]
    if comp in ("single_man", "single_woman", "unaccompanied_minor"):
        size = 1
    elif comp == "couple":
        size = 2
    elif comp == "single_parent":
        size = family_size(rng, profile, 2)
    else:
        size = family_size(rng, profile, 3)
    if comp == "couple" and rng.random() < 0.02:  # "consistent-ish": couple with an adult dependant
        size = 3

    nationality = rng.choices(nat_codes, nat_weights)[0]
    native = NATIONALITIES[nationality][1]
    languages = rng.sample(native, rng.randint(1, len(native)))
    if rng.random() < 0.35 and "en" not in languages:
        languages.append("en")
    if rng.random() < 0.12 and "fr" not in languages:
        languages.append("fr")
    frontline = rng.choices(FRONTLINE, frontline_weights)[0]
    if rng.random() < 0.05:
        languages.append(FRONTLINE_LANGUAGE[frontline])

    found = set()
    if comp == "unaccompanied_minor":
        found |= {"unaccompanied_minor", "minor"}
    if comp == "single_parent" and rng.random() < 0.85:
        found.add("single_parent")
    if comp in ("family_with_children", "single_parent") and rng.random() < 0.6:
        found.add("minor")
    for word, p in OTHER_VULNERABILITY_P.items():
        impossible = comp == "single_man" and word == "pregnant"  # still draws, to keep the sequence
        if rng.random() < p * (0 if impossible else 1.0):
            found.add(word)
    vulnerabilities = [word for word in VULNERABILITIES if word in found]
    if not vulnerabilities:
        vulnerable = 0 if rng.random() < 0.98 else 1  # rare: vulnerable member without a listed category
    elif comp == "unaccompanied_minor" or size == 1:
        vulnerable = 1
    else:
        vulnerable = 1 + int(rng.expovariate(0.8))  # drawn before the children's coin: keep the order
        if "minor" in found and rng.random() < 0.5:
            vulnerable += size - 2  # the children count too
        vulnerable = min(size, vulnerable)

    if profile == "uniform-waiting":
        family_ties = rng.sample(pledgers, rng.randint(0, 3))
        cultural_ties = rng.sample(pledgers, rng.randint(0, 3))
        waiting = rng.randint(0, 1500)
    else:
        family_ties = [rng.choice(pledgers)] if rng.random() < 0.12 else []
        pool = sorted({state for lang in languages for state in CULTURE.get(lang, [])})
        if pool and rng.random() < 0.2:
            cultural_ties = rng.sample(pool, rng.randint(1, min(2, len(pool))))
        else:
            cultural_ties = []
        waiting = min(1400, int(rng.expovariate(1 / 170)))
        if rng.random() < 0.3:
            waiting = waiting // 7 * 7  # registration batches give ties
    r = rng.random()
    excluded = [] if r < 0.9 else rng.sample(pledgers, 1 if r < 0.97 else 2)
    return {
        "id": f"H-{number:06d}",
        "frontline_state": frontline,
        "size": size,
        "vulnerable_members": vulnerable,
        "nationality": nationality,
        "composition": comp,
        "vulnerabilities": vulnerabilities,
        "languages": languages,
        "family_ties": sorted(family_ties),
        "cultural_ties": sorted(cultural_ties),
        "waiting_days": waiting,
        "excluded_states": sorted(excluded),
    }


def make_criteria(rng, profile, nat_codes):
    level = rng.choices(["open", "mild", "medium", "strict"], [2, 3, 3, 2])[0]
    strict = level == "strict"
    criteria = {}

    def put(key, value):  # absent vs empty vs null: all mean "no restriction"
        if value or rng.random() < 0.7:
            criteria[key] = value

    nationalities, compositions, max_size, excluded, languages = [], [], None, [], []
    if level in ("medium", "strict") and rng.random() < 0.8:
        count = rng.randint(1, 3) if strict else rng.randint(3, 10)
        nationalities = sorted(rng.sample(nat_codes, count))
    if level != "open" and rng.random() < (0.8 if level != "mild" else 0.3):
        count = rng.randint(1, 2) if strict else rng.randint(2, 5)
        compositions = sorted(rng.sample(COMPOSITIONS, count), key=COMPOSITIONS.index)
    if level != "open" and rng.random() < (0.9 if profile == "big-families" else 0.5):
        max_size = rng.randint(2, 6) if profile == "big-families" else rng.randint(4, 8)
    if level != "open" and rng.random() < 0.6:
        count = rng.randint(1, 3 if strict else 2)
        excluded = sorted(rng.sample(VULNERABILITIES[2:], count), key=VULNERABILITIES.index)
    if (strict and rng.random() < 0.4) or (level == "medium" and rng.random() < 0.15):
        languages = sorted(rng.sample(CRITERIA_LANGUAGES, rng.randint(1, 2)))
    put("nationalities", nationalities)
    put("compositions", compositions)
    put("max_household_size", max_size)
    put("excluded_vulnerabilities", excluded)
    put("languages", languages)
    return criteria


def make_pledges(rng, profile, persons, nat_codes):
    share_of_persons = {"scarce": (0.05, 0.15), "tight-quotas": (0.35, 0.7)}.get(profile, (0.3, 0.7))
    total = max(1, int(persons * rng.uniform(*share_of_persons)))
    if profile == "many-pledges":
        n_pledges = rng.randint(80, 150)
        states = rng.sample(sorted(PLEDGERS), rng.randint(18, len(PLEDGERS)))
        owners = states + [rng.choice(states) for _ in range(n_pledges - len(states))]
        caps = [rng.randint(3, 40) if rng.random() < 0.75 else rng.randint(40, 400) for _ in owners]
        if total < sum(caps):  # keep small pledges small; shrink only the big ones
            big = [i for i, cap in enumerate(caps) if cap > 40]
            over = sum(caps) - total
            for i in big:
                caps[i] = max(40, caps[i] - int(over * caps[i] / sum(caps[j] for j in big)))
    else:
        states = rng.sample(sorted(PLEDGERS), rng.randint(15, min(35, len(PLEDGERS))))
        owners = [s for s in states for _ in range(rng.choices([1, 2, 3, 4], [45, 30, 15, 10])[0])]
        sizes = [PLEDGERS[s] * rng.uniform(0.3, 1.7) for s in owners]
        caps = [max(1, int(total * x / sum(sizes))) for x in sizes]
    quota_share = {"many-pledges": 0.85, "tight-quotas": 1.0}.get(profile, 0.5)
    pledges, per_state = [], {}
    for state, cap in zip(owners, caps, strict=True):
        per_state[state] = per_state.get(state, 0) + 1
        pledge = {"id": f"P-{state}-{per_state[state]}", "state": state, "capacity": cap}
        if profile == "tight-quotas":
            quota_total = int(cap * rng.uniform(0.6, 1.0))
            pledge["quotas"] = dict(zip(FRONTLINE, split_int(rng, quota_total, 5, 0.7), strict=True))
        elif rng.random() < quota_share:
            fronts = sorted(rng.sample(FRONTLINE, rng.randint(2, 5)), key=FRONTLINE.index)
            quota_total = max(len(fronts), int(cap * rng.uniform(0.5, 1.3)))
            pledge["quotas"] = dict(
                zip(fronts, split_int(rng, quota_total, len(fronts), 1.0, 1), strict=True)
            )
        elif rng.random() < 0.5:
            pledge["quotas"] = {}
        pledge["criteria"] = make_criteria(rng, profile, nat_codes)
        pledges.append(pledge)
    return pledges


def generate(seed, n_households, profile=None):
    """Return (profile, instance); without a profile, one is drawn from the seed."""
    rng = random.Random(seed)
    profile = profile or rng.choice(PROFILES)
    # frontline weights vary per instance
    frontline_weights = [w * x for w, x in zip([1, 4, 4, 1, 2], dirichlet(rng, 5, 3.0), strict=True)]
    nat_codes = sorted(NATIONALITIES)
    nat_weights = [NATIONALITIES[c][0] * rng.uniform(0.3, 2.0) for c in nat_codes]
    pledgers = sorted(PLEDGERS)
    households = [
        make_household(rng, i + 1, profile, frontline_weights, nat_codes, nat_weights, pledgers)
        for i in range(n_households)
    ]
    persons = sum(h["size"] for h in households)
    weights = dict(DEFAULT_WEIGHTS)
    if profile == "custom-weights":
        weights = dict(CUSTOM_WEIGHTS)
        for key in rng.sample(sorted(weights), rng.randint(1, 3)):
            del weights[key]  # partial weights object; missing keys take defaults
    instance = {
        "format": "relocation-matching/1",
        "weights": weights,
        "households": households,
        "pledges": make_pledges(rng, profile, persons, nat_codes),
    }
    return profile, instance


def write_instance(seed, n_households, profile, out):
    profile, instance = generate(seed, n_households, profile)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(instance, f, separators=(",", ":"))
    n_pledges = len(instance["pledges"])
    print(f"{out}: profile={profile} households={len(instance['households'])} pledges={n_pledges}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, help="random seed (one instance)")
    parser.add_argument(
        "--households",
        type=int,
        help=f"number of households (required for one instance; --set: {SET_HOUSEHOLDS})",
    )
    parser.add_argument("--out", help="instance file to write (one instance)")
    parser.add_argument(
        "--profile", choices=PROFILES, help="profile (one instance; default: drawn from the seed)"
    )
    parser.add_argument(
        "--set",
        metavar="DIR",
        dest="set_dir",
        help="write the 21-instance set {profile}-{seed}.json into DIR",
    )
    args = parser.parse_args()
    if args.households is not None and args.households < 1:
        parser.error("--households must be >= 1")
    if args.set_dir is not None:
        if args.seed is not None or args.out is not None or args.profile is not None:
            parser.error("--set cannot be combined with --seed, --out or --profile")
        n_households = SET_HOUSEHOLDS if args.households is None else args.households
        os.makedirs(args.set_dir, exist_ok=True)
        for seed in SET_SEEDS:
            profile = PROFILES[(seed - 1) % len(PROFILES)]
            write_instance(seed, n_households, profile, os.path.join(args.set_dir, f"{profile}-{seed}.json"))
        return
    missing = [
        flag
        for flag, value in (("--seed", args.seed), ("--households", args.households), ("--out", args.out))
        if value is None
    ]
    if missing:
        parser.error(f"the following arguments are required without --set: {', '.join(missing)}")
    write_instance(args.seed, args.households, args.profile, args.out)


if __name__ == "__main__":
    main()

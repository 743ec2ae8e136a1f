#!/usr/bin/env python3
"""Fourth family of test instances for the relocation matching engine.

Written from the outside: from the instance contract
(../shared/matching-contract.md, format ``relocation-matching/1``) and the
domain notes (../shared/domain.md) only, without reading the engine.  The
instances imitate the EU's 2026 Annual Solidarity Pool (AMMR 2024/1351,
Art. 12): asylum seekers waiting in the five frontline states (CY, GR, IT, MT,
ES), relocation pledges from 12-22 other EU+ states (EU, NO, CH, IS, LI) whose
size follows the fair-share key (50 % population + 50 % GDP), but the profiles
are deliberately shaped unlike the usual generators, to try a solver on mixes
nobody tuned it for.

Standard library only; the output depends only on (seed, households, profile).
The optima of the 16-file set at 10,000 households (``--set DIR --seeds 16``) are in
``bench/outside_optima.json``, first solved on 7 December 2026.

Usage
-----
    python bench/fourth_instances.py --seed N --households H --profile NAME --out FILE.json
    python bench/fourth_instances.py --set DIR [--households H] [--seeds K]
        writes K files (default 16): seeds 1..K, profile PROFILES[(s-1) % 8],
        named DIR/{profile}-{seed}.json
    python bench/fourth_instances.py --check FILE.json [FILE.json ...]
        checks each file against the contract ("ok" or the problems) and prints
        pledges, places/persons and eligible pledges per household (the
        contract's 7 eligibility rules)

Every written file prints "FILE: profile=P households=H pledges=N".
All counts below are for 10,000 households; they scale with --households
(pledges by (H/10000)**0.2, i.e. x1.32 at 40,000 and never more than 70;
places with the number of persons, i.e. x4 at 40,000).

Profiles
--------
annual-pool
    The base.  Frontline shares vary per seed (IT/GR/ES large, CY/MT small);
    nationalities with per-state realistic frequencies; sizes consistent with
    the composition; vulnerable_members = members carrying a listed
    vulnerability; languages from nationality; family ties (~15 %) and cultural
    ties (via fr/en/de/nl/pt ... and diaspora) only to pledging states;
    waiting 30-400 days with a tail to 1000; ~5 % excluded by a state.
    12-22 pledging states, 1-3 pledges each, places 35-65 % of persons,
    quotas on ~60 % of pledges (1-5 states, 70-130 % of capacity), mixed
    criteria.  Default weights, all keys written.
selective-states
    all pledges but 1-3 are strict (2-4 nationalities, 1-2 compositions, a
    language required on half of them); the open ones take any nationality
    and composition.  Most households are eligible for only 0-3 pledges.
    Places 25-45 %.  Weights {} (all defaults).
family-heavy
    60 % of households are families of 4-12 persons; ~60 % of pledges cap the
    household size at 4-6; ~70 % of pledges are small with odd capacities
    (11-79 places), the rest odd and medium, so that places still reach
    20-28 % of persons.  Only person/vulnerable_member weights written.
vulnerable-pool
    ~35 % of households have vulnerabilities, 2-4 words each; ~55 % of pledges
    exclude serious_illness / mental_disorder / disability.  Weights
    person 1, vulnerable_member 5, waiting_month 0.05 (ties default).
quota-lattice
    55-70 pledges, every one with quotas for 2-5 frontline states, each quota a
    small odd number (1-25), capacity below the quota sum (and above the
    largest quota when possible), so both capacity and quotas bind.
long-waiters
    waiting_days 0-2500, most of them multiples of 30 and arrival waves (many
    equal values); family ties for ~25 %.  Weights waiting_month 0.5,
    family_tie 6, cultural_tie 0 (person/vulnerable_member default).
tiny-and-huge
    half the pledges tiny (1-6 places, not scaled), 2-4 huge (>= 1,000 places
    each, scaled), the rest medium; places ~50 % of persons.
one-frontline
    every household from one frontline state (chosen by seed); pledges without
    quotas, with a quota for that state (often among others), and a couple
    whose quotas name only other states (useless pledges, on purpose).
"""

import argparse
import json
import math
import os
import random
import sys

FORMAT = "relocation-matching/1"
FRONTLINE = ("CY", "GR", "IT", "MT", "ES")
COMPOSITIONS = ("single_man", "single_woman", "couple", "family_with_children",
                "single_parent", "unaccompanied_minor")
VULNERABILITIES = ("minor", "unaccompanied_minor", "disability", "elderly", "pregnant",
                   "single_parent", "trafficking_victim", "serious_illness",
                   "mental_disorder", "torture_or_violence_victim",
                   "gender_based_violence_victim", "lgbtiq")
DEFAULT_WEIGHTS = {"person": 1.0, "vulnerable_member": 2.0, "family_tie": 3.0,
                   "cultural_tie": 1.0, "waiting_month": 0.1}
PROFILES = ("annual-pool", "selective-states", "family-heavy", "vulnerable-pool",
            "quota-lattice", "long-waiters", "tiny-and-huge", "one-frontline")
MAX_PLEDGES = 70

# ---------------------------------------------------------------------------
# Domain tables
# ---------------------------------------------------------------------------

# EU+ states that are not frontline states: (population in millions, GDP in
# EUR bn, about 2023).  Fair-share key = 50 % population + 50 % GDP (Annex I).
_POP_GDP = {
    "DE": (84.5, 4120), "FR": (68.2, 2800), "NL": (17.9, 1030), "PL": (36.7, 750),
    "SE": (10.5, 540), "BE": (11.8, 580), "AT": (9.1, 475), "DK": (5.9, 375),
    "FI": (5.6, 275), "IE": (5.3, 510), "PT": (10.5, 265), "CZ": (10.9, 305),
    "RO": (19.0, 325), "HU": (9.6, 195), "SK": (5.4, 120), "BG": (6.4, 95),
    "HR": (3.9, 75), "SI": (2.1, 63), "LT": (2.9, 72), "LV": (1.9, 40),
    "EE": (1.4, 38), "LU": (0.66, 80), "NO": (5.5, 450), "CH": (8.8, 800),
    "IS": (0.39, 28), "LI": (0.04, 7),
}
_SP = sum(p for p, _ in _POP_GDP.values())
_SG = sum(g for _, g in _POP_GDP.values())
FAIR_KEY = {s: 0.5 * p / _SP + 0.5 * g / _SG for s, (p, g) in _POP_GDP.items()}
EU_PLUS = tuple(_POP_GDP)

# Nationalities of applicants per frontline state (relative frequencies).
NAT_BY_FRONTLINE = {
    "IT": {"BD": 14, "TN": 10, "EG": 9, "PK": 8, "SY": 8, "GN": 6, "CI": 6, "ER": 4,
           "SD": 4, "ML": 3, "GM": 2, "NG": 3, "MA": 3, "SN": 2, "CM": 2, "SO": 1,
           "AF": 2, "IQ": 1, "XX": 1, "DZ": 2, "TR": 1},
    "GR": {"AF": 20, "SY": 18, "PS": 8, "IQ": 8, "TR": 6, "SO": 5, "CD": 5, "ER": 4,
           "EG": 6, "PK": 5, "SD": 5, "YE": 2, "IR": 3, "CM": 2, "BD": 2, "XX": 2},
    "ES": {"MA": 18, "SN": 12, "ML": 15, "CO": 10, "VE": 8, "GN": 5, "CI": 4,
           "DZ": 8, "GM": 4, "MR": 5, "SY": 2, "CM": 2, "NG": 2, "XX": 1, "SD": 1},
    "CY": {"SY": 25, "CD": 6, "CM": 8, "NG": 8, "SO": 6, "AF": 6, "BD": 5, "PK": 5,
           "EG": 3, "IQ": 3, "XX": 2, "SD": 2},
    "MT": {"SD": 12, "ER": 10, "BD": 10, "SY": 10, "EG": 6, "NG": 5, "TN": 5,
           "PK": 5, "SO": 5, "XX": 2, "GN": 3, "CI": 3, "ML": 2},
}

# Languages per nationality: (ISO 639-1, probability); the first is the main one.
LANGS = {
    "SY": (("ar", 1), ("ku", .18), ("en", .25), ("tr", .06)),
    "AF": (("fa", 1), ("ps", .35), ("en", .15), ("ur", .03)),
    "BD": (("bn", 1), ("en", .35)),
    "EG": (("ar", 1), ("en", .2)),
    "PK": (("ur", 1), ("pa", .3), ("en", .4)),
    "TN": (("ar", 1), ("fr", .6), ("en", .1)),
    "ER": (("ti", 1), ("ar", .25), ("en", .2)),
    "SD": (("ar", 1), ("en", .25)),
    "SO": (("so", 1), ("ar", .3), ("en", .25)),
    "NG": (("en", 1), ("yo", .3), ("ha", .25), ("ig", .2)),
    "MA": (("ar", 1), ("fr", .5), ("es", .3)),
    "GN": (("fr", 1), ("ff", .4)),
    "CI": (("fr", 1),),
    "IQ": (("ar", 1), ("ku", .35), ("en", .15)),
    "TR": (("tr", 1), ("ku", .4), ("en", .15)),
    "XX": (("ar", 1), ("ku", .25)),
    "PS": (("ar", 1), ("en", .2)),
    "DZ": (("ar", 1), ("fr", .6)),
    "SN": (("fr", 1), ("wo", .6)),
    "ML": (("bm", 1), ("fr", .6)),
    "GM": (("en", 1), ("wo", .3), ("ff", .2)),
    "CM": (("fr", 1), ("en", .4)),
    "CD": (("fr", 1), ("ln", .6), ("sw", .2)),
    "CO": (("es", 1),),
    "VE": (("es", 1), ("en", .05)),
    "IR": (("fa", 1), ("en", .3), ("tr", .1)),
    "YE": (("ar", 1),),
    "MR": (("ar", 1), ("fr", .4), ("ff", .1)),
}

# Where relatives of each nationality tend to live (family / diaspora ties).
_FRANCO_AFRICA = {"FR": 6, "BE": 3, "LU": 1, "CH": 1}
DIASPORA = {
    "SY": {"DE": 8, "SE": 4, "NL": 2, "AT": 2, "DK": 1, "BE": 1},
    "AF": {"DE": 6, "AT": 3, "SE": 2, "FR": 2, "NL": 1},
    "ER": {"DE": 3, "NL": 3, "SE": 3, "CH": 3, "NO": 2},
    "SO": {"SE": 4, "NO": 3, "FI": 3, "NL": 2, "DE": 1, "DK": 1},
    "IQ": {"DE": 5, "SE": 3, "NL": 1, "FI": 1, "BE": 1, "DK": 1},
    "TR": {"DE": 6, "NL": 2, "AT": 2, "FR": 1, "CH": 1, "BE": 1},
    "XX": {"DE": 4, "SE": 3, "DK": 1, "NL": 1},
    "PS": {"DE": 4, "SE": 2, "DK": 1, "BE": 1},
    "GN": _FRANCO_AFRICA, "CI": _FRANCO_AFRICA, "SN": _FRANCO_AFRICA,
    "ML": _FRANCO_AFRICA, "CM": _FRANCO_AFRICA, "MR": _FRANCO_AFRICA,
    "CD": {"BE": 5, "FR": 4, "LU": 1, "CH": 1},
    "MA": {"FR": 5, "BE": 4, "NL": 3, "DE": 1},
    "DZ": {"FR": 7, "BE": 2, "DE": 1}, "TN": {"FR": 7, "BE": 2, "DE": 1},
    "BD": {"PT": 2, "FR": 2, "DE": 2, "IE": 1, "SE": 1},
    "PK": {"PT": 1, "FR": 2, "DE": 2, "IE": 1, "NO": 1, "DK": 1},
    "EG": {"DE": 2, "FR": 2, "NL": 1, "AT": 1},
    "NG": {"IE": 3, "DE": 2, "NL": 1, "BE": 1},
    "GM": {"IE": 1, "DE": 2, "NL": 1, "SE": 1},
    "CO": {"PT": 2, "FR": 1, "DE": 1}, "VE": {"PT": 4, "FR": 1, "DE": 1},
    "IR": {"DE": 4, "SE": 3, "NL": 1, "AT": 1, "DK": 1},
    "YE": {"DE": 2, "NL": 1, "SE": 1},
}
# Languages that give a cultural tie to a (pledging) state.
LANG_STATES = {"fr": ("FR", "BE", "LU", "CH"), "en": ("IE",), "de": ("DE", "AT", "CH", "LU", "LI"),
               "nl": ("NL", "BE"), "pt": ("PT",), "sv": ("SE", "FI")}

# How much pledging states favour a nationality in their criteria (high
# recognition rate first, as in the 2015-2017 scheme and the 2022 VSM).
NAT_PREF = {"SY": 5, "AF": 4, "ER": 5, "SD": 4, "SO": 3, "YE": 4, "XX": 3, "IQ": 2,
            "PS": 3, "IR": 2, "TR": 1.5, "CD": 1.5, "ML": 1.2}

# Composition frequencies by nationality group.
_COMP_GROUPS = {
    "labour": (75, 4, 4, 7, 3, 7),     # mostly young single men
    "family": (28, 8, 10, 38, 10, 6),
    "horn":   (45, 18, 5, 12, 10, 10),
    "other":  (40, 20, 10, 18, 10, 2),
}
_NAT_GROUP = {}
for _n in ("BD", "EG", "PK", "TN", "MA", "GN", "CI", "SN", "ML", "GM", "DZ", "MR"):
    _NAT_GROUP[_n] = "labour"
for _n in ("SY", "AF", "IQ", "XX", "PS", "TR", "IR", "YE"):
    _NAT_GROUP[_n] = "family"
for _n in ("ER", "SO", "SD"):
    _NAT_GROUP[_n] = "horn"

FAMILY_SIZES = {3: 25, 4: 28, 5: 20, 6: 12, 7: 7, 8: 4, 9: 2, 10: 2}
BIG_FAMILY_SIZES = {4: 22, 5: 22, 6: 18, 7: 13, 8: 10, 9: 6, 10: 4, 11: 3, 12: 2}
PARENT_SIZES = {2: 40, 3: 30, 4: 18, 5: 8, 6: 4}
BIG_PARENT_SIZES = {4: 45, 5: 30, 6: 17, 7: 8}

# Extra vulnerability words: weight, compositions where they can occur.
_ALL = COMPOSITIONS
_WOMAN = ("single_woman", "couple", "family_with_children", "single_parent",
          "unaccompanied_minor")
EXTRA_VULNS = (
    ("torture_or_violence_victim", 20, _ALL),
    ("mental_disorder", 18, _ALL),
    ("serious_illness", 12, _ALL),
    ("gender_based_violence_victim", 12, _WOMAN),
    ("disability", 10, _ALL),
    ("pregnant", 8, ("single_woman", "couple", "family_with_children", "single_parent")),
    ("trafficking_victim", 8, _ALL),
    ("elderly", 5, ("single_man", "single_woman", "couple", "family_with_children")),
    ("lgbtiq", 5, ("single_man", "single_woman", "couple", "unaccompanied_minor")),
)
MEDICAL = ("serious_illness", "mental_disorder", "disability")


# ---------------------------------------------------------------------------
# Small deterministic helpers (never iterate over a set: string hashing is
# randomised per process)
# ---------------------------------------------------------------------------

def wchoice(rng, table):
    """One key of a {key: weight} dict."""
    keys = list(table)
    return rng.choices(keys, weights=[table[k] for k in keys])[0]


def wsample(rng, items, weights, k):
    """k distinct items, weighted, without replacement (keeps draw order)."""
    items = list(items)
    weights = [float(w) for w in weights]
    out = []
    k = min(k, len(items))
    for _ in range(k):
        tot = sum(weights)
        if tot <= 0:
            break
        r = rng.random() * tot
        acc = 0.0
        for i, w in enumerate(weights):
            acc += w
            if r < acc or i == len(weights) - 1:
                break
        out.append(items.pop(i))
        weights.pop(i)
    return out


def split_int(rng, total, n, minimum=1, shape=2.0, weights=None):
    """Split total into n integers >= minimum, random proportions."""
    if n <= 0:
        return []
    total = max(total, n * minimum)
    w = [rng.gammavariate(shape, 1.0) * (weights[i] if weights else 1.0) for i in range(n)]
    sw = sum(w) or 1.0
    free = total - n * minimum
    parts = [minimum + int(free * x / sw) for x in w]
    rest = total - sum(parts)
    order = sorted(range(n), key=lambda i: -w[i])
    for j in range(rest):
        parts[order[j % n]] += 1
    return parts


def odd(x):
    x = max(1, int(round(x)))
    return x if x % 2 else x + 1


def noisy_shares(rng, base, conc=6.0):
    raw = {k: v * rng.gammavariate(conc, 1.0 / conc) for k, v in base.items()}
    t = sum(raw.values())
    return {k: v / t for k, v in raw.items()}


# ---------------------------------------------------------------------------
# Generation context
# ---------------------------------------------------------------------------

class Ctx:
    def __init__(self, seed, households, profile):
        self.seed, self.H, self.profile = seed, households, profile
        self.rng = random.Random(f"fourth-instances|{profile}|{seed}|{households}")
        self.s = households / 10000.0             # count scale
        self.m = min(1.6, max(0.3, self.s ** 0.2))  # pledge-count scale
        self.households = []
        self.pledges = []
        self.ids_per_state = {}

    # -- pledging states -----------------------------------------------------
    def draw_n_states(self, lo=12, hi=22):
        n = self.rng.randint(lo, hi)
        if self.m < 1:
            n = max(3, int(round(n * self.m)))
        return n

    def pick_states(self, n_pledges, n_states=None):
        """The pledging states; never more than the pledges, so that every
        pledging state (the only targets of ties) really has a pledge."""
        rng = self.rng
        n = n_states if n_states is not None else self.draw_n_states()
        n = max(1, min(n, n_pledges))
        weights = [FAIR_KEY[s] ** 0.4 for s in EU_PLUS]
        self.states = wsample(rng, EU_PLUS, weights, n)
        self.state_set = set(self.states)
        self.state_weight = {s: FAIR_KEY[s] * rng.lognormvariate(0, 0.35) for s in self.states}

    def new_id(self, state):
        k = self.ids_per_state.get(state, 0) + 1
        self.ids_per_state[state] = k
        return f"P-{state}-{k}"

    # -- households ----------------------------------------------------------
    def gen_households(self, fl_shares, *, family_share=None, vuln_p=0.12,
                       vuln_extra=(1, 1, 1, 1, 1, 1, 2, 2, 3), implied_extra_p=0.12,
                       tie_p=0.15, excl_p=0.05, waiting=None):
        rng = self.rng
        nat_tables = {fl: noisy_shares(rng, tbl, conc=4.0) for fl, tbl in NAT_BY_FRONTLINE.items()}
        fls = [f for f in FRONTLINE if fl_shares.get(f, 0) > 0]
        flw = [fl_shares[f] for f in fls]
        vuln_words = [v[0] for v in EXTRA_VULNS]
        vuln_weights = [v[1] for v in EXTRA_VULNS]
        vuln_ok = {v[0]: set(v[2]) for v in EXTRA_VULNS}
        pledging = [s for s in EU_PLUS if s in self.state_set]  # stable order
        dias_cache = {}
        width = max(6, len(str(self.H)))
        for i in range(self.H):
            fl = rng.choices(fls, weights=flw)[0]
            nat = wchoice(rng, nat_tables[fl])
            # composition and size
            if family_share is not None and rng.random() < family_share:
                if rng.random() < 0.8:
                    comp, size = "family_with_children", wchoice(rng, BIG_FAMILY_SIZES)
                else:
                    comp, size = "single_parent", wchoice(rng, BIG_PARENT_SIZES)
            else:
                cw = list(_COMP_GROUPS[_NAT_GROUP.get(nat, "other")])
                if family_share is not None:       # families drawn above
                    cw[3] = cw[4] = 0
                comp = rng.choices(COMPOSITIONS, weights=cw)[0]
                if comp == "family_with_children":
                    size = wchoice(rng, FAMILY_SIZES)
                elif comp == "single_parent":
                    size = wchoice(rng, PARENT_SIZES)
                elif comp == "couple":
                    size = 2
                else:
                    size = 1
            # vulnerabilities: word -> member index; vulnerable_members = distinct members
            vulns, members = [], set()
            if comp == "unaccompanied_minor":
                vulns += ["unaccompanied_minor", "minor"]
                members.add(0)
            elif comp == "single_parent":
                vulns.append("single_parent")
                members.add(0)
            elif comp == "couple" and rng.random() < 0.01:   # child marriage
                vulns += ["minor", "gender_based_violence_victim"]
                members.add(1)
            p_extra = implied_extra_p if vulns else vuln_p
            if rng.random() < p_extra:
                want = rng.choice(vuln_extra)
                tries = 0
                while want > 0 and tries < 12:
                    tries += 1
                    w = rng.choices(vuln_words, weights=vuln_weights)[0]
                    if w in vulns or comp not in vuln_ok[w]:
                        continue
                    vulns.append(w)
                    want -= 1
                    if size == 1:
                        members.add(0)
                    elif w in ("pregnant", "gender_based_violence_victim"):
                        members.add(0 if comp == "single_parent" else 1)
                    elif w == "elderly":
                        members.add(rng.randrange(size) if comp != "couple" else rng.randrange(2))
                    else:
                        members.add(rng.randrange(size))
            vm = len(members)
            # languages
            langs = [lang for lang, p in LANGS[nat] if p >= 1 or rng.random() < p]
            # family ties (pledging states only)
            fam = []
            if pledging and rng.random() < tie_p:
                if nat not in dias_cache:
                    d = DIASPORA.get(nat, {})
                    dias_cache[nat] = {s: d.get(s, 0) * 4 + FAIR_KEY[s] * 10 for s in pledging}
                tbl = dias_cache[nat]
                k = 1 if rng.random() < 0.8 else 2
                fam = wsample(rng, list(tbl), list(tbl.values()), k)
            # cultural ties: via languages, sometimes via diaspora
            cult = []
            for lang in langs:
                cands = [s for s in LANG_STATES.get(lang, ()) if s in self.state_set and s not in cult]
                if cands and rng.random() < 0.6:
                    cult += wsample(rng, cands, [FAIR_KEY[s] for s in cands], 1 + (rng.random() < 0.25))
            if rng.random() < 0.06:
                d = DIASPORA.get(nat, {})
                cands = [s for s in pledging if d.get(s) and s not in cult]
                if cands:
                    cult += wsample(rng, cands, [d[s] for s in cands], 1)
            # waiting and rejections
            wd = waiting(rng) if waiting else default_waiting(rng)
            excl = []
            if pledging and rng.random() < excl_p:
                k = 1 if rng.random() < 0.9 else 2
                excl = wsample(rng, pledging, [self.state_weight[s] for s in pledging], k)
            self.households.append({
                "id": f"H-{i + 1:0{width}d}", "frontline_state": fl, "size": size,
                "vulnerable_members": vm, "nationality": nat, "composition": comp,
                "vulnerabilities": vulns, "languages": langs, "family_ties": fam,
                "cultural_ties": cult, "waiting_days": wd, "excluded_states": excl})
        self._summarise()

    def _summarise(self):
        self.persons = sum(h["size"] for h in self.households)
        self.fl_persons = {f: 0 for f in FRONTLINE}
        self.nat_count, self.comp_count, self.nat_comp = {}, {}, {}
        self.nat_comp_fl = {}
        self.nat_langs = {}
        for h in self.households:
            self.fl_persons[h["frontline_state"]] += h["size"]
            n, c = h["nationality"], h["composition"]
            self.nat_count[n] = self.nat_count.get(n, 0) + 1
            self.comp_count[c] = self.comp_count.get(c, 0) + 1
            self.nat_comp[(n, c)] = self.nat_comp.get((n, c), 0) + 1
            k = (n, c, h["frontline_state"])
            self.nat_comp_fl[k] = self.nat_comp_fl.get(k, 0) + 1
            d = self.nat_langs.setdefault(n, {})
            for lang in h["languages"]:
                d[lang] = d.get(lang, 0) + 1

    # -- pledges -------------------------------------------------------------
    def n_pledges(self, lo, hi):
        return max(3, min(MAX_PLEDGES, int(round(self.rng.randint(lo, hi) * self.m))))

    def n_pledges_per_state(self):
        """(states, pledges) with 1-3 pledges per state at 10,000 households."""
        k = self.draw_n_states()
        base = sum(self.rng.randint(1, 3) for _ in range(k))
        return k, max(3, min(MAX_PLEDGES, int(round(base * self.m))))

    def assign_states(self, n):
        """n pledge states, each pledging state at least once when possible."""
        rng = self.rng
        states = list(self.states)
        if n < len(states):
            states = wsample(rng, states, [self.state_weight[s] for s in states], n)
        out = list(states)
        per = {s: 1 for s in states}
        cap = max(3, math.ceil(3 * self.m))
        while len(out) < n:
            cands = [s for s in states if per[s] < cap] or states
            s = wsample(rng, cands, [self.state_weight[c] ** 0.7 for c in cands], 1)[0]
            per[s] += 1
            out.append(s)
        # group by state, state order as drawn
        order = {s: i for i, s in enumerate(states)}
        return sorted(out, key=lambda s: order[s])

    def fl_present(self):
        return [f for f in FRONTLINE if self.fl_persons[f] > 0]

    def make_quotas(self, capacity, k, ratio, states=None):
        """Quotas for k frontline states summing to about ratio * capacity."""
        rng = self.rng
        pool = states if states is not None else self.fl_present()
        w = [self.fl_persons[f] + 1 for f in pool]
        chosen = wsample(rng, pool, w, k)
        chosen.sort(key=FRONTLINE.index)
        total = max(len(chosen), int(round(capacity * ratio)))
        parts = split_int(rng, total, len(chosen), 1, 1.5,
                          [self.fl_persons[f] + 1 for f in chosen])
        return dict(zip(chosen, parts, strict=False))

    def nat_weights(self, nats):
        return [math.sqrt(self.nat_count.get(n, 0)) * NAT_PREF.get(n, 1.0) for n in nats]

    def random_criteria(self, p_nat=.35, p_comp=.30, p_max=.30, p_excl=.25, p_lang=.07):
        rng = self.rng
        c = {}
        if rng.random() < p_nat:
            nats = sorted(self.nat_count)
            c["nationalities"] = sorted(wsample(rng, nats, self.nat_weights(nats), rng.randint(2, 8)))
        if rng.random() < p_comp:
            pats = (
                (3, ["family_with_children", "single_parent"]),
                (3, ["single_woman", "couple", "family_with_children", "single_parent",
                     "unaccompanied_minor"]),
                (1, ["unaccompanied_minor"]),
                (1, ["single_man", "single_woman"]),
                (2, None),
            )
            pat = rng.choices([p for _, p in pats], weights=[w for w, _ in pats])[0]
            if pat is None:
                pat = wsample(rng, COMPOSITIONS, [1] * 6, rng.randint(2, 4))
            c["compositions"] = sorted(pat, key=COMPOSITIONS.index)
        if rng.random() < p_max:
            c["max_household_size"] = rng.randint(3, 8)
        if rng.random() < p_excl:
            ex = wsample(rng, MEDICAL, [5, 4, 2], 1 + (rng.random() < 0.35))
            if rng.random() < 0.1:
                ex.append("trafficking_victim")
            c["excluded_vulnerabilities"] = ex
        if rng.random() < p_lang:
            c["languages"] = rng.choice((["en"], ["fr"], ["en", "fr"], ["ar", "en"], ["en", "fr", "ar"]))
        return c

    def ensure_alive(self, state, quotas, crit):
        """Make sure some household is eligible: find one that passes every rule
        but the nationality one and put its nationality in the list (relax
        languages, size cap, compositions, exclusions in turn if none is found)."""
        rng, hs = self.rng, self.households
        crit = dict(crit)
        for key in ("languages", "max_household_size", "compositions",
                    "excluded_vulnerabilities", None):
            test = {"state": state, "quotas": quotas or {},
                    "criteria": {k: v for k, v in crit.items() if k != "nationalities"}}
            for _ in range(300):
                h = hs[rng.randrange(len(hs))]
                if eligible(h, test):
                    nats = crit.get("nationalities")
                    if nats and h["nationality"] not in nats:
                        nats = list(nats)
                        nats[rng.randrange(len(nats))] = h["nationality"]
                        crit["nationalities"] = sorted(dict.fromkeys(nats))
                    return crit
            if key is not None:
                crit.pop(key, None)
        return crit

    def emit(self, state, capacity, quotas=None, criteria=None, alive=True):
        """Append a pledge; absent/empty keys written in varied styles.
        alive: adjust the criteria so that at least one household is eligible."""
        rng = self.rng
        if alive and criteria and self.households:
            criteria = self.ensure_alive(state, quotas, criteria)
        p = {"id": self.new_id(state), "state": state, "capacity": int(capacity)}
        if quotas:
            p["quotas"] = quotas
        else:
            r = rng.random()
            if r < 0.5:
                p["quotas"] = {}
            # else: key absent
        criteria = criteria or {}
        style = rng.random()
        if not criteria and style < 0.2:
            pass  # no "criteria" key at all
        else:
            crit = {}
            full = style < 0.6
            for key in ("nationalities", "compositions", "max_household_size",
                        "excluded_vulnerabilities", "languages"):
                if key in criteria and criteria[key] not in (None, []):
                    crit[key] = criteria[key]
                elif full:
                    crit[key] = None if key == "max_household_size" else []
            p["criteria"] = crit
        self.pledges.append(p)
        return p


def default_waiting(rng):
    if rng.random() < 0.88:
        return int(rng.triangular(30, 400, 140))
    return 400 + int(600 * rng.random() ** 1.5)


def base_fl_shares(rng):
    return noisy_shares(rng, {"CY": 0.10, "GR": 0.27, "IT": 0.33, "MT": 0.05, "ES": 0.25})


# ---------------------------------------------------------------------------
# Profiles
# ---------------------------------------------------------------------------

def capacities_by_state(ctx, states, total):
    """Places per pledge proportional to the state's (noisy) fair share."""
    # pledges of the same state share the state's weight
    per_state = {}
    for s in states:
        per_state[s] = per_state.get(s, 0) + 1
    w = [ctx.state_weight[s] / per_state[s] for s in states]
    return split_int(ctx.rng, total, len(states), 1, 3.0, w)


def prof_annual_pool(ctx):
    rng = ctx.rng
    k, n = ctx.n_pledges_per_state()
    ctx.pick_states(n, k)
    ctx.gen_households(base_fl_shares(rng))
    states = ctx.assign_states(n)
    caps = capacities_by_state(ctx, states, int(ctx.persons * rng.uniform(0.35, 0.65)))
    for s, cap in zip(states, caps, strict=False):
        q = None
        if rng.random() < 0.6:
            k = rng.choices((1, 2, 3, 4, 5), weights=(3, 3, 2, 1, 1))[0]
            q = ctx.make_quotas(cap, k, rng.uniform(0.7, 1.3))
        ctx.emit(s, cap, q, ctx.random_criteria())
    return dict(DEFAULT_WEIGHTS)


def prof_selective_states(ctx):
    rng = ctx.rng
    n = ctx.n_pledges(25, 45)
    ctx.pick_states(n)
    ctx.gen_households(base_fl_shares(rng))
    states = ctx.assign_states(n)
    caps = capacities_by_state(ctx, states, int(ctx.persons * rng.uniform(0.25, 0.45)))
    n_open = max(1, int(round(rng.randint(1, 3) * min(1.0, ctx.m))))
    open_idx = set(wsample(rng, range(n), caps, n_open))   # larger pledges more often open
    nats = sorted(ctx.nat_count)
    comp_pats = ((2, ["family_with_children"]), (2, ["single_woman", "single_parent"]),
                 (1, ["unaccompanied_minor"]), (2, ["single_man"]),
                 (2, ["couple", "family_with_children"]), (3, None))
    for i, (s, cap) in enumerate(zip(states, caps, strict=False)):
        q = None
        if i in open_idx:   # open: any nationality / composition, light other limits
            if rng.random() < 0.5:
                q = ctx.make_quotas(cap, rng.randint(2, 4), rng.uniform(0.8, 1.2))
            ctx.emit(s, cap, q, ctx.random_criteria(p_nat=0, p_comp=0, p_max=.3, p_excl=.3, p_lang=0))
            continue
        if rng.random() < 0.5:
            q = ctx.make_quotas(cap, rng.randint(1, 3), rng.uniform(0.8, 1.2))
        for _ in range(20):
            ns = sorted(wsample(rng, nats, ctx.nat_weights(nats), rng.randint(2, 4)))
            pat = rng.choices([p for _, p in comp_pats], weights=[w for w, _ in comp_pats])[0]
            if pat is None:
                cs = list(ctx.comp_count)
                pat = wsample(rng, cs, [math.sqrt(ctx.comp_count[c]) for c in cs], rng.randint(1, 2))
            fls = list(q) if q else FRONTLINE
            if sum(ctx.nat_comp_fl.get((a, b, f), 0) for a in ns for b in pat for f in fls) > 0:
                break
        crit = {"nationalities": ns, "compositions": sorted(pat, key=COMPOSITIONS.index)}
        if rng.random() < 0.5:
            lw = {}
            for a in ns:
                for lang, cnt in ctx.nat_langs.get(a, {}).items():
                    lw[lang] = lw.get(lang, 0) + cnt
            ls = sorted(lw)
            if ls:
                crit["languages"] = sorted(wsample(rng, ls, [lw[lang] for lang in ls], rng.randint(1, 2)))
        if rng.random() < 0.25:
            crit["max_household_size"] = rng.randint(3, 8)
        if rng.random() < 0.2:
            crit["excluded_vulnerabilities"] = wsample(rng, MEDICAL, [5, 4, 2], 1)
        ctx.emit(s, cap, q, crit)
    return {}


def prof_family_heavy(ctx):
    rng = ctx.rng
    n = ctx.n_pledges(40, 60)
    ctx.pick_states(n)
    ctx.gen_households(base_fl_shares(rng), family_share=0.6)
    states = ctx.assign_states(n)
    target = int(ctx.persons * rng.uniform(0.20, 0.28))
    small = [rng.random() < 0.7 for _ in states]
    caps = [0] * n
    lo, hi = max(1, int(10 * ctx.s)), max(3, int(80 * ctx.s))
    for i in range(n):
        if small[i]:
            caps[i] = odd(rng.randint(lo, hi))
    rest = max(0, target - sum(caps))
    big = [i for i in range(n) if not small[i]]
    if big:
        parts = split_int(rng, rest, len(big), max(hi, 1), 2.0, [ctx.state_weight[states[i]] for i in big])
        for i, v in zip(big, parts, strict=False):
            caps[i] = odd(v)
    for s, cap in zip(states, caps, strict=False):
        crit = ctx.random_criteria(p_max=0.0)
        if rng.random() < 0.6:
            crit["max_household_size"] = rng.randint(4, 6)
        q = None
        if rng.random() < 0.5:
            q = ctx.make_quotas(cap, rng.randint(1, 4), rng.uniform(0.7, 1.3))
        ctx.emit(s, cap, q, crit)
    return {"person": 1.0, "vulnerable_member": 2.0}


def prof_vulnerable_pool(ctx):
    rng = ctx.rng
    n = ctx.n_pledges(25, 50)
    ctx.pick_states(n)
    ctx.gen_households(base_fl_shares(rng), vuln_p=0.24, vuln_extra=(2, 2, 2, 3, 3, 4),
                       implied_extra_p=0.5)
    states = ctx.assign_states(n)
    caps = capacities_by_state(ctx, states, int(ctx.persons * rng.uniform(0.30, 0.55)))
    for s, cap in zip(states, caps, strict=False):
        crit = ctx.random_criteria(p_excl=0.0)
        if rng.random() < 0.55:
            crit["excluded_vulnerabilities"] = wsample(rng, MEDICAL, [5, 4, 3], rng.randint(1, 3))
        q = None
        if rng.random() < 0.6:
            q = ctx.make_quotas(cap, rng.randint(1, 5), rng.uniform(0.7, 1.3))
        ctx.emit(s, cap, q, crit)
    return {"person": 1.0, "vulnerable_member": 5.0, "waiting_month": 0.05}


def prof_quota_lattice(ctx):
    rng = ctx.rng
    n = ctx.n_pledges(55, 70)
    ctx.pick_states(n)
    ctx.gen_households(base_fl_shares(rng))
    states = ctx.assign_states(n)
    qmax = max(1, int(round(25 * ctx.s)))
    present = ctx.fl_present()
    for s in states:
        k = min(len(present), rng.choices((2, 3, 4, 5), weights=(1, 1, 3, 5))[0])
        chosen = wsample(rng, present, [ctx.fl_persons[f] + 1 for f in present], k)
        chosen.sort(key=FRONTLINE.index)
        q = {}
        for f in chosen:
            v = max(rng.randint(1, qmax) for _ in range(3))   # skewed to large
            q[f] = min(odd(v), qmax if qmax % 2 else qmax - 1) if qmax > 1 else 1
        qs = sum(q.values())
        mq = max(q.values())
        lo_cap = max(mq + 1, int(0.75 * qs))
        cap = rng.randint(lo_cap, qs - 1) if lo_cap <= qs - 1 else max(1, qs - 1)
        ctx.emit(s, cap, q, ctx.random_criteria(p_nat=.2, p_comp=.2, p_max=.2, p_excl=.2, p_lang=.03))
    return dict(DEFAULT_WEIGHTS)


def long_waiting(waves):
    def f(rng):
        r = rng.random()
        if r < 0.2:
            return rng.choice(waves)
        if r < 0.75:
            return 30 * rng.randint(0, 83)
        return rng.randint(0, 2500)
    return f


def prof_long_waiters(ctx):
    rng = ctx.rng
    k, n = ctx.n_pledges_per_state()
    ctx.pick_states(n, k)
    waves = sorted(rng.randint(0, 2500) for _ in range(rng.randint(5, 10)))
    ctx.gen_households(base_fl_shares(rng), tie_p=0.25, waiting=long_waiting(waves))
    states = ctx.assign_states(n)
    caps = capacities_by_state(ctx, states, int(ctx.persons * rng.uniform(0.30, 0.60)))
    for s, cap in zip(states, caps, strict=False):
        q = None
        if rng.random() < 0.5:
            q = ctx.make_quotas(cap, rng.randint(1, 4), rng.uniform(0.7, 1.3))
        ctx.emit(s, cap, q, ctx.random_criteria())
    return {"waiting_month": 0.5, "family_tie": 6.0, "cultural_tie": 0.0}


def prof_tiny_and_huge(ctx):
    rng = ctx.rng
    n = ctx.n_pledges(30, 50)
    ctx.pick_states(max(1, n - 4))        # up to 4 huge pledges go to big states
    ctx.gen_households(base_fl_shares(rng))
    n_tiny = n // 2
    n_huge = min(rng.randint(2, 4), n - n_tiny)
    n_med = n - n_tiny - n_huge
    target = int(ctx.persons * rng.uniform(0.45, 0.55))
    tiny_caps = [rng.randint(1, 6) for _ in range(n_tiny)]
    huge_min = max(7, int(1000 * ctx.s))
    left = target - sum(tiny_caps)
    huge_total = max(n_huge * huge_min, int(left * rng.uniform(0.55, 0.7)))
    huge_caps = [huge_min + x for x in split_int(rng, huge_total - n_huge * huge_min, n_huge, 0, 2.0)]
    med_total = max(n_med * 7, target - sum(tiny_caps) - sum(huge_caps))
    med_caps = split_int(rng, med_total, n_med, 7, 2.0)
    st = list(ctx.states)
    big = wsample(rng, st, [FAIR_KEY[s] ** 2 for s in st], n_huge)
    rest = ctx.assign_states(n_tiny + n_med)     # covers every pledging state
    rng.shuffle(rest)
    plan = [(s, c, "huge") for s, c in zip(big, huge_caps, strict=False)]
    plan += [(s, c, "tiny") for s, c in zip(rest[:n_tiny], tiny_caps, strict=False)]
    plan += [(s, c, "med") for s, c in zip(rest[n_tiny:], med_caps, strict=False)]
    order = {s: i for i, s in enumerate(st)}
    plan.sort(key=lambda t: order[t[0]])          # stable: grouped by state
    for s, cap, kind in plan:
        q = None
        if kind == "tiny":
            if rng.random() < 0.3:
                q = ctx.make_quotas(cap, 1, rng.uniform(0.7, 1.0))
            crit = ctx.random_criteria(p_nat=.25, p_comp=.3, p_max=.2, p_excl=.2, p_lang=.05)
        elif kind == "huge":
            if rng.random() < 0.5:
                q = ctx.make_quotas(cap, rng.randint(2, 5), rng.uniform(0.8, 1.2))
            crit = ctx.random_criteria(p_nat=.1, p_comp=.1, p_max=.2, p_excl=.3, p_lang=0)
        else:
            if rng.random() < 0.6:
                q = ctx.make_quotas(cap, rng.randint(1, 5), rng.uniform(0.7, 1.3))
            crit = ctx.random_criteria()
        ctx.emit(s, cap, q, crit)
    return {"person": 1.0}


def prof_one_frontline(ctx):
    rng = ctx.rng
    fl = rng.choice(FRONTLINE)
    n = ctx.n_pledges(15, 45)
    ctx.pick_states(n)
    ctx.gen_households({fl: 1.0})
    others = [f for f in FRONTLINE if f != fl]
    states = ctx.assign_states(n)
    caps = capacities_by_state(ctx, states, int(ctx.persons * rng.uniform(0.30, 0.60)))
    n_useless = min(n - 1, max(1, int(round(2 * min(1.0, ctx.m)))) + (rng.random() < 0.3))
    useless = set(wsample(rng, range(n), [1] * n, n_useless))
    for i, (s, cap) in enumerate(zip(states, caps, strict=False)):
        if i in useless:
            q = ctx.make_quotas(cap, rng.randint(1, 3), rng.uniform(0.8, 1.2), states=others)
            ctx.emit(s, cap, q, ctx.random_criteria(), alive=False)
            continue
        elif rng.random() < 0.55:
            k_other = rng.choices((0, 1, 2, 3), weights=(4, 3, 2, 1))[0]
            q = {fl: max(1, int(cap * rng.uniform(0.4, 1.1)))}
            for f in wsample(rng, others, [1] * 4, k_other):
                q[f] = max(1, int(cap * rng.uniform(0.1, 0.6)))
            q = {f: q[f] for f in FRONTLINE if f in q}
        else:
            q = None
        ctx.emit(s, cap, q, ctx.random_criteria())
    return dict(DEFAULT_WEIGHTS)


PROFILE_FUNCS = {
    "annual-pool": prof_annual_pool,
    "selective-states": prof_selective_states,
    "family-heavy": prof_family_heavy,
    "vulnerable-pool": prof_vulnerable_pool,
    "quota-lattice": prof_quota_lattice,
    "long-waiters": prof_long_waiters,
    "tiny-and-huge": prof_tiny_and_huge,
    "one-frontline": prof_one_frontline,
}


def generate(seed, households, profile):
    if profile not in PROFILE_FUNCS:
        raise ValueError(f"unknown profile {profile!r}; one of {', '.join(PROFILES)}")
    if households < 1:
        raise ValueError("--households must be >= 1")
    ctx = Ctx(seed, households, profile)
    weights = PROFILE_FUNCS[profile](ctx)
    assert len(ctx.pledges) <= MAX_PLEDGES
    return {"format": FORMAT, "weights": weights,
            "households": ctx.households, "pledges": ctx.pledges}


def dump(instance, path):
    """One household / pledge per line: readable, diffable, compact enough."""
    def j(x):
        return json.dumps(x, separators=(", ", ": "), ensure_ascii=True)
    parts = ['{"format": ' + j(instance["format"]) + ",",
             '"weights": ' + j(instance["weights"]) + ",",
             '"households": [']
    parts.append(",\n".join(j(h) for h in instance["households"]))
    parts.append('],\n"pledges": [')
    parts.append(",\n".join(j(p) for p in instance["pledges"]))
    parts.append("]}\n")
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(parts))
    os.replace(tmp, path)


# ---------------------------------------------------------------------------
# Independent validator and statistics (contract rules only)
# ---------------------------------------------------------------------------

ISO_3166 = set("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
VN VU WF WS YE YT ZA ZM ZW""".split())
ISO_639_1 = set("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu
hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb
lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om
or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw
ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split())

H_FIELDS = ("id", "frontline_state", "size", "vulnerable_members", "nationality",
            "composition", "vulnerabilities", "languages", "family_ties",
            "cultural_ties", "waiting_days", "excluded_states")
P_FIELDS = ("id", "state", "capacity", "quotas", "criteria")
C_FIELDS = ("nationalities", "compositions", "max_household_size",
            "excluded_vulnerabilities", "languages")


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def _is_num(x):
    return (isinstance(x, (int, float)) and not isinstance(x, bool)
            and math.isfinite(x))


def _objects(instance, key, bad):
    """The objects of the list ``instance[key]``, each with its place's name; reports a
    missing list and anything in it that is not an object."""
    items = instance.get(key)
    if not isinstance(items, list):
        bad(f"{key}: missing or not a list")
        return
    for i, obj in enumerate(items):
        if isinstance(obj, dict):
            yield obj, f"{key}[{i}]"
        else:
            bad(f"{key}[{i}]: not an object")


def _fields_and_id(obj, where, required, known, seen, kind, bad):
    """Report missing and unknown fields and a missing or repeated id; returns how to name
    the object from here on (by its id once that is known to be good)."""
    for f in required:
        if f not in obj:
            bad(f"{where}: missing field {f!r}")
    for f in obj:
        if f not in known:
            bad(f"{where}: unknown field {f!r}")
    oid = obj.get("id")
    if not isinstance(oid, str) or not oid:
        bad(f"{where}: id not a non-empty string")
    elif oid in seen:
        bad(f"{where}: duplicate id {oid}")
    else:
        seen.add(oid)
        return f"{kind} {oid}"
    return where


def validate(instance):
    """Problems of an instance against the contract (empty list = ok)."""
    P = []

    def bad(msg):
        if len(P) < 60:
            P.append(msg)

    def str_list(where, v, vocab=None, kind="", dup_ok=False):
        if not isinstance(v, list):
            bad(f"{where}: not a list")
            return
        for x in v:
            if not isinstance(x, str):
                bad(f"{where}: element {x!r} is not a string")
            elif vocab is not None and x not in vocab:
                bad(f"{where}: {x!r} is not a {kind}")
        if not dup_ok and len(set(x for x in v if isinstance(x, str))) != len(v):
            bad(f"{where}: duplicate elements")

    if not isinstance(instance, dict):
        return ["instance is not a JSON object"]
    for k in instance:
        if k not in ("format", "weights", "households", "pledges"):
            bad(f"unknown top-level key {k!r}")
    if instance.get("format") != FORMAT:
        bad(f"format is {instance.get('format')!r}, expected {FORMAT!r}")
    w = instance.get("weights", {})
    if not isinstance(w, dict):
        bad("weights: not an object")
    else:
        for k, v in w.items():
            if k not in DEFAULT_WEIGHTS:
                bad(f"weights: unknown key {k!r}")
            elif not _is_num(v):
                bad(f"weights.{k}: not a finite number")
            elif v < 0:
                bad(f"weights.{k}: negative")
    seen = set()
    for h, where in _objects(instance, "households", bad):
        where = _fields_and_id(h, where, H_FIELDS, H_FIELDS, seen, "household", bad)
        if h.get("frontline_state") not in FRONTLINE:
            bad(f"{where}: frontline_state {h.get('frontline_state')!r} not one of {FRONTLINE}")
        size = h.get("size")
        if not _is_int(size) or size < 1:
            bad(f"{where}: size {size!r} not an integer >= 1")
            size = None
        vm = h.get("vulnerable_members")
        if not _is_int(vm) or vm < 0 or (size is not None and vm > size):
            bad(f"{where}: vulnerable_members {vm!r} not in 0..size")
        nat = h.get("nationality")
        if not isinstance(nat, str) or (nat not in ISO_3166 and nat != "XX"):
            bad(f"{where}: nationality {nat!r} not ISO 3166-1 alpha-2 (or XX)")
        if h.get("composition") not in COMPOSITIONS:
            bad(f"{where}: composition {h.get('composition')!r} unknown")
        if "vulnerabilities" in h:
            str_list(f"{where}.vulnerabilities", h["vulnerabilities"], VULNERABILITIES, "vulnerability")
        if "languages" in h:
            str_list(f"{where}.languages", h["languages"], ISO_639_1, "ISO 639-1 code")
        for f in ("family_ties", "cultural_ties", "excluded_states"):
            if f in h:
                str_list(f"{where}.{f}", h[f], ISO_3166, "ISO 3166-1 code")
        wd = h.get("waiting_days")
        if not _is_int(wd) or wd < 0:
            bad(f"{where}: waiting_days {wd!r} not an integer >= 0")
    seenp = set()
    for p, where in _objects(instance, "pledges", bad):
        where = _fields_and_id(p, where, ("id", "state", "capacity"), P_FIELDS, seenp, "pledge", bad)
        st = p.get("state")
        if not isinstance(st, str) or st not in ISO_3166:
            bad(f"{where}: state {st!r} not ISO 3166-1 alpha-2")
        elif st in FRONTLINE:
            bad(f"{where}: state {st} is a frontline state (not a pledging state)")
        cap = p.get("capacity")
        if not _is_int(cap) or cap < 0:
            bad(f"{where}: capacity {cap!r} not an integer >= 0")
        q = p.get("quotas", {})
        if q is None:
            bad(f"{where}: quotas is null (use {{}} or leave it out)")
        elif not isinstance(q, dict):
            bad(f"{where}: quotas not an object")
        elif q:
            for k, v in q.items():
                if k not in FRONTLINE:
                    bad(f"{where}: quota key {k!r} not a frontline state")
                if not _is_int(v) or v < 0:
                    bad(f"{where}: quota {k}={v!r} not an integer >= 0")
        c = p.get("criteria", {})
        if c is None:
            c = {}
        if not isinstance(c, dict):
            bad(f"{where}: criteria not an object")
            continue
        for k, v in c.items():
            if k not in C_FIELDS:
                bad(f"{where}: unknown criterion {k!r}")
            elif k == "max_household_size":
                if v is not None and (not _is_int(v) or v < 1):
                    bad(f"{where}: max_household_size {v!r} not null or an integer >= 1")
            elif v is None:
                pass  # reported below: a list criterion must be a list
            else:
                vocab, kind = {"nationalities": (ISO_3166 | {"XX"}, "nationality"),
                               "compositions": (set(COMPOSITIONS), "composition"),
                               "excluded_vulnerabilities": (set(VULNERABILITIES), "vulnerability"),
                               "languages": (ISO_639_1, "ISO 639-1 code")}[k]
                str_list(f"{where}.criteria.{k}", v, vocab, kind)
        for k in C_FIELDS:
            if k != "max_household_size" and k in c and c[k] is None:
                bad(f"{where}: criteria.{k} is null (use [] or leave it out)")
    for key in ("households", "pledges"):
        if not isinstance(instance.get(key), list) or not instance[key]:
            bad(f"no {key}")
    return P


def eligible(h, p):
    """The contract's 7 eligibility rules."""
    c = p.get("criteria") or {}
    n = c.get("nationalities") or []
    if n and h["nationality"] not in n:
        return False
    cs = c.get("compositions") or []
    if cs and h["composition"] not in cs:
        return False
    m = c.get("max_household_size")
    if m is not None and h["size"] > m:
        return False
    ex = c.get("excluded_vulnerabilities") or []
    if any(v in ex for v in h["vulnerabilities"]):
        return False
    ls = c.get("languages") or []
    if ls and not any(lang in ls for lang in h["languages"]):
        return False
    if p["state"] in h["excluded_states"]:
        return False
    q = p.get("quotas") or {}
    if q and h["frontline_state"] not in q:
        return False
    return True


def stats(instance):
    hs, ps = instance["households"], instance["pledges"]
    persons = sum(h["size"] for h in hs)
    places = sum(p["capacity"] for p in ps)
    # group identical eligibility signatures
    groups = {}
    for h in hs:
        key = (h["frontline_state"], h["nationality"], h["composition"], h["size"],
               tuple(h["vulnerabilities"]), tuple(h["languages"]), tuple(h["excluded_states"]))
        g = groups.get(key)
        if g is None:
            groups[key] = [h, 1, h["size"]]
        else:
            g[1] += 1
            g[2] += h["size"]
    tot_elig = 0
    zero = 0
    low = 0     # households eligible for 0..3 pledges
    pledge_hh = [0] * len(ps)
    pledge_persons = [0] * len(ps)
    for h, cnt, pers in groups.values():
        e = 0
        for j, p in enumerate(ps):
            if eligible(h, p):
                e += 1
                pledge_hh[j] += cnt
                pledge_persons[j] += pers
        tot_elig += e * cnt
        if e == 0:
            zero += cnt
        if e <= 3:
            low += cnt
    # places that can be reached at all (capacity capped by eligible persons)
    reachable = 0
    for j, p in enumerate(ps):
        lim = min(p["capacity"], pledge_persons[j])
        q = p.get("quotas") or {}
        if q:
            lim = min(lim, sum(q.values()))
        reachable += lim
    nh = len(hs) or 1
    return {
        "households": len(hs), "persons": persons, "pledges": len(ps),
        "places": places, "places_per_person": places / (persons or 1),
        "mean_eligible": tot_elig / nh, "zero_eligible": zero / nh,
        "le3_eligible": low / nh,
        "dead_pledges": sum(1 for x in pledge_hh if x == 0),
        "with_quotas": sum(1 for p in ps if p.get("quotas")),
        "vulnerable_hh": sum(1 for h in hs if h["vulnerabilities"]) / nh,
        "reachable_places": reachable / (persons or 1),
    }


def format_stats(st):
    return (f"pledges={st['pledges']} (quotas {st['with_quotas']}, no eligible household "
            f"{st['dead_pledges']}) persons={st['persons']} places/persons="
            f"{st['places_per_person']:.3f} mean_eligible={st['mean_eligible']:.2f} "
            f"zero_eligible={100 * st['zero_eligible']:.1f}% "
            f"le3_eligible={100 * st['le3_eligible']:.1f}% "
            f"vulnerable_hh={100 * st['vulnerable_hh']:.1f}% "
            f"capped_places/persons={st['reachable_places']:.3f}")


def check_file(path):
    try:
        with open(path, encoding="utf-8") as f:
            inst = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{path}: cannot read: {e}")
        return False
    probs = validate(inst)
    if probs:
        print(f"{path}: {len(probs)} problem(s)")
        for p in probs:
            print(f"  {p}")
        return False
    print(f"{path}: ok")
    print(f"  {format_stats(stats(inst))}")
    return True


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--households", type=int, default=10000)
    ap.add_argument("--profile", choices=PROFILES)
    ap.add_argument("--out")
    ap.add_argument("--set", metavar="DIR")
    ap.add_argument("--seeds", type=int, default=16)
    ap.add_argument("--check", nargs="+", metavar="FILE")
    a = ap.parse_args(argv)
    if a.check:
        ok = all([check_file(p) for p in a.check])
        return 0 if ok else 1
    if a.set:
        for s in range(1, a.seeds + 1):
            prof = PROFILES[(s - 1) % len(PROFILES)]
            out = os.path.join(a.set, f"{prof}-{s}.json")
            inst = generate(s, a.households, prof)
            dump(inst, out)
            print(f"{out}: profile={prof} households={a.households} pledges={len(inst['pledges'])}")
        return 0
    if a.seed is None or not a.profile or not a.out:
        ap.error("need --seed, --profile and --out (or --set DIR, or --check FILE)")
    inst = generate(a.seed, a.households, a.profile)
    dump(inst, a.out)
    print(f"{a.out}: profile={a.profile} households={a.households} pledges={len(inst['pledges'])}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)

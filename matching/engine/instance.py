"""Read and validate a ``relocation-matching/1`` instance into typed, immutable objects.

Every problem with the input ends in one :class:`InstanceError` whose message is a single
readable line naming the offending field, e.g.
``households[3] (H-000004): "size" must be an integer >= 1, got -2``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "relocation-matching/1"

FRONTLINE_STATES = frozenset({"CY", "GR", "IT", "MT", "ES"})

COMPOSITIONS = frozenset(
    {
        "single_man",
        "single_woman",
        "couple",
        "family_with_children",
        "single_parent",
        "unaccompanied_minor",
    }
)

# Article 24 of the recast Reception Conditions Directive (EU) 2024/1346.
VULNERABILITIES = frozenset(
    {
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
    }
)

DEFAULT_WEIGHTS = {
    "person": 1.0,
    "vulnerable_member": 2.0,
    "family_tie": 3.0,
    "cultural_tie": 1.0,
    "waiting_month": 0.1,
}

CRITERIA_KEYS = frozenset(
    {"nationalities", "compositions", "max_household_size", "excluded_vulnerabilities", "languages"}
)

# Households larger than this are refused as a data error: the contract sets no maximum, but
# the engine's counts and programs assume persons per household in the tens (a household of
# 10**20 persons does not fit its integers, and one of 10**9 would ruin its programs' numbers).
MAX_HOUSEHOLD_SIZE = 10_000

# The objective is a sum of household values in floating point: weights and waiting times are
# refused where the values of all households together could pass this (each of them finite on
# its own, a weight of 1e307 made the sum overflow: a traceback, not one line).
LARGEST_OBJECTIVE = 1e300

_COUNTRY = re.compile(r"[A-Z]{2}\Z")
_LANGUAGE = re.compile(r"[a-z]{2}\Z")


class InstanceError(ValueError):
    """The instance is malformed. ``str(error)`` is one readable line."""


@dataclass(frozen=True, slots=True)
class Weights:
    person: float = 1.0
    vulnerable_member: float = 2.0
    family_tie: float = 3.0
    cultural_tie: float = 1.0
    waiting_month: float = 0.1


@dataclass(frozen=True, slots=True)
class Household:
    id: str
    frontline_state: str
    size: int
    vulnerable_members: int
    nationality: str
    composition: str
    vulnerabilities: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    family_ties: frozenset[str] = frozenset()
    cultural_ties: frozenset[str] = frozenset()
    waiting_days: float = 0
    excluded_states: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Criteria:
    """National criteria of a pledge. Empty sets and ``None`` mean "no restriction"."""

    nationalities: frozenset[str] = frozenset()
    compositions: frozenset[str] = frozenset()
    max_household_size: int | None = None
    excluded_vulnerabilities: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Pledge:
    id: str
    state: str
    capacity: int
    quotas: dict[str, int] = field(default_factory=dict)
    criteria: Criteria = Criteria()


@dataclass(frozen=True, slots=True)
class Instance:
    weights: Weights
    households: tuple[Household, ...]
    pledges: tuple[Pledge, ...]

    def household_by_id(self) -> dict[str, Household]:
        return {h.id: h for h in self.households}

    def pledge_by_id(self) -> dict[str, Pledge]:
        return {p.id: p for p in self.pledges}


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def load_instance(path: str | Path) -> Instance:
    """Read an instance file; any problem (unreadable, not JSON, malformed) is an InstanceError.
    A UTF-8 byte order mark at its start is skipped, as the household import's does (editors
    and PowerShell on Windows write one)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InstanceError(f"instance file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError(f"cannot read instance file {path}: {_one_line(exc)}") from None
    return parse_instance_text(text)


def parse_instance_text(text: str) -> Instance:
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InstanceError(
            f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise InstanceError(f"invalid JSON: {_one_line(exc)}") from None
    return parse_instance(data)


def parse_instance(data: Any) -> Instance:
    """Validate an already decoded JSON document."""
    if not isinstance(data, dict):
        raise InstanceError(f"the instance must be a JSON object, got {_typename(data)}")
    if "format" not in data:
        raise InstanceError(f'missing field "format" (expected "{FORMAT}")')
    if data["format"] != FORMAT:
        raise InstanceError(f'unsupported "format" {data["format"]!r}, expected "{FORMAT}"')

    weights = _parse_weights(data.get("weights"))

    raw_households = _require(data, "households", "the instance")
    if not isinstance(raw_households, list):
        raise InstanceError(f'"households" must be a list, got {_typename(raw_households)}')
    raw_pledges = _require(data, "pledges", "the instance")
    if not isinstance(raw_pledges, list):
        raise InstanceError(f'"pledges" must be a list, got {_typename(raw_pledges)}')

    households = []
    seen: set[str] = set()
    checked = _Checked()
    for index, raw in enumerate(raw_households):
        household = _parse_household(raw, index, checked)
        if household.id in seen:
            raise InstanceError(f"duplicate household id {household.id!r} (households[{index}])")
        seen.add(household.id)
        households.append(household)

    _check_values_fit(weights, households)

    pledges = []
    seen = set()
    for index, raw in enumerate(raw_pledges):
        pledge = _parse_pledge(raw, index)
        if pledge.id in seen:
            raise InstanceError(f"duplicate pledge id {pledge.id!r} (pledges[{index}])")
        seen.add(pledge.id)
        pledges.append(pledge)

    return Instance(weights=weights, households=tuple(households), pledges=tuple(pledges))


def _parse_weights(raw: Any) -> Weights:
    if raw is None:
        return Weights()
    if not isinstance(raw, dict):
        raise InstanceError(f'"weights" must be an object, got {_typename(raw)}')
    values = dict(DEFAULT_WEIGHTS)
    for key, value in raw.items():
        if key not in DEFAULT_WEIGHTS:
            known = ", ".join(DEFAULT_WEIGHTS)
            raise InstanceError(f'unknown weight {key!r} in "weights" (known: {known})')
        if not _is_finite_number(value):
            raise InstanceError(f'weights "{key}" must be a finite number, got {value!r}')
        values[key] = float(value)
    return Weights(**values)


def _check_values_fit(w: Weights, households: list[Household]) -> None:
    """Refuse weights and waiting times whose values could sum past ``LARGEST_OBJECTIVE``
    (a bound on every household's value: its largest size times every weight, waiting included
    at the longest wait; vulnerable members are at most its size)."""
    if not households:
        return
    largest = max(h.size for h in households)
    longest = max(h.waiting_days for h in households)
    waiting = abs(w.waiting_month) * (longest / 30) if w.waiting_month else 0.0
    per_person = abs(w.person) + abs(w.vulnerable_member) + abs(w.family_tie) + abs(w.cultural_tie)
    if not largest * (per_person + waiting) * len(households) <= LARGEST_OBJECTIVE:  # inf too
        raise InstanceError(
            f"the weights make values too large for a number: with households of up to {largest} "
            f"persons waiting up to {longest:g} days, the values of {len(households)} households "
            f"could sum past {LARGEST_OBJECTIVE:g}"
        )


class _Checked:
    """The codes and lists this instance's households have already shown to be valid.
    Households repeat a few nationalities, languages and ties: each is checked, and its set
    built, once per instance (reading 10,000 households took 0.085 s before, 0.055 s with it).
    A value seen before is one equal to it (a list: the same items in the same order)."""

    def __init__(self) -> None:
        self.countries: set[str] = set()
        self.sets: dict[tuple, frozenset[str]] = {}

    def country(self, value: Any, where: str, key: str) -> None:
        """:func:`_check_country`, once per distinct code."""
        if type(value) is not str or value not in self.countries:
            _check_country(value, where, key)
            self.countries.add(value)

    def known_set(
        self, check: Callable[..., frozenset[str]], raw: dict, key: str, where: str, *args
    ) -> frozenset[str]:
        """``check(raw, key, where, *args, required=True)`` (:func:`_code_list` or
        :func:`_word_list`), once per distinct list."""
        items = raw.get(key)
        try:
            memo_key = (key, *items) if type(items) is list else None
            found = self.sets.get(memo_key)
        except TypeError:  # an unhashable item: refused by ``check`` below
            memo_key = found = None
        if found is None:
            found = check(raw, key, where, *args, required=True)
            if memo_key is not None:
                self.sets[memo_key] = found
        return found


def _parse_household(raw: Any, index: int, checked: _Checked) -> Household:
    where = f"households[{index}]"
    if not isinstance(raw, dict):
        raise InstanceError(f"{where} must be an object, got {_typename(raw)}")
    hid = _require(raw, "id", where)
    if not isinstance(hid, str) or not hid.strip():
        raise InstanceError(f'{where}: "id" must be a non-empty string, got {hid!r}')
    where = f"{where} ({hid})"

    frontline = _require(raw, "frontline_state", where)
    if not isinstance(frontline, str) or frontline not in FRONTLINE_STATES:
        _check_country(frontline, where, "frontline_state")
        raise InstanceError(
            f'{where}: "frontline_state" {frontline!r} is not a frontline state '
            f"(one of {', '.join(sorted(FRONTLINE_STATES))})"
        )
    size = _int(raw, "size", where, minimum=1)
    if size > MAX_HOUSEHOLD_SIZE:
        raise InstanceError(
            f'{where}: "size" must be at most {MAX_HOUSEHOLD_SIZE} persons, got {size}'
        )
    vulnerable = _int(raw, "vulnerable_members", where, minimum=0)
    if vulnerable > size:
        raise InstanceError(f'{where}: "vulnerable_members" ({vulnerable}) exceeds "size" ({size})')
    nationality = _require(raw, "nationality", where)
    checked.country(nationality, where, "nationality")
    composition = _require(raw, "composition", where)
    if type(composition) is not str or composition not in COMPOSITIONS:
        _check_word(composition, COMPOSITIONS, where, "composition")
    waiting = _require(raw, "waiting_days", where)
    if not _is_finite_number(waiting) or waiting < 0:
        raise InstanceError(f'{where}: "waiting_days" must be a number >= 0, got {waiting!r}')

    known = checked.known_set
    return Household(
        id=hid,
        frontline_state=frontline,
        size=size,
        vulnerable_members=vulnerable,
        nationality=nationality,
        composition=composition,
        vulnerabilities=known(_word_list, raw, "vulnerabilities", where, VULNERABILITIES),
        languages=known(_code_list, raw, "languages", where, _LANGUAGE, "ISO 639-1"),
        family_ties=known(_code_list, raw, "family_ties", where, _COUNTRY, "ISO 3166-1"),
        cultural_ties=known(_code_list, raw, "cultural_ties", where, _COUNTRY, "ISO 3166-1"),
        waiting_days=waiting,
        excluded_states=known(_code_list, raw, "excluded_states", where, _COUNTRY, "ISO 3166-1"),
    )


def _parse_pledge(raw: Any, index: int) -> Pledge:
    where = f"pledges[{index}]"
    if not isinstance(raw, dict):
        raise InstanceError(f"{where} must be an object, got {_typename(raw)}")
    pid = _require(raw, "id", where)
    if not isinstance(pid, str) or not pid.strip():
        raise InstanceError(f'{where}: "id" must be a non-empty string, got {pid!r}')
    where = f"{where} ({pid})"
    state = _require(raw, "state", where)
    _check_country(state, where, "state")
    capacity = _int(raw, "capacity", where, minimum=0)

    quotas_raw = raw.get("quotas")
    quotas: dict[str, int] = {}
    if quotas_raw is not None:
        if not isinstance(quotas_raw, dict):
            raise InstanceError(f'{where}: "quotas" must be an object, got {_typename(quotas_raw)}')
        for key, value in quotas_raw.items():
            if not isinstance(key, str) or not _COUNTRY.match(key):
                raise InstanceError(
                    f'{where}: "quotas" key {key!r} is not a 2-letter upper-case state code'
                )
            if key not in FRONTLINE_STATES:
                raise InstanceError(
                    f'{where}: "quotas" names {key!r}, which is not a frontline state '
                    f"(one of {', '.join(sorted(FRONTLINE_STATES))})"
                )
            if not _is_int(value) or value < 0:
                raise InstanceError(
                    f'{where}: "quotas" value for {key} must be an integer >= 0, got {value!r}'
                )
            quotas[key] = value

    criteria_raw = raw.get("criteria")
    if criteria_raw is None:
        criteria = Criteria()
    else:
        criteria = _parse_criteria(criteria_raw, where)
    return Pledge(id=pid, state=state, capacity=capacity, quotas=quotas, criteria=criteria)


def _parse_criteria(raw: Any, where: str) -> Criteria:
    if not isinstance(raw, dict):
        raise InstanceError(f'{where}: "criteria" must be an object, got {_typename(raw)}')
    for key in raw:
        if key not in CRITERIA_KEYS:
            raise InstanceError(
                f"{where}: unknown criterion {key!r} (known: {', '.join(sorted(CRITERIA_KEYS))})"
            )
    where_c = f"{where} criteria"
    max_size = raw.get("max_household_size")
    if max_size is not None and (not _is_int(max_size) or max_size < 0):
        raise InstanceError(
            f'{where_c}: "max_household_size" must be null or an integer >= 0, got {max_size!r}'
        )
    return Criteria(
        nationalities=_code_list(raw, "nationalities", where_c, _COUNTRY, "ISO 3166-1"),
        compositions=_word_list(raw, "compositions", where_c, COMPOSITIONS),
        max_household_size=max_size,
        excluded_vulnerabilities=_word_list(
            raw, "excluded_vulnerabilities", where_c, VULNERABILITIES
        ),
        languages=_code_list(raw, "languages", where_c, _LANGUAGE, "ISO 639-1"),
    )


# ---------------------------------------------------------------------------------------------
# Small checks
# ---------------------------------------------------------------------------------------------


def _require(raw: dict, key: str, where: str) -> Any:
    if key not in raw:
        raise InstanceError(f'{where}: missing field "{key}"')
    return raw[key]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_finite_number(value: Any) -> bool:
    """A number that is a finite float too (JSON integers can be too large for one)."""
    if not _is_number(value):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _int(raw: dict, key: str, where: str, *, minimum: int) -> int:
    value = _require(raw, key, where)
    if type(value) is int and value >= minimum:  # the usual case, at once
        return value
    if not _is_int(value):
        raise InstanceError(f'{where}: "{key}" must be an integer >= {minimum}, got {value!r}')
    if value < minimum:
        raise InstanceError(f'{where}: "{key}" must be >= {minimum}, got {value}')
    return value


def _check_country(value: Any, where: str, key: str) -> None:
    if not isinstance(value, str) or not _COUNTRY.match(value):
        raise InstanceError(
            f'{where}: "{key}" must be a 2-letter upper-case ISO 3166-1 code, got {value!r}'
        )


def _check_word(value: Any, vocabulary: frozenset[str], where: str, key: str) -> None:
    if not isinstance(value, str):
        raise InstanceError(f'{where}: "{key}" must be a string, got {_typename(value)}')
    if value not in vocabulary:
        raise InstanceError(
            f'{where}: unknown word {value!r} in "{key}" (known: {", ".join(sorted(vocabulary))})'
        )


def _list(raw: dict, key: str, where: str, required: bool) -> list:
    if key not in raw:
        if required:
            raise InstanceError(f'{where}: missing field "{key}"')
        return []
    value = raw[key]
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise InstanceError(f'{where}: "{key}" must be a list, got {_typename(value)}')
    return value


def _word_list(
    raw: dict, key: str, where: str, vocabulary: frozenset[str], required: bool = False
) -> frozenset[str]:
    words = _list(raw, key, where, required)
    for word in words:
        _check_word(word, vocabulary, where, key)
    return frozenset(words)


def _code_list(
    raw: dict, key: str, where: str, pattern: re.Pattern, standard: str, required: bool = False
) -> frozenset[str]:
    codes = _list(raw, key, where, required)
    case = "upper" if pattern is _COUNTRY else "lower"
    for code in codes:
        if not isinstance(code, str) or not pattern.match(code):
            raise InstanceError(
                f'{where}: "{key}" holds {code!r}, not a 2-letter {case}-case {standard} code'
            )
    return frozenset(codes)


def _typename(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())

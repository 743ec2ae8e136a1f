"""The demo world's pledges (runs after ``cases.demo``).

* The 2022-2024 Voluntary Solidarity Mechanism: the 13 pledging states with over 8,000 places,
  Germany and France the largest, some quotas per frontline state and national criteria, and
  an amendment history.
* The capacity ledger replayed from the case files' status history: every household proposed
  to a state holds places of that state's pledge (released after a rejection), so the
  dashboard shows the relocations of 9 February 2024: over 4,000 persons, over half of the
  places pledged.
* The 2026 Annual Solidarity Pool: relocation, financial and alternative-measure pledges
  against the 30,000 / EUR 600 million target.

Places are sized from the case files so that no pledge or quota is ever overbooked: each of
the smaller states pledges what its relocations and pipeline need plus a margin, and Germany
and France share the rest of a total just over 8,000. Built with ``bulk_create``; skipped
when the cycles already hold pledges.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from cases.models import CaseStatus, Household, StatusChange

from . import reference
from .models import Placement, Pledge, PledgeQuota, PledgeVersion, SolidarityCycle, StateReferenceFigure
from .services import snapshot_of, stage_stays_sync

S = CaseStatus
PLEDGING_STATES_2022 = ["BE", "BG", "HR", "FR", "DE", "IE", "LT", "LU", "NL", "PT", "RO", "NO", "CH"]
# Germany (3,500) and France (3,000) made the largest pledges of 2022: their ceilings here.
DEFAULT_PLACES = {"DE": 3500, "FR": 3000}
TOTAL_TARGET = 8080
# Pledges with quotas per frontline state, and national criteria (the matching contract's words).
WITH_QUOTAS = {"PT", "LU", "NL", "HR"}
CRITERIA = {
    "DE": {"prioritised_vulnerabilities": ["unaccompanied_minor", "single_parent"]},
    "FR": {"languages": [], "prioritised_vulnerabilities": ["torture_or_violence_victim"]},
    "PT": {"compositions": ["family_with_children", "single_parent", "single_woman", "couple"]},
    "IE": {"max_household_size": 7, "prioritised_vulnerabilities": ["single_parent"]},
    "LU": {"nationalities": ["SY", "AF", "ER", "SD", "IQ", "PS", "SO", "CD", "XX"]},
    "CH": {"excluded_vulnerabilities": [], "prioritised_vulnerabilities": ["mental_disorder"]},
    "HR": {"max_household_size": 5},
    "LT": {"compositions": ["family_with_children", "single_parent", "couple"]},
}
PLEDGED_ON = dt.date(2022, 7, 1)

POOL_2026 = [
    # (state, kind, places, EUR, description, quotas)
    ("FR", "relocation", 1500, None, "", {"GR": 500, "IT": 500, "CY": 200}),
    ("DE", "relocation", 2000, None, "", {}),
    ("PT", "relocation", 400, None, "", {"GR": 200, "CY": 100}),
    ("IE", "relocation", 300, None, "", {}),
    ("BE", "relocation", 600, None, "", {}),
    ("LU", "relocation", 60, None, "", {}),
    ("NL", "financial", None, 50_000_000, "", {}),
    ("AT", "financial", None, 40_000_000, "", {}),
    ("SE", "financial", None, 30_000_000, "", {}),
    ("SK", "financial", None, 10_000_000, "", {}),
    ("CZ", "alternative", None, 15_000_000,
     "Reception capacity support in Cyprus: staff, equipment and two prefabricated centres.", {}),
    ("FI", "alternative", None, 8_000_000, "Operational support to Greece's asylum service (case officers).", {}),
]

STAGE_OF_CASE = {"proposed": "proposed", "accepted": "accepted", "transfer_pending": "in_transfer",
                 "relocated": "relocated"}
RELEASING = {S.REJECTED, S.AVAILABLE, S.CONSENT_WITHDRAWN, S.ABSCONDED, S.EXCLUDED, S.INELIGIBLE, S.CLOSED}


@dataclass
class Plan:
    household_id: int
    frontline: str
    persons: int
    destination: str
    proposed_at: dt.datetime
    accepted_at: dt.datetime | None = None
    in_transfer_at: dt.datetime | None = None
    relocated_at: dt.datetime | None = None
    released_at: dt.datetime | None = None
    reason: str = ""
    extra: dict = field(default_factory=dict)


def _replay() -> list[Plan]:
    """Placements implied by the case files' status history (one query)."""
    proposed = StatusChange.objects.filter(to_status=S.PROPOSED).values("household_id")
    rows = (
        StatusChange.objects.filter(household_id__in=proposed)
        .exclude(household__placements__isnull=False)
        .order_by("household_id", "at", "id")
        .values_list("household_id", "household__frontline_state_id", "household__size", "to_status", "at",
                     "destination_state_id", "reason")
    )
    plans: list[Plan] = []
    current: Plan | None = None
    last_household = None
    for household_id, frontline, size, status, at, destination, reason in rows:
        if household_id != last_household:
            if current is not None:
                plans.append(current)
            current, last_household = None, household_id
        if status == S.PROPOSED and destination and size:
            if current is not None:
                current.released_at, current.reason = at, "Proposed again"
                plans.append(current)
            current = Plan(household_id, frontline, size, destination, proposed_at=at)
        elif current is None:
            continue
        elif status == S.ACCEPTED:
            current.accepted_at = at
        elif status == S.TRANSFER_PENDING:
            current.in_transfer_at = at
        elif status == S.RELOCATED:
            current.relocated_at = at
        elif status in RELEASING:
            current.released_at, current.reason = at, reason or str(S(status).label)
            plans.append(current)
            current = None
    if current is not None:
        plans.append(current)
    return plans


def _round_up(value: float, step: int = 10) -> int:
    return int(math.ceil(value / step) * step)


def _size_pledges(active: dict[str, int]) -> dict[str, int]:
    """Places per state: the smaller states' needs plus a margin; Germany and France share the rest."""
    places = {}
    for state in PLEDGING_STATES_2022:
        if state in ("DE", "FR"):
            continue
        places[state] = _round_up(active.get(state, 0) * 1.1 + 10)
    relocated_need = {s: active.get(s, 0) for s in ("DE", "FR")}
    rest = TOTAL_TARGET - sum(places.values())
    de = max(_round_up(rest * 0.6, 50), _round_up(relocated_need["DE"] * 1.1 + 10))
    fr = max(rest - de, _round_up(relocated_need["FR"] * 1.1 + 10))
    places["DE"], places["FR"] = min(de, DEFAULT_PLACES["DE"]), min(fr, DEFAULT_PLACES["FR"])
    return places


def _quotas(places: int, per_frontline: dict[str, int]) -> dict[str, int]:
    if not per_frontline:
        return {"GR": places // 2, "IT": places // 4}
    spare = places - sum(per_frontline.values())
    share = spare // (2 * len(per_frontline))
    return {code: persons + share for code, persons in sorted(per_frontline.items())}


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


def _versions_for(pledges: list[Pledge], quotas: dict[int, dict[str, int]], by, when: dt.datetime) -> list[PledgeVersion]:
    return [
        PledgeVersion(
            pledge=p, number=1, effective_at=when, recorded_at=when, by=by, reason="Pledge recorded (demo world).",
            snapshot=snapshot_of(p, quotas.get(p.pk, {})), status=p.status, places=p.places, amount_eur=p.amount_eur,
        )
        for p in pledges
    ]


def _seed_vsm(world, by) -> tuple[SolidarityCycle, int]:
    cycle, _ = SolidarityCycle.objects.get_or_create(
        code="vsm-2022",
        defaults={"name": "Voluntary Solidarity Mechanism 2022-2024", "kind": SolidarityCycle.Kind.VOLUNTARY_MECHANISM,
                  "starts_on": dt.date(2022, 6, 22), "ends_on": dt.date(2024, 6, 30)},
    )
    plans = _replay()
    if cycle.pledges.exists():
        pledges = {p.state_id: p for p in cycle.pledges.filter(kind=Pledge.Kind.RELOCATION)}
        plans = [p for p in plans if p.destination in pledges]  # households the first run did not know
        return cycle, _write_placements(plans, pledges) if plans else 0
    active: dict[str, int] = defaultdict(int)
    per_frontline: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for plan in plans:
        if plan.released_at is None:
            active[plan.destination] += plan.persons
            per_frontline[plan.destination][plan.frontline] += plan.persons
    places = _size_pledges(active)
    when = _aware(PLEDGED_ON)
    pledges = {}
    for state in PLEDGING_STATES_2022:
        # Ireland's first pledge was smaller; it grew in 2023 (see the amendment below).
        first = places[state] - 60 if state == "IE" and places[state] - 60 >= active.get("IE", 0) else places[state]
        pledges[state] = Pledge(
            cycle=cycle, state_id=state, kind=Pledge.Kind.RELOCATION, places=first, status=Pledge.Status.OPEN,
            valid_from=PLEDGED_ON, valid_to=dt.date(2024, 6, 30), created_at=when, updated_at=when,
            **CRITERIA.get(state, {}),
        )
    Pledge.objects.bulk_create(pledges.values())
    quotas = {p.pk: (_quotas(places[s], dict(per_frontline[s])) if s in WITH_QUOTAS else {}) for s, p in pledges.items()}
    PledgeQuota.objects.bulk_create(
        PledgeQuota(pledge_id=pk, frontline_state_id=code, places=n) for pk, qs in quotas.items() for code, n in qs.items()
    )
    PledgeVersion.objects.bulk_create(_versions_for(list(pledges.values()), quotas, by, when))
    ie = pledges["IE"]
    if ie.places != places["IE"]:
        before = snapshot_of(ie, quotas[ie.pk])
        ie.places, ie.version, ie.updated_at = places["IE"], 2, _aware(dt.date(2023, 4, 17))
        ie.save(update_fields=["places", "version", "updated_at"])
        after = snapshot_of(ie, quotas[ie.pk])
        PledgeVersion.objects.create(
            pledge=ie, number=2, effective_at=ie.updated_at, recorded_at=ie.updated_at, by=by,
            reason="Ireland extended its pledge after the government decision of April 2023.",
            changes={"places": {"from": before["places"], "to": after["places"]}}, snapshot=after,
            status=ie.status, places=ie.places,
        )
    return cycle, _write_placements(plans, pledges)


def _write_placements(plans: list[Plan], pledges: dict[str, Pledge]) -> int:
    rows = []
    for plan in plans:
        pledge = pledges.get(plan.destination)
        if pledge is None:
            continue
        # A later stage implies the earlier ones: fill any missing timestamp from the next one.
        relocated = plan.relocated_at
        in_transfer = plan.in_transfer_at or relocated
        accepted = plan.accepted_at or in_transfer
        stage = ("relocated" if relocated else "in_transfer" if in_transfer else "accepted" if accepted
                 else "proposed")
        rows.append(Placement(
            pledge=pledge, frontline_state_id=plan.frontline, household_id=plan.household_id, persons=plan.persons,
            stage=stage, proposed_at=plan.proposed_at, accepted_at=accepted, in_transfer_at=in_transfer,
            relocated_at=relocated, released_at=None if relocated else plan.released_at,
            release_reason="" if relocated else plan.reason,
        ))
    Placement.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _seed_pool(by) -> SolidarityCycle:
    cycle, _ = SolidarityCycle.objects.get_or_create(
        code="pool-2026",
        defaults={"name": "Annual Solidarity Pool 2026", "kind": SolidarityCycle.Kind.ANNUAL_POOL,
                  "starts_on": dt.date(2026, 1, 1), "ends_on": dt.date(2026, 12, 31), "target_relocations": 30_000,
                  "target_financial_eur": 600_000_000, "per_person_value_eur": 20_000, "reference_year": 2024},
    )
    if cycle.pledges.exists():
        return cycle
    when = _aware(dt.date(2025, 12, 15))
    pledges, quotas = [], {}
    for state, kind, places, eur, description, _quota in POOL_2026:
        pledges.append(Pledge(
            cycle=cycle, state_id=state, kind=kind, places=places, amount_eur=eur, description=description,
            status=Pledge.Status.OPEN, valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 31),
            created_at=when, updated_at=when,
        ))
    Pledge.objects.bulk_create(pledges)
    for pledge, (*_rest, quota) in zip(pledges, POOL_2026, strict=True):
        quotas[pledge.pk] = quota
    PledgeQuota.objects.bulk_create(
        PledgeQuota(pledge_id=pk, frontline_state_id=code, places=n) for pk, qs in quotas.items() for code, n in qs.items()
    )
    PledgeVersion.objects.bulk_create(_versions_for(pledges, quotas, by, when))
    return cycle


def seed(world) -> None:
    reference.load(StateReferenceFigure)
    by = world.users.get("commission")
    cycle, placed = _seed_vsm(world, by)
    _seed_pool(by)
    stage_stays_sync()
    relocated = sum(Placement.objects.filter(pledge__cycle=cycle, stage="relocated").values_list("persons", flat=True))
    pledged = sum(cycle.pledges.filter(kind=Pledge.Kind.RELOCATION).values_list("places", flat=True))
    world.log.append(
        f"Pledges: {cycle.pledges.count()} pledges of {pledged:,} places in {cycle.name}; {placed} placements "
        f"written; {relocated:,} persons relocated ({relocated * 100 // max(pledged, 1)}%); "
        f"{Household.objects.count():,} households in the case files; a 2026 pool cycle."
    )

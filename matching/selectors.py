"""Reads of matching, scoped to the user. Only the EUAA matching coordinator sees runs and
proposals; everyone else gets the same 404 as for a missing run."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet

from relocation.access import access_of
from relocation.models import Role

from .models import MatchingRun, Proposal, UnplacedHousehold

MATCHING_ROLES = (Role.COORDINATOR,)

# Sort keys offered on the review page (name -> ordering).
PROPOSAL_SORTS = {
    "score": ["-value", "pk"],
    "persons": ["-persons", "-value", "pk"],
    "waiting": ["-waiting_days", "-value", "pk"],
    "vulnerable": ["-vulnerable_members", "-value", "pk"],
    "case": ["household__case_number"],
    "pledge": ["pledge_state_id", "pledge_id", "-value", "pk"],
}
TIE_FILTERS = {
    "family": Q(family_tie=True),
    "cultural": Q(cultural_tie=True),
    "any": Q(family_tie=True) | Q(cultural_tie=True),
    "none": Q(family_tie=False, cultural_tie=False),
}


def may_match(user) -> bool:
    return access_of(user).has(*MATCHING_ROLES)


def runs_visible_to(user) -> QuerySet[MatchingRun]:
    if not may_match(user):
        return MatchingRun.objects.none()
    return MatchingRun.objects.select_related("started_by")


def runs_list(user) -> QuerySet[MatchingRun]:
    """Runs without their (large) input snapshot."""
    return runs_visible_to(user).defer("input_snapshot", "input_versions")


def proposals_visible_to(user) -> QuerySet[Proposal]:
    if not may_match(user):
        return Proposal.objects.none()
    return Proposal.objects.select_related("household", "pledge", "pledge_state", "frontline_state", "decided_by")


def proposals_of(run: MatchingRun, *, filters: dict | None = None, sort: str = "score") -> QuerySet[Proposal]:
    """The proposals of a run, filtered (pledge, frontline_state, composition, vulnerability,
    tie, status) and sorted (one of PROPOSAL_SORTS)."""
    filters = filters or {}
    qs = Proposal.objects.filter(run=run).select_related(
        "household", "pledge", "pledge_state", "frontline_state", "decided_by"
    )
    if filters.get("pledge"):
        qs = qs.filter(pledge_id=filters["pledge"])
    if filters.get("pledge_state"):
        qs = qs.filter(pledge_state_id=filters["pledge_state"])
    if filters.get("frontline_state"):
        qs = qs.filter(frontline_state_id=filters["frontline_state"])
    if filters.get("composition"):
        qs = qs.filter(composition=filters["composition"])
    if filters.get("vulnerability"):
        if filters["vulnerability"] == "any":
            qs = qs.filter(vulnerable_members__gt=0)
        elif connection.vendor == "postgresql":
            qs = qs.filter(vulnerabilities__contains=[filters["vulnerability"]])
        else:  # SQLite has no JSON containment: match the quoted word in the JSON text
            qs = qs.filter(vulnerabilities__icontains=f'"{filters["vulnerability"]}"')
    if filters.get("tie") in TIE_FILTERS:
        qs = qs.filter(TIE_FILTERS[filters["tie"]])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs.order_by(*PROPOSAL_SORTS.get(sort, PROPOSAL_SORTS["score"]))


def unplaced_of(run: MatchingRun, *, reason: str = "", frontline_state: str = "") -> QuerySet[UnplacedHousehold]:
    qs = UnplacedHousehold.objects.filter(run=run).select_related("household", "frontline_state")
    if reason:
        qs = qs.filter(reason=reason)
    if frontline_state:
        qs = qs.filter(frontline_state_id=frontline_state)
    return qs.order_by("household__case_number")


@dataclass
class Move:
    household_id: int
    case_number: str
    before: str | None  # pledging state and pledge id, e.g. "DE · pledge 3"
    after: str | None


@dataclass
class Comparison:
    a: MatchingRun
    b: MatchingRun
    moved: list[Move]
    added: list[Move]
    dropped: list[Move]
    unchanged: int
    figures: list[tuple[str, object, object]]
    pledges: list[dict]


def _placements(run: MatchingRun) -> dict[int, tuple[int, str, str]]:
    return {
        household_id: (pledge_id, state, case_number)
        for household_id, pledge_id, state, case_number in Proposal.objects.filter(run=run).values_list(
            "household_id", "pledge_id", "pledge_state_id", "household__case_number"
        )
    }


def compare_runs(a: MatchingRun, b: MatchingRun) -> Comparison:
    """What changed from run ``a`` to run ``b``: households moved to another pledge, added
    (placed in b only) and dropped (placed in a only); the figures side by side."""
    pa, pb = _placements(a), _placements(b)

    def label(entry):
        return None if entry is None else f"{entry[1]} · #{entry[0]}"

    moved, added, dropped, unchanged = [], [], [], 0
    for hid in sorted(set(pa) | set(pb), key=lambda h: (pa.get(h) or pb.get(h))[2]):
        before, after = pa.get(hid), pb.get(hid)
        case = (before or after)[2]
        if before and after:
            if before[0] != after[0]:
                moved.append(Move(hid, case, label(before), label(after)))
            else:
                unchanged += 1
        elif after:
            added.append(Move(hid, case, None, label(after)))
        else:
            dropped.append(Move(hid, case, label(before), None))
    ca, cb = a.counts or {}, b.counts or {}
    figures = [
        ("objective", a.objective, b.objective),
        ("bound", a.bound, b.bound),
        ("gap", a.gap_percent, b.gap_percent),
        ("greedy", a.greedy_objective, b.greedy_objective),
        ("households", ca.get("households"), cb.get("households")),
        ("persons", ca.get("persons"), cb.get("persons")),
        ("capacity", ca.get("capacity"), cb.get("capacity")),
        ("placed_households", ca.get("placed_households"), cb.get("placed_households")),
        ("placed_persons", ca.get("placed_persons"), cb.get("placed_persons")),
    ]
    per_a = {f["pledge"]: f for f in ca.get("per_pledge", [])}
    per_b = {f["pledge"]: f for f in cb.get("per_pledge", [])}
    pledges = []
    for pid in sorted(set(per_a) | set(per_b)):
        fa, fb = per_a.get(pid, {}), per_b.get(pid, {})
        pledges.append(
            {"pledge": pid, "state": fa.get("state") or fb.get("state"),
             "a_persons": fa.get("persons"), "b_persons": fb.get("persons"),
             "a_households": fa.get("households"), "b_households": fb.get("households"),
             "a_fill": fa.get("fill_rate"), "b_fill": fb.get("fill_rate")}
        )
    return Comparison(a=a, b=b, moved=moved, added=added, dropped=dropped, unchanged=unchanged,
                      figures=figures, pledges=pledges)

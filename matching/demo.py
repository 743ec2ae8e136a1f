"""The demo world's matching: one run already confirmed for one pledging state, and a later
run whose proposals wait for review. Both are solved by the engine on the demo's households
available for matching in Greece (in-process, a second or so)."""

from __future__ import annotations

from collections import Counter

from cases.models import CaseStatus, Household

from . import services
from .models import DEFAULT_WEIGHTS, MatchingRun

NOTE_CONFIRMED = "Demo: first run, proposals for one state confirmed"
NOTE_PENDING = "Demo: second run, waiting for review"
FRONTLINE = "GR"
CONFIRM = 12  # the best-scored proposals of one state; the rest wait in the second run


def _run(coordinator, note: str) -> MatchingRun:
    run = MatchingRun.objects.create(
        started_by=coordinator, frontline_states=[FRONTLINE], weights=dict(DEFAULT_WEIGHTS), time_limit_seconds=10,
        note=note,
    )
    services.run_execute(run_id=run.pk, heartbeat=False)
    run.refresh_from_db()
    return run


def seed(world) -> None:
    if MatchingRun.objects.filter(note__in=[NOTE_CONFIRMED, NOTE_PENDING]).exists():
        world.log.append("Matching: demo runs already there.")
        return
    coordinator = world.users.get("coordinator")
    if coordinator is None:
        world.log.append("Matching: no coordinator (production settings), no demo runs.")
        return
    if not Household.objects.filter(status=CaseStatus.AVAILABLE, frontline_state_id=FRONTLINE).exists():
        world.log.append("Matching: no household available for matching in Greece, no demo runs.")
        return
    first = _run(coordinator, NOTE_CONFIRMED)
    confirmed = 0
    if first.status == MatchingRun.Status.SUCCEEDED:
        per_state = Counter(first.proposals.values_list("pledge_state_id", flat=True))
        if per_state:
            # Germany when it has proposals (officer.de sees them), otherwise the busiest state.
            state = "DE" if per_state.get("DE") else per_state.most_common(1)[0][0]
            ids = list(first.proposals.filter(pledge_state_id=state).order_by("-value", "pk")
                       .values_list("pk", flat=True)[:CONFIRM])
            confirmed = len(services.proposals_confirm(run=first, proposal_ids=ids, by=coordinator).confirmed)
    second = _run(coordinator, NOTE_PENDING)
    world.log.append(
        f"Matching: run #{first.pk} ({first.status}, {confirmed} proposals confirmed), run #{second.pk} "
        f"({second.status}, {second.proposals.count()} proposals waiting for review)."
    )

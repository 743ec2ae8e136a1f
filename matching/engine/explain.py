"""Why the engine did what it did, in words a caseworker can check.

For each assignment: the parts of its score. For each household left out: either no pledge
accepts it (with, per pledge, the criteria it fails), or the pledges that accept it have no
room left for the whole household (with the places and quota left in each).
"""

from __future__ import annotations

from .eligibility import failed_criteria
from .instance import Instance
from .result import Result
from .scoring import score_parts, value

NO_ELIGIBLE_PLEDGE = "no_eligible_pledge"
PLACES_EXHAUSTED = "places_exhausted"
NOT_CHOSEN = "not_chosen"  # room was left, but placing it would not raise the score (or the
# solve was cut short by its time limit)


def explain(instance: Instance, result: Result) -> dict:
    households = instance.household_by_id()
    pledges = instance.pledge_by_id()
    w = instance.weights
    chosen = result.assignment_map()

    left = {p.id: p.capacity for p in instance.pledges}
    quota_left = {p.id: dict(p.quotas) for p in instance.pledges}
    assignments = []
    for hid, pid in result.assignments:
        h, p = households[hid], pledges[pid]
        left[pid] -= h.size
        if p.quotas:
            quota_left[pid][h.frontline_state] -= h.size
        parts = score_parts(h, p, w)
        assignments.append(
            {"household": hid, "pledge": pid, "value": value(h, p, w), "parts": parts}
        )

    unplaced = []
    for h in instance.households:
        if h.id in chosen:
            continue
        failed = {p.id: failed_criteria(h, p) for p in instance.pledges}
        eligible = [pid for pid, names in failed.items() if not names]
        if not eligible:
            unplaced.append(
                {
                    "household": h.id,
                    "reason": NO_ELIGIBLE_PLEDGE,
                    "failed_criteria": failed,
                    "detail": _no_pledge_detail(failed),
                }
            )
            continue
        rooms = []
        fits_somewhere = False
        for pid in eligible:
            p = pledges[pid]
            room = {"pledge": pid, "places_left": left[pid]}
            quota = None
            if p.quotas:
                quota = quota_left[pid].get(h.frontline_state, 0)
                room["quota_left"] = quota
            if left[pid] >= h.size and (quota is None or quota >= h.size):
                fits_somewhere = True
            rooms.append(room)
        if fits_somewhere:
            reason = NOT_CHOSEN
            detail = (
                "a pledge that accepts it still has room, but placing it would not raise the score"
                if result.status == "optimal"
                else "a pledge that accepts it still has room; the solve was stopped early"
            )
        else:
            reason = PLACES_EXHAUSTED
            detail = (
                f"the {len(eligible)} pledge(s) whose criteria it meets have no room left for "
                f"{h.size} person(s): " + "; ".join(_room_text(r) for r in rooms)
            )
        unplaced.append(
            {"household": h.id, "reason": reason, "eligible_pledges": rooms, "detail": detail}
        )
    return {"assignments": assignments, "unplaced": unplaced}


def _no_pledge_detail(failed: dict[str, list[str]]) -> str:
    if not failed:
        return "there are no pledges"
    return "no pledge accepts it: " + "; ".join(
        f"{pid} ({', '.join(names)})" for pid, names in failed.items()
    )


def _room_text(room: dict) -> str:
    text = f"{room['pledge']} {room['places_left']} place(s) left"
    if "quota_left" in room:
        text += f", {room['quota_left']} in the quota for its frontline state"
    return text

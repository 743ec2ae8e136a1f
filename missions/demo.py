"""The demo world's selection missions (runs after the cases, pledges and matching demos).

* Germany's mission to Greece (Athens), in progress around 9 February 2024: households
  proposed to Germany are scheduled with interpreters, some interviewed, some decided.
* France's mission to Greece (Lesvos), finished in January 2024: every household
  interviewed and decided, one rejected (back in the pool, never proposed to France again).

Everything goes through the services (case workflow, capacity ledger, audit trail) as the
officers would. Households come from the cases demo; when it has too few proposed to a state,
available Greek households are proposed first (with their places reserved). Skipped when
the missions exist already.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from cases import services as case_services
from cases.models import CaseStatus, Household
from pledges import services as pledge_services
from pledges.models import Placement, Pledge

from . import services
from .models import Interview, SelectionMission

ATHENS = ZoneInfo("Europe/Athens")
DE_SITE = "Athens, EUAA regional office"
FR_SITE = "Mavrovouni (Lesvos), EUAA interview rooms"


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ATHENS)


def _households(state: str, count: int, coordinator, day: dt.date) -> list[Household]:
    """GR households waiting for ``state``'s decision; propose available ones if too few."""
    waiting = list(
        Household.objects.filter(
            frontline_state_id="GR", destination_state_id=state,
            status__in=[CaseStatus.PROPOSED, CaseStatus.INTERVIEW_SCHEDULED],
        ).order_by("case_number")[:count]
    )
    if len(waiting) < count:
        pledge = (
            Pledge.objects.filter(state_id=state, kind=Pledge.Kind.RELOCATION, status=Pledge.Status.OPEN)
            .order_by("-cycle__starts_on").first()
        )
        candidates = Household.objects.filter(frontline_state_id="GR", status=CaseStatus.AVAILABLE).exclude(
            excluded_states=state
        ).order_by("case_number")
        for household in candidates[: 3 * (count - len(waiting))]:
            if len(waiting) >= count:
                break
            try:
                # Both or neither: a proposed household always holds its places.
                with transaction.atomic():
                    case_services.case_transition(
                        household=household, to=CaseStatus.PROPOSED, by=coordinator, destination_state=state,
                        reason="Proposed for the selection mission (demo world)",
                    )
                    if pledge is not None:
                        pledge_services.placement_reserve(
                            pledge=pledge, household=household, by=coordinator, at=_at(day, 8)
                        )
            except ValidationError:
                continue
            waiting.append(household)
    for household in waiting:
        # Every proposed household holds places (the matching floor reserves them on confirmation).
        if not Placement.objects.filter(household=household, released_at__isnull=True).exists():
            pledge = Pledge.objects.filter(state_id=state, kind=Pledge.Kind.RELOCATION).order_by("-cycle__starts_on")
            for candidate in pledge:
                try:
                    with transaction.atomic():
                        pledge_services.placement_reserve(
                            pledge=candidate, household=household, by=coordinator, at=_at(day, 8)
                        )
                    break
                except ValidationError:
                    continue
    return waiting


def _plan(mission, households, officer, first_day: dt.date, interpreters, rooms) -> list:
    slots = []
    for n, household in enumerate(households):
        day = first_day + dt.timedelta(days=n // 4)
        start = _at(day, 9 + (n % 4) * 2)
        spoken = set(household.members.values_list("languages__code", flat=True))
        interpreter, language = interpreters[n % len(interpreters)]
        for candidate, code in interpreters:
            if code in spoken:
                interpreter, language = candidate, code
                break
        slots.append(
            services.slot_schedule(
                mission=mission, household=household, by=officer, starts_at=start,
                ends_at=start + dt.timedelta(hours=1, minutes=30), room=rooms[n % len(rooms)],
                language=language, interpreter=interpreter,
            )
        )
    return slots


def seed(world) -> None:
    if not settings.DEMO_ALLOWED:
        return
    _seed_missions(world)
    from .demo_transfers import seed_transfers

    seed_transfers(world)


def _seed_missions(world) -> None:
    if SelectionMission.objects.filter(site__in=[DE_SITE, FR_SITE]).exists():
        world.log.append("Selection missions: demo missions already there.")
        return
    users = world.users
    officer_de, officer_fr, coordinator = users.get("officer.de"), users.get("officer.fr"), users.get("coordinator")
    if officer_de is None or officer_fr is None:
        world.log.append("Selection missions: no demo officers, skipped.")
        return
    day = world.day

    # France: finished in January, every household decided.
    fr_days = (day - dt.timedelta(days=25), day - dt.timedelta(days=22))
    fr_households = _households("FR", 6, coordinator, day)
    fr = services.mission_create(
        by=officer_fr, pledging_state="FR", frontline_state="GR", site=FR_SITE, starts_on=fr_days[0],
        ends_on=fr_days[1], mode=SelectionMission.Mode.ON_SITE,
    )
    services.mission_update(mission=fr, by=officer_fr, status=SelectionMission.Status.IN_PROGRESS)
    fr_interpreters = [
        (services.interpreter_add(mission=fr, by=officer_fr, name="Yasmin Karimi", languages=["fa", "fr"]), "fa"),
        (services.interpreter_add(mission=fr, by=officer_fr, name="Omar Haddad", languages=["ar", "fr"]), "ar"),
    ]
    fr_slots = _plan(fr, fr_households, officer_fr, fr_days[0], fr_interpreters, ["Salle 1", "Salle 2"])
    for n, slot in enumerate(fr_slots):
        services.interview_record(
            slot=slot, by=officer_fr, outcome=Interview.Outcome.TOOK_PLACE,
            security_outcome="concern" if n == len(fr_slots) - 1 else "clear",
            notes="Récit cohérent ; projet d'intégration en France." if n % 2 == 0 else "",
        )
    items = [{"household": s.household, "outcome": "accepted"} for s in fr_slots[:-1]]
    if fr_slots:
        items.append({"household": fr_slots[-1].household, "outcome": "rejected", "reason": "criteria_not_met",
                      "reason_text": ""})
    services.decisions_record_for_mission(mission=fr, by=officer_fr, items=items, at=_at(fr_days[1], 17))
    services.mission_update(mission=fr, by=officer_fr, status=SelectionMission.Status.FINISHED)

    # Germany: in progress around the demo day.
    de_days = (day - dt.timedelta(days=3), day + dt.timedelta(days=4))
    de_households = _households("DE", 8, coordinator, day)
    de = services.mission_create(
        by=officer_de, pledging_state="DE", frontline_state="GR", site=DE_SITE, starts_on=de_days[0],
        ends_on=de_days[1], mode=SelectionMission.Mode.ON_SITE,
    )
    services.mission_update(mission=de, by=officer_de, status=SelectionMission.Status.IN_PROGRESS)
    de_interpreters = [
        (services.interpreter_add(mission=de, by=officer_de, name="Farid Ahmadi", languages=["fa", "ps", "de"]), "fa"),
        (services.interpreter_add(mission=de, by=officer_de, name="Layla Suleiman", languages=["ar", "ku", "de"]), "ar"),
        (services.interpreter_add(mission=de, by=officer_de, name="Tesfay Gebre", languages=["ti", "de"]), "ti"),
    ]
    de_slots = _plan(de, de_households, officer_de, de_days[0], de_interpreters, ["Raum A", "Raum B"])
    for n, slot in enumerate(de_slots[:5]):
        if n == 4:
            services.interview_record(slot=slot, by=officer_de, outcome=Interview.Outcome.NO_SHOW)
            continue
        services.interview_record(
            slot=slot, by=officer_de, outcome=Interview.Outcome.TOOK_PLACE, security_outcome="clear",
            notes="Angaben schlüssig; Verwandte in Deutschland bestätigt." if n == 0 else "",
        )
    for slot in de_slots[:2]:
        services.decision_record(
            household=slot.household, by=officer_de, outcome="accepted", mission=de, at=_at(day, 16)
        )
    if len(de_slots) > 2:
        services.decision_record(
            household=de_slots[2].household, by=officer_de, outcome="rejected", reason="other",
            reason_text="Identity documents inconsistent with the registration.", mission=de, at=_at(day, 16, 30),
        )
    world.log.append(
        f"Selection missions: France to Greece (finished, {len(fr_slots)} households decided), "
        f"Germany to Greece (in progress, {len(de_slots)} planned)."
    )

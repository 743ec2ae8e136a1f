"""Reads of transfers, IOM's work and movements, already scoped to the user.

* Dublin Unit officers: the transfers where their state requests or is requested;
  the coordinator: every transfer (read only).
* IOM officers: households of their frontline operations whose responsibility was accepted,
  and the movements leaving those operations. Logistics data only.
* Pledging-state officers: the movements arriving in their state (to confirm arrivals).
* Medical notes: IOM of the operation and officers of the receiving state only.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from cases.models import Applicant, CaseStatus, Household
from relocation.access import access_of
from relocation.models import Role

from . import deadlines
from .models import (
    Assistance,
    FitnessCheck,
    HealthAssessment,
    Movement,
    MovementHousehold,
    PreDepartureOrientation,
    TransferOfResponsibility,
    TravelDocument,
)

IOM_STATUSES = [CaseStatus.TRANSFER_PENDING, CaseStatus.READY_FOR_DEPARTURE, CaseStatus.DEPARTED]


def dublin_states(user) -> frozenset[str]:
    return access_of(user).states(Role.DUBLIN_OFFICER)


def iom_states(user) -> frozenset[str]:
    return access_of(user).states(Role.IOM_OFFICER)


def transfers_visible_to(user) -> QuerySet[TransferOfResponsibility]:
    qs = TransferOfResponsibility.objects.select_related("household", "requesting_state", "requested_state")
    access = access_of(user)
    if access.has(Role.COORDINATOR):
        return qs
    states = dublin_states(user)
    if not states:
        return qs.none()
    return qs.filter(Q(requesting_state__in=states) | Q(requested_state__in=states))


def may_write_transfers(user) -> bool:
    return bool(dublin_states(user))


def requestable_households(user) -> QuerySet[Household]:
    """Accepted households of the user's frontline state with no open transfer."""
    open_transfer = TransferOfResponsibility.objects.filter(household=OuterRef("pk"), closed_at__isnull=True)
    return (
        Household.objects.filter(frontline_state__in=dublin_states(user), status=CaseStatus.ACCEPTED)
        .exclude(Exists(open_transfer))
        .select_related("destination_state")
        .order_by("status_changed_at", "id")
    )


def at_risk_for(user, *, today: dt.date | None = None) -> list[dict]:
    """Open transfers whose current deadline falls within the warning days or passed, soonest first."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=deadlines.warning_days())
    qs = transfers_visible_to(user).filter(closed_at__isnull=True).filter(
        Q(reply="", reply_due__lte=horizon)
        | Q(transfer_deadline__lte=horizon)
        | Q(reexamination_requested_on__isnull=False, reexamination_reply="", reexamination_reply_due__lte=horizon)
    )
    rows = []
    for transfer in qs:
        due = transfer.next_due()
        if due is None:
            continue
        what, day = due
        state = deadlines.at_risk(day, today)
        if state:
            rows.append({"transfer": transfer, "what": what, "due": day, "state": state, "days": (day - today).days})
    rows.sort(key=lambda r: (r["due"], r["transfer"].pk))
    return rows


def _accepted_transfer() -> Exists:
    return Exists(
        TransferOfResponsibility.objects.filter(household=OuterRef("pk"), closed_at__isnull=True).filter(
            Q(reply__in=["accepted", "tacit"]) | Q(reexamination_reply="accepted")
        )
    )


def iom_queue_for(user) -> QuerySet[Household]:
    """Households of the IOM officer's operations whose responsibility was accepted."""
    members = Applicant.objects.select_related("nationality").order_by("id")
    return (
        Household.objects.filter(frontline_state__in=iom_states(user), status__in=IOM_STATUSES)
        .filter(_accepted_transfer())
        .select_related("frontline_state", "destination_state")
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("status", "status_changed_at", "id")
    )


def journey_of(household: Household) -> dict:
    """Per member the latest health outcome, orientation, travel document and fitness check."""
    members = list(household.members.select_related("nationality").order_by("id"))
    ids = [m.pk for m in members]
    latest: dict[str, dict] = {"health": {}, "fitness": {}, "orientation": {}}
    for row in HealthAssessment.objects.filter(applicant_id__in=ids).order_by("assessed_on", "id"):
        latest["health"][row.applicant_id] = row
    for row in FitnessCheck.objects.filter(applicant_id__in=ids).order_by("checked_on", "id"):
        latest["fitness"][row.applicant_id] = row
    for row in PreDepartureOrientation.objects.filter(applicant_id__in=ids).select_related("language").order_by(
        "held_on", "id"
    ):
        latest["orientation"][row.applicant_id] = row
    documents = {d.applicant_id: d for d in TravelDocument.objects.filter(applicant_id__in=ids)}
    labels = dict(Assistance.choices)
    return {
        "members": [
            {
                "applicant": m,
                "health": latest["health"].get(m.pk),
                "fitness": latest["fitness"].get(m.pk),
                "orientation": latest["orientation"].get(m.pk),
                "document": documents.get(m.pk),
                "assistance": [
                    str(labels.get(a, a)) for a in (getattr(latest["health"].get(m.pk), "assistance", None) or [])
                ],
            }
            for m in members
        ]
    }


def may_read_medical_notes(user, household: Household) -> bool:
    access = access_of(user)
    return household.frontline_state_id in access.states(Role.IOM_OFFICER) or (
        household.destination_state_id is not None and household.destination_state_id in access.states(Role.OFFICER)
    )


def iom_household_get(user, pk: int) -> Household:
    from relocation.access import get_or_404

    return get_or_404(iom_queue_for(user), pk=pk)


def movements_visible_to(user) -> QuerySet[Movement]:
    qs = Movement.objects.select_related("frontline_state", "receiving_state").annotate(
        booked=Sum("households__persons", filter=~Q(households__departure="no_show"))
    ).order_by("-departs_on", "-id")
    access = access_of(user)
    if access.has(Role.COORDINATOR):
        return qs
    q = Q(pk__in=[])
    if access.has(Role.IOM_OFFICER):
        q |= Q(frontline_state__in=access.states(Role.IOM_OFFICER))
    if access.has(Role.OFFICER):
        q |= Q(receiving_state__in=access.states(Role.OFFICER))
    return qs.filter(q)


def may_organise(user, movement: Movement) -> bool:
    return movement.frontline_state_id in iom_states(user)


def may_confirm_arrival(user, movement: Movement) -> bool:
    return movement.receiving_state_id in access_of(user).states(Role.OFFICER)


def movement_rows(movement: Movement) -> QuerySet[MovementHousehold]:
    members = Applicant.objects.select_related("nationality").order_by("id")
    return (
        movement.households.select_related("household")
        .prefetch_related(Prefetch("household__members", queryset=members))
        .order_by("id")
    )


def bookable_households(user, movement: Movement) -> QuerySet[Household]:
    """Households of the movement's route waiting for departure and not booked elsewhere."""
    booked = MovementHousehold.objects.filter(household=OuterRef("pk")).exclude(departure="no_show")
    return (
        iom_queue_for(user)
        .filter(
            frontline_state=movement.frontline_state_id,
            destination_state=movement.receiving_state_id,
            status__in=[CaseStatus.TRANSFER_PENDING, CaseStatus.READY_FOR_DEPARTURE],
        )
        .exclude(Exists(booked))
    )


def manifest_rows(movement: Movement) -> list[dict]:
    """What the journey needs, and nothing else: no notes of any kind, no asylum claim details."""
    rows = list(movement_rows(movement).exclude(departure="no_show"))
    ids = [m.pk for r in rows for m in r.household.members.all()]
    documents = dict(TravelDocument.objects.filter(applicant_id__in=ids).values_list("applicant_id", "status"))
    assistance: dict[int, list[str]] = {}
    for applicant_id, needs in HealthAssessment.objects.filter(applicant_id__in=ids).order_by(
        "assessed_on", "id"
    ).values_list("applicant_id", "assistance"):
        assistance[applicant_id] = list(needs or [])
    out = []
    for row in rows:
        for m in row.household.members.all():
            out.append(
                {
                    "case_number": row.household.case_number,
                    "family_name": m.family_name,
                    "given_name": m.given_name,
                    "date_of_birth": m.date_of_birth.isoformat(),
                    "sex": m.get_sex_display(),
                    "nationality": m.nationality.name,
                    "travel_document": dict(TravelDocument.Status.choices).get(documents.get(m.pk), ""),
                    "assistance": ", ".join(assistance.get(m.pk, [])),
                    "departure": row.get_departure_display() if row.departure else "",
                }
            )
    return out

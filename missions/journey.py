"""IOM's work and the movement: health assessments, pre-departure orientation, travel
documents, the fitness-to-travel check, movements, departure and arrival.

A household is ready to travel when the receiving state accepted responsibility and every
member is fit (health assessment fit or fit with escort, and the last fitness-to-travel check
fit), attended the orientation and holds an issued travel document. Only then may it be added
to a movement (whole; the movement's row lock keeps the capacity). Adding it clears it for
departure (transfer pending -> ready for departure).

Departure is confirmed per person, but a household travels whole: either every member boarded
(the household departs, its placement goes "in transfer"), or none did (it stays ready for
departure and may be booked again). A partial no-show is refused: the caseworker splits the
no-show members off first. The receiving state's officer then confirms safe arrival (the
household is relocated and its placement counted as relocated) or a no-show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.models import Applicant, CaseStatus, Household
from pledges import services as pledge_services
from pledges.models import Placement
from relocation import audit
from relocation.access import access_of
from relocation.models import Country, Language, Role, User
from relocation.services import notify

from . import deadlines, transfers
from .models import (
    Assistance,
    FitnessCheck,
    HealthAssessment,
    Movement,
    MovementHousehold,
    Passenger,
    PreDepartureOrientation,
    TransferOfResponsibility,
    TravelDocument,
)

# -- who may write -----------------------------------------------------------------------------


def _require_iom_of(user, state: str) -> None:
    if user is not None and state not in access_of(user).states(Role.IOM_OFFICER):
        raise PermissionDenied(_("Only IOM staff of the %(state)s operation may do this.") % {"state": state})


def _require_receiving_officer(user, state: str) -> None:
    if user is not None and state not in access_of(user).states(Role.OFFICER):
        raise PermissionDenied(_("Only officers of the receiving state may confirm the arrival."))


def _applicant_for_iom(applicant: Applicant, by) -> Applicant:
    household = Household.objects.select_for_update().get(pk=applicant.household_id)
    _require_iom_of(by, household.frontline_state_id)
    if not responsibility_accepted(household):
        raise ValidationError(_("IOM's work starts once the receiving state accepted responsibility."))
    if household.status not in (CaseStatus.TRANSFER_PENDING, CaseStatus.READY_FOR_DEPARTURE):
        raise ValidationError(_("The household has left: its journey records are closed."))
    return applicant


# -- readiness ---------------------------------------------------------------------------------


def open_transfer(household: Household) -> TransferOfResponsibility | None:
    return TransferOfResponsibility.objects.filter(household=household, closed_at__isnull=True).first()


def responsibility_accepted(household: Household) -> bool:
    transfer = open_transfer(household)
    return transfer is not None and transfer.responsibility_accepted


def _latest(rows, key: str = "applicant_id") -> dict:
    latest = {}
    for row in rows:  # ordered oldest first: the last one wins
        latest[getattr(row, key)] = row
    return latest


def readiness(members: list[Applicant], departs_on: dt.date | None = None) -> dict[int, list[str]]:
    """Per member, what is missing before travel (empty list: ready). Four queries. With the
    departure date, the fitness check must lie within the configured days before it."""
    ids = [m.pk for m in members]
    health = _latest(HealthAssessment.objects.filter(applicant_id__in=ids).order_by("assessed_on", "id"))
    fitness = _latest(FitnessCheck.objects.filter(applicant_id__in=ids).order_by("checked_on", "id"))
    oriented = set(PreDepartureOrientation.objects.filter(applicant_id__in=ids).values_list("applicant_id", flat=True))
    issued = set(
        TravelDocument.objects.filter(applicant_id__in=ids, status=TravelDocument.Status.ISSUED).values_list(
            "applicant_id", flat=True
        )
    )
    result: dict[int, list[str]] = {}
    for m in members:
        missing = []
        h = health.get(m.pk)
        if h is None or h.outcome == HealthAssessment.Outcome.UNFIT:
            missing.append(_("health assessment fit"))
        f = fitness.get(m.pk)
        if f is None or not f.fit:
            missing.append(_("fit to travel"))
        elif departs_on is not None and not (
            departs_on - dt.timedelta(days=deadlines.fitness_check_days()) <= f.checked_on <= departs_on
        ):
            missing.append(
                _("a fitness-to-travel check within %(n)s days before departure") % {"n": deadlines.fitness_check_days()}
            )
        if m.pk not in oriented:
            missing.append(_("orientation"))
        if m.pk not in issued:
            missing.append(_("travel document issued"))
        result[m.pk] = missing
    return result


def readiness_problems(household: Household, departs_on: dt.date | None = None) -> list[str]:
    problems = []
    if not responsibility_accepted(household):
        problems.append(_("The receiving state has not accepted responsibility."))
    members = list(household.members.order_by("id"))
    if not members:
        problems.append(_("The household has no members."))
    per_member = readiness(members, departs_on)
    for member in members:
        if per_member[member.pk]:
            problems.append(
                _("%(name)s: missing %(what)s.") % {"name": member, "what": ", ".join(per_member[member.pk])}
            )
    return problems


# -- per person --------------------------------------------------------------------------------


@transaction.atomic
def health_assess(
    *, applicant: Applicant, by, assessed_on: dt.date, outcome: str, assistance: Iterable[str] = (),
    medical_notes: str = "",
) -> HealthAssessment:
    _applicant_for_iom(applicant, by)
    needs = sorted(set(assistance))
    unknown = [a for a in needs if a not in Assistance.values]
    if unknown:
        raise ValidationError({"assistance": _("Unknown assistance: %(a)s") % {"a": ", ".join(unknown)}})
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("The assessment cannot be in the future.")})
    row = HealthAssessment(
        applicant=applicant, assessed_on=assessed_on, outcome=outcome, assistance=needs,
        medical_notes=(medical_notes or "").strip(), recorded_by=by,
    )
    row.full_clean()
    row.save()
    # The notes stay out of the audit trail: only that they were written.
    audit.record(
        actor=by, action="health.assess", obj=row,
        details={"applicant": applicant.pk, "outcome": outcome, "assistance": needs, "notes": bool(row.medical_notes)},
    )
    return row


@transaction.atomic
def orientation_record(*, applicant: Applicant, by, held_on: dt.date, language) -> PreDepartureOrientation:
    _applicant_for_iom(applicant, by)
    code = getattr(language, "pk", language)
    if not Language.objects.filter(pk=code).exists():
        raise ValidationError({"language": _("Choose a language.")})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("The orientation cannot be in the future.")})
    row = PreDepartureOrientation(applicant=applicant, held_on=held_on, language_id=code, recorded_by=by)
    row.full_clean()
    row.save()
    audit.record(actor=by, action="orientation.record", obj=row, details={"applicant": applicant.pk, "language": code})
    return row


@transaction.atomic
def travel_document_set(*, applicant: Applicant, by, status: str, number: str = "") -> TravelDocument:
    _applicant_for_iom(applicant, by)
    row, _created = TravelDocument.objects.get_or_create(
        applicant=applicant, defaults={"status": status, "number": number.strip(), "updated_by": by}
    )
    row.status, row.number, row.updated_by, row.updated_at = status, number.strip(), by, timezone.now()
    row.full_clean()
    row.save()
    audit.record(actor=by, action="travel_document.set", obj=row, details={"applicant": applicant.pk, "status": status})
    return row


@transaction.atomic
def fitness_check(*, applicant: Applicant, by, checked_on: dt.date, fit: bool) -> FitnessCheck:
    _applicant_for_iom(applicant, by)
    if checked_on > timezone.localdate():
        raise ValidationError({"checked_on": _("The check cannot be in the future.")})
    row = FitnessCheck(applicant=applicant, checked_on=checked_on, fit=bool(fit), recorded_by=by)
    row.full_clean()
    row.save()
    audit.record(actor=by, action="fitness.check", obj=row, details={"applicant": applicant.pk, "fit": bool(fit)})
    return row


# -- movements ---------------------------------------------------------------------------------

MOVEMENT_FIELDS = (
    "departs_on", "departure_airport", "arrival_airport", "carrier", "flight_number", "escorts", "capacity",
)


@transaction.atomic
def movement_create(*, by, frontline_state: str, receiving_state: str, **fields) -> Movement:
    _require_iom_of(by, frontline_state)
    receiving = Country.objects.filter(pk=receiving_state, is_eu_plus=True, is_frontline=False).first()
    if receiving is None:
        raise ValidationError({"receiving_state": _("The receiving state must be a pledging EU+ state.")})
    data = {k: v for k, v in fields.items() if k in MOVEMENT_FIELDS}
    for key in ("departure_airport", "arrival_airport"):
        data[key] = (data.get(key) or "").strip().upper()
    movement = Movement(frontline_state_id=frontline_state, receiving_state=receiving, created_by=by, **data)
    movement.full_clean()
    for key in ("departure_airport", "arrival_airport"):
        if not (len(data[key]) == 3 and data[key].isalpha() and data[key].isascii()):
            raise ValidationError({key: _("An IATA airport code has three letters.")})
    movement.save()
    audit.record(actor=by, action="movement.create", obj=movement, details={k: str(v) for k, v in data.items()})
    return movement


def _lock_movement(movement: Movement) -> Movement:
    return Movement.objects.select_for_update().get(pk=movement.pk)


@transaction.atomic
def movement_add_household(*, movement: Movement, household: Household, by) -> MovementHousehold:
    """Add a whole, ready household; the movement row is locked so the capacity holds."""
    locked = _lock_movement(movement)
    _require_iom_of(by, locked.frontline_state_id)
    house = Household.objects.select_for_update().get(pk=household.pk)
    if locked.status != Movement.Status.PLANNED:
        raise ValidationError(_("Households are added to a planned movement only."))
    if house.frontline_state_id != locked.frontline_state_id or house.destination_state_id != locked.receiving_state_id:
        raise ValidationError(
            _("%(case)s does not travel from %(from)s to %(to)s.")
            % {"case": house.case_number, "from": locked.frontline_state_id, "to": locked.receiving_state_id}
        )
    if house.status not in (CaseStatus.TRANSFER_PENDING, CaseStatus.READY_FOR_DEPARTURE):
        raise ValidationError(
            _("%(case)s is not waiting for departure (%(status)s).")
            % {"case": house.case_number, "status": house.get_status_display()}
        )
    problems = readiness_problems(house, locked.departs_on)
    if problems:
        raise ValidationError(
            _("%(case)s is not ready to travel: %(problems)s") % {"case": house.case_number, "problems": " ".join(problems)}
        )
    taken = sum(locked.households.exclude(departure=MovementHousehold.Departure.NO_SHOW).values_list("persons", flat=True))
    if taken + house.size > locked.capacity:
        raise ValidationError(
            _("The movement has %(left)s seats left; %(case)s needs %(persons)s.")
            % {"left": locked.capacity - taken, "case": house.case_number, "persons": house.size}
        )
    row = MovementHousehold(movement=locked, household=house, persons=house.size, added_by=by)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError(_("%(case)s is booked on a movement already.") % {"case": house.case_number}) from None
    if house.status == CaseStatus.TRANSFER_PENDING:
        case_services.case_transition(
            household=house, to=CaseStatus.READY_FOR_DEPARTURE, by=by,
            reason=_("Booked on movement %(m)s") % {"m": locked},
        )
    audit.record(actor=by, action="movement.add_household", obj=locked, details={"household": house.pk, "persons": house.size})
    return row


@transaction.atomic
def movement_remove_household(*, row: MovementHousehold, by) -> None:
    locked = _lock_movement(row.movement)
    _require_iom_of(by, locked.frontline_state_id)
    if row.departure:
        raise ValidationError(_("The departure was confirmed: the household stays on the record."))
    row.delete()
    audit.record(actor=by, action="movement.remove_household", obj=locked, details={"household": row.household_id})


def _placement(household: Household) -> Placement | None:
    return Placement.objects.filter(household=household, released_at__isnull=True).order_by("-id").first()


@transaction.atomic
def departure_confirm(*, row: MovementHousehold, by, boarded: Mapping[int, bool], at: dt.datetime | None = None) -> MovementHousehold:
    """``boarded``: applicant id -> boarded? for every member. All boarded: the household departs;
    none: it stays (no-show, may be booked again); some: refused, split first."""
    locked_movement = _lock_movement(row.movement)
    _require_iom_of(by, locked_movement.frontline_state_id)
    row = MovementHousehold.objects.select_for_update().get(pk=row.pk)
    if row.departure:
        raise ValidationError(_("The departure of this household was confirmed already."))
    members = list(row.household.members.order_by("id"))
    missing = [m for m in members if m.pk not in boarded]
    if missing:
        raise ValidationError(_("Say for every member whether they boarded: %(n)s") % {"n": ", ".join(map(str, missing))})
    values = {bool(boarded[m.pk]) for m in members}
    if len(values) > 1:
        raise ValidationError(
            _("A household travels whole: some members did not board. Ask the caseworker to split them off "
              "first, or record the whole household as a no-show.")
        )
    all_boarded = values == {True}
    at = at or timezone.now()
    Passenger.objects.bulk_create([Passenger(movement_household=row, applicant=m, boarded=all_boarded) for m in members])
    row.departure = MovementHousehold.Departure.BOARDED if all_boarded else MovementHousehold.Departure.NO_SHOW
    row.departure_confirmed_at = at
    row.save(update_fields=["departure", "departure_confirmed_at"])
    audit.record(actor=by, action="movement.departure", obj=locked_movement, details={"household": row.household_id, "departure": row.departure})
    if all_boarded:
        case_services.case_transition(
            household=row.household, to=CaseStatus.DEPARTED, by=by,
            reason=_("Boarded movement %(m)s") % {"m": locked_movement},
        )
        placement = _placement(row.household)
        if placement is not None and placement.stage in (Placement.Stage.PROPOSED, Placement.Stage.ACCEPTED):
            pledge_services.placement_advance(placement=placement, stage=Placement.Stage.IN_TRANSFER, by=by, at=at)
    _movement_status(locked_movement)
    return row


@transaction.atomic
def arrival_confirm(*, row: MovementHousehold, by, arrived: bool, at: dt.datetime | None = None) -> MovementHousehold:
    """The receiving state's officer confirms safe arrival (relocated, counted) or a no-show."""
    locked_movement = _lock_movement(row.movement)
    _require_receiving_officer(by, locked_movement.receiving_state_id)
    row = MovementHousehold.objects.select_for_update().get(pk=row.pk)
    if row.departure != MovementHousehold.Departure.BOARDED:
        raise ValidationError(_("Only a household that boarded can arrive."))
    if row.arrival:
        raise ValidationError(_("The arrival of this household was confirmed already."))
    at = at or timezone.now()
    row.arrival = MovementHousehold.Arrival.ARRIVED if arrived else MovementHousehold.Arrival.NO_SHOW
    row.arrival_confirmed_at = at
    row.save(update_fields=["arrival", "arrival_confirmed_at"])
    audit.record(actor=by, action="movement.arrival", obj=locked_movement, details={"household": row.household_id, "arrival": row.arrival})
    if arrived:
        case_services.case_transition(
            household=row.household, to=CaseStatus.RELOCATED, by=by,
            reason=_("Safe arrival confirmed (movement %(m)s)") % {"m": locked_movement},
        )
        placement = _placement(row.household)
        if placement is not None and placement.stage != Placement.Stage.RELOCATED:
            pledge_services.placement_advance(placement=placement, stage=Placement.Stage.RELOCATED, by=by, at=at)
        transfers.transfer_close(household=row.household, by=by)
    else:
        _notify_no_show(row, locked_movement, by)
    _movement_status(locked_movement)
    return row


def _notify_no_show(row: MovementHousehold, movement: Movement, by) -> None:
    """Art. 68(1): the state of relocation reports a no-show; EUAA's coordinators and the
    frontline state's Dublin Unit are told in the application."""
    recipients = list(
        User.objects.filter(is_active=True).filter(
            Q(role_assignments__role=Role.COORDINATOR)
            | Q(role_assignments__role=Role.DUBLIN_OFFICER, role_assignments__country_id=movement.frontline_state_id)
        ).distinct().order_by("pk")
    )
    if recipients:
        notify(
            recipients=recipients, by=by,
            subject=_("No-show on arrival in %(state)s: %(case)s (movement of %(day)s)")
            % {"state": movement.receiving_state_id, "case": row.household.case_number, "day": movement.departs_on},
        )


def _movement_status(movement: Movement) -> None:
    rows = list(movement.households.values_list("departure", "arrival"))
    boarded = [a for d, a in rows if d == MovementHousehold.Departure.BOARDED]
    pending_departure = any(d == "" for d, _a in rows)
    status = movement.status
    if rows and not pending_departure and boarded:
        status = Movement.Status.ARRIVED if all(boarded) else Movement.Status.DEPARTED
    if status != movement.status:
        movement.status = status
        movement.save(update_fields=["status"])


# -- workflow requirements (added to the case workflow's transitions from apps.ready) --------------


def require_transfer_requested(household: Household, ctx: dict) -> str | None:
    if open_transfer(household) is None:
        return _("A transfer of responsibility starts with a request from the Dublin Unit (Transfers page).")
    return None


def require_ready_to_travel(household: Household, ctx: dict) -> str | None:
    problems = readiness_problems(household)
    return " ".join(problems) if problems else None


def require_departure_confirmed(household: Household, ctx: dict) -> str | None:
    if not MovementHousehold.objects.filter(household=household, departure=MovementHousehold.Departure.BOARDED).exists():
        return _("Departure is confirmed on the movement, person by person.")
    return None


def require_arrival_confirmed(household: Household, ctx: dict) -> str | None:
    if not MovementHousehold.objects.filter(household=household, arrival=MovementHousehold.Arrival.ARRIVED).exists():
        return _("Arrival is confirmed on the movement by the receiving state.")
    return None

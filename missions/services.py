"""Every write of the missions floor: missions and their teams, the plan (interview slots),
interviews with their security checks, and the pledging state's decisions.

Who may write: a pledging-state officer of the mission's state who is on the mission team
(the guardian "change" grant) plans the mission; any officer of the destination state
decides on a household (the case workflow checks it again). ``by=None`` is the system
(the demo, a command). Pages and API fetch objects through ``missions.selectors`` first, so
an outsider gets 404 before reaching here; the checks below are the second lock.

A decision changes the case through ``cases.services.case_transition`` and the capacity
ledger through ``pledges.services``: an acceptance advances the placement, a rejection
releases the places, adds the state to the household's excluded states and returns the
household to the pool.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from cases import services as case_services
from cases.models import Applicant, CaseStatus, Household
from cases.workflow import TransitionError
from pledges import services as pledge_services
from pledges.models import Placement
from relocation import audit
from relocation.access import access_of
from relocation.models import Country, Role, User
from relocation.services import notify

from .models import (
    Decision,
    Interpreter,
    Interview,
    InterviewSlot,
    RejectionReason,
    SecurityOutcome,
    SelectionMission,
)
from .selectors import CHANGE_PERM, DECIDABLE_STATUSES

MISSION_FIELDS = ("site", "mode", "starts_on", "ends_on", "status")
OPEN_STATUSES = (SelectionMission.Status.PLANNED, SelectionMission.Status.IN_PROGRESS)
# Where a mission's status may go next (finished and cancelled are final).
STATUS_MOVES = {
    SelectionMission.Status.PLANNED: (SelectionMission.Status.IN_PROGRESS, SelectionMission.Status.CANCELLED),
    SelectionMission.Status.IN_PROGRESS: (SelectionMission.Status.FINISHED, SelectionMission.Status.CANCELLED),
}


# -- who may write ---------------------------------------------------------------------------


def _is_officer_of(user, state_code: str) -> bool:
    return state_code in access_of(user).states(Role.OFFICER)


def _require_officer_of(user, state_code: str) -> None:
    if user is not None and not _is_officer_of(user, state_code):
        raise PermissionDenied(_("Only officers of the pledging state may do this."))


def _require_team(user, mission: SelectionMission) -> None:
    if user is None:
        return
    if not _is_officer_of(user, mission.pledging_state_id) or not user.has_perm(CHANGE_PERM, mission):
        raise PermissionDenied(_("Only the mission team may change the mission plan."))


def _user_or_none(user):
    return user if user is not None and user.is_authenticated else None


def _lock_mission(mission: SelectionMission) -> SelectionMission:
    return SelectionMission.objects.select_for_update().get(pk=mission.pk)


def _check_team(state_code: str, team: Iterable[User]) -> list[User]:
    team = list(dict.fromkeys(team))
    outsiders = [u for u in team if not _is_officer_of(u, state_code)]
    if outsiders:
        raise ValidationError(
            {"team": _("Only officers of %(state)s can be on the team: %(names)s.")
             % {"state": state_code, "names": ", ".join(u.get_username() for u in outsiders)}}
        )
    return team


# -- missions ---------------------------------------------------------------------------------


@transaction.atomic
def mission_create(
    *,
    by,
    pledging_state: str | Country,
    frontline_state: str | Country,
    site: str,
    starts_on: dt.date,
    ends_on: dt.date,
    mode: str = SelectionMission.Mode.ON_SITE,
    team: Iterable[User] = (),
) -> SelectionMission:
    """Plan a mission of a pledging state. The officer who plans it is on its team."""
    state = getattr(pledging_state, "pk", pledging_state)
    frontline = getattr(frontline_state, "pk", frontline_state)
    _require_officer_of(by, state)
    mission = SelectionMission(
        pledging_state_id=state, frontline_state_id=frontline, site=(site or "").strip(), mode=mode,
        starts_on=starts_on, ends_on=ends_on, created_by=_user_or_none(by),
    )
    mission.full_clean()
    errors = {}
    if not Country.objects.filter(pk=frontline, is_frontline=True).exists():
        errors["frontline_state"] = [_("Choose a frontline state.")]
    if errors:
        raise ValidationError(errors)
    members = list(team)
    if by is not None and by not in members:
        members.insert(0, by)
    members = _check_team(state, members)
    mission.save()
    for user in members:
        assign_perm(CHANGE_PERM, user, mission)
    audit.record(
        actor=by, action="mission.create", obj=mission,
        details={"pledging_state": state, "frontline_state": frontline, "site": mission.site, "mode": mode,
                 "starts_on": str(starts_on), "ends_on": str(ends_on),
                 "team": [u.get_username() for u in members]},
    )
    return mission


@transaction.atomic
def mission_update(*, mission: SelectionMission, by, **fields: Any) -> SelectionMission:
    """Change the site, mode, dates or status of a mission."""
    _require_team(by, mission)
    unknown = set(fields) - set(MISSION_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown mission fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    locked = _lock_mission(mission)
    new_status = fields.get("status", locked.status)
    if new_status != locked.status and new_status not in STATUS_MOVES.get(locked.status, ()):
        raise ValidationError(
            {"status": _("A mission that is %(a)s cannot become %(b)s.")
             % {"a": locked.get_status_display().lower(),
                "b": str(SelectionMission.Status(new_status).label).lower()
                if new_status in SelectionMission.Status.values else new_status}}
        )
    changes = {}
    for name, value in fields.items():
        old = getattr(locked, name)
        if old != value:
            changes[name] = [str(old), str(value)]
            setattr(locked, name, value)
    locked.full_clean()
    if "starts_on" in changes or "ends_on" in changes:
        outside = locked.slots.filter(
            Q(starts_at__date__lt=locked.starts_on) | Q(starts_at__date__gt=locked.ends_on)
        ).exists()
        if outside:
            raise ValidationError(_("Interviews are planned outside the new dates; move or cancel them first."))
    locked.save()
    audit.record(actor=by, action="mission.update", obj=locked, details=changes)
    mission.refresh_from_db()
    return locked


@transaction.atomic
def mission_set_team(*, mission: SelectionMission, by, team: Iterable[User]) -> list[User]:
    """Replace the team (grants of the per-object "change" permission)."""
    from .selectors import team_of

    _require_team(by, mission)
    locked = _lock_mission(mission)
    members = _check_team(locked.pledging_state_id, team)
    if not members:
        raise ValidationError({"team": _("A mission needs at least one officer on its team.")})
    current = set(team_of(locked))
    for user in current - set(members):
        remove_perm(CHANGE_PERM, user, locked)
    for user in set(members) - current:
        assign_perm(CHANGE_PERM, user, locked)
    audit.record(
        actor=by, action="mission.team", obj=locked,
        details={"team": sorted(u.get_username() for u in members)},
    )
    return members


@transaction.atomic
def interpreter_add(*, mission: SelectionMission, by, name: str, languages: Sequence) -> Interpreter:
    _require_team(by, mission)
    locked = _lock_mission(mission)
    interpreter = Interpreter(mission=locked, name=(name or "").strip())
    codes = [getattr(lang, "pk", lang) for lang in languages]
    try:
        interpreter.full_clean()
    except ValidationError as exc:
        if "__all__" in exc.message_dict:
            raise ValidationError({"name": _("This mission already has an interpreter of that name.")}) from None
        raise
    if not codes:
        raise ValidationError({"languages": _("Name at least one language the interpreter works in.")})
    interpreter.save()
    interpreter.languages.set(codes)
    audit.record(
        actor=by, action="mission.interpreter_add", obj=locked,
        details={"interpreter": interpreter.pk, "name": interpreter.name, "languages": codes},
    )
    return interpreter


# -- the plan ---------------------------------------------------------------------------------


def _overlapping(qs, starts_at: dt.datetime, ends_at: dt.datetime):
    return qs.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


@transaction.atomic
def slot_schedule(
    *,
    mission: SelectionMission,
    household: Household,
    by,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    language,
    room: str = "",
    video_link: str = "",
    interpreter: Interpreter | None = None,
    applicant: Applicant | None = None,
) -> InterviewSlot:
    """Book an interview of a household (or of one of its members). Refused with a clear
    message when the interpreter, the room or a person is already booked at that time.

    The mission row, then the household row, are locked first: two officers booking at once
    are served one after the other, and the second sees the first one's slot."""
    _require_team(by, mission)
    locked = _lock_mission(mission)
    house = Household.objects.select_for_update().get(pk=household.pk)
    errors: dict[str, list[str]] = {}
    if locked.status not in OPEN_STATUSES:
        raise ValidationError(_("The mission is %(s)s: its plan is closed.") % {"s": locked.get_status_display().lower()})
    if house.destination_state_id != locked.pledging_state_id or house.status not in DECIDABLE_STATUSES:
        errors.setdefault("household", []).append(
            _("%(case)s is not waiting for a decision of %(state)s.")
            % {"case": house.case_number, "state": locked.pledging_state_id}
        )
    elif house.frontline_state_id != locked.frontline_state_id:
        errors.setdefault("household", []).append(
            _("%(case)s is in %(state)s, not in the mission's frontline state.")
            % {"case": house.case_number, "state": house.frontline_state_id}
        )
    if applicant is not None and applicant.household_id != house.pk:
        errors.setdefault("applicant", []).append(_("This person is not a member of the household."))
    if interpreter is not None and interpreter.mission_id != locked.pk:
        errors.setdefault("interpreter", []).append(_("Choose an interpreter of this mission."))
    code = getattr(language, "pk", language)
    if interpreter is not None and interpreter.mission_id == locked.pk:
        if not interpreter.languages.filter(pk=code).exists():
            errors.setdefault("interpreter", []).append(
                _("%(name)s does not interpret %(lang)s.") % {"name": interpreter.name, "lang": code}
            )
    if starts_at is None or ends_at is None:
        raise ValidationError(errors or {"starts_at": [_("Give the start and end time.")]})
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationError(_("Times must carry their time zone."))
    if ends_at <= starts_at:
        errors.setdefault("ends_at", []).append(_("The interview ends before it starts."))
    day = timezone.localdate(starts_at)
    if not (locked.starts_on <= day <= locked.ends_on):
        errors.setdefault("starts_at", []).append(
            _("The mission runs from %(a)s to %(b)s.")
            % {"a": locked.starts_on.strftime("%d.%m.%Y"), "b": locked.ends_on.strftime("%d.%m.%Y")}
        )
    room = (room or "").strip()
    video_link = (video_link or "").strip()
    if not room and not video_link:
        errors.setdefault("room", []).append(_("Give a room or a video link."))
    if errors:
        raise ValidationError(errors)

    conflicts: list[str] = []
    if interpreter is not None:
        clash = _overlapping(InterviewSlot.objects.filter(interpreter=interpreter), starts_at, ends_at).first()
        if clash:
            conflicts.append(
                _("The interpreter %(name)s is already booked from %(a)s to %(b)s.")
                % {"name": interpreter.name, "a": _local(clash.starts_at), "b": _local(clash.ends_at)}
            )
    if room:
        clash = _overlapping(InterviewSlot.objects.filter(mission=locked, room=room), starts_at, ends_at).first()
        if clash:
            conflicts.append(
                _("The room %(room)s is already booked from %(a)s to %(b)s.")
                % {"room": room, "a": _local(clash.starts_at), "b": _local(clash.ends_at)}
            )
    same_people = InterviewSlot.objects.filter(household=house)
    if applicant is not None:
        # The person's own slots, and the household-wide ones (they are in those too).
        same_people = same_people.filter(Q(applicant__isnull=True) | Q(applicant=applicant))
    clash = _overlapping(same_people, starts_at, ends_at).select_related("applicant").first()
    if clash:
        who = str(applicant) if applicant is not None else str(clash.applicant or house.case_number)
        conflicts.append(
            _("%(who)s is already booked from %(a)s to %(b)s.")
            % {"who": who, "a": _local(clash.starts_at), "b": _local(clash.ends_at)}
        )
    if conflicts:
        raise ValidationError(conflicts, code="conflict")

    slot = InterviewSlot(
        mission=locked, household=house, applicant=applicant, starts_at=starts_at, ends_at=ends_at,
        room=room, video_link=video_link, language_id=code, interpreter=interpreter, created_by=_user_or_none(by),
    )
    slot.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            slot.save()
    except IntegrityError:
        # The exclusion constraints (PostgreSQL) caught a double booking that slipped past the check.
        raise ValidationError(_("This slot overlaps another booking; reload the plan and try again."),
                              code="conflict") from None
    if house.status == CaseStatus.PROPOSED:
        case_services.case_transition(
            household=house, to=CaseStatus.INTERVIEW_SCHEDULED, by=by,
            reason=_("Interview on %(when)s, %(mission)s") % {"when": _local(starts_at), "mission": locked.site},
        )
    audit.record(
        actor=by, action="mission.slot_schedule", obj=locked,
        details={"slot": slot.pk, "household": house.case_number, "applicant": applicant.pk if applicant else None,
                 "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(), "room": room,
                 "video_link": bool(video_link), "language": code,
                 "interpreter": interpreter.pk if interpreter else None},
    )
    return slot


@transaction.atomic
def slot_cancel(*, slot: InterviewSlot, by, reason: str) -> None:
    mission = slot.mission
    _require_team(by, mission)
    _lock_mission(mission)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the interview is cancelled.")})
    if Interview.objects.filter(slot=slot).exists():
        raise ValidationError(_("The interview is recorded already; it cannot be cancelled."))
    household = Household.objects.select_for_update().get(pk=slot.household_id)
    details = {"slot": slot.pk, "household": household.case_number, "starts_at": slot.starts_at.isoformat(),
               "reason": reason}
    slot.delete()
    audit.record(actor=by, action="mission.slot_cancel", obj=mission, details=details)
    # With no interview left on any plan, the household waits for one again (or a decision).
    if household.status == CaseStatus.INTERVIEW_SCHEDULED and not household.interview_slots.exists():
        case_services.case_transition(
            household=household, to=CaseStatus.PROPOSED, by=by, interview_cancelled=True,
            reason=_("Interview cancelled: %(reason)s") % {"reason": reason},
        )


# -- interviews -------------------------------------------------------------------------------


@transaction.atomic
def interview_record(
    *,
    slot: InterviewSlot,
    by,
    outcome: str,
    security_outcome: str = "",
    notes: str = "",
    threat_persons: Iterable[Applicant] = (),
) -> Interview:
    """Record that the interview took place (with the security check outcome) or a no-show.

    A security threat names the persons found a threat: each is excluded from any future
    relocation through the case service (AMMR Art. 67(2))."""
    mission = slot.mission
    _require_team(by, mission)
    _lock_mission(mission)
    house = Household.objects.select_for_update().get(pk=slot.household_id)
    if Interview.objects.filter(slot=slot).exists():
        raise ValidationError(_("This interview is recorded already."))
    if slot.starts_at > timezone.now():
        raise ValidationError(_("The interview has not started yet."))
    threats = list(dict.fromkeys(threat_persons))
    errors: dict[str, list[str]] = {}
    if outcome == Interview.Outcome.NO_SHOW:
        security_outcome = ""
        if threats:
            errors.setdefault("threat_persons", []).append(_("Nobody came: no one can be found a threat."))
    elif outcome == Interview.Outcome.TOOK_PLACE and not security_outcome:
        errors.setdefault("security_outcome", []).append(_("Give the security check outcome."))
    if security_outcome == SecurityOutcome.THREAT:
        if not threats:
            errors.setdefault("threat_persons", []).append(_("Name the persons found a security threat."))
        members = {m.pk for m in house.members.all()} if slot.applicant_id is None else {slot.applicant_id}
        if any(p.pk not in members for p in threats):
            errors.setdefault("threat_persons", []).append(_("Only persons interviewed in this slot can be named."))
    elif threats:
        errors.setdefault("threat_persons", []).append(_("Persons are named only for a security threat."))
    interview = Interview(
        slot=slot, outcome=outcome, security_outcome=security_outcome, notes=notes or "",
        recorded_by=_user_or_none(by),
    )
    try:
        interview.full_clean(validate_constraints=False, validate_unique=False)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    interview.save()
    interview.threat_persons.set(threats)
    state = mission.pledging_state_id
    for person in threats:
        if not Applicant.objects.filter(pk=person.pk, security_excluded=True).exists():
            # The system acts on the state's finding (the case service is EUAA's door); the
            # audit row below names the officer who made the finding.
            case_services.security_exclude(
                applicant=person, by=None,
                reason=_("Security threat found by %(state)s at the selection interview of %(day)s (%(who)s).")
                % {"state": state, "day": timezone.localdate(slot.starts_at).isoformat(),
                   "who": by.get_username() if by is not None else _("system")},
            )
    audit.record(
        actor=by, action="mission.interview_record", obj=house,
        details={"mission": mission.pk, "slot": slot.pk, "outcome": outcome, "security_outcome": security_outcome,
                 "threat_persons": [p.pk for p in threats], "notes": bool(notes)},
    )
    return interview


# -- decisions --------------------------------------------------------------------------------


def _reason_label(code: str) -> str:
    try:
        return str(RejectionReason(code).label)
    except ValueError:
        return code


def _coordinators() -> list[User]:
    return list(
        User.objects.filter(is_active=True, role_assignments__role=Role.COORDINATOR).distinct().order_by("pk")
    )


def reject_and_return(
    house: Household, *, by, state: str, why: str, release: str, at: dt.datetime | None = None, **context
) -> bool:
    """A pledging state's final no (at its decision, or to the transfer of responsibility): the
    household is rejected (the state is excluded from its future proposals), its places are
    released, and it goes back to the pool when still ready for matching (consent, eligibility,
    no security exclusion; otherwise it stays rejected for EUAA). Returns whether it went back.
    ``context`` goes to the workflow (what the move requires)."""
    placement = _active_placement(house)
    case_services.case_transition(household=house, to=CaseStatus.REJECTED, by=by, reason=why, **context)
    if placement is not None:
        pledge_services.placement_release(placement=placement, by=by, reason=release, at=at)
    try:
        case_services.case_transition(
            household=house, to=CaseStatus.AVAILABLE, by=None,
            reason=_("Back to the pool after the rejection by %(s)s") % {"s": state},
        )
    except TransitionError:
        return False
    return True


def _active_placement(household: Household) -> Placement | None:
    return Placement.objects.filter(household=household, released_at__isnull=True).order_by("-id").first()


def _decide(
    *,
    household: Household,
    by,
    outcome: str,
    reason: str,
    reason_text: str,
    mission: SelectionMission | None,
    members: Iterable[Applicant] | None,
    at: dt.datetime | None = None,
) -> Decision:
    house = Household.objects.select_for_update().get(pk=household.pk)
    state = house.destination_state_id
    reason = (reason or "").strip()
    reason_text = (reason_text or "").strip()
    if house.status not in DECIDABLE_STATUSES or not state:
        raise ValidationError(
            _("%(case)s is not waiting for a pledging state's decision.") % {"case": house.case_number}
        )
    _require_officer_of(by, state)
    current = list(house.members.order_by("id"))
    if members is not None:
        named = {m.pk for m in members}
        if named != {m.pk for m in current}:
            raise ValidationError(
                {"members": _("A decision covers the whole household. To decide on some members only, "
                              "ask EUAA to split the household first; then decide on each household.")}
            )
    if mission is None:
        # A decision after an interview belongs to the (latest) mission that interviewed the household.
        slot = (
            InterviewSlot.objects.filter(household=house, mission__pledging_state_id=state)
            .select_related("mission").order_by("-starts_at").first()
        )
        mission = slot.mission if slot is not None else None
    if mission is not None and (
        mission.pledging_state_id != state or mission.frontline_state_id != house.frontline_state_id
    ):
        raise ValidationError({"mission": _("This mission is not of the state deciding on the household.")})
    errors: dict[str, list[str]] = {}
    if outcome == Decision.Outcome.ACCEPTED:
        if reason or reason_text:
            reason, reason_text = "", ""
        excluded = [m for m in current if m.security_excluded]
        if excluded:
            errors.setdefault("outcome", []).append(
                _("%(names)s is excluded for security reasons and can never be relocated: reject, or have the "
                  "household split first.") % {"names": ", ".join(str(m) for m in excluded)}
            )
    elif outcome == Decision.Outcome.REJECTED:
        if reason not in RejectionReason.values:
            errors.setdefault("reason", []).append(_("Choose the reason for the rejection."))
        elif reason == RejectionReason.OTHER and not reason_text:
            errors.setdefault("reason_text", []).append(_("Explain the reason 'other'."))
    else:
        errors.setdefault("outcome", []).append(_("Accept or reject."))
    if Decision.objects.filter(household=house, pledging_state_id=state).exists():
        errors.setdefault("outcome", []).append(_("%(state)s has decided on this household already.") % {"state": state})
    if errors:
        raise ValidationError(errors)

    decision = Decision(
        household=house, pledging_state_id=state, mission=mission, outcome=outcome, reason=reason,
        reason_text=reason_text, members=[{"id": m.pk, "name": str(m)} for m in current], persons=len(current),
        decided_by=_user_or_none(by), decided_at=at or timezone.now(),
    )
    decision.full_clean(validate_constraints=False, validate_unique=False)
    placement = _active_placement(house)
    if outcome == Decision.Outcome.ACCEPTED:
        case_services.case_transition(household=house, to=CaseStatus.ACCEPTED, by=by, reason=_("Accepted by %(s)s") % {"s": state})
        if placement is not None:
            pledge_services.placement_advance(placement=placement, stage=Placement.Stage.ACCEPTED, by=by, at=at)
    else:
        why = _reason_label(reason) + (f": {reason_text}" if reason_text else "")
        decision.returned_to_pool = reject_and_return(
            house, by=by, state=state, why=why, release=_("Rejected by %(s)s: %(why)s") % {"s": state, "why": why},
            at=at,
        )
    decision.save()
    audit.record(
        actor=by, action=f"mission.decision_{outcome}", obj=house,
        details={"decision": decision.pk, "state": state, "reason": reason, "reason_text": reason_text,
                 "mission": mission.pk if mission else None, "persons": decision.persons,
                 "placement": placement.pk if placement else None, "returned_to_pool": decision.returned_to_pool},
    )
    return decision


@transaction.atomic
def split_for_decision(
    *, household: Household, members_to_split: Iterable[Applicant], by, reason: str
) -> Household:
    """EUAA (a caseworker of the frontline state or a coordinator) splits a household a pledging
    state is deciding on, so the state can decide on the members who stay. The kept household
    keeps its destination, status and placement, shrunk to its remaining persons; the split-off
    household loses the destination and goes back as far as its records allow ('available'
    when ready for matching). Returns the new household; the officer then decides on the kept one."""
    house = Household.objects.select_for_update().get(pk=household.pk)
    if house.status not in DECIDABLE_STATUSES or not house.destination_state_id:
        raise ValidationError(
            _("%(case)s is not waiting for a pledging state's decision.") % {"case": house.case_number}
        )
    resized: list[Placement] = []

    def shrink_placement(kept: Household, new: Household) -> None:
        placement = _active_placement(kept)
        if placement is not None:
            resized.append(pledge_services.placement_resize(placement=placement, persons=kept.size, by=by))

    new = case_services.split_household(
        household=house, members=members_to_split, by=by, reason=reason, after_split=shrink_placement
    )
    audit.record(
        actor=by, action="mission.split_for_decision", obj=house,
        details={"new_household": new.case_number, "state": house.destination_state_id, "reason": reason,
                 "placement": resized[0].pk if resized else None, "persons": house.size, "new_status": new.status},
    )
    household.refresh_from_db()
    return new


def _notify_coordinators(decisions: list[Decision], by) -> None:
    if not decisions:
        return
    recipients = _coordinators()
    if not recipients:
        return
    state = decisions[0].pledging_state_id
    accepted = [d for d in decisions if d.outcome == Decision.Outcome.ACCEPTED]
    rejected = [d for d in decisions if d.outcome == Decision.Outcome.REJECTED]
    subject = _("%(state)s decided on %(n)s household(s): %(a)s accepted, %(r)s rejected") % {
        "state": state, "n": len(decisions), "a": len(accepted), "r": len(rejected)
    }
    lines = []
    for d in decisions:
        line = f"{d.household.case_number}: {d.get_outcome_display()}"
        if d.outcome == Decision.Outcome.REJECTED:
            line += f" ({_reason_label(d.reason)})"
            line += " · " + (_("back in the pool") if d.returned_to_pool else _("stays rejected: needs EUAA's review"))
        lines.append(line)
    notify(recipients=recipients, subject=subject, body="\n".join(lines), link=reverse("missions:overview"), by=by)


@transaction.atomic
def decision_record(
    *,
    household: Household,
    by,
    outcome: str,
    reason: str = "",
    reason_text: str = "",
    mission: SelectionMission | None = None,
    members: Iterable[Applicant] | None = None,
    at: dt.datetime | None = None,
) -> Decision:
    """The destination state accepts or rejects a whole household (``members``, when given,
    must be the whole household: split it first to decide on part of it). ``at`` records a
    decision taken earlier (e.g. on paper during a mission); it defaults to now."""
    if at is not None and at > timezone.now():
        raise ValidationError({"at": _("A decision cannot be dated in the future.")})
    decision = _decide(
        household=household, by=by, outcome=outcome, reason=reason, reason_text=reason_text,
        mission=mission, members=members, at=at,
    )
    _notify_coordinators([decision], by)
    household.refresh_from_db()
    return decision


@transaction.atomic
def decisions_record_for_mission(
    *, mission: SelectionMission, by, items: Sequence[dict], at: dt.datetime | None = None
) -> list[Decision]:
    """Several decisions of one mission in one go: all are written, or none.

    ``items``: dicts with ``household``, ``outcome``, ``reason``, ``reason_text``. A
    ``ValidationError`` names the household whose decision was refused."""
    _require_officer_of(by, mission.pledging_state_id)
    if at is not None and at > timezone.now():
        raise ValidationError({"at": _("A decision cannot be dated in the future.")})
    decisions = []
    for item in items:
        household = item["household"]
        try:
            decisions.append(
                _decide(
                    household=household, by=by, outcome=item.get("outcome", ""), reason=item.get("reason", ""),
                    reason_text=item.get("reason_text", ""), mission=mission, members=None, at=at,
                )
            )
        except ValidationError as exc:
            messages = exc.messages
            raise ValidationError(
                _("%(case)s: %(problem)s") % {"case": household.case_number, "problem": " ".join(messages)}
            ) from None
    _notify_coordinators(decisions, by)
    return decisions

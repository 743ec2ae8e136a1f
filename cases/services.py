"""Every write to a case file. Pages, API, import and tasks call these; each validates,
writes, recomputes what is derived (composition, size, search key) and leaves an audit row.

Who may write: a caseworker deployed in the household's frontline state, or the coordinator
(``by=None`` is the system, e.g. an import run by a command). Views and API fetch the
household through ``cases.selectors`` first, so an outsider gets 404 before reaching here;
the check below is the second lock on the same door.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from relocation import audit
from relocation.access import access_of
from relocation.models import Country, Organisation, Role

from . import workflow
from .documents import validate_upload
from .models import (
    Applicant,
    CaseNumberCounter,
    CaseStatus,
    Consent,
    CulturalTie,
    Document,
    EligibilityDecision,
    FamilyTie,
    Household,
    InformationSession,
    Relationship,
    SecurityExclusion,
    StatusChange,
    VulnerabilityAssessment,
    derive_composition,
)

# Members may change until the household is proposed: after that a pledging state is
# deciding on exactly these people.
MEMBERS_MAY_CHANGE = {
    CaseStatus.IDENTIFIED,
    CaseStatus.INFORMED,
    CaseStatus.ASSESSED,
    CaseStatus.ELIGIBLE,
    CaseStatus.AVAILABLE,
    CaseStatus.REJECTED,
}
# New members have not been found eligible nor consented yet: the household goes back here.
REASSESS_FROM = {CaseStatus.ELIGIBLE, CaseStatus.AVAILABLE, CaseStatus.REJECTED}

APPLICANT_FIELDS = {
    "given_name",
    "family_name",
    "given_name_native",
    "family_name_native",
    "date_of_birth",
    "dob_estimated",
    "sex",
    "nationality",
    "nationality_id",
    "relationship_to_principal",
    "registration_number",
}


# -- who may write ---------------------------------------------------------------------------


def may_edit(user, household: Household) -> bool:
    if user is None:
        return True
    access = access_of(user)
    return access.has(Role.COORDINATOR) or household.frontline_state_id in access.states(Role.CASEWORKER)


def _require_editor(user, household: Household) -> None:
    if not may_edit(user, household):
        raise PermissionDenied(_("Only EUAA caseworkers of this operation may change this case file."))


def _require_frontline_editor(user, state_code: str) -> None:
    if user is None:
        return
    access = access_of(user)
    if not (access.has(Role.COORDINATOR) or state_code in access.states(Role.CASEWORKER)):
        raise PermissionDenied(_("Only EUAA caseworkers of this operation may register households here."))


def _lock(household: Household) -> Household:
    """The household row, locked until the transaction ends: concurrent writers wait."""
    return Household.objects.select_for_update().get(pk=household.pk)


def _check_version(locked: Household, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != locked.version:
        raise ValidationError(
            _("Someone else changed this household since you opened it; reload the page and try again.")
        )


def _touch(household: Household) -> None:
    Household.objects.filter(pk=household.pk).update(version=F("version") + 1)
    household.version += 1


def recompute(household: Household, on: dt.date | None = None) -> Household:
    """What is derived from the members (the only place it is set): composition, size, how
    many members are vulnerable, whether any has family or cultural ties."""
    members = list(household.members.all())
    ids = [m.pk for m in members]
    household.composition = derive_composition(members, on=on)
    household.size = len(members)
    household.vulnerable_members = (
        VulnerabilityAssessment.objects.filter(applicant_id__in=ids).values("applicant_id").distinct().count()
    )
    household.has_family_ties = FamilyTie.objects.filter(applicant_id__in=ids).exists()
    household.has_cultural_ties = CulturalTie.objects.filter(applicant_id__in=ids).exists()
    Household.objects.filter(pk=household.pk).update(
        composition=household.composition,
        size=household.size,
        vulnerable_members=household.vulnerable_members,
        has_family_ties=household.has_family_ties,
        has_cultural_ties=household.has_cultural_ties,
    )
    return household


def recompute_flags(households) -> int:
    """Set-based ``recompute`` of the vulnerability and tie columns for a queryset of households
    (for bulk writers: the demo world, imports). Returns the number of rows updated."""
    from django.db.models import Count, Exists, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    vulnerable = (
        VulnerabilityAssessment.objects.filter(applicant__household=OuterRef("pk"))
        .order_by()
        .values("applicant__household")
        .annotate(n=Count("applicant", distinct=True))
        .values("n")
    )
    return households.update(
        vulnerable_members=Coalesce(Subquery(vulnerable), Value(0)),
        has_family_ties=Exists(FamilyTie.objects.filter(applicant__household=OuterRef("pk"))),
        has_cultural_ties=Exists(CulturalTie.objects.filter(applicant__household=OuterRef("pk"))),
    )


def _set_status(
    household: Household, to: str, *, by, reason: str, destination_state_id=None, also: dict | None = None
) -> StatusChange:
    """Record the change and write the status (with ``also``, in the same UPDATE so the row's
    constraints hold at every statement)."""
    now = timezone.now()
    change = StatusChange.objects.create(
        household=household,
        from_status=household.status,
        to_status=to,
        at=now,
        by=by if by is not None and by.is_authenticated else None,
        reason=reason,
        destination_state_id=destination_state_id,
    )
    household.status = to
    household.status_changed_at = now
    Household.objects.filter(pk=household.pk).update(status=to, status_changed_at=now, **(also or {}))
    return change


# -- case numbers ----------------------------------------------------------------------------


def allocate_case_numbers(*, frontline_state: str, count: int = 1, year: int | None = None) -> list[str]:
    """``count`` new case numbers ``GR-2024-000123`` in one locked step (imports take thousands)."""
    year = year or timezone.localdate().year
    with transaction.atomic():
        CaseNumberCounter.objects.get_or_create(frontline_state_id=frontline_state, year=year)
        counter = CaseNumberCounter.objects.select_for_update().get(frontline_state_id=frontline_state, year=year)
        first = counter.last + 1
        counter.last += count
        counter.save(update_fields=["last"])
    return [f"{frontline_state}-{year}-{n:06d}" for n in range(first, first + count)]


# -- households and members ------------------------------------------------------------------


def _owner_for(by) -> Organisation:
    if by is not None and getattr(by, "organisation_id", None):
        org = by.organisation
        if org.kind == Organisation.Kind.EUAA:
            return org
    org = Organisation.objects.filter(kind=Organisation.Kind.EUAA).order_by("pk").first()
    if org is None:
        raise ValidationError(_("The EUAA organisation is missing; it owns every case file."))
    return org


@transaction.atomic
def household_create(
    *,
    frontline_state: str | Country,
    registered_on: dt.date,
    by,
    site: str = "",
    members: Iterable[dict[str, Any]] = (),
) -> Household:
    """Register a household (status identified) with its members, if given."""
    state_code = getattr(frontline_state, "pk", frontline_state)
    _require_frontline_editor(by, state_code)
    state = Country.objects.filter(pk=state_code, is_frontline=True).first()
    if state is None:
        raise ValidationError({"frontline_state": _("Choose a frontline state.")})
    (case_number,) = allocate_case_numbers(frontline_state=state.pk, year=registered_on.year)
    household = Household(
        case_number=case_number,
        frontline_state=state,
        site=site,
        registered_on=registered_on,
        status=CaseStatus.IDENTIFIED,
        owner=_owner_for(by),
    )
    household.full_clean()
    household.save()
    StatusChange.objects.create(
        household=household, from_status="", to_status=CaseStatus.IDENTIFIED, at=household.status_changed_at,
        by=by if by is not None and by.is_authenticated else None, reason=_("Registered"),
    )
    for data in members:
        _member_create(household, data, by=by)
    recompute(household)
    audit.record(
        actor=by, action="household.create", obj=household,
        details={"frontline_state": state.pk, "site": site, "members": household.size},
    )
    return household


@transaction.atomic
def household_update(
    *, household: Household, by, site: str | None = None, registered_on: dt.date | None = None,
    expected_version: int | None = None,
) -> Household:
    _require_editor(by, household)
    locked = _lock(household)
    _check_version(locked, expected_version)
    changes = {}
    if site is not None and site != locked.site:
        changes["site"] = [locked.site, site]
        locked.site = site
    if registered_on is not None and registered_on != locked.registered_on:
        changes["registered_on"] = [str(locked.registered_on), str(registered_on)]
        locked.registered_on = registered_on
    locked.full_clean()
    locked.save(update_fields=["site", "registered_on"])
    _touch(locked)
    audit.record(actor=by, action="household.update", obj=locked, details=changes)
    return locked


def _principal_exists(household: Household, exclude_pk: int | None = None) -> bool:
    qs = household.members.filter(relationship_to_principal=Relationship.PRINCIPAL)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _member_create(household: Household, data: dict[str, Any], *, by) -> Applicant:
    data = dict(data)
    languages = data.pop("languages", [])
    unknown = set(data) - APPLICANT_FIELDS
    if unknown:
        raise ValidationError(_("Unknown applicant fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if "relationship_to_principal" not in data:
        data["relationship_to_principal"] = (
            Relationship.OTHER if _principal_exists(household) else Relationship.PRINCIPAL
        )
    applicant = Applicant(household=household, frontline_state_id=household.frontline_state_id, **data)
    applicant.set_search_names()
    _validate_applicant(applicant)
    applicant.save()
    if languages:
        applicant.languages.set(languages)
    return applicant


def _validate_applicant(applicant: Applicant) -> None:
    errors: dict[str, list[str]] = {}
    try:
        applicant.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if applicant.date_of_birth and applicant.date_of_birth > timezone.localdate():
        errors.setdefault("date_of_birth", []).append(_("The date of birth is in the future."))
    if applicant.registration_number and (
        Applicant.objects.filter(
            frontline_state_id=applicant.frontline_state_id, registration_number=applicant.registration_number
        )
        .exclude(pk=applicant.pk)
        .exists()
    ):
        errors.setdefault("registration_number", []).append(
            _("This registration number is already used in this frontline state.")
        )
    if applicant.relationship_to_principal == Relationship.PRINCIPAL and _principal_exists(
        applicant.household, exclude_pk=applicant.pk
    ):
        errors.setdefault("relationship_to_principal", []).append(
            _("The household already has a principal applicant.")
        )
    if errors:
        raise ValidationError(errors)


def _back_to_assessed(household: Household, *, by, reason: str) -> None:
    if household.status in REASSESS_FROM:
        _set_status(household, CaseStatus.ASSESSED, by=by, reason=reason)


def _require_members_may_change(household: Household) -> None:
    if household.status not in MEMBERS_MAY_CHANGE:
        raise ValidationError(
            _("Members cannot change once the household is '%(status)s': a pledging state is deciding on them.")
            % {"status": workflow.status_label(household.status)}
        )


@transaction.atomic
def add_member(*, household: Household, by, expected_version: int | None = None, **fields) -> Applicant:
    """Add a person. An eligible or available household goes back to 'assessed': the new
    member needs an eligibility decision and consent too."""
    _require_editor(by, household)
    locked = _lock(household)
    _check_version(locked, expected_version)
    _require_members_may_change(locked)
    applicant = _member_create(locked, fields, by=by)
    _back_to_assessed(locked, by=by, reason=_("Member added: %(name)s") % {"name": applicant})
    recompute(locked)
    _touch(locked)
    audit.record(
        actor=by, action="household.member_add", obj=locked,
        details={"applicant": applicant.pk, "name": str(applicant)},
    )
    household.refresh_from_db()
    return applicant


@transaction.atomic
def applicant_update(*, applicant: Applicant, by, **fields) -> Applicant:
    household = applicant.household
    _require_editor(by, household)
    locked = _lock(household)
    languages = fields.pop("languages", None)
    unknown = set(fields) - APPLICANT_FIELDS
    if unknown:
        raise ValidationError(_("Unknown applicant fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    applicant = Applicant.objects.get(pk=applicant.pk)
    changed = {}
    for name, value in fields.items():
        old = getattr(applicant, name)
        if old != value:
            changed[name.removesuffix("_id")] = [str(getattr(old, "pk", old)), str(getattr(value, "pk", value))]
            setattr(applicant, name, value)
    applicant.set_search_names()
    _validate_applicant(applicant)
    applicant.save()
    if languages is not None:
        applicant.languages.set(languages)
        changed["languages"] = sorted(getattr(lang, "pk", lang) for lang in languages)
    recompute(locked)
    _touch(locked)
    audit.record(actor=by, action="applicant.update", obj=applicant, details={"changed": changed})
    return applicant


@transaction.atomic
def remove_member(*, applicant: Applicant, by, reason: str, new_principal: Applicant | None = None) -> Household:
    """Remove a person from the file (e.g. registered by mistake, or left the household).
    A person excluded for security reasons stays on file: split them off instead."""
    household = applicant.household
    _require_editor(by, household)
    locked = _lock(household)
    _require_members_may_change(locked)
    applicant = Applicant.objects.get(pk=applicant.pk)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the member is removed.")})
    if applicant.security_excluded:
        raise ValidationError(
            _("A person excluded for security reasons stays on file; split them into their own household.")
        )
    others = list(locked.members.exclude(pk=applicant.pk))
    if not others:
        raise ValidationError(_("The last member cannot be removed; close the case instead."))
    if applicant.relationship_to_principal == Relationship.PRINCIPAL:
        if new_principal is None or new_principal.pk not in {m.pk for m in others}:
            raise ValidationError({"new_principal": _("Choose who becomes the principal applicant.")})
    # The household keeps the person's documents.
    Document.objects.filter(applicant=applicant).update(applicant=None)
    InformationSession.objects.filter(applicant=applicant).update(applicant=None)
    details = {"applicant": applicant.pk, "name": str(applicant), "reason": reason}
    applicant.delete()
    if new_principal is not None and applicant.relationship_to_principal == Relationship.PRINCIPAL:
        Applicant.objects.filter(pk=new_principal.pk).update(relationship_to_principal=Relationship.PRINCIPAL)
        details["new_principal"] = new_principal.pk
    recompute(locked)
    _touch(locked)
    audit.record(actor=by, action="household.member_remove", obj=locked, details=details)
    return locked


def _ensure_principal(household: Household) -> None:
    members = list(household.members.order_by("date_of_birth", "id"))
    if members and not any(m.relationship_to_principal == Relationship.PRINCIPAL for m in members):
        # The eldest adult (or the eldest person) leads the household.
        Applicant.objects.filter(pk=members[0].pk).update(relationship_to_principal=Relationship.PRINCIPAL)


# A pledging state is deciding on these: a split is for its decision (see ``split_household``).
SPLIT_WHILE_DECIDING = (CaseStatus.PROPOSED, CaseStatus.INTERVIEW_SCHEDULED)


def _start_after_split(new: Household) -> str:
    """The furthest status before a proposal whose requirements the split-off household meets."""
    ctx: dict = {}
    for status, requirements in (
        (CaseStatus.AVAILABLE, workflow.READY_FOR_MATCHING),
        (CaseStatus.ELIGIBLE, (workflow.has_members, workflow.every_adult_eligible, workflow.no_security_exclusion)),
    ):
        if all(requirement(new, ctx) is None for requirement in requirements):
            return status
    return CaseStatus.ASSESSED


@transaction.atomic
def split_household(
    *,
    household: Household,
    members: Iterable[Applicant],
    by,
    reason: str,
    after_split: Callable[[Household, Household], None] | None = None,
) -> Household:
    """Move ``members`` into a new household with its own case number (e.g. one adult withdraws
    consent). Before a proposal the new household starts at 'assessed' at the latest: its
    eligibility and consent are looked at again; the rest of the family keeps its place.

    A household a pledging state is deciding on ('proposed', 'interview scheduled') may be split
    too, so the state can decide on part of it: the kept part keeps its destination and status;
    the split-off part loses the destination and starts where the workflow's own requirements
    put it ('available' when ready for matching, else 'eligible', else 'assessed'). Its places
    are held on a higher floor, so such a split needs ``after_split(kept, new)``, called in the
    same transaction once the members have moved (the missions floor shrinks the placement)."""
    _require_editor(by, household)
    locked = _lock(household)
    deciding = locked.status in SPLIT_WHILE_DECIDING
    if deciding and after_split is None:
        raise ValidationError(
            _("A pledging state is deciding on this household: it is split for the decision, so that its "
              "reserved places shrink with it.")
        )
    if not deciding:
        _require_members_may_change(locked)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the household is split.")})
    ids = {m.pk for m in members}
    current = {m.pk: m for m in locked.members.all()}
    if not ids or not ids <= set(current):
        raise ValidationError({"members": _("Choose members of this household to move.")})
    if ids == set(current):
        raise ValidationError({"members": _("At least one member must stay in the household.")})
    (case_number,) = allocate_case_numbers(frontline_state=locked.frontline_state_id)
    order = list(CaseStatus.values)
    start = locked.status if order.index(locked.status) <= order.index(CaseStatus.ASSESSED) else CaseStatus.ASSESSED
    new = Household.objects.create(
        case_number=case_number,
        frontline_state_id=locked.frontline_state_id,
        site=locked.site,
        registered_on=locked.registered_on,
        status=start,
        owner_id=locked.owner_id,
    )
    new.excluded_states.set(locked.excluded_states.all())
    # The moved people's relation to the old principal means nothing in the new household.
    Applicant.objects.filter(pk__in=ids).update(household=new, relationship_to_principal=Relationship.OTHER)
    moved_principal = any(current[i].relationship_to_principal == Relationship.PRINCIPAL for i in ids)
    Document.objects.filter(applicant_id__in=ids).update(household=new)
    InformationSession.objects.filter(applicant_id__in=ids).update(household=new)
    # People who were informed together stay informed.
    for session in InformationSession.objects.filter(household=locked, applicant__isnull=True):
        InformationSession.objects.create(
            household=new, held_on=session.held_on, language_id=session.language_id,
            interpreter=session.interpreter, recorded_by_id=session.recorded_by_id,
        )
    _ensure_principal(new)
    if moved_principal:
        _ensure_principal(locked)
    recompute(new)
    recompute(locked)
    if deciding:
        # Not part of the proposal: no destination, and the status its members' records allow.
        start = _start_after_split(new)
        Household.objects.filter(pk=new.pk).update(status=start)
        new.status = start
    StatusChange.objects.create(
        household=new, from_status="", to_status=start, by=by if by is not None and by.is_authenticated else None,
        reason=_("Split from %(case)s: %(reason)s") % {"case": locked.case_number, "reason": reason},
    )
    _touch(locked)
    names = [str(current[i]) for i in sorted(ids)]
    audit.record(
        actor=by, action="household.split", obj=locked,
        details={"new_household": new.case_number, "members": sorted(ids), "names": names, "reason": reason,
                 "status": locked.status, "destination_state": locked.destination_state_id},
    )
    audit.record(
        actor=by, action="household.split_from", obj=new,
        details={"from_household": locked.case_number, "members": sorted(ids), "reason": reason, "status": start},
    )
    if after_split is not None:
        after_split(locked, new)
    household.refresh_from_db()
    return new


@transaction.atomic
def merge_households(*, target: Household, source: Household, by, reason: str) -> Household:
    """Bring the members of ``source`` into ``target`` (e.g. a family registered twice);
    ``source`` is closed. Both must be in the same frontline state and not yet proposed."""
    if target.pk == source.pk:
        raise ValidationError(_("A household cannot be merged with itself."))
    _require_editor(by, target)
    _require_editor(by, source)
    # Lock both rows in a fixed order so two merges cannot deadlock.
    locked = {h.pk: h for h in Household.objects.select_for_update().filter(pk__in=[target.pk, source.pk]).order_by("pk")}
    tgt, src = locked[target.pk], locked[source.pk]
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the households are merged.")})
    if tgt.frontline_state_id != src.frontline_state_id:
        raise ValidationError(_("Only households of the same frontline state can be merged."))
    _require_members_may_change(tgt)
    _require_members_may_change(src)
    moved = list(src.members.values_list("pk", flat=True))
    Applicant.objects.filter(pk__in=moved, relationship_to_principal=Relationship.PRINCIPAL).update(
        relationship_to_principal=Relationship.OTHER
    )
    Applicant.objects.filter(pk__in=moved).update(household=tgt)
    Document.objects.filter(household=src).update(household=tgt)
    InformationSession.objects.filter(household=src).update(household=tgt)
    tgt.excluded_states.add(*src.excluded_states.all())
    _ensure_principal(tgt)
    if moved:
        _back_to_assessed(tgt, by=by, reason=_("Merged with %(case)s") % {"case": src.case_number})
    _set_status(
        src, CaseStatus.CLOSED, by=by,
        reason=_("Merged into %(case)s: %(reason)s") % {"case": tgt.case_number, "reason": reason},
    )
    recompute(tgt)
    recompute(src)
    _touch(tgt)
    _touch(src)
    audit.record(
        actor=by, action="household.merge", obj=tgt,
        details={"merged": src.case_number, "members": moved, "reason": reason},
    )
    audit.record(actor=by, action="household.merged_into", obj=src, details={"into": tgt.case_number})
    target.refresh_from_db()
    return tgt


# -- the workflow ------------------------------------------------------------------------------


@transaction.atomic
def case_transition(
    *, household: Household, to: str, by, reason: str = "", expected_version: int | None = None, **context: Any
) -> Household:
    """Move a household to status ``to``. The row is locked first, so two people acting at
    once are served one after the other and the second sees the first one's result.
    Raises ``workflow.TransitionError`` naming the rule that forbids the move."""
    locked = _lock(household)
    _check_version(locked, expected_version)
    from_status = locked.status
    ctx = dict(context)
    transition = workflow.check(household=locked, to=to, user=by, reason=reason, context=ctx)
    for effect in transition.effects:
        effect(locked, ctx)
    destination = locked.destination_state_id or ctx.get("rejected_by")
    change = _set_status(
        locked, to, by=by, reason=reason, destination_state_id=destination,
        also={"destination_state": locked.destination_state_id},
    )
    _touch(locked)
    audit.record(
        actor=by,
        action="household.transition",
        obj=locked,
        details={
            "from": from_status,
            "to": to,
            "reason": reason,
            "rule": transition.name,
            "destination_state": destination,
            "status_change": change.pk,
        },
    )
    household.refresh_from_db()
    return locked


# -- assessments -------------------------------------------------------------------------------


def _applicant_locked(applicant: Applicant, by) -> Applicant:
    household = applicant.household
    _require_editor(by, household)
    _lock(household)
    return applicant


def _user_or_none(by):
    return by if by is not None and by.is_authenticated else None


@transaction.atomic
def information_session_record(
    *, household: Household, held_on: dt.date, language, by, interpreter: bool = False,
    applicant: Applicant | None = None,
) -> InformationSession:
    _require_editor(by, household)
    _lock(household)
    if applicant is not None and applicant.household_id != household.pk:
        raise ValidationError({"applicant": _("This person is not a member of the household.")})
    session = InformationSession(
        household=household, applicant=applicant, held_on=held_on, language_id=getattr(language, "pk", language),
        interpreter=interpreter, recorded_by=_user_or_none(by),
    )
    session.full_clean()
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("The session cannot be in the future.")})
    session.save()
    _touch(household)
    audit.record(
        actor=by, action="household.information_session", obj=household,
        details={"held_on": str(held_on), "language": session.language_id, "interpreter": interpreter,
                 "applicant": applicant.pk if applicant else None},
    )
    return session


@transaction.atomic
def vulnerability_assess(*, applicant: Applicant, category, by, notes: str = "") -> VulnerabilityAssessment:
    _applicant_locked(applicant, by)
    code = getattr(category, "pk", category)
    assessment = VulnerabilityAssessment(
        applicant=applicant, category_id=code, assessed_by=_user_or_none(by), notes=notes
    )
    try:
        assessment.full_clean()
    except ValidationError as exc:
        if "__all__" in exc.message_dict:
            raise ValidationError({"category": _("This vulnerability is already recorded for this person.")})
        raise
    assessment.save()
    recompute(applicant.household)
    _touch(applicant.household)
    # The notes are special-category data: the audit row says that they exist, not what they say.
    audit.record(
        actor=by, action="applicant.vulnerability_assess", obj=applicant,
        details={"category": code, "notes": bool(notes)},
    )
    return assessment


@transaction.atomic
def vulnerability_remove(*, assessment: VulnerabilityAssessment, by, reason: str) -> None:
    applicant = assessment.applicant
    _applicant_locked(applicant, by)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the assessment is removed.")})
    code = assessment.category_id
    assessment.delete()
    recompute(applicant.household)
    _touch(applicant.household)
    audit.record(
        actor=by, action="applicant.vulnerability_remove", obj=applicant, details={"category": code, "reason": reason}
    )


@transaction.atomic
def family_tie_add(*, applicant: Applicant, state, relationship: str, status_there: str, by) -> FamilyTie:
    _applicant_locked(applicant, by)
    tie = FamilyTie(
        applicant=applicant, state_id=getattr(state, "pk", state), relationship=relationship, status_there=status_there
    )
    tie.full_clean()
    tie.save()
    recompute(applicant.household)
    _touch(applicant.household)
    audit.record(
        actor=by, action="applicant.family_tie_add", obj=applicant,
        details={"state": tie.state_id, "relationship": relationship, "status_there": status_there},
    )
    return tie


@transaction.atomic
def cultural_tie_add(*, applicant: Applicant, state, kind: str, by, detail: str = "") -> CulturalTie:
    _applicant_locked(applicant, by)
    tie = CulturalTie(applicant=applicant, state_id=getattr(state, "pk", state), kind=kind, detail=detail)
    tie.full_clean()
    tie.save()
    recompute(applicant.household)
    _touch(applicant.household)
    audit.record(
        actor=by, action="applicant.cultural_tie_add", obj=applicant,
        details={"state": tie.state_id, "kind": kind, "detail": detail},
    )
    return tie


@transaction.atomic
def tie_remove(*, tie: FamilyTie | CulturalTie, by) -> None:
    applicant = tie.applicant
    _applicant_locked(applicant, by)
    details = {"kind": tie._meta.model_name, "state": tie.state_id, "tie": str(tie)}
    tie.delete()
    recompute(applicant.household)
    _touch(applicant.household)
    audit.record(actor=by, action="applicant.tie_remove", obj=applicant, details=details)


@transaction.atomic
def consent_record(
    *, applicant: Applicant, given: bool, how_recorded: str, by, at: dt.datetime | None = None
) -> Consent:
    """Record consent given or withdrawn. A withdrawal does not move the household by itself:
    the caseworker then splits the household or records the exit 'consent withdrawn'."""
    _applicant_locked(applicant, by)
    consent = Consent(
        applicant=applicant, given=given, how_recorded=how_recorded, at=at or timezone.now(),
        recorded_by=_user_or_none(by),
    )
    consent.full_clean()
    if consent.at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"at": _("Consent cannot be recorded in the future.")})
    consent.save()
    _touch(applicant.household)
    audit.record(
        actor=by, action="applicant.consent_given" if given else "applicant.consent_withdrawn", obj=applicant,
        details={"how_recorded": how_recorded, "at": consent.at.isoformat()},
    )
    return consent


@transaction.atomic
def eligibility_decide(*, applicant: Applicant, eligible: bool, by, reason: str = "") -> EligibilityDecision:
    _applicant_locked(applicant, by)
    decision = EligibilityDecision(
        applicant=applicant, eligible=eligible, reason=reason, decided_by=_user_or_none(by)
    )
    if not eligible and not reason.strip():
        raise ValidationError({"reason": _("A decision 'not eligible' states its reason.")})
    decision.full_clean()
    decision.save()
    _touch(applicant.household)
    audit.record(
        actor=by, action="applicant.eligibility", obj=applicant, details={"eligible": eligible, "reason": reason}
    )
    return decision


@transaction.atomic
def security_exclude(*, applicant: Applicant, reason: str, by) -> SecurityExclusion:
    """The person is a security threat: excluded from any future relocation, for good."""
    _applicant_locked(applicant, by)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("A security exclusion states its reason.")})
    if SecurityExclusion.objects.filter(applicant=applicant).exists():
        raise ValidationError(_("This person is already excluded."))
    exclusion = SecurityExclusion.objects.create(applicant=applicant, reason=reason, by=_user_or_none(by))
    Applicant.objects.filter(pk=applicant.pk).update(security_excluded=True)
    applicant.security_excluded = True
    _touch(applicant.household)
    audit.record(actor=by, action="applicant.security_exclusion", obj=applicant, details={})
    return exclusion


# -- documents ---------------------------------------------------------------------------------


@transaction.atomic
def document_upload(
    *, household: Household, kind: str, upload: UploadedFile, by, applicant: Applicant | None = None
) -> Document:
    """Store an attachment (PDF, JPEG or PNG up to 10 MB) outside the web root."""
    _require_editor(by, household)
    _lock(household)
    if applicant is not None and applicant.household_id != household.pk:
        raise ValidationError({"applicant": _("This person is not a member of the household.")})
    content_type, digest = validate_upload(upload)
    document = Document(
        household=household,
        applicant=applicant,
        kind=kind,
        original_name=(upload.name or "document")[:200],
        content_type=content_type,
        size=upload.size,
        sha256=digest,
        uploaded_by=_user_or_none(by),
    )
    document.full_clean(exclude=["file"])
    document.file.save(upload.name or "document", upload, save=False)
    try:
        document.save()
        _touch(household)
        audit.record(
            actor=by, action="household.document_upload", obj=household,
            details={"document": document.pk, "kind": kind, "size": document.size, "content_type": content_type},
        )
    except Exception:
        # Nothing half-written: no row, no orphaned file.
        document.file.storage.delete(document.file.name)
        raise
    return document


@transaction.atomic
def document_delete(*, document: Document, by, reason: str) -> None:
    household = document.household
    _require_editor(by, household)
    _lock(household)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the document is deleted.")})
    name, storage = document.file.name, document.file.storage
    details = {"document": document.pk, "kind": document.kind, "name": document.original_name, "reason": reason}
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))
    _touch(household)
    audit.record(actor=by, action="household.document_delete", obj=household, details=details)

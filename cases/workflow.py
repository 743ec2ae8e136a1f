"""The case workflow in one place: which status may follow which, who may move a household
there, and what each move requires.

Every transition is one ``Transition`` in one registry. This module registers the life of a
case from identification to arrival and its exits; higher floors (matching, missions) add
their own with ``register_transition(...)`` from their ``AppConfig.ready``, never by editing
the table below. ``cases.services.case_transition`` is the only caller that changes a status.

A requirement is a function ``(household, ctx) -> str | None`` returning the message of the
rule it enforces when it is not met. ``ctx`` holds what the caller passed (``reason``,
``destination_state`` ...) and ``preview=True`` when the pages only ask what to offer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from relocation.access import Access, access_of
from relocation.models import Country, Role

from .models import ACTIVE_STATUSES, EXIT_STATUSES, CaseStatus, Household


class TransitionError(ValidationError):
    """A transition that is not allowed; the message names the rule."""


Requirement = Callable[[Household, dict], "str | None"]
Effect = Callable[[Household, dict], None]


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    requirements: tuple[Requirement, ...] = ()
    # Applied to the locked household before it is saved (e.g. set the destination state).
    effects: tuple[Effect, ...] = ()
    reason_required: bool = False
    # Extra keyword arguments the transition needs (e.g. "destination_state" to propose).
    needs: tuple[str, ...] = ()
    name: str = ""

    def label(self) -> str:
        return self.name or f"{self.sources} -> {self.target}"


_REGISTRY: list[Transition] = []


def register_transition(
    *,
    sources: Iterable[str],
    target: str,
    roles: Iterable[str],
    requirements: Iterable[Requirement] = (),
    effects: Iterable[Effect] = (),
    reason_required: bool = False,
    needs: Iterable[str] = (),
    name: str = "",
) -> Transition:
    """Add a transition. Several may share a source and target (e.g. other roles, other
    requirements); the first whose roles and scope fit the user applies."""
    transition = Transition(
        sources=frozenset(str(s) for s in sources),
        target=str(target),
        roles=frozenset(str(r) for r in roles),
        requirements=tuple(requirements),
        effects=tuple(effects),
        reason_required=reason_required,
        needs=tuple(needs),
        name=name,
    )
    _REGISTRY.append(transition)
    return transition


def add_requirements(name: str, *requirements: Requirement) -> Transition:
    """Add requirements to the registered transition called ``name`` (a higher floor's rules,
    e.g. the missions floor's transfer and journey checks, registered from its AppConfig.ready)."""
    for index, transition in enumerate(_REGISTRY):
        if transition.name == name:
            new = [r for r in requirements if r not in transition.requirements]
            _REGISTRY[index] = replace(transition, requirements=transition.requirements + tuple(new))
            return _REGISTRY[index]
    raise LookupError(f"no transition named {name!r}")


def transitions() -> list[Transition]:
    return list(_REGISTRY)


def status_label(status: str) -> str:
    try:
        return str(CaseStatus(status).label)
    except ValueError:
        return status


# -- who acts where -------------------------------------------------------------------------


def acts_on(access: Access, role: str, household: Household) -> bool:
    """Does ``role`` (held by the user) reach this household? Caseworkers and IOM act in
    their frontline operations, pledging-state officers for their own state as destination,
    Dublin Units for either side, the coordinator everywhere."""
    if not access.has(role):
        return False
    states = access.states(role)
    if role in (Role.CASEWORKER, Role.IOM_OFFICER):
        return household.frontline_state_id in states
    if role == Role.OFFICER:
        return household.destination_state_id in states
    if role == Role.DUBLIN_OFFICER:
        return household.destination_state_id in states or household.frontline_state_id in states
    return role == Role.COORDINATOR


def _user_may(transition: Transition, user, household: Household) -> bool:
    if user is None:
        # The system itself (a scheduled job, a management command): trusted code, audited as such.
        return True
    access = access_of(user)
    return any(acts_on(access, role, household) for role in transition.roles)


# -- the facts requirements look at ------------------------------------------------------------


@dataclass
class Facts:
    """What the requirements read about a household, loaded in a handful of queries."""

    members: list = field(default_factory=list)
    consent: dict[int, bool] = field(default_factory=dict)  # applicant id -> latest consent given
    eligible: dict[int, bool] = field(default_factory=dict)  # applicant id -> latest decision
    sessions: int = 0


def facts(household: Household, ctx: dict) -> Facts:
    cached = ctx.get("_facts")
    if cached is not None:
        return cached
    from .models import Consent, EligibilityDecision, InformationSession

    members = list(household.members.order_by("id"))
    ids = [m.pk for m in members]
    consent: dict[int, bool] = {}
    for applicant_id, given in Consent.objects.filter(applicant_id__in=ids).order_by("at", "id").values_list(
        "applicant_id", "given"
    ):
        consent[applicant_id] = given
    eligible: dict[int, bool] = {}
    for applicant_id, ok in EligibilityDecision.objects.filter(applicant_id__in=ids).order_by(
        "decided_at", "id"
    ).values_list("applicant_id", "eligible"):
        eligible[applicant_id] = ok
    result = Facts(
        members=members,
        consent=consent,
        eligible=eligible,
        sessions=InformationSession.objects.filter(household=household).count(),
    )
    ctx["_facts"] = result
    return result


def deciding_members(members: list) -> list:
    """Adults decide for the household; a household of minors only decides person by person."""
    adults = [m for m in members if m.is_adult()]
    return adults or members


def _names(members: Iterable) -> str:
    return ", ".join(str(m) for m in members)


# -- requirements ----------------------------------------------------------------------------


def has_members(household: Household, ctx: dict) -> str | None:
    if not facts(household, ctx).members:
        return _("A household without members cannot move on; add its members first.")
    return None


def information_session_held(household: Household, ctx: dict) -> str | None:
    if not facts(household, ctx).sessions:
        return _("Informed requires a recorded information session.")
    return None


def every_adult_eligible(household: Household, ctx: dict) -> str | None:
    f = facts(household, ctx)
    missing = [m for m in deciding_members(f.members) if f.eligible.get(m.pk) is not True]
    if missing:
        return _("Eligible requires a decision 'eligible' for every adult member; missing: %(names)s") % {
            "names": _names(missing)
        }
    return None


def every_adult_consents(household: Household, ctx: dict) -> str | None:
    f = facts(household, ctx)
    missing = [m for m in deciding_members(f.members) if f.consent.get(m.pk) is not True]
    if missing:
        return _(
            "Available for matching requires consent from every adult member; missing: %(names)s"
        ) % {"names": _names(missing)}
    return None


def still_eligible(household: Household, ctx: dict) -> str | None:
    f = facts(household, ctx)
    refused = [m for m in f.members if f.eligible.get(m.pk) is False]
    missing = [m for m in deciding_members(f.members) if f.eligible.get(m.pk) is not True]
    if refused or missing:
        return _(
            "Available for matching requires every adult member to be eligible; not eligible or "
            "undecided: %(names)s"
        ) % {"names": _names(refused + [m for m in missing if m not in refused])}
    return None


def no_security_exclusion(household: Household, ctx: dict) -> str | None:
    excluded = [m for m in facts(household, ctx).members if m.security_excluded]
    if excluded:
        return _(
            "A member excluded for security reasons can never be relocated; split them from the "
            "household first: %(names)s"
        ) % {"names": _names(excluded)}
    return None


def interview_cancelled(household: Household, ctx: dict) -> str | None:
    # Only the mission plan knows whether interviews are still booked: it says so when it
    # cancels the last one, so pages never offer this move by hand.
    if not ctx.get("interview_cancelled"):
        return _("A household goes back to proposed only when its last interview is cancelled on the mission plan.")
    return None


def transfer_refused(household: Household, ctx: dict) -> str | None:
    # Only the transfers floor knows the refusal is final (re-examination refused, or its
    # window unused): it says so, so pages never offer this move by hand.
    if not ctx.get("transfer_refused"):
        return _("A household leaves transfer pending this way only when the transfer of responsibility is refused for good.")
    return None


def destination_allowed(household: Household, ctx: dict) -> str | None:
    if ctx.get("preview"):
        return None
    code = ctx.get("destination_state")
    code = getattr(code, "pk", code)
    if not code:
        return _("Proposing requires a destination state.")
    state = Country.objects.filter(pk=code).first()
    if state is None or not state.is_eu_plus or state.is_frontline:
        return _("The destination must be a pledging EU+ state, not %(state)s.") % {"state": code}
    if household.excluded_states.filter(pk=code).exists():
        return _("%(state)s rejected this household before; it is never proposed there again.") % {
            "state": state.name
        }
    return None


def member_withdrew_consent(household: Household, ctx: dict) -> str | None:
    f = facts(household, ctx)
    if not any(f.consent.get(m.pk) is False for m in f.members):
        return _("Consent withdrawn requires a recorded withdrawal of consent by a member.")
    return None


def member_security_excluded(household: Household, ctx: dict) -> str | None:
    if not any(m.security_excluded for m in facts(household, ctx).members):
        return _("Excluded requires a recorded security exclusion of a member.")
    return None


def member_not_eligible(household: Household, ctx: dict) -> str | None:
    f = facts(household, ctx)
    if not any(f.eligible.get(m.pk) is False for m in f.members):
        return _("Ineligible requires a recorded decision 'not eligible' for a member.")
    return None


# -- effects ---------------------------------------------------------------------------------


def set_destination(household: Household, ctx: dict) -> None:
    code = ctx["destination_state"]
    household.destination_state_id = getattr(code, "pk", code)


def reject_by_destination(household: Household, ctx: dict) -> None:
    """The rejecting state is never proposed this household again; it leaves the case."""
    household.excluded_states.add(household.destination_state_id)
    ctx["rejected_by"] = household.destination_state_id
    household.destination_state = None


def clear_destination(household: Household, ctx: dict) -> None:
    household.destination_state = None


# -- the table ---------------------------------------------------------------------------------

S = CaseStatus
CASEWORKERS = (Role.CASEWORKER, Role.COORDINATOR)
READY_FOR_MATCHING = (has_members, every_adult_consents, still_eligible, no_security_exclusion)
BEFORE_PROPOSAL = (S.IDENTIFIED, S.INFORMED, S.ASSESSED, S.ELIGIBLE, S.AVAILABLE, S.REJECTED)

register_transition(
    sources=[S.IDENTIFIED], target=S.INFORMED, roles=CASEWORKERS,
    requirements=[has_members, information_session_held], name="inform",
)
register_transition(sources=[S.INFORMED], target=S.ASSESSED, roles=CASEWORKERS, requirements=[has_members], name="assess")
register_transition(
    sources=[S.ASSESSED], target=S.ELIGIBLE, roles=CASEWORKERS,
    requirements=[has_members, every_adult_eligible, no_security_exclusion], name="find eligible",
)
register_transition(
    sources=[S.ELIGIBLE], target=S.AVAILABLE, roles=CASEWORKERS, requirements=READY_FOR_MATCHING,
    name="make available",
)
register_transition(
    sources=[S.AVAILABLE], target=S.PROPOSED, roles=[Role.COORDINATOR],
    requirements=[*READY_FOR_MATCHING, destination_allowed], effects=[set_destination],
    needs=("destination_state",), name="propose",
)
register_transition(
    sources=[S.PROPOSED], target=S.INTERVIEW_SCHEDULED, roles=[Role.OFFICER], name="schedule interview"
)
register_transition(
    sources=[S.INTERVIEW_SCHEDULED], target=S.PROPOSED, roles=[Role.OFFICER], requirements=[interview_cancelled],
    name="cancel interview",
)
register_transition(
    sources=[S.PROPOSED, S.INTERVIEW_SCHEDULED], target=S.ACCEPTED, roles=[Role.OFFICER], name="accept"
)
register_transition(
    sources=[S.PROPOSED, S.INTERVIEW_SCHEDULED], target=S.REJECTED, roles=[Role.OFFICER],
    effects=[reject_by_destination], reason_required=True, name="reject",
)
register_transition(
    sources=[S.REJECTED], target=S.AVAILABLE, roles=CASEWORKERS, requirements=READY_FOR_MATCHING,
    effects=[clear_destination], name="return to the pool",
)
register_transition(
    sources=[S.ACCEPTED], target=S.TRANSFER_PENDING, roles=[Role.DUBLIN_OFFICER], name="start transfer"
)
register_transition(
    sources=[S.TRANSFER_PENDING], target=S.REJECTED, roles=[Role.DUBLIN_OFFICER], requirements=[transfer_refused],
    effects=[reject_by_destination], reason_required=True, name="transfer refused",
)
register_transition(
    sources=[S.TRANSFER_PENDING], target=S.READY_FOR_DEPARTURE, roles=[Role.IOM_OFFICER],
    requirements=[no_security_exclusion], name="clear for departure",
)
register_transition(
    sources=[S.READY_FOR_DEPARTURE], target=S.DEPARTED, roles=[Role.IOM_OFFICER], name="depart"
)
register_transition(sources=[S.DEPARTED], target=S.RELOCATED, roles=[Role.OFFICER], name="confirm arrival")

# Exits. Every exit states its reason.
register_transition(
    sources=ACTIVE_STATUSES, target=S.CONSENT_WITHDRAWN, roles=CASEWORKERS,
    requirements=[member_withdrew_consent], reason_required=True, name="consent withdrawn",
)
register_transition(
    sources=ACTIVE_STATUSES, target=S.ABSCONDED, roles=[*CASEWORKERS, Role.IOM_OFFICER],
    reason_required=True, name="absconded",
)
register_transition(
    sources=ACTIVE_STATUSES, target=S.EXCLUDED, roles=CASEWORKERS,
    requirements=[member_security_excluded], reason_required=True, name="excluded",
)
register_transition(
    sources=BEFORE_PROPOSAL, target=S.INELIGIBLE, roles=CASEWORKERS,
    requirements=[member_not_eligible], reason_required=True, name="ineligible",
)
register_transition(
    sources=[*ACTIVE_STATUSES, *[s for s in EXIT_STATUSES if s != S.CLOSED]], target=S.CLOSED,
    roles=CASEWORKERS, reason_required=True, name="close",
)


# -- asking ------------------------------------------------------------------------------------


def check(*, household: Household, to: str, user, reason: str = "", context: dict | None = None) -> Transition:
    """The transition that applies, or ``TransitionError`` naming the rule that forbids it.

    ``context`` (the caller's keyword arguments) is read and receives what the effects need."""
    ctx = context if context is not None else {}
    ctx["reason"] = reason
    return _check(household, to, user, ctx)


def _check(household: Household, to: str, user, ctx: dict) -> Transition:
    preview = bool(ctx.get("preview"))
    candidates = [t for t in _REGISTRY if t.target == to and household.status in t.sources]
    if not candidates:
        raise TransitionError(
            _("A household cannot go from '%(from)s' to '%(to)s'.")
            % {"from": status_label(household.status), "to": status_label(to)},
            code="no_such_transition",
        )
    permitted = [t for t in candidates if _user_may(t, user, household)]
    if not permitted:
        roles = sorted({str(Role(r).label) for t in candidates for r in t.roles if r in Role.values})
        raise TransitionError(
            _("Moving a household to '%(to)s' is done by: %(roles)s (of the household's state).")
            % {"to": status_label(to), "roles": ", ".join(roles)},
            code="role",
        )
    problems: list[str] = []
    for transition in permitted:
        if transition.reason_required and not (ctx.get("reason") or "").strip() and not preview:
            problems.append(_("Moving a household to '%(to)s' requires a reason.") % {"to": status_label(to)})
            continue
        missing_needs = [n for n in transition.needs if not ctx.get(n)]
        if missing_needs and not preview:
            problems.append(
                _("Moving a household to '%(to)s' requires: %(needs)s.")
                % {"to": status_label(to), "needs": ", ".join(missing_needs)}
            )
            continue
        messages = [m for m in (req(household, ctx) for req in transition.requirements) if m]
        if not messages:
            return transition
        problems.extend(messages)
    raise TransitionError(" ".join(dict.fromkeys(problems)), code="requirement")


def allowed_transitions(household: Household, user) -> list[str]:
    """Targets the user may move this household to now (what pages offer). Requirements that
    depend on input not given yet (a reason, a destination) are checked when it is given."""
    ctx: dict[str, Any] = {"preview": True}
    targets: list[str] = []
    for transition in _REGISTRY:
        if household.status not in transition.sources or transition.target in targets:
            continue
        try:
            _check(household, transition.target, user, ctx)
        except TransitionError:
            continue
        targets.append(transition.target)
    return targets

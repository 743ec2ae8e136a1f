"""Reads of case files, already scoped to the user. Pages, API and exports start here.

Who sees which household:

* caseworker: households of the frontline operations they are deployed in;
* coordinator: every household;
* pledging-state officer: households proposed to (or accepted by) their state, from the
  proposal on, including those that left the procedure after it;
* Dublin Unit officer: households of their state (either side) from acceptance on;
* IOM officer: households of their frontline operations from the transfer on;
* anyone holding a guardian grant ``cases.view_household`` on a household (e.g. an officer
  on a selection mission's team): that household;
* the Commission and everyone else: none (the Commission sees figures, not people).
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from relocation import audit
from relocation.access import access_of, get_or_404
from relocation.models import AuditEvent, Organisation, Role

from .models import (
    EXIT_STATUSES,
    FROM_ACCEPTED,
    FROM_TRANSFER_PENDING,
    WITH_DESTINATION,
    Applicant,
    Document,
    Household,
    HouseholdGroupObjectPermission,
    HouseholdUserObjectPermission,
)

OFFICER_STATUSES = [s.value for s in [*WITH_DESTINATION, *EXIT_STATUSES]]
CASE_ROLES = (Role.CASEWORKER, Role.COORDINATOR, Role.OFFICER, Role.DUBLIN_OFFICER, Role.IOM_OFFICER)


def _scope(user) -> Q | None:
    """The rows the user may see, as a filter; None for all rows."""
    access = access_of(user)
    if access.user_id is None:
        return Q(pk__in=[])
    if access.has(Role.COORDINATOR):
        return None
    q = Q(pk__in=[])
    if access.has(Role.CASEWORKER):
        q |= Q(frontline_state__in=access.states(Role.CASEWORKER))
    if access.has(Role.OFFICER):
        q |= Q(destination_state__in=access.states(Role.OFFICER), status__in=OFFICER_STATUSES)
    if access.has(Role.DUBLIN_OFFICER):
        states = access.states(Role.DUBLIN_OFFICER)
        q |= (Q(destination_state__in=states) | Q(frontline_state__in=states)) & Q(
            status__in=[s.value for s in FROM_ACCEPTED]
        )
    if access.has(Role.IOM_OFFICER):
        q |= Q(frontline_state__in=access.states(Role.IOM_OFFICER), status__in=[s.value for s in FROM_TRANSFER_PENDING])
    if access.has(*CASE_ROLES):
        # Per-object grants (direct foreign-key tables, so one indexed subquery each).
        q |= Q(
            pk__in=HouseholdUserObjectPermission.objects.filter(
                user_id=access.user_id, permission__codename="view_household"
            ).values("content_object_id")
        )
        q |= Q(
            pk__in=HouseholdGroupObjectPermission.objects.filter(
                group__user=access.user_id, permission__codename="view_household"
            ).values("content_object_id")
        )
    return q


def households_visible_to(user) -> QuerySet[Household]:
    qs = Household.objects.select_related("frontline_state", "destination_state")
    scope = _scope(user)
    return qs if scope is None else qs.filter(scope)


def with_members(qs: QuerySet[Household]) -> QuerySet[Household]:
    """What list pages and list endpoints show per row, in a constant number of queries."""
    members = Applicant.objects.select_related("nationality").order_by("id")
    return qs.prefetch_related(Prefetch("members", queryset=members))


def applicants_visible_to(user) -> QuerySet[Applicant]:
    return Applicant.objects.filter(household__in=households_visible_to(user).values("pk")).select_related(
        "nationality", "household"
    )


def may_see_restricted(user) -> bool:
    """Restricted notes (vulnerability details) are for EUAA staff only."""
    access = access_of(user)
    if not access.has(Role.CASEWORKER, Role.COORDINATOR):
        return False
    org = getattr(user, "organisation", None)
    return org is not None and org.kind == Organisation.Kind.EUAA


def sees_assessments(user) -> bool:
    """Vulnerability assessments, ties, consent, eligibility and security exclusions are for
    those who assess or decide on a case: EUAA caseworkers and coordinators and the pledging
    states' officers. Dublin Units and IOM read the identity part of a person's file (IOM also
    the assistance needs, see ``journey_only``). The case page and the API both follow this."""
    return access_of(user).has(Role.CASEWORKER, Role.COORDINATOR, Role.OFFICER)


def journey_only(user) -> bool:
    """IOM sees what a journey needs (identity, assistance needs), not the asylum file:
    no eligibility reasons, ties or consent history."""
    access = access_of(user)
    return access.has(Role.IOM_OFFICER) and not access.has(
        Role.CASEWORKER, Role.COORDINATOR, Role.OFFICER, Role.DUBLIN_OFFICER
    )


def person_file_view(user) -> dict[str, bool]:
    """What of a person's file the API's serializers may show ``user`` (the case page asks the
    same three questions)."""
    return {
        "restricted": may_see_restricted(user),
        "journey_only": journey_only(user),
        "assessments": sees_assessments(user),
    }


def record_list_read(*, user, households) -> None:
    """One audit row for a list of files read by another organisation (not one per row)."""
    if user is None or not user.is_authenticated or not households:
        return
    foreign = [h for h in households if h.owner_id != user.organisation_id]
    if foreign:
        audit.record(
            actor=user, action="read.household_list", object_type="cases.household",
            details={"households": [h.pk for h in foreign]},
        )


def household_get_for_user(*, user, household_id) -> Household:
    """One household the user may see (404 otherwise); a read by another organisation is audited."""
    household = get_or_404(households_visible_to(user), pk=household_id)
    audit.record_read(actor=user, obj=household, owner_organisation_id=household.owner_id)
    return household


def household_detail(household: Household) -> Household:
    """The household with everything its case page shows, in a constant number of queries."""
    applicants = (
        Applicant.objects.select_related("nationality", "security_exclusion")
        .prefetch_related(
            "languages",
            Prefetch("vulnerabilities", queryset=_vulnerabilities()),
            "family_ties__state",
            "cultural_ties__state",
            "consents",
            "eligibility_decisions",
        )
        .order_by("id")
    )
    return (
        Household.objects.select_related("frontline_state", "destination_state", "owner")
        .prefetch_related(
            Prefetch("members", queryset=applicants),
            "excluded_states",
            Prefetch("information_sessions", queryset=_sessions()),
            Prefetch("documents", queryset=Document.objects.select_related("applicant")),
        )
        .get(pk=household.pk)
    )


def _vulnerabilities():
    from .models import VulnerabilityAssessment

    return VulnerabilityAssessment.objects.select_related("category", "assessed_by")


def _sessions():
    from .models import InformationSession

    return InformationSession.objects.select_related("language", "applicant")


def applicant_get_for_user(*, user, applicant_id) -> Applicant:
    applicant = get_or_404(applicants_visible_to(user), pk=applicant_id)
    audit.record_read(actor=user, obj=applicant.household, owner_organisation_id=applicant.household.owner_id)
    return applicant


def documents_visible_to(user) -> QuerySet[Document]:
    return Document.objects.filter(household__in=households_visible_to(user).values("pk")).select_related(
        "household", "applicant"
    )


def document_get_for_user(*, user, document_id) -> Document:
    """A document the user may download (404 otherwise); every download by another
    organisation is audited."""
    document = get_or_404(documents_visible_to(user), pk=document_id)
    audit.record_read(actor=user, obj=document, owner_organisation_id=document.household.owner_id, what="document")
    return document


def household_timeline(household: Household) -> QuerySet[AuditEvent]:
    """The audit trail of the household and its members, newest first."""
    member_ids = [str(pk) for pk in household.members.values_list("pk", flat=True)]
    return AuditEvent.objects.filter(
        Q(object_type="cases.household", object_id=str(household.pk))
        | Q(object_type="cases.applicant", object_id__in=member_ids)
    ).select_related("actor")


def status_counts(qs: QuerySet[Household]) -> dict[str, int]:
    """Households per status (one query): the work queue's tabs."""
    return dict(qs.order_by().values_list("status").annotate(n=Count("pk")))

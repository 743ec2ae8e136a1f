"""Reads of the missions floor, already scoped to the user.

* A pledging-state officer sees the households proposed to their state (and nothing else),
  the missions, slots, interviews and decisions of their state. Planning a mission
  (slots, interviewers, interviews) needs the per-object "change" grant of the mission
  team (django-guardian).
* EUAA (the coordinator everywhere, a caseworker in their frontline operations) sees the
  missions, their progress and the decisions, never the interview notes.
* Everyone else (Dublin Units, IOM, the Commission) sees nothing here: 404.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from guardian.shortcuts import get_users_with_perms

from cases.models import (
    Applicant,
    CaseStatus,
    Consent,
    CulturalTie,
    FamilyTie,
    Household,
    VulnerabilityAssessment,
)
from cases.selectors import households_visible_to
from relocation.access import access_of, with_object_permission
from relocation.models import Role, User

from .models import Decision, Interview, InterviewSlot, SelectionMission

OFFICER_ROLES = (Role.OFFICER,)
EUAA_ROLES = (Role.COORDINATOR, Role.CASEWORKER)
MISSION_VIEW_ROLES = (*OFFICER_ROLES, *EUAA_ROLES)
CHANGE_PERM = "missions.change_selectionmission"
# Households the officer decides on (or decided on and that are still with the state).
QUEUE_STATUSES = [CaseStatus.PROPOSED, CaseStatus.INTERVIEW_SCHEDULED, CaseStatus.ACCEPTED]
DECIDABLE_STATUSES = [CaseStatus.PROPOSED, CaseStatus.INTERVIEW_SCHEDULED]
# How long a household the state rejected stays listed in its queue (then only in the figures).
RECENT_REJECTION_DAYS = 90


def officer_states(user) -> frozenset[str]:
    return access_of(user).states(Role.OFFICER)


# -- households proposed to the officer's state ----------------------------------------------


def proposed_households_for(user) -> QuerySet[Household]:
    """The households proposed to (or accepted by) the officer's states: nothing else."""
    states = officer_states(user)
    if not states:
        return Household.objects.none()
    # Through the cases floor's door, narrowed to what a decision concerns.
    return households_visible_to(user).filter(destination_state_id__in=states, status__in=QUEUE_STATUSES)


def queue_for(user, *, status: str = "") -> QuerySet[Household]:
    """The officer's queue with what the list shows, in a constant number of queries."""
    qs = proposed_households_for(user)
    if status:
        qs = qs.filter(status=status)
    principals = Applicant.objects.filter(relationship_to_principal="principal").select_related("nationality")
    return (
        qs.select_related("frontline_state", "destination_state")
        .prefetch_related(Prefetch("members", queryset=principals, to_attr="principals"))
        # vulnerable_members is the household's own column (kept by the cases service).
        .annotate(slot_count=Count("interview_slots", distinct=True))
        .order_by("status_changed_at", "case_number")
    )


def recent_rejections_for(user) -> QuerySet[Decision]:
    states = officer_states(user)
    if not states:
        return Decision.objects.none()
    since = timezone.now() - dt.timedelta(days=RECENT_REJECTION_DAYS)
    return (
        Decision.objects.filter(
            pledging_state_id__in=states, outcome=Decision.Outcome.REJECTED, decided_at__gte=since
        )
        .select_related("household", "decided_by")
        .order_by("-decided_at", "-id")
    )


def household_file(household: Household) -> dict:
    """What a pledging state needs to decide, and only that: identity, the household, ties,
    vulnerability categories (never the restricted notes), consent. EUAA's internal notes
    and assessment notes are not read at all."""
    members = list(
        household.members.select_related("nationality")
        .prefetch_related(
            "languages",
            Prefetch("family_ties", queryset=FamilyTie.objects.select_related("state")),
            Prefetch("cultural_ties", queryset=CulturalTie.objects.select_related("state")),
            Prefetch(
                "vulnerabilities",
                queryset=VulnerabilityAssessment.objects.select_related("category").only(
                    "id", "applicant_id", "category__code", "category__name", "category__position"
                ),
            ),
        )
        .order_by("id")
    )
    latest_consent: dict[int, Consent] = {}
    for consent in Consent.objects.filter(applicant__household=household).order_by("at", "id"):
        latest_consent[consent.applicant_id] = consent
    rows = []
    for person in members:
        rows.append(
            {
                "person": person,
                "age": person.age(),
                "languages": [lang.name for lang in person.languages.all()],
                "family_ties": list(person.family_ties.all()),
                "cultural_ties": list(person.cultural_ties.all()),
                "vulnerabilities": [v.category for v in person.vulnerabilities.all()],
                "consent": latest_consent.get(person.pk),
            }
        )
    return {"household": household, "members": rows}


# -- missions ---------------------------------------------------------------------------------


def missions_visible_to(user) -> QuerySet[SelectionMission]:
    access = access_of(user)
    if access.has(Role.COORDINATOR):
        return SelectionMission.objects.all()
    if not access.has(Role.OFFICER, Role.CASEWORKER):
        return SelectionMission.objects.none()
    q = Q(pk__in=[])
    if access.has(Role.OFFICER):
        q |= Q(pledging_state_id__in=access.states(Role.OFFICER))
    if access.has(Role.CASEWORKER):
        q |= Q(frontline_state_id__in=access.states(Role.CASEWORKER))
    return SelectionMission.objects.filter(q)


def officer_missions(user) -> QuerySet[SelectionMission]:
    """Missions of the officer's state (officer pages)."""
    states = officer_states(user)
    if not states:
        return SelectionMission.objects.none()
    return SelectionMission.objects.filter(pledging_state_id__in=states)


def missions_editable_by(user) -> QuerySet[SelectionMission]:
    """Missions whose team the officer is on (the guardian grant), within their state."""
    return with_object_permission(user, CHANGE_PERM, officer_missions(user))


def may_plan(user, mission: SelectionMission) -> bool:
    return missions_editable_by(user).filter(pk=mission.pk).exists()


def officers_of(state_code: str) -> QuerySet[User]:
    """The active officers of a pledging state: who may be on its missions' teams."""
    return User.objects.filter(
        is_active=True, role_assignments__role=Role.OFFICER, role_assignments__country_id=state_code
    ).distinct().order_by("last_name", "first_name", "username")


def team_of(mission: SelectionMission) -> list[User]:
    users = get_users_with_perms(mission, only_with_perms_in=["change_selectionmission"], with_superusers=False)
    return sorted(users, key=lambda u: (u.last_name, u.first_name, u.username))


def with_progress(qs: QuerySet[SelectionMission]) -> QuerySet[SelectionMission]:
    """Households planned, interviewed and decided per mission, in the same query."""
    return qs.select_related("pledging_state", "frontline_state").annotate(
        households_planned=Count("slots__household", distinct=True),
        households_interviewed=Count(
            "slots__household",
            filter=Q(slots__interview__outcome=Interview.Outcome.TOOK_PLACE),
            distinct=True,
        ),
        no_shows=Count("slots", filter=Q(slots__interview__outcome=Interview.Outcome.NO_SHOW), distinct=True),
        accepted=Count("decisions", filter=Q(decisions__outcome=Decision.Outcome.ACCEPTED), distinct=True),
        rejected=Count("decisions", filter=Q(decisions__outcome=Decision.Outcome.REJECTED), distinct=True),
    )


def pending(mission) -> int:
    return max(0, mission.households_planned - mission.accepted - mission.rejected)


def mission_households(mission: SelectionMission) -> QuerySet[Household]:
    """Households on the mission's plan, with their decision by the mission's state (if any)."""
    return (
        Household.objects.filter(interview_slots__mission=mission)
        .distinct()
        .annotate(
            decided=Exists(
                Decision.objects.filter(household=OuterRef("pk"), pledging_state_id=mission.pledging_state_id)
            )
        )
        .order_by("case_number")
    )


def decidable_households(mission: SelectionMission) -> QuerySet[Household]:
    """Households on the plan still waiting for the state's decision."""
    return mission_households(mission).filter(
        status__in=DECIDABLE_STATUSES, destination_state_id=mission.pledging_state_id
    )


def schedulable_households(mission: SelectionMission) -> QuerySet[Household]:
    """Households proposed to the mission's state from its frontline state, not decided yet."""
    return Household.objects.filter(
        destination_state_id=mission.pledging_state_id,
        frontline_state_id=mission.frontline_state_id,
        status__in=DECIDABLE_STATUSES,
    ).order_by("case_number")


# -- slots, interviews, decisions ----------------------------------------------------------------


def slots_visible_to(user) -> QuerySet[InterviewSlot]:
    """Officers only: the plan names people."""
    return InterviewSlot.objects.filter(mission__in=officer_missions(user))


def schedule_of(mission: SelectionMission) -> QuerySet[InterviewSlot]:
    return (
        mission.slots.select_related("household", "applicant", "language", "interpreter", "interview")
        .prefetch_related(
            Prefetch(
                "household__members",
                queryset=Applicant.objects.filter(relationship_to_principal="principal"),
                to_attr="principals",
            )
        )
        .order_by("starts_at", "id")
    )


def interviews_visible_to(user) -> QuerySet[Interview]:
    """Interviews with their notes: the pledging state's officers only."""
    return Interview.objects.filter(slot__mission__in=officer_missions(user))


def decisions_visible_to(user) -> QuerySet[Decision]:
    access = access_of(user)
    if access.has(Role.COORDINATOR):
        return Decision.objects.all()
    q = Q(pk__in=[])
    if access.has(Role.OFFICER):
        q |= Q(pledging_state_id__in=access.states(Role.OFFICER))
    if access.has(Role.CASEWORKER):
        q |= Q(household__frontline_state_id__in=access.states(Role.CASEWORKER))
    if not access.has(Role.OFFICER, Role.CASEWORKER):
        return Decision.objects.none()
    return Decision.objects.filter(q)


def decisions_per_state(user) -> list[dict]:
    """Accepted and rejected households and persons per pledging state (EUAA view)."""
    rows = (
        decisions_visible_to(user)
        .values("pledging_state_id", "pledging_state__name")
        .annotate(
            accepted=Count("id", filter=Q(outcome=Decision.Outcome.ACCEPTED)),
            rejected=Count("id", filter=Q(outcome=Decision.Outcome.REJECTED)),
        )
        .order_by("pledging_state__name")
    )
    return list(rows)

"""Pages: the officer's queue of proposed candidates and their files, selection missions
(plan, interviews, decisions) and EUAA's overview of the missions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.forms import SplitForm
from cases.models import Applicant, CaseStatus
from cases.selectors import households_visible_to, record_list_read
from cases.services import SPLIT_WHILE_DECIDING
from relocation import audit
from relocation.access import get_or_404, require_role, role_required
from relocation.models import Role

from . import exports, selectors, services
from .forms import (
    DecisionForm,
    InterpreterForm,
    InterviewForm,
    MissionDecisionFormSet,
    MissionForm,
    MissionStatusForm,
    SlotCancelForm,
    SlotForm,
    TeamForm,
)
from .models import Decision, Interview, InterviewSlot, SelectionMission

PAGE_SIZE = 25


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


# -- the officer's queue ------------------------------------------------------------------


@role_required(Role.OFFICER)
def queue(request):
    status = request.GET.get("status", "")
    if status not in {"", *selectors.QUEUE_STATUSES}:
        status = ""
    page = _page(request, selectors.queue_for(request.user, status=status))
    # The list shows the principal applicants' names: one audit row for the page.
    record_list_read(user=request.user, households=list(page))
    return render(
        request,
        "missions/queue.html",
        {
            "page": page,
            "status": status,
            "statuses": [(s.value, s.label) for s in selectors.QUEUE_STATUSES],
            "querystring": f"status={status}" if status else "",
            "rejections": selectors.recent_rejections_for(request.user)[:50],
            "rejection_days": selectors.RECENT_REJECTION_DAYS,
        },
    )


def _proposed_household(request, pk: int):
    require_role(request.user, Role.OFFICER)
    household = get_or_404(
        selectors.proposed_households_for(request.user).select_related("frontline_state", "destination_state"), pk=pk
    )
    return household


@role_required(Role.OFFICER)
def household_file(request, pk: int):
    household = _proposed_household(request, pk)
    # Every opening of a file by the pledging state is on the record.
    audit.record_read(actor=request.user, obj=household, owner_organisation_id=household.owner_id)
    return _render_file(request, household, DecisionForm())


def _render_file(request, household, form, status=200):
    slots = (
        InterviewSlot.objects.filter(household=household, mission__in=selectors.officer_missions(request.user))
        .select_related("mission", "applicant", "language", "interpreter", "interview")
        .order_by("starts_at")
    )
    decision = Decision.objects.filter(household=household, pledging_state_id=household.destination_state_id).first()
    return render(
        request,
        "missions/household_file.html",
        {
            "file": selectors.household_file(household),
            "household": household,
            "slots": slots,
            "decision": decision,
            "form": form,
            "may_decide": household.status in selectors.DECIDABLE_STATUSES and decision is None,
        },
        status=status,
    )


@role_required(Role.OFFICER)
@require_POST
def household_decide(request, pk: int):
    household = _proposed_household(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decision = services.decision_record(
                household=household, by=request.user, outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"], reason_text=form.cleaned_data["reason_text"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _message_for(decision))
            return redirect("missions:queue")
    return _render_file(request, household, form, status=400)


def _message_for(decision: Decision) -> str:
    if decision.outcome == Decision.Outcome.ACCEPTED:
        return _("%(case)s accepted.") % {"case": decision.household.case_number}
    if decision.returned_to_pool:
        return _("%(case)s rejected; its places are freed and it is back in EUAA's pool.") % {
            "case": decision.household.case_number
        }
    return _("%(case)s rejected; its places are freed.") % {"case": decision.household.case_number}


# -- missions (officers) --------------------------------------------------------------------


@role_required(Role.OFFICER)
def mission_list(request):
    qs = selectors.with_progress(selectors.officer_missions(request.user)).order_by("-starts_on", "-id")
    page = _page(request, qs)
    for mission in page:
        mission.pending = selectors.pending(mission)
    return render(request, "missions/mission_list.html", {"page": page})


@role_required(Role.OFFICER)
def mission_create(request):
    states = selectors.officer_states(request.user)
    form = MissionForm(request.POST or None, states=states, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            mission = services.mission_create(
                by=request.user, pledging_state=data["pledging_state"], frontline_state=data["frontline_state"],
                site=data["site"], mode=data["mode"], starts_on=data["starts_on"], ends_on=data["ends_on"],
                team=list(data["team"]),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Mission planned."))
            return redirect("missions:mission_detail", pk=mission.pk)
    return render(request, "missions/mission_form.html", {"form": form}, status=400 if form.errors else 200)


def _mission(request, pk: int) -> SelectionMission:
    require_role(request.user, Role.OFFICER)
    return get_or_404(selectors.officer_missions(request.user).select_related("pledging_state", "frontline_state"), pk=pk)


def _planned_mission(request, pk: int) -> SelectionMission:
    """A mission the user is on the team of; other officers of the state get 404 here."""
    require_role(request.user, Role.OFFICER)
    return get_or_404(
        selectors.missions_editable_by(request.user).select_related("pledging_state", "frontline_state"), pk=pk
    )


def _slot_form(mission, data=None):
    households = selectors.schedulable_households(mission)
    return SlotForm(
        data, mission=mission, households=households,
        applicants=Applicant.objects.filter(household__in=households).select_related("household").order_by(
            "household__case_number", "id"
        ),
    )


@role_required(Role.OFFICER)
def mission_detail(request, pk: int, *, slot_form=None, interpreter_form=None, status=200):
    mission = _mission(request, pk)
    may_plan = selectors.may_plan(request.user, mission)
    progress = selectors.with_progress(SelectionMission.objects.filter(pk=mission.pk)).get()
    return render(
        request,
        "missions/mission_detail.html",
        {
            "mission": mission,
            "progress": progress,
            "pending": selectors.pending(progress),
            "team": selectors.team_of(mission),
            "interpreters": mission.interpreters.prefetch_related("languages"),
            "schedule": selectors.schedule_of(mission),
            "may_plan": may_plan,
            "plan_open": may_plan and mission.status in services.OPEN_STATUSES,
            "slot_form": slot_form or (_slot_form(mission) if may_plan else None),
            "interpreter_form": interpreter_form or InterpreterForm(),
            "status_form": MissionStatusForm(mission=mission),
            "team_form": TeamForm(mission=mission, initial={"team": [u.pk for u in selectors.team_of(mission)]})
            if may_plan else None,
            "cancel_form": SlotCancelForm(),
            "now": timezone.now(),
        },
        status=status,
    )


@role_required(Role.OFFICER)
@require_POST
def mission_status(request, pk: int):
    mission = _planned_mission(request, pk)
    form = MissionStatusForm(request.POST, mission=mission)
    if form.is_valid():
        try:
            services.mission_update(mission=mission, by=request.user, status=form.cleaned_data["status"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Mission status changed."))
    else:
        messages.error(request, _("Choose one of the statuses offered."))
    return redirect("missions:mission_detail", pk=mission.pk)


@role_required(Role.OFFICER)
@require_POST
def mission_team(request, pk: int):
    mission = _planned_mission(request, pk)
    form = TeamForm(request.POST, mission=mission)
    if form.is_valid():
        try:
            services.mission_set_team(mission=mission, by=request.user, team=list(form.cleaned_data["team"]))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Team changed."))
    else:
        messages.error(request, _("Choose at least one officer for the team."))
    if not selectors.may_plan(request.user, mission):
        return redirect("missions:mission_list")  # the user took themselves off the team
    return redirect("missions:mission_detail", pk=mission.pk)


@role_required(Role.OFFICER)
@require_POST
def interpreter_add(request, pk: int):
    mission = _planned_mission(request, pk)
    form = InterpreterForm(request.POST)
    if form.is_valid():
        try:
            services.interpreter_add(
                mission=mission, by=request.user, name=form.cleaned_data["name"],
                languages=list(form.cleaned_data["languages"]),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Interpreter added."))
            return redirect("missions:mission_detail", pk=mission.pk)
    return mission_detail(request, pk, interpreter_form=form, status=400)


@role_required(Role.OFFICER)
@require_POST
def slot_add(request, pk: int):
    mission = _planned_mission(request, pk)
    form = _slot_form(mission, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.slot_schedule(
                mission=mission, household=data["household"], applicant=data["applicant"], by=request.user,
                starts_at=data["starts_at"], ends_at=data["ends_at"], room=data["room"],
                video_link=data["video_link"], language=data["language"], interpreter=data["interpreter"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Interview scheduled."))
            return redirect("missions:mission_detail", pk=mission.pk)
    return mission_detail(request, pk, slot_form=form, status=400)


def _slot(request, mission, slot_pk):
    return get_or_404(
        InterviewSlot.objects.filter(mission=mission).select_related("household", "applicant", "mission"), pk=slot_pk
    )


@role_required(Role.OFFICER)
@require_POST
def slot_cancel(request, pk: int, slot_pk: int):
    mission = _planned_mission(request, pk)
    slot = _slot(request, mission, slot_pk)
    form = SlotCancelForm(request.POST)
    if form.is_valid():
        try:
            services.slot_cancel(slot=slot, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Interview cancelled."))
    else:
        messages.error(request, _("Say why the interview is cancelled."))
    return redirect("missions:mission_detail", pk=mission.pk)


@role_required(Role.OFFICER)
def interview_record(request, pk: int, slot_pk: int):
    mission = _planned_mission(request, pk)
    slot = _slot(request, mission, slot_pk)
    if Interview.objects.filter(slot=slot).exists():
        raise Http404
    persons = (
        Applicant.objects.filter(pk=slot.applicant_id)
        if slot.applicant_id
        else Applicant.objects.filter(household_id=slot.household_id).order_by("id")
    )
    form = InterviewForm(request.POST or None, persons=persons)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.interview_record(
                slot=slot, by=request.user, outcome=data["outcome"], security_outcome=data["security_outcome"],
                notes=data["notes"], threat_persons=list(data["threat_persons"]),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Interview recorded."))
            return redirect("missions:mission_detail", pk=mission.pk)
    return render(
        request, "missions/interview_form.html", {"mission": mission, "slot": slot, "form": form},
        status=400 if form.errors else 200,
    )


@role_required(Role.OFFICER)
def interview_detail(request, pk: int, slot_pk: int):
    mission = _mission(request, pk)
    interview = get_or_404(
        selectors.interviews_visible_to(request.user)
        .filter(slot__mission=mission)
        .select_related("slot__household", "slot__applicant", "recorded_by")
        .prefetch_related("threat_persons"),
        slot_id=slot_pk,
    )
    audit.record_read(
        actor=request.user, obj=interview.slot.household, owner_organisation_id=interview.slot.household.owner_id,
        what="interview",
    )
    return render(request, "missions/interview_detail.html", {"mission": mission, "interview": interview})


@role_required(Role.OFFICER)
def mission_decisions(request, pk: int):
    """Decide for the whole mission in one screen: one row per household still pending."""
    mission = _mission(request, pk)
    households = list(
        selectors.decidable_households(mission).prefetch_related(
            "members"
        )
    )
    by_id = {h.pk: h for h in households}
    initial = [{"household_id": h.pk} for h in households]
    formset = MissionDecisionFormSet(request.POST or None, initial=initial)
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        items = []
        for form in formset:
            data = form.cleaned_data
            if not data.get("outcome"):
                continue
            household = by_id.get(data["household_id"])
            if household is None:
                raise Http404
            items.append({"household": household, "outcome": data["outcome"], "reason": data.get("reason", ""),
                          "reason_text": data.get("reason_text", "")})
        if not items:
            errors.append(_("Choose a decision for at least one household."))
        else:
            try:
                with transaction.atomic():
                    decisions = services.decisions_record_for_mission(mission=mission, by=request.user, items=items)
            except (ValidationError, PermissionDenied) as error:
                errors.extend(getattr(error, "messages", [str(error)]))
            else:
                messages.success(request, _("%(n)s decision(s) recorded.") % {"n": len(decisions)})
                return redirect("missions:mission_detail", pk=mission.pk)
    rows = [(form, by_id.get(form.initial.get("household_id") or _int(form["household_id"].value()))) for form in formset]
    return render(
        request,
        "missions/mission_decisions.html",
        {"mission": mission, "formset": formset, "rows": rows, "errors": errors},
        status=400 if (errors or (request.method == "POST" and not formset.is_valid())) else 200,
    )


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# -- exports (anyone who sees the mission) ------------------------------------------------------


def _visible_mission(request, pk: int) -> SelectionMission:
    require_role(request.user, *selectors.MISSION_VIEW_ROLES)
    return get_or_404(selectors.missions_visible_to(request.user).select_related("pledging_state", "frontline_state"), pk=pk)


def schedule_csv(request, pk: int):
    mission = _visible_mission(request, pk)
    audit.record(actor=request.user, action="mission.schedule_export", obj=mission, details={"format": "csv"})
    response = HttpResponse(exports.schedule_csv(mission, selectors.schedule_of(mission)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mission-{mission.pk}-schedule.csv"'
    return response


def schedule_ics(request, pk: int):
    mission = _visible_mission(request, pk)
    audit.record(actor=request.user, action="mission.schedule_export", obj=mission, details={"format": "ics"})
    response = HttpResponse(
        exports.schedule_ics(mission, selectors.schedule_of(mission), host=request.get_host()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="mission-{mission.pk}-schedule.ics"'
    return response


# -- EUAA's view --------------------------------------------------------------------------------


@role_required(Role.COORDINATOR, Role.CASEWORKER)
def overview(request):
    missions = selectors.with_progress(selectors.missions_visible_to(request.user)).order_by("-starts_on", "-id")
    page = _page(request, missions)
    for mission in page:
        mission.pending = selectors.pending(mission)
    decisions = (
        selectors.decisions_visible_to(request.user)
        .select_related("household", "pledging_state", "mission")
        .order_by("-decided_at", "-id")[:50]
    )
    return render(
        request,
        "missions/overview.html",
        {
            "page": page,
            "per_state": selectors.decisions_per_state(request.user),
            "decisions": decisions,
            "available": CaseStatus.AVAILABLE,
        },
    )


@role_required(Role.CASEWORKER, Role.COORDINATOR)
def split_for_decision(request, pk: int):
    """EUAA splits a household a pledging state is deciding on, so the state can decide on the
    members who stay (a decision always covers a whole household)."""
    household = get_or_404(
        households_visible_to(request.user).filter(status__in=SPLIT_WHILE_DECIDING), pk=pk
    )
    form = SplitForm(request.POST or None)
    form.limit_members(household)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.split_for_decision(
                household=household,
                members_to_split=form.cleaned_data["applicants"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("%(new)s split off and back to %(status)s; %(case)s stays proposed with %(persons)s persons.")
                % {"new": new.case_number, "status": new.get_status_display(), "case": household.case_number,
                   "persons": household.size},
            )
            return redirect("cases:household", pk=household.pk)
    title = _("Split the household for the pledging state's decision")
    return render(request, "cases/record_form.html", {"household": household, "form": form, "title": title})

"""Pages of the transfer of responsibility (Dublin Units), IOM's departures queue and the
movements (IOM builds them, the receiving state's officers confirm arrivals).

Wrong role or state: 404 (``role_required`` then the scoped selectors). IOM pages show
logistics data only: names, dates of birth, nationality, documents, fitness, assistance.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.selectors import record_list_read
from relocation.access import get_or_404, role_required
from relocation.models import Role

from . import journey, manifest, transfers
from . import transfer_selectors as sel
from .transfer_forms import (
    JOURNEY_FORMS,
    AddHouseholdForm,
    ArrivalForm,
    ExtendForm,
    MovementForm,
    ReexaminationForm,
    ReexaminationReplyForm,
    TransferReplyForm,
    TransferRequestForm,
)

PAGE_SIZE = 25
DUBLIN = (Role.DUBLIN_OFFICER,)


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _fail(form, error) -> None:
    if isinstance(error, PermissionDenied):
        raise Http404
    form.add_service_errors(error)


# -- transfers ---------------------------------------------------------------------------------


@role_required(*DUBLIN)
def transfer_list(request):
    show = request.GET.get("show", "open")
    qs = sel.transfers_visible_to(request.user).order_by("closed_at", "reply_due", "id")
    if show != "all":
        qs = qs.filter(closed_at__isnull=True)
    page = _page(request, qs)
    record_list_read(user=request.user, households=[t.household for t in page])
    return render(
        request, "missions/transfer_list.html",
        {"page": page, "show": show, "states": sorted(sel.dublin_states(request.user)),
         "requestable": sel.requestable_households(request.user).exists()},
    )


@role_required(*DUBLIN)
def transfer_create(request):
    households = sel.requestable_households(request.user)
    form = TransferRequestForm(request.POST or None, households=households)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = transfers.transfer_request(
                household=data["household"], by=request.user, legal_basis=data["legal_basis"],
                sent_on=data["sent_on"], dublinet_reference=data["dublinet_reference"],
            )
        except (ValidationError, PermissionDenied) as error:
            _fail(form, error)
        else:
            messages.success(request, _("Request sent; the reply is due on %(d)s.") % {"d": transfer.reply_due})
            return redirect("missions:transfer_detail", transfer.pk)
    return render(request, "missions/transfer_form.html", {"form": form}, status=400 if form.errors else 200)


def _transfer(request, pk):
    return get_or_404(sel.transfers_visible_to(request.user).filter(requesting_state__isnull=False), pk=pk)


def _transfer_forms(request, transfer, bound=None):
    states = sel.dublin_states(request.user)
    requested, requesting = transfer.requested_state_id in states, transfer.requesting_state_id in states
    forms = {}
    if transfer.closed_at is None:
        if requested and not transfer.reply:
            forms["reply"] = TransferReplyForm()
        if requesting and transfer.responsibility_accepted:
            forms["extend"] = ExtendForm()
        if requesting and transfer.reply == "refused" and not transfer.reexamination_requested_on:
            forms["reexamination"] = ReexaminationForm()
        if requested and transfer.reexamination_requested_on and not transfer.reexamination_reply:
            forms["reexamination_reply"] = ReexaminationReplyForm()
    if bound:
        forms.update(bound)
    return forms


@role_required(*DUBLIN)
def transfer_detail(request, pk):
    transfer = _transfer(request, pk)
    return _render_transfer(request, transfer)


def _render_transfer(request, transfer, bound=None, status=200):
    from relocation import audit

    audit.record_read(actor=request.user, obj=transfer.household, owner_organisation_id=transfer.household.owner_id)
    return render(
        request, "missions/transfer_detail.html",
        {"transfer": transfer, "forms": _transfer_forms(request, transfer, bound),
         "flags": transfer.flags.all(), "members": transfer.household.members.select_related("nationality")},
        status=status,
    )


ACTIONS = {
    "reply": TransferReplyForm,
    "extend": ExtendForm,
    "reexamination": ReexaminationForm,
    "reexamination_reply": ReexaminationReplyForm,
}


@require_POST
@role_required(*DUBLIN)
def transfer_action(request, pk, action):
    transfer = _transfer(request, pk)
    if action not in ACTIONS or action not in _transfer_forms(request, transfer):
        raise Http404
    form = ACTIONS[action](request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if action == "reply":
                transfers.transfer_reply(
                    transfer=transfer, by=request.user, accepted=d["reply"] == "accept",
                    replied_on=d["replied_on"], refusal_reasons=d["refusal_reasons"],
                )
            elif action == "extend":
                transfers.transfer_extend_deadline(
                    transfer=transfer, by=request.user, extension=d["extension"], reason=d["extension_reason"]
                )
            elif action == "reexamination":
                transfers.transfer_request_reexamination(transfer=transfer, by=request.user, requested_on=d["requested_on"])
            else:
                transfers.transfer_reexamination_reply(
                    transfer=transfer, by=request.user, accepted=d["reply"] == "accept", replied_on=d["replied_on"]
                )
        except (ValidationError, PermissionDenied) as error:
            _fail(form, error)
        else:
            messages.success(request, _("Recorded."))
            return redirect("missions:transfer_detail", transfer.pk)
    transfer.refresh_from_db()
    return _render_transfer(request, transfer, {action: form}, status=400)


@role_required(*DUBLIN)
def deadlines_page(request):
    rows = sel.at_risk_for(request.user)
    record_list_read(user=request.user, households=[r["transfer"].household for r in rows])
    return render(request, "missions/deadlines.html", {"rows": rows, "today": timezone.localdate()})


# -- IOM ---------------------------------------------------------------------------------------


@role_required(Role.IOM_OFFICER)
def iom_queue(request):
    page = _page(request, sel.iom_queue_for(request.user))
    record_list_read(user=request.user, households=list(page))
    return render(request, "missions/iom_queue.html", {"page": page})


def _journey_forms(household, bound=None):
    members = household.members.order_by("id")
    forms = {kind: cls(members=members, prefix=kind) for kind, cls in JOURNEY_FORMS.items()}
    if bound:
        forms.update(bound)
    return forms


def _render_journey(request, household, bound=None, status=200):
    from relocation import audit

    audit.record_read(actor=request.user, obj=household, owner_organisation_id=household.owner_id)
    return render(
        request, "missions/iom_household.html",
        {"household": household, "journey": sel.journey_of(household), "forms": _journey_forms(household, bound),
         "problems": journey.readiness_problems(household)},
        status=status,
    )


@role_required(Role.IOM_OFFICER)
def iom_household(request, pk):
    return _render_journey(request, sel.iom_household_get(request.user, pk))


@require_POST
@role_required(Role.IOM_OFFICER)
def iom_record(request, pk, kind):
    household = sel.iom_household_get(request.user, pk)
    if kind not in JOURNEY_FORMS:
        raise Http404
    form = JOURNEY_FORMS[kind](request.POST, members=household.members.order_by("id"), prefix=kind)
    if form.is_valid():
        d = form.cleaned_data
        try:
            from django.db import transaction

            with transaction.atomic():
                for person in d["applicants"]:
                    if kind == "health":
                        journey.health_assess(
                            applicant=person, by=request.user, assessed_on=d["assessed_on"], outcome=d["outcome"],
                            assistance=d["assistance"], medical_notes=d["medical_notes"],
                        )
                    elif kind == "orientation":
                        journey.orientation_record(applicant=person, by=request.user, held_on=d["held_on"], language=d["language"])
                    elif kind == "document":
                        number = d["number"] if len(d["applicants"]) == 1 else ""
                        journey.travel_document_set(applicant=person, by=request.user, status=d["status"], number=number)
                    else:
                        journey.fitness_check(applicant=person, by=request.user, checked_on=d["checked_on"], fit=d["fit"])
        except (ValidationError, PermissionDenied) as error:
            _fail(form, error)
        else:
            messages.success(request, _("Recorded for %(n)s person(s).") % {"n": len(d["applicants"])})
            return redirect("missions:iom_household", household.pk)
    return _render_journey(request, household, {kind: form}, status=400)


# -- movements -----------------------------------------------------------------------------------


@role_required(Role.IOM_OFFICER, Role.OFFICER)
def movement_list(request):
    page = _page(request, sel.movements_visible_to(request.user))
    return render(
        request, "missions/movement_list.html",
        {"page": page, "may_create": bool(sel.iom_states(request.user))},
    )


@role_required(Role.IOM_OFFICER)
def movement_create(request):
    states = sorted(sel.iom_states(request.user))
    form = MovementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        frontline = request.POST.get("frontline_state") if len(states) > 1 else states[0]
        if frontline not in states:
            raise Http404
        try:
            movement = journey.movement_create(
                by=request.user, frontline_state=frontline, receiving_state=d.pop("receiving_state").pk, **d
            )
        except (ValidationError, PermissionDenied) as error:
            _fail(form, error)
        else:
            return redirect("missions:movement_detail", movement.pk)
    return render(request, "missions/movement_form.html", {"form": form, "states": states}, status=400 if form.errors else 200)


def _movement(request, pk):
    return get_or_404(sel.movements_visible_to(request.user), pk=pk)


def _render_movement(request, movement, add_form=None, errors=None, status=200):
    organise = sel.may_organise(request.user, movement)
    rows = list(sel.movement_rows(movement))
    record_list_read(user=request.user, households=[r.household for r in rows])
    if organise and add_form is None and movement.status == "planned":
        add_form = AddHouseholdForm(households=sel.bookable_households(request.user, movement))
    return render(
        request, "missions/movement_detail.html",
        {"movement": movement, "rows": rows, "organise": organise, "add_form": add_form,
         "confirm_arrival": sel.may_confirm_arrival(request.user, movement), "arrival_form": ArrivalForm(),
         "errors": errors or []},
        status=status,
    )


@role_required(Role.IOM_OFFICER, Role.OFFICER)
def movement_detail(request, pk):
    return _render_movement(request, _movement(request, pk))


@require_POST
@role_required(Role.IOM_OFFICER)
def movement_add(request, pk):
    movement = _movement(request, pk)
    if not sel.may_organise(request.user, movement):
        raise Http404
    form = AddHouseholdForm(request.POST, households=sel.iom_queue_for(request.user))
    if form.is_valid():
        try:
            journey.movement_add_household(movement=movement, household=form.cleaned_data["household"], by=request.user)
        except (ValidationError, PermissionDenied) as error:
            _fail(form, error)
        else:
            messages.success(request, _("Household added."))
            return redirect("missions:movement_detail", movement.pk)
    return _render_movement(request, movement, add_form=form, status=400)


def _row(movement, row_pk):
    return get_or_404(movement.households.select_related("household", "movement"), pk=row_pk)


@require_POST
@role_required(Role.IOM_OFFICER)
def movement_departure(request, pk, row_pk):
    movement = _movement(request, pk)
    if not sel.may_organise(request.user, movement):
        raise Http404
    row = _row(movement, row_pk)
    boarded = {m.pk: request.POST.get(f"boarded_{m.pk}") == "on" for m in row.household.members.all()}
    try:
        journey.departure_confirm(row=row, by=request.user, boarded=boarded)
    except (ValidationError, PermissionDenied) as error:
        if isinstance(error, PermissionDenied):
            raise Http404 from None
        return _render_movement(request, movement, errors=error.messages, status=400)
    messages.success(request, _("Departure recorded for %(case)s.") % {"case": row.household.case_number})
    return redirect("missions:movement_detail", movement.pk)


@require_POST
@role_required(Role.OFFICER)
def movement_arrival(request, pk, row_pk):
    movement = _movement(request, pk)
    if not sel.may_confirm_arrival(request.user, movement):
        raise Http404
    row = _row(movement, row_pk)
    form = ArrivalForm(request.POST)
    if not form.is_valid():
        return _render_movement(request, movement, errors=[_("Choose safe arrival or no-show.")], status=400)
    try:
        journey.arrival_confirm(row=row, by=request.user, arrived=form.cleaned_data["arrival"] == "arrived")
    except (ValidationError, PermissionDenied) as error:
        if isinstance(error, PermissionDenied):
            raise Http404 from None
        return _render_movement(request, movement, errors=error.messages, status=400)
    messages.success(request, _("Arrival recorded for %(case)s.") % {"case": row.household.case_number})
    return redirect("missions:movement_detail", movement.pk)


@role_required(Role.IOM_OFFICER, Role.OFFICER)
def manifest_csv(request, pk):
    movement = _movement(request, pk)
    record_list_read(user=request.user, households=[r.household for r in sel.movement_rows(movement)])
    response = HttpResponse(manifest.as_csv(movement), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="manifest-{movement.pk}.csv"'
    return response


@role_required(Role.IOM_OFFICER, Role.OFFICER)
def manifest_pdf(request, pk):
    movement = _movement(request, pk)
    record_list_read(user=request.user, households=[r.household for r in sel.movement_rows(movement)])
    response = HttpResponse(manifest.as_pdf(movement), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="manifest-{movement.pk}.pdf"'
    return response

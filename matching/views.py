"""Pages of matching: start and watch runs, review proposals, compare runs. Coordinator only;
everyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from relocation.access import get_or_404, role_required
from relocation.models import Country, Role

from . import selectors, services
from .forms import ProposalFilterForm, RunStartForm
from .models import MatchingRun, Proposal, UnplacedHousehold

coordinator_only = role_required(Role.COORDINATOR)
PAGE_SIZE = 50


def _run(request, pk: int) -> MatchingRun:
    # Without the input snapshot (megabytes): the status part is polled every second.
    return get_or_404(selectors.runs_list(request.user), pk=pk)


@coordinator_only
@require_http_methods(["GET", "POST"])
def run_list(request):
    form = RunStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.run_start(
                by=request.user,
                frontline_states=form.cleaned_data["frontline_states"],
                pledge_ids=[p.pk for p in form.cleaned_data["pledges"]],
                weights=form.weights(),
                time_limit_seconds=form.cleaned_data["time_limit_seconds"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Matching run #%(n)s is queued.") % {"n": run.pk})
            return redirect("matching:run_detail", pk=run.pk)
    page = Paginator(selectors.runs_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "matching/run_list.html", {"form": form, "page": page, "runs": page.object_list})


@coordinator_only
def run_detail(request, pk: int):
    run = _run(request, pk)
    return render(request, "matching/run_detail.html", {"run": run, **_run_context(run)})


def _run_context(run: MatchingRun) -> dict:
    states = dict(Country.objects.filter(code__in=[f["state"] for f in (run.counts or {}).get("per_pledge", [])])
                  .values_list("code", "name"))
    per_pledge = [{**f, "state_name": states.get(f["state"], f["state"]),
                   "fill_percent": None if f.get("fill_rate") is None else round(f["fill_rate"] * 100, 1)}
                  for f in (run.counts or {}).get("per_pledge", [])]
    succeeded = run.status == run.Status.SUCCEEDED
    pending = run.proposals.filter(status=Proposal.Status.PENDING).count() if succeeded else 0
    previous = (
        MatchingRun.objects.filter(status=MatchingRun.Status.SUCCEEDED, pk__lt=run.pk).order_by("-pk")
        .values_list("pk", flat=True).first() if succeeded else None
    )
    return {"per_pledge": per_pledge, "pending": pending, "previous": previous,
            "unplaced_reasons": [(UnplacedHousehold.Reason(k).label, v)
                                 for k, v in (run.counts or {}).get("unplaced", {}).items()]}


@coordinator_only
def run_status(request, pk: int):
    """The live part of the run page, polled by htmx while the run is queued or running."""
    run = _run(request, pk)
    return render(request, "matching/_run_status.html", {"run": run, **_run_context(run)})


@coordinator_only
@require_POST
def run_cancel(request, pk: int):
    run = _run(request, pk)
    try:
        services.run_cancel(run=run, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Matching run #%(n)s is cancelled.") % {"n": run.pk})
    return redirect("matching:run_detail", pk=run.pk)


def _filter_form(request, run: MatchingRun, data) -> ProposalFilterForm:
    rows = run.proposals.order_by().values_list("pledge_id", "pledge_state_id", "pledge_state__name").distinct()
    rows = sorted(rows, key=lambda r: (r[2], r[0]))
    states = list(dict.fromkeys((code, name) for _pk, code, name in rows))
    pledges = [(str(pk), f"{name} · #{pk}") for pk, _code, name in rows]
    frontline = Country.objects.filter(code__in=run.frontline_states).order_by("name").values_list("code", "name")
    return ProposalFilterForm(data, states=states, frontline=list(frontline), pledges=pledges)


@coordinator_only
@require_http_methods(["GET", "POST"])
def run_review(request, pk: int):
    run = _run(request, pk)
    if request.method == "POST":
        return _decide(request, run)
    form = _filter_form(request, run, request.GET)
    proposals = selectors.proposals_of(run, filters=form.filters(), sort=form.sort_key())
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "matching/run_review.html",
        {"run": run, "form": form, "page": page, "proposals": page.object_list, "querystring": query.urlencode(),
         "filters": form.filters()},
    )


def _decide(request, run: MatchingRun):
    action = request.POST.get("action", "")
    ids = [int(v) for v in request.POST.getlist("proposal") if v.isdigit()]
    if request.POST.get("one"):
        action, _sep, one = request.POST["one"].partition(":")
        ids = [int(one)] if one.isdigit() else []
    remaining = 0
    if action == "confirm_filtered":
        form = _filter_form(request, run, request.POST)
        filters = {**form.filters(), "status": Proposal.Status.PENDING}
        ids = list(selectors.proposals_of(run, filters=filters).values_list("pk", flat=True))
        action = "confirm"
    if action == "confirm" and len(ids) > services.MAX_CONFIRM_PER_REQUEST:
        ids = list(run.proposals.filter(pk__in=ids).order_by("-value", "pk")
                   .values_list("pk", flat=True)[: services.MAX_CONFIRM_PER_REQUEST])
        remaining = -1  # computed after the confirmations
    back = QueryDict(request.POST.get("back") or "").urlencode()  # the review's filters, re-encoded
    target = f"{request.path}?{back}" if back else request.path
    if action not in ("confirm", "discard") or not ids:
        messages.error(request, _("Choose at least one proposal and what to do with it."))
        return redirect(target)
    if run.status != MatchingRun.Status.SUCCEEDED:
        messages.error(request, _("Only proposals of a succeeded run can be decided."))
        return redirect(target)
    if action == "discard":
        n = services.proposals_discard(run=run, proposal_ids=ids, by=request.user)
        messages.success(request, ngettext("%(n)s proposal discarded.", "%(n)s proposals discarded.", n) % {"n": n})
        return redirect(target)
    decision = services.proposals_confirm(run=run, proposal_ids=ids, by=request.user)
    if decision.confirmed:
        n = len(decision.confirmed)
        messages.success(
            request,
            ngettext("%(n)s proposal confirmed: the household is proposed and the officers are notified.",
                     "%(n)s proposals confirmed: the households are proposed and the officers are notified.", n)
            % {"n": n},
        )
    for proposal, reason in decision.stale:
        messages.warning(
            request, _("Stale, not confirmed: %(case)s: %(reason)s") % {"case": proposal.household.case_number,
                                                                       "reason": reason}
        )
    for _pk, reason in decision.refused:
        messages.error(request, reason)
    if remaining:
        messages.info(
            request,
            _("At most %(max)s proposals are confirmed at once (the best-scored first); confirm again for the rest.")
            % {"max": services.MAX_CONFIRM_PER_REQUEST},
        )
    return redirect(target)


@coordinator_only
def run_unplaced(request, pk: int):
    run = _run(request, pk)
    reason = request.GET.get("reason", "")
    if reason not in UnplacedHousehold.Reason.values:
        reason = ""
    page = Paginator(selectors.unplaced_of(run, reason=reason), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "matching/run_unplaced.html",
        {"run": run, "page": page, "unplaced": page.object_list, "reason": reason,
         "reasons": UnplacedHousehold.Reason.choices, "querystring": f"reason={reason}" if reason else ""},
    )


@coordinator_only
def run_compare(request):
    runs = selectors.runs_list(request.user).filter(status=MatchingRun.Status.SUCCEEDED)
    comparison = None
    a_id, b_id = request.GET.get("a", ""), request.GET.get("b", "")
    if a_id and b_id:
        a = get_or_404(runs, pk=a_id)
        b = get_or_404(runs, pk=b_id)
        comparison = selectors.compare_runs(a, b)
    return render(
        request, "matching/compare.html",
        {"runs": runs[:100], "comparison": comparison, "a_id": a_id, "b_id": b_id},
    )


@coordinator_only
def run_input(request, pk: int):
    """The run's input as a contract instance file (the bytes its SHA-256 is computed over)."""
    from .inputs import canonical_json

    run = get_or_404(selectors.runs_visible_to(request.user), pk=pk)
    if run.input_snapshot is None:
        return HttpResponse(_("This run has no input yet."), status=404, content_type="text/plain")
    response = HttpResponse(canonical_json(run.input_snapshot), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="matching-run-{run.pk}-instance.json"'
    return response

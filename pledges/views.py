"""Pages: the Commission's pledge registry and fair shares, and the solidarity dashboard."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from relocation.access import get_or_404, role_required

from . import charts, selectors, services
from .figures import FIGURES, Dashboard
from .forms import DashboardForm, PledgeAmendForm, PledgeRecordForm, RegistryFilterForm
from .models import Pledge, SolidarityCycle
from .selectors import DASHBOARD_ROLES, RECORDING_ROLES, REGISTRY_ROLES

PAGE_SIZE = 25


@role_required(*REGISTRY_ROLES)
def registry(request):
    filters = RegistryFilterForm(request.GET or None)
    qs = selectors.with_capacity(filters.apply(selectors.pledges_visible_to(request.user)))
    page = Paginator(qs.order_by("-cycle__starts_on", "state__name", "kind", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "pledges/registry.html",
        {
            "filters": filters,
            "page": page,
            "querystring": query.urlencode(),
            "can_record": selectors.can_record_pledges(request.user),
        },
    )


@role_required(*RECORDING_ROLES)
def pledge_record(request):
    form = PledgeRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pledge = services.pledge_record(
                cycle=form.cleaned_data["cycle"],
                state_code=form.cleaned_data["state"].code,
                kind=form.cleaned_data["kind"],
                fields=form.pledge_fields(),
                quotas=form.quotas(),
                by=request.user,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Pledge recorded."))
            return redirect("pledges:detail", pk=pledge.pk)
    return render(request, "pledges/pledge_form.html", {"form": form, "title": _("Record a pledge")})


@role_required(*REGISTRY_ROLES)
def pledge_detail(request, pk: int):
    pledge = get_or_404(selectors.with_capacity(selectors.pledges_visible_to(request.user)), pk=pk)
    return render(
        request,
        "pledges/pledge_detail.html",
        {
            "pledge": pledge,
            "quotas": selectors.quota_capacity([pledge.pk]).get(pledge.pk, []),
            "versions": pledge.versions.select_related("by").order_by("-number"),
            "can_record": selectors.can_record_pledges(request.user),
        },
    )


@role_required(*RECORDING_ROLES)
def pledge_amend(request, pk: int):
    pledge = get_or_404(selectors.pledges_visible_to(request.user), pk=pk)
    quotas = dict(pledge.quotas.values_list("frontline_state_id", "places"))
    form = PledgeAmendForm(request.POST or None, initial=PledgeAmendForm.initial_for(pledge, quotas))
    if request.method == "POST" and form.is_valid():
        changes = form.pledge_fields()
        if pledge.kind == Pledge.Kind.RELOCATION:
            changes["quotas"] = form.quotas()
        try:
            services.pledge_amend(
                pledge=pledge, changes=changes, by=request.user, reason=form.cleaned_data["reason"],
                effective_at=form.effective_at(),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Pledge amended."))
            return redirect("pledges:detail", pk=pledge.pk)
    return render(
        request, "pledges/pledge_form.html", {"form": form, "pledge": pledge, "title": _("Amend a pledge")}
    )


@role_required(*REGISTRY_ROLES)
def fair_shares(request):
    cycles = list(SolidarityCycle.objects.all())
    by_code = {c.code: c for c in cycles}
    chosen = by_code.get(request.GET.get("cycle", "")) or next(
        (c for c in cycles if c.kind == SolidarityCycle.Kind.ANNUAL_POOL), cycles[0] if cycles else None
    )
    table = selectors.fair_shares(chosen) if chosen else None
    return render(request, "pledges/fair_shares.html", {"cycles": cycles, "cycle": chosen, "table": table})


def _dashboard_for(request) -> tuple[Dashboard, DashboardForm]:
    cycles = list(SolidarityCycle.objects.all())
    form = DashboardForm(request.GET or None, cycles=cycles)
    as_of = cycle = None
    if form.is_valid():
        as_of, cycle = form.cleaned_data.get("as_of"), form.chosen_cycle()
    board = Dashboard(as_of=as_of, all_cycles=cycles)
    board.cycle = cycle or Dashboard.default_cycle(cycles, board.as_of)
    return board, form


@role_required(*DASHBOARD_ROLES)
def dashboard(request):
    board, form = _dashboard_for(request)
    query = {"as_of": board.as_of.isoformat()}
    if board.cycle:
        query["cycle"] = board.cycle.code
    states = board.pledging_states
    frontline = [row for row in board.frontline_states if row["relocated"] is not None]
    pledged, relocated = _("Places pledged"), _("Persons relocated")
    context = {
        "form": form,
        "board": board,
        "export_query": "&".join(f"{k}={v}" for k, v in query.items()),
        "figures": {slug.replace("-", "_"): figure for slug, figure in FIGURES.items()},
        "chart_states": charts.bars(
            chart_id="chart-pledging-states",
            title=str(FIGURES["pledging-states"].title),
            desc=_("Horizontal bars: for each pledging state, places pledged (hatched) and persons relocated "
                   "(solid). The table below gives every value."),
            rows=[(row["name"], [row["pledged"], row["relocated"]]) for row in states],
            series=[pledged, relocated],
        ),
        "chart_frontline": charts.bars(
            chart_id="chart-frontline-states",
            title=str(FIGURES["frontline-states"].title),
            desc=_("Horizontal bars: for each frontline state, places in pledges' quotas (hatched) and persons "
                   "relocated from it (solid)."),
            rows=[(row["name"], [row["pledged"], row["relocated"]]) for row in frontline],
            series=[_("Places in quotas"), relocated],
        ),
        "chart_monthly": charts.line(
            chart_id="chart-monthly",
            title=str(FIGURES["monthly"].title),
            desc=_("A rising line: persons relocated to date at the end of each month."),
            points=[(row["month"], row["cumulative"]) for row in board.monthly],
        ),
        "chart_pipeline": charts.bars(
            chart_id="chart-pipeline",
            title=str(FIGURES["pipeline"].title),
            desc=_("Horizontal bars: households (hatched) and persons (solid) at each stage of the case workflow."),
            rows=[(row["label"], [row["households"], row["persons"]]) for row in board.pipeline],
            series=[_("Households"), _("Persons")],
        ),
        "chart_days": charts.bars(
            chart_id="chart-stage-days",
            title=str(FIGURES["stage-days"].title),
            desc=_("Horizontal bars: the median number of days a household stays at each stage before moving on."),
            rows=[(row["label"], [row["median_days"]]) for row in board.stage_days],
            series=[_("Median days")],
        ),
    }
    return render(request, "pledges/dashboard.html", context)


@role_required(*DASHBOARD_ROLES)
def dashboard_csv(request, slug: str):
    figure = FIGURES.get(slug)
    if figure is None:
        raise Http404
    board, _form = _dashboard_for(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    cycle = board.cycle.code if board.cycle else "none"
    response["Content-Disposition"] = f'attachment; filename="{slug}-{cycle}-{board.as_of.isoformat()}.csv"'
    writer = csv.writer(response)
    writer.writerow([str(heading) for _key, heading in figure.columns])
    for row in board.rows_of(slug):
        writer.writerow(["" if row.get(key) is None else row.get(key) for key, _heading in figure.columns])
    return response

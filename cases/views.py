"""Caseworker pages: the work queue, the case page and its forms, import and export.

Views stay thin: they fetch through ``cases.selectors`` (scoped to the user; missing and
forbidden are the same 404), check input with ``cases.forms`` and write through
``cases.services``.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.forms import Select
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from relocation import audit
from relocation.access import access_of, get_or_404, require_role
from relocation.models import AuditEvent, Country, Role

from . import exporting, forms, importing, services, workflow
from .documents import safe_download_name
from .filters import HouseholdFilter
from .models import (
    Applicant,
    CaseStatus,
    Consent,
    CulturalTie,
    Document,
    EligibilityDecision,
    FamilyTie,
    Household,
    InformationSession,
    SecurityExclusion,
    VulnerabilityAssessment,
)
from .selectors import (
    document_get_for_user,
    household_get_for_user,
    households_visible_to,
    journey_only,
    may_see_restricted,
    sees_assessments,
    status_counts,
)

QUEUE_ROLES = (Role.CASEWORKER, Role.COORDINATOR)
# EUAA staff read restricted notes and the assessments; others see what their task needs.
EUAA_ROLES = (Role.CASEWORKER, Role.COORDINATOR)
def _queue_states(access) -> list[str]:
    if access.has(Role.COORDINATOR):
        return list(Country.objects.filter(is_frontline=True).values_list("code", flat=True))
    return sorted(access.states(Role.CASEWORKER))


def _editable_states(access) -> list[str]:
    return _queue_states(access)


# -- the work queue --------------------------------------------------------------------------------


# The status is chosen with the tabs (kept as a hidden field when the filters change).
FILTER_FIELDS = [
    "q",
    "frontline_state",
    "site",
    "nationality",
    "composition",
    "vulnerability",
    "vulnerable",
    "has_family_ties",
    "has_cultural_ties",
]
PAGE_SIZES = (25, 50, 100)


# The empty choice of a select and the "unknown" of a yes/no select both mean: no filter.
ANY = {"", "unknown"}


def fast_widget(bound) -> str:
    """A select rendered in Python: Django's template-rendered widgets cost about 0.1 ms per
    option, and the nationality list alone has 250 of them on every queue page."""
    widget = bound.field.widget
    if not isinstance(widget, Select):
        return str(bound)
    value = bound.value()
    values = value if isinstance(value, (list, tuple)) else [value]
    selected = {str(v) for v in values if v not in (None, "")}
    multiple = getattr(widget, "allow_multiple_selected", False)
    if not selected and not multiple:
        selected = {""}
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (
                str(v),
                mark_safe(" selected") if str(v) in selected else "",
                _("Any") if str(v) in ANY else label,
            )
            for v, label in widget.choices
        ),
    )
    return format_html(
        '<select name="{}" id="{}"{}{}>{}</select>',
        bound.html_name,
        bound.auto_id,
        mark_safe(" multiple") if multiple else "",
        format_html(' aria-describedby="{}_helptext"', bound.auto_id) if bound.help_text else "",
        options,
    )


def filtered_households(user, data) -> tuple[QuerySet, HouseholdFilter, QuerySet]:
    """(households matching every filter, the filter set, the same without the status filter)."""
    require_role(user, *QUEUE_ROLES)
    visible = households_visible_to(user)
    filterset = HouseholdFilter(data or None, queryset=visible)
    without = data.copy() if data else None
    if without is not None:
        without.pop("status", None)
    without_status = HouseholdFilter(without or None, queryset=visible).qs
    return filterset.qs, filterset, without_status


def queue(request):
    access = require_role(request.user, *QUEUE_ROLES)
    qs, filterset, without_status = filtered_households(request.user, request.GET)
    try:
        per_page = int(request.GET.get("per_page", PAGE_SIZES[0]))
    except ValueError:
        per_page = PAGE_SIZES[0]
    per_page = per_page if per_page in PAGE_SIZES else PAGE_SIZES[0]
    counts = status_counts(without_status)
    tabs = [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in CaseStatus.choices
        if counts.get(value) or value in (CaseStatus.IDENTIFIED, CaseStatus.AVAILABLE)
    ]
    if not request.GET.get("ordering"):
        # In one status, who has waited longest comes first; across statuses, the newest cases.
        one_status = len([v for v in request.GET.getlist("status") if v]) == 1
        qs = qs.order_by("registered_on", "pk") if one_status else qs.order_by("-registered_on", "-pk")
    members = Applicant.objects.order_by("id").only(
        "id",
        "household_id",
        "given_name",
        "family_name",
        "given_name_native",
        "family_name_native",
        "nationality_id",
        "registration_number",
    )
    rows = qs.prefetch_related(Prefetch("members", queryset=members))
    paginator = Paginator(rows, per_page)
    # The status counts already hold the total: spare the database a second COUNT.
    statuses = [v for v in request.GET.getlist("status") if v]
    if not statuses or all(v in CaseStatus.values for v in statuses):
        paginator.count = sum(n for status, n in counts.items() if not statuses or status in statuses)
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    tab_params = params.copy()
    tab_params.pop("status", None)
    context = {
        "page": page,
        "filter_form": filterset.form,
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "tabs": tabs,
        "total_count": sum(counts.values()),
        "current_status": request.GET.get("status", "") if len(request.GET.getlist("status")) == 1 else "",
        "statuses": [v for v in request.GET.getlist("status") if v],
        "querystring": params.urlencode(),
        "tab_querystring": tab_params.urlencode(),
        "can_register": bool(_editable_states(access)),
        "can_export": True,
    }
    if getattr(request, "htmx", False):
        return render(request, "cases/_queue_results.html", context)
    context["filter_fields"] = [
        (filterset.form[name], fast_widget(filterset.form[name])) for name in FILTER_FIELDS
    ]
    return render(request, "cases/queue.html", context)


# -- export ----------------------------------------------------------------------------------


def _export_columns(access) -> list[exporting.ExportColumn]:
    C = exporting.ExportColumn
    h = lambda name: lambda a: getattr(a.household, name)  # noqa: E731
    columns = [
        C(gettext_lazy("Case number"), h("case_number")),
        C(gettext_lazy("Status"), lambda a: a.household.get_status_display()),
        C(gettext_lazy("Frontline state"), h("frontline_state_id")),
        C(gettext_lazy("Site"), h("site")),
        C(gettext_lazy("Registered on"), h("registered_on")),
        C(gettext_lazy("Composition"), h("composition")),
        C(gettext_lazy("Household size"), h("size")),
        C(gettext_lazy("Destination state"), h("destination_state_id")),
        C(gettext_lazy("Given name (Latin)"), lambda a: a.given_name),
        C(gettext_lazy("Family name (Latin)"), lambda a: a.family_name),
        C(gettext_lazy("Given name (own script)"), lambda a: a.given_name_native),
        C(gettext_lazy("Family name (own script)"), lambda a: a.family_name_native),
        C(gettext_lazy("Date of birth"), lambda a: a.date_of_birth),
        C(gettext_lazy("Date of birth estimated"), lambda a: a.dob_estimated),
        C(gettext_lazy("Sex"), lambda a: a.sex),
        C(gettext_lazy("Nationality"), lambda a: a.nationality_id),
        C(gettext_lazy("Languages"), lambda a: [lang.code for lang in a.languages.all()]),
        C(gettext_lazy("Relationship to principal applicant"), lambda a: a.relationship_to_principal),
        C(gettext_lazy("Registration number"), lambda a: a.registration_number),
    ]
    if access.has(*EUAA_ROLES):
        # Categories only; restricted notes never leave the application.
        columns += [
            C(gettext_lazy("Vulnerabilities"), lambda a: [v.category_id for v in a.vulnerabilities.all()]),
            C(
                gettext_lazy("Family ties (states)"),
                lambda a: sorted({t.state_id for t in a.family_ties.all()}),
            ),
            C(
                gettext_lazy("Cultural ties (states)"),
                lambda a: sorted({t.state_id for t in a.cultural_ties.all()}),
            ),
            C(gettext_lazy("Security exclusion"), lambda a: a.security_excluded),
        ]
    return columns


def export(request):
    access = require_role(request.user, *QUEUE_ROLES)
    qs, _filterset, _unused = filtered_households(request.user, request.GET)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    applicants = (
        Applicant.objects.filter(household__in=qs.values("pk"))
        .select_related("household")
        .prefetch_related("languages", "vulnerabilities", "family_ties", "cultural_ties")
        .order_by("household__registered_on", "household_id", "id")
    )
    columns = _export_columns(access)
    filters = {k: v for k, v in request.GET.items() if k not in ("format", "page") and v}
    audit.record(
        actor=request.user,
        action="cases.export",
        object_type="cases.household",
        object_repr=_("Export of %(n)d households") % {"n": qs.count()},
        details={
            "format": fmt,
            "filters": filters,
            "households": qs.count(),
            "persons": applicants.count(),
            "columns": [str(c.header) for c in columns],
        },
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    rows = applicants.iterator(chunk_size=2000)
    if fmt == "csv":
        response = StreamingHttpResponse(
            (line.encode("utf-8") for line in exporting.csv_stream(columns, rows)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="households-{stamp}.csv"'
        return response
    handle = exporting.xlsx_file(columns, rows, title=_("Households"))
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"households-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# -- the case page ------------------------------------------------------------------------------


def _household_for(request, pk: int) -> Household:
    return get_or_404(households_visible_to(request.user).select_related("owner"), pk=pk)


def _editable_household(request, pk: int) -> Household:
    household = _household_for(request, pk)
    if not services.may_edit(request.user, household):
        raise Http404
    return household


TIMELINE_LABELS = {
    "household.create": gettext_lazy("Household registered"),
    "household.update": gettext_lazy("Household details changed"),
    "household.member_add": gettext_lazy("Member added"),
    "household.member_remove": gettext_lazy("Member removed"),
    "household.split": gettext_lazy("Household split"),
    "household.split_from": gettext_lazy("Split from another household"),
    "household.merge": gettext_lazy("Another household merged in"),
    "household.merged_into": gettext_lazy("Merged into another household"),
    "household.information_session": gettext_lazy("Information session recorded"),
    "household.document_upload": gettext_lazy("Document uploaded"),
    "household.document_download": gettext_lazy("Document downloaded"),
    "household.document_delete": gettext_lazy("Document deleted"),
    "household.import": gettext_lazy("Registered by import"),
    "applicant.update": gettext_lazy("Person's details changed"),
    "applicant.vulnerability_assess": gettext_lazy("Vulnerability assessed"),
    "applicant.vulnerability_remove": gettext_lazy("Vulnerability assessment removed"),
    "applicant.family_tie_add": gettext_lazy("Family tie recorded"),
    "applicant.cultural_tie_add": gettext_lazy("Cultural tie recorded"),
    "applicant.tie_remove": gettext_lazy("Tie removed"),
    "applicant.consent_given": gettext_lazy("Consent given"),
    "applicant.consent_withdrawn": gettext_lazy("Consent withdrawn"),
    "applicant.eligibility": gettext_lazy("Eligibility decided"),
    "applicant.security_exclusion": gettext_lazy("Security exclusion"),
}


# What a journey-only reader (IOM) must not learn from the timeline: the asylum file's
# eligibility, ties and consents (the API hides them too) and free-text reasons.
JOURNEY_HIDDEN_ACTIONS = (
    "applicant.eligibility",
    "applicant.family_tie_add",
    "applicant.cultural_tie_add",
    "applicant.tie_remove",
    "applicant.consent_given",
    "applicant.consent_withdrawn",
)


def _timeline(
    household: Household, members: list[Applicant], limit: int = 200, *, journey: bool = False,
    reader_organisation: int | None = None,
) -> list[dict]:
    """Status changes and audit events of the household and its members, newest first.
    ``journey``: for a journey-only reader, without the asylum file's entries and reasons.
    ``reader_organisation``: for a reader outside EUAA, reasons written by a third
    organisation (another state's rejection, often from its interview) are left out."""
    own = {reader_organisation, household.owner_id}

    def foreign(organisation_id) -> bool:
        return reader_organisation is not None and organisation_id is not None and organisation_id not in own
    names = {str(m.pk): str(m) for m in members}
    events = (
        AuditEvent.objects.filter(
            Q(object_type="cases.household", object_id=str(household.pk))
            | Q(object_type="cases.applicant", object_id__in=list(names))
        )
        .exclude(action__startswith="read.")
        .exclude(action="household.transition")  # shown from the status changes below
    )
    if journey:
        events = events.exclude(action__in=JOURNEY_HIDDEN_ACTIONS)
    events = events.order_by("-at", "-id")[:limit]
    items = []
    for event in events:
        label = TIMELINE_LABELS.get(event.action, event.action)
        about = names.get(event.object_id) if event.object_type == "cases.applicant" else ""
        detail = ""
        if event.action == "applicant.vulnerability_assess":
            detail = event.details.get("category", "")
        elif event.action in ("applicant.family_tie_add", "applicant.cultural_tie_add"):
            detail = event.details.get("state", "")
        elif event.action == "applicant.eligibility":
            detail = _("eligible") if event.details.get("eligible") else _("not eligible")
        elif "reason" in event.details:
            detail = event.details["reason"]
        elif "name" in event.details:
            detail = event.details["name"]
        items.append(
            {
                "at": event.at,
                "what": f"{label}: {about}" if about else label,
                "who": event.actor_username,
                "detail": ""
                if (journey or foreign(event.actor_organisation_id)) and "reason" in event.details
                else detail,
            }
        )
    for change in household.status_changes.select_related("by").order_by("-at", "-id")[:limit]:
        what = _("Status: %(to)s") % {"to": workflow.status_label(change.to_status)}
        items.append(
            {
                "at": change.at,
                "what": what,
                "who": change.by.username if change.by else "",
                "detail": "" if journey or foreign(change.by.organisation_id if change.by else None) else change.reason,
            }
        )
    items.sort(key=lambda item: item["at"], reverse=True)
    return items[:limit]


def _transition_offers(household: Household, user) -> list[dict]:
    offers = []
    for target in workflow.allowed_transitions(household, user):
        matching = [t for t in workflow.transitions() if t.target == target and household.status in t.sources]
        needs = {n for t in matching for n in t.needs}
        destinations = []
        if "destination_state" in needs:
            excluded = set(household.excluded_states.values_list("pk", flat=True))
            destinations = [
                (code, name)
                for code, name in Country.objects.filter(is_eu_plus=True, is_frontline=False).values_list(
                    "code", "name"
                )
                if code not in excluded
            ]
        offers.append(
            {
                "target": target,
                "label": workflow.status_label(target),
                "reason_required": any(t.reason_required for t in matching),
                "destinations": destinations,
            }
        )
    return offers


def _split_url(household: Household) -> str | None:
    """Where EUAA splits this household. While a pledging state is deciding on it, the split
    also shrinks its reserved places, which the missions floor does (named by URL only, since
    this floor does not import a higher one)."""
    if household.status not in services.SPLIT_WHILE_DECIDING:
        return reverse("cases:split", args=[household.pk])
    try:
        return reverse("missions:split_for_decision", args=[household.pk])
    except NoReverseMatch:
        return None


def household_detail(request, pk: int):
    # A read by another organisation (an officer, a Dublin Unit, IOM) leaves an audit row.
    household = household_get_for_user(user=request.user, household_id=pk)
    access = access_of(request.user)
    members = list(
        household.members.select_related("nationality").prefetch_related("languages").order_by("id")
    )
    ids = [m.pk for m in members]
    latest_consent = dict(
        Consent.objects.filter(applicant_id__in=ids).order_by("at", "id").values_list("applicant_id", "given")
    )
    latest_eligible = dict(
        EligibilityDecision.objects.filter(applicant_id__in=ids)
        .order_by("decided_at", "id")
        .values_list("applicant_id", "eligible")
    )
    for m in members:
        m.latest_consent = latest_consent.get(m.pk)
        m.latest_eligible = latest_eligible.get(m.pk)
    can_edit = services.may_edit(request.user, household)
    show_assessments = sees_assessments(request.user)
    journey = journey_only(request.user)
    document_form = forms.DocumentForm()
    document_form.limit_members(household)
    context = {
        "household": household,
        "members": members,
        # IOM (journey only) sees neither the states excluded nor consent and eligibility.
        "journey": journey,
        "excluded_states": [] if journey else list(household.excluded_states.all()),
        "transitions": _transition_offers(household, request.user),
        "can_edit": can_edit,
        "split_url": _split_url(household) if can_edit else None,
        "show_restricted": may_see_restricted(request.user),
        "show_assessments": show_assessments,
        "record_kinds": [(kind, spec[0]) for kind, spec in RECORD_KINDS.items()] if can_edit else [],
        "sessions": InformationSession.objects.filter(household=household).select_related(
            "language", "applicant"
        ),
        "documents": household.documents.select_related("applicant"),
        "document_form": document_form,
        "timeline": _timeline(
            household, members, journey=journey,
            reader_organisation=None if access.has(*EUAA_ROLES) else request.user.organisation_id,
        ),
    }
    if show_assessments:
        context.update(
            {
                "vulnerabilities": VulnerabilityAssessment.objects.filter(
                    applicant_id__in=ids
                ).select_related("applicant", "category", "assessed_by"),
                "family_ties": FamilyTie.objects.filter(applicant_id__in=ids).select_related(
                    "applicant", "state"
                ),
                "cultural_ties": CulturalTie.objects.filter(applicant_id__in=ids).select_related(
                    "applicant", "state"
                ),
                "consents": Consent.objects.filter(applicant_id__in=ids).select_related("applicant"),
                "decisions": EligibilityDecision.objects.filter(applicant_id__in=ids).select_related(
                    "applicant"
                ),
                "exclusions": SecurityExclusion.objects.filter(applicant_id__in=ids).select_related(
                    "applicant"
                ),
            }
        )
    return render(request, "cases/household.html", context)


@require_POST
def transition(request, pk: int):
    household = _household_for(request, pk)
    to = request.POST.get("to", "")
    reason = request.POST.get("reason", "").strip()
    extra = {}
    if request.POST.get("destination_state"):
        extra["destination_state"] = request.POST["destination_state"]
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        services.case_transition(
            household=household, to=to, by=request.user, reason=reason, expected_version=version, **extra
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The case is now: %(status)s.") % {"status": workflow.status_label(to)})
    return redirect("cases:household", pk=household.pk)


# -- forms on the case page -----------------------------------------------------------------------


def _record_session(household, data, user):
    services.information_session_record(
        household=household,
        held_on=data["held_on"],
        language=data["language"],
        by=user,
        interpreter=data["interpreter"],
        applicant=data["applicant"],
    )


def _record_vulnerability(household, data, user):
    services.vulnerability_assess(
        applicant=data["applicant"], category=data["category"], by=user, notes=data["notes"]
    )


def _record_family_tie(household, data, user):
    services.family_tie_add(
        applicant=data["applicant"],
        state=data["state"],
        relationship=data["relationship"],
        status_there=data["status_there"],
        by=user,
    )


def _record_cultural_tie(household, data, user):
    services.cultural_tie_add(
        applicant=data["applicant"], state=data["state"], kind=data["kind"], detail=data["detail"], by=user
    )


def _record_consent(household, data, user):
    for applicant in data["applicants"]:
        services.consent_record(
            applicant=applicant, given=data["given"], how_recorded=data["how_recorded"], by=user
        )


def _record_eligibility(household, data, user):
    for applicant in data["applicants"]:
        services.eligibility_decide(
            applicant=applicant, eligible=data["eligible"], reason=data["reason"], by=user
        )


def _record_exclusion(household, data, user):
    services.security_exclude(applicant=data["applicant"], reason=data["reason"], by=user)


# kind: (button label, form, service call, message)
RECORD_KINDS = {
    "information-session": (
        gettext_lazy("Record an information session"),
        forms.InformationSessionForm,
        _record_session,
        gettext_lazy("Information session recorded."),
    ),
    "vulnerability": (
        gettext_lazy("Assess a vulnerability"),
        forms.VulnerabilityForm,
        _record_vulnerability,
        gettext_lazy("Vulnerability recorded."),
    ),
    "family-tie": (
        gettext_lazy("Record a family tie"),
        forms.FamilyTieForm,
        _record_family_tie,
        gettext_lazy("Family tie recorded."),
    ),
    "cultural-tie": (
        gettext_lazy("Record a cultural tie"),
        forms.CulturalTieForm,
        _record_cultural_tie,
        gettext_lazy("Cultural tie recorded."),
    ),
    "consent": (
        gettext_lazy("Record consent"),
        forms.ConsentForm,
        _record_consent,
        gettext_lazy("Consent recorded."),
    ),
    "eligibility": (
        gettext_lazy("Decide eligibility"),
        forms.EligibilityForm,
        _record_eligibility,
        gettext_lazy("Eligibility recorded."),
    ),
    "security-exclusion": (
        gettext_lazy("Record a security exclusion"),
        forms.SecurityExclusionForm,
        _record_exclusion,
        gettext_lazy("Security exclusion recorded."),
    ),
}


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def record(request, pk: int, kind: str):
    household = _editable_household(request, pk)
    if kind not in RECORD_KINDS:
        raise Http404
    title, form_class, call, done = RECORD_KINDS[kind]
    form = form_class(request.POST or None)
    form.limit_members(household)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                call(household, form.cleaned_data, request.user)
        except (ValidationError, PermissionDenied) as exc:
            _apply_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, done)
            return redirect("cases:household", pk=household.pk)
    return render(request, "cases/record_form.html", {"household": household, "form": form, "title": title})


@require_POST
def document_upload(request, pk: int):
    household = _editable_household(request, pk)
    form = forms.DocumentForm(request.POST, request.FILES)
    form.limit_members(household)
    if form.is_valid():
        try:
            services.document_upload(
                household=household,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                by=request.user,
                applicant=form.cleaned_data["applicant"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Document uploaded."))
            return redirect("cases:household", pk=household.pk)
    return render(
        request,
        "cases/record_form.html",
        {
            "household": household,
            "form": form,
            "title": _("Upload a document"),
            "multipart": True,
            "action": reverse("cases:document_upload", args=[household.pk]),
        },
    )


def document_download(request, pk: int, document_pk: int):
    household = _household_for(request, pk)
    document = document_get_for_user(user=request.user, document_id=document_pk)
    if document.household_id != household.pk:
        raise Http404
    audit.record(
        actor=request.user,
        action="household.document_download",
        obj=household,
        details={"document": document.pk, "kind": document.kind},
    )
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=safe_download_name(document.original_name),
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# -- household changes --------------------------------------------------------------------------


def household_new(request):
    access = require_role(request.user, *QUEUE_ROLES)
    states = _editable_states(access)
    household_form = forms.HouseholdForm(request.POST or None, states=states)
    state = request.POST.get("frontline_state") if request.method == "POST" else None
    formset = forms.MemberFormSet(
        request.POST or None, prefix="member", form_kwargs={"frontline_state": state}
    )
    if request.method == "POST" and household_form.is_valid() and formset.is_valid():
        try:
            household = services.household_create(
                frontline_state=household_form.cleaned_data["frontline_state"],
                registered_on=household_form.cleaned_data["registered_on"],
                site=household_form.cleaned_data["site"],
                by=request.user,
                members=[f.member_data() for f in formset.filled_forms()],
            )
        except (ValidationError, PermissionDenied) as exc:
            _apply_errors(
                household_form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc))
            )
        else:
            messages.success(request, _("Household %(case)s registered.") % {"case": household.case_number})
            return redirect("cases:household", pk=household.pk)
    return render(request, "cases/household_new.html", {"form": household_form, "formset": formset})


def member_add(request, pk: int):
    household = _editable_household(request, pk)
    form = forms.AddMemberForm(request.POST or None, frontline_state=household.frontline_state_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_member(household=household, by=request.user, **form.member_data())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Member added."))
            return redirect("cases:household", pk=household.pk)
    return render(
        request, "cases/record_form.html", {"household": household, "form": form, "title": _("Add a member")}
    )


def member_edit(request, pk: int, applicant_pk: int):
    household = _editable_household(request, pk)
    applicant = get_or_404(household.members.all(), pk=applicant_pk)
    form = forms.EditMemberForm(
        request.POST or None, instance=applicant, frontline_state=household.frontline_state_id
    )
    if request.method == "POST" and form.is_valid():
        data = form.member_data()
        try:
            services.applicant_update(
                applicant=Applicant.objects.get(pk=applicant.pk), by=request.user, **data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The person's details were saved."))
            return redirect("cases:household", pk=household.pk)
    title = _("Change the details of %(name)s") % {"name": Applicant.objects.get(pk=applicant.pk)}
    return render(request, "cases/record_form.html", {"household": household, "form": form, "title": title})


def household_edit(request, pk: int):
    household = _editable_household(request, pk)
    form = forms.HouseholdEditForm(
        request.POST or None,
        initial={
            "site": household.site,
            "registered_on": household.registered_on,
            "version": household.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(
                household=household,
                by=request.user,
                site=form.cleaned_data["site"],
                registered_on=form.cleaned_data["registered_on"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The household's details were saved."))
            return redirect("cases:household", pk=household.pk)
    return render(
        request,
        "cases/record_form.html",
        {"household": household, "form": form, "title": _("Change the household's details")},
    )


REMOVABLE = {
    # kind: (model, lookup from the household, needs a reason, service call, title, done)
    "vulnerability": (
        VulnerabilityAssessment,
        "applicant__household",
        True,
        lambda obj, by, reason: services.vulnerability_remove(assessment=obj, by=by, reason=reason),
        gettext_lazy("Remove a vulnerability assessment"),
        gettext_lazy("Vulnerability assessment removed."),
    ),
    "family-tie": (
        FamilyTie,
        "applicant__household",
        False,
        lambda obj, by, reason: services.tie_remove(tie=obj, by=by),
        gettext_lazy("Remove a family tie"),
        gettext_lazy("Family tie removed."),
    ),
    "cultural-tie": (
        CulturalTie,
        "applicant__household",
        False,
        lambda obj, by, reason: services.tie_remove(tie=obj, by=by),
        gettext_lazy("Remove a cultural tie"),
        gettext_lazy("Cultural tie removed."),
    ),
    "document": (
        Document,
        "household",
        True,
        lambda obj, by, reason: services.document_delete(document=obj, by=by, reason=reason),
        gettext_lazy("Delete a document"),
        gettext_lazy("Document deleted."),
    ),
}


def remove(request, pk: int, kind: str, obj_pk: int):
    household = _editable_household(request, pk)
    if kind not in REMOVABLE:
        raise Http404
    model, lookup, needs_reason, call, title, done = REMOVABLE[kind]
    obj = get_or_404(model.objects.filter(**{lookup: household}), pk=obj_pk)
    form = forms.RemoveForm(request.POST or None, needs_reason=needs_reason)
    if request.method == "POST" and form.is_valid():
        try:
            call(obj, request.user, form.cleaned_data.get("reason", ""))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("cases:household", pk=household.pk)
    return render(
        request,
        "cases/record_form.html",
        {
            "household": household,
            "form": form,
            "title": f"{title}: {obj}",
        },
    )


def member_remove(request, pk: int, applicant_pk: int):
    household = _editable_household(request, pk)
    applicant = get_or_404(household.members.all(), pk=applicant_pk)
    form = forms.RemoveMemberForm(request.POST if "reason" in request.POST else None)
    form.fields["new_principal"].queryset = household.members.exclude(pk=applicant.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_member(
                applicant=applicant,
                by=request.user,
                reason=form.cleaned_data["reason"],
                new_principal=form.cleaned_data["new_principal"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was removed from the household.") % {"name": applicant})
            return redirect("cases:household", pk=household.pk)
    title = _("Remove %(name)s from the household") % {"name": applicant}
    return render(request, "cases/record_form.html", {"household": household, "form": form, "title": title})


def split(request, pk: int):
    household = _editable_household(request, pk)
    form = forms.SplitForm(request.POST or None)
    form.limit_members(household)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.split_household(
                household=household,
                members=form.cleaned_data["applicants"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("New household %(case)s created.") % {"case": new.case_number})
            return redirect("cases:household", pk=household.pk)
    return render(
        request,
        "cases/record_form.html",
        {"household": household, "form": form, "title": _("Split the household")},
    )


def merge(request, pk: int):
    household = _editable_household(request, pk)
    form = forms.MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        source = (
            households_visible_to(request.user)
            .filter(case_number=form.cleaned_data["source"].strip().upper())
            .first()
        )
        if source is None or not services.may_edit(request.user, source):
            form.add_error("source", _("No household with this case number that you may change."))
        else:
            try:
                services.merge_households(
                    target=household, source=source, by=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request, _("%(case)s was merged into this household.") % {"case": source.case_number}
                )
                return redirect("cases:household", pk=household.pk)
    return render(
        request,
        "cases/record_form.html",
        {"household": household, "form": form, "title": _("Merge another household into this one")},
    )


# -- import -------------------------------------------------------------------------------------

SESSION_KEY = "cases_imports"


IMPORT_FILE_HOURS = 24


def _import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _drop_abandoned_imports() -> None:
    """Uploaded lists are personal data: a file nobody imported or cancelled goes after a day."""
    limit = time.time() - IMPORT_FILE_HOURS * 3600
    for path in _import_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def _pending_import(request, token: str) -> dict:
    stored = request.session.get(SESSION_KEY, {}).get(token)
    if stored is None:
        raise Http404
    path = _import_dir() / stored["stored"]
    if not path.exists():
        raise Http404
    return {**stored, "path": path}


def _forget_import(request, token: str) -> None:
    imports = request.session.get(SESSION_KEY, {})
    pending = imports.pop(token, None)
    request.session[SESSION_KEY] = imports
    if pending:
        (_import_dir() / pending["stored"]).unlink(missing_ok=True)


def import_upload(request):
    access = require_role(request.user, *QUEUE_ROLES)
    form = forms.ImportUploadForm(
        request.POST or None, request.FILES or None, states=_editable_states(access)
    )
    if request.method == "POST" and form.is_valid():
        _drop_abandoned_imports()
        upload = form.cleaned_data["file"]
        if upload.size > importing.MAX_FILE_BYTES:
            form.add_error(
                "file", _("The file is larger than %(mb)d MB.") % {"mb": importing.MAX_FILE_BYTES // 2**20}
            )
        else:
            data = upload.read()
            try:
                table = importing.read_table(data, upload.name)
            except importing.ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                token = uuid.uuid4().hex
                suffix = ".xlsx" if data[:4] == b"PK\x03\x04" else ".csv"
                (_import_dir() / f"{token}{suffix}").write_bytes(data)
                imports = request.session.get(SESSION_KEY, {})
                imports[token] = {
                    "stored": f"{token}{suffix}",
                    "filename": upload.name[:200],
                    "frontline_state": form.cleaned_data["frontline_state"],
                    "mapping": importing.guess_mapping(table.headers),
                    "rows": len(table.rows),
                }
                request.session[SESSION_KEY] = imports
                return redirect("cases:import_mapping", token=token)
    return render(request, "cases/import_upload.html", {"form": form, "columns": importing.COLUMNS})


def import_template(request):
    """A CSV with the column names the import recognises and one example household."""
    require_role(request.user, *QUEUE_ROLES)
    example = {
        "household_reference": ["F1", "F1"],
        "registration_number": ["GR-AS-000101", "GR-AS-000102"],
        "family_name": ["Haidari", "Haidari"],
        "given_name": ["Ahmad", "Zahra"],
        "family_name_native": ["حیدری", "حیدری"],
        "given_name_native": ["احمد", "زهرا"],
        "date_of_birth": ["1986-04-12", "1990"],
        "dob_estimated": ["no", "yes"],
        "sex": ["M", "F"],
        "nationality": ["AF", "Afghan"],
        "languages": ["fa, en", "fa"],
        "relationship_to_principal": ["principal", "spouse"],
        "site": ["Lesvos CCAC", "Lesvos CCAC"],
        "not_duplicate": ["", ""],
    }
    columns = [
        exporting.ExportColumn(c.label, lambda i, key=c.key: example.get(key, ["", ""])[i])
        for c in importing.COLUMNS
    ]
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in exporting.csv_stream(columns, range(2))),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="candidate-list-template.csv"'
    return response


def import_mapping(request, token: str):
    require_role(request.user, *QUEUE_ROLES)
    pending = _pending_import(request, token)
    table = importing.read_table(pending["path"].read_bytes(), pending["stored"])
    form = forms.ImportMappingForm(
        request.POST or None, headers=table.headers, initial_mapping=pending["mapping"]
    )
    if request.method == "POST" and form.is_valid():
        imports = request.session[SESSION_KEY]
        imports[token]["mapping"] = form.mapping()
        request.session[SESSION_KEY] = imports
        return redirect("cases:import_preview", token=token)
    samples = table.rows[:3]
    return render(
        request,
        "cases/import_mapping.html",
        {
            "form": form,
            "pending": pending,
            "token": token,
            "headers": table.headers,
            "samples": samples,
        },
    )


def _check_pending(pending) -> importing.Preview:
    table = importing.read_table(pending["path"].read_bytes(), pending["stored"])
    mapping = {k: v for k, v in pending["mapping"].items()}
    return importing.check_rows(table, mapping, importing.lookups_for(pending["frontline_state"]))


def import_preview(request, token: str):
    require_role(request.user, *QUEUE_ROLES)
    pending = _pending_import(request, token)
    try:
        preview = _check_pending(pending)
    except importing.ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("cases:import_mapping", token=token)
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            _forget_import(request, token)
            messages.info(request, _("Import cancelled; nothing was imported."))
            return redirect("cases:import_upload")
        if preview.ok:
            try:
                event = importing.commit_import(
                    preview=preview,
                    frontline_state=pending["frontline_state"],
                    by=request.user,
                    filename=pending["filename"],
                )
            except (ValidationError, PermissionDenied, IntegrityError) as exc:
                messages.error(
                    request,
                    _("Nothing was imported: %(error)s")
                    % {"error": " ".join(getattr(exc, "messages", [str(exc)]))},
                )
            else:
                _forget_import(request, token)
                return redirect("cases:import_report", pk=event.pk)
        else:
            messages.error(
                request, _("Nothing was imported: fix the rows listed below and upload the file again.")
            )
    return render(
        request,
        "cases/import_preview.html",
        {
            "preview": preview,
            "pending": pending,
            "token": token,
            "error_rows": preview.error_rows,
            "household_count": len(preview.households),
        },
    )


def import_report(request, pk: int):
    access = require_role(request.user, *QUEUE_ROLES)
    events = AuditEvent.objects.filter(action="cases.import")
    if not access.has(Role.COORDINATOR):
        events = events.filter(actor=request.user)
    event = get_or_404(events, pk=pk)
    households = Household.objects.filter(
        case_number__in=event.details.get("case_numbers", [])[:500]
    ).order_by("case_number")
    visible = (
        households_visible_to(request.user).filter(pk__in=households.values("pk")).order_by("case_number")
    )
    return render(request, "cases/import_report.html", {"event": event, "households": visible[:500]})

"""The household filters, shared by the API and the work-queue pages.

Filters on members (nationality, vulnerability, ties, names) use ``pk IN (subquery)`` so a
household with several matching members is listed once and the list stays paginable.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from relocation.models import Country, VulnerabilityCategory

from .models import (
    Applicant,
    CaseStatus,
    Composition,
    Household,
    VulnerabilityAssessment,
    search_key,
)


def search_households(qs: QuerySet[Household], text: str) -> QuerySet[Household]:
    """Case number, registration number, or a member's name, in Latin transliteration or in
    the person's own script (accent- and case-insensitive; every word must occur in the same
    person's names).

    The matching household ids are collected first (trigram indexes answer each part), so the
    households table is read by primary key only.
    """
    text = (text or "").strip()
    if not text:
        return qs
    names = Applicant.objects.all()
    for word in search_key(text).split():
        names = names.filter(Q(search_name__contains=word) | Q(search_name_native__contains=word))
    ids = names.order_by().values("household_id")
    if any(c.isdigit() for c in text):
        # Numbers are typed as printed: case numbers in capitals, registration numbers as issued.
        ids = ids.union(
            Applicant.objects.filter(registration_number__contains=text).order_by().values("household_id"),
            Applicant.objects.filter(registration_number__contains=text.upper()).order_by().values("household_id"),
            Household.objects.filter(case_number__contains=text.upper()).order_by().values("pk"),
        )
    return qs.filter(pk__in=ids)


class HouseholdFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_q", help_text=_("Name, case number or registration number")
    )
    frontline_state = django_filters.ModelChoiceFilter(
        label=_("Frontline state"), queryset=Country.objects.filter(is_frontline=True)
    )
    site = django_filters.CharFilter(label=_("Site"), lookup_expr="icontains")
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=CaseStatus.choices)
    composition = django_filters.ChoiceFilter(label=_("Composition"), choices=Composition.choices)
    destination_state = django_filters.ModelChoiceFilter(
        label=_("Destination state"), queryset=Country.objects.filter(is_eu_plus=True, is_frontline=False)
    )
    nationality = django_filters.ModelChoiceFilter(
        label=_("Nationality"), queryset=Country.objects.all(), method="filter_nationality"
    )
    vulnerability = django_filters.ModelChoiceFilter(
        label=_("Vulnerability"), queryset=VulnerabilityCategory.objects.all(), method="filter_vulnerability"
    )
    vulnerable = django_filters.BooleanFilter(label=_("Has a vulnerable member"), method="filter_vulnerable")
    has_family_ties = django_filters.BooleanFilter(label=_("Has family ties"), method="filter_family_ties")
    has_cultural_ties = django_filters.BooleanFilter(label=_("Has cultural ties"), method="filter_cultural_ties")
    registered_after = django_filters.DateFilter(label=_("Registered from"), field_name="registered_on", lookup_expr="gte")
    registered_before = django_filters.DateFilter(
        label=_("Registered until"), field_name="registered_on", lookup_expr="lte"
    )
    ordering = django_filters.OrderingFilter(
        label=_("Order by"),
        fields=(
            ("case_number", "case_number"),
            ("registered_on", "registered_on"),
            ("status_changed_at", "status_changed_at"),
            ("size", "size"),
        ),
    )

    class Meta:
        model = Household
        fields: list[str] = []

    def filter_q(self, qs, name, value):
        return search_households(qs, value)

    @extend_schema_field(OpenApiTypes.STR)
    def filter_nationality(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(pk__in=Applicant.objects.filter(nationality=value).values("household_id"))

    @extend_schema_field(OpenApiTypes.STR)
    def filter_vulnerability(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(
            pk__in=VulnerabilityAssessment.objects.filter(category=value).values("applicant__household_id")
        )

    # These read the household's own columns, kept by ``services.recompute``.
    def filter_vulnerable(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(vulnerable_members__gt=0) if value else qs.filter(vulnerable_members=0)

    def _ties_hidden(self) -> bool:
        """IOM may not see ties, so it may not filter on them either (that would reveal them)."""
        from .selectors import journey_only

        request = getattr(self, "request", None)
        return request is not None and journey_only(request.user)

    def filter_family_ties(self, qs, name, value):
        return qs if value is None or self._ties_hidden() else qs.filter(has_family_ties=value)

    def filter_cultural_ties(self, qs, name, value):
        return qs if value is None or self._ties_hidden() else qs.filter(has_cultural_ties=value)

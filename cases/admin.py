"""Admin pages for case files: for inspection and support. Changes of status, members and
assessments go through the services (pages and API), so these pages are read-only."""

from django.contrib import admin
from guardian.admin import GuardedModelAdminMixin

from relocation.admin import ReadOnlyAdmin

from .models import (
    Applicant,
    CaseNumberCounter,
    Consent,
    CulturalTie,
    Document,
    EligibilityDecision,
    FamilyTie,
    Household,
    InformationSession,
    SecurityExclusion,
    StatusChange,
    VulnerabilityAssessment,
)


class MemberInline(admin.TabularInline):
    model = Applicant
    fields = ["given_name", "family_name", "date_of_birth", "sex", "nationality", "relationship_to_principal",
              "registration_number", "security_excluded"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fields = ["at", "from_status", "to_status", "by", "reason", "destination_state"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(GuardedModelAdminMixin, ReadOnlyAdmin):
    list_display = ["case_number", "frontline_state", "site", "status", "composition", "size", "destination_state",
                    "registered_on"]
    list_filter = ["status", "frontline_state", "composition", "destination_state"]
    search_fields = [
        "case_number", "members__search_name", "members__search_name_native", "members__registration_number"
    ]
    list_select_related = ["frontline_state", "destination_state"]
    inlines = [MemberInline, StatusChangeInline]
    date_hierarchy = "registered_on"

    def has_change_permission(self, request, obj=None):
        # Guardian's object-permission pages need to open; fields stay read-only.
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + ["excluded_states"]


@admin.register(Applicant)
class ApplicantAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "household", "date_of_birth", "sex", "nationality", "registration_number",
                    "security_excluded"]
    list_filter = ["frontline_state", "sex", "security_excluded"]
    search_fields = ["search_name", "search_name_native", "registration_number", "household__case_number"]
    list_select_related = ["household", "nationality"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["household", "from_status", "to_status", "at", "by", "destination_state"]
    list_filter = ["to_status"]
    search_fields = ["household__case_number"]
    list_select_related = ["household", "by"]


@admin.register(VulnerabilityAssessment)
class VulnerabilityAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["applicant", "category", "assessed_at", "assessed_by"]
    list_filter = ["category"]
    # The restricted notes are not shown in lists.
    exclude = ["notes"]


@admin.register(FamilyTie, CulturalTie, InformationSession, Consent, EligibilityDecision)
class AssessmentAdmin(ReadOnlyAdmin):
    pass


@admin.register(SecurityExclusion)
class SecurityExclusionAdmin(ReadOnlyAdmin):
    list_display = ["applicant", "at", "by"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "kind", "household", "content_type", "size", "uploaded_at"]
    list_filter = ["kind", "content_type"]
    exclude = ["file"]


@admin.register(CaseNumberCounter)
class CaseNumberCounterAdmin(ReadOnlyAdmin):
    list_display = ["frontline_state", "year", "last"]

"""Admin pages of the missions floor: for inspection and support. Missions, plans, interviews
and decisions change through the services (pages and API), so these pages are read-only; the
team's grants can be inspected (and corrected) through guardian's object permissions page."""

from django.contrib import admin
from guardian.admin import GuardedModelAdminMixin

from .models import Decision, Interpreter, Interview, InterviewSlot, SelectionMission


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InterpreterInline(admin.TabularInline):
    model = Interpreter
    fields = ["name", "languages"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SelectionMission)
class SelectionMissionAdmin(GuardedModelAdminMixin, ReadOnlyAdmin):
    list_display = ["id", "pledging_state", "frontline_state", "site", "mode", "starts_on", "ends_on", "status"]
    list_filter = ["status", "mode", "pledging_state", "frontline_state"]
    search_fields = ["site"]
    date_hierarchy = "starts_on"
    inlines = [InterpreterInline]


@admin.register(InterviewSlot)
class InterviewSlotAdmin(ReadOnlyAdmin):
    list_display = ["id", "mission", "household", "applicant", "starts_at", "ends_at", "room", "language", "interpreter"]
    list_filter = ["mission__pledging_state"]
    list_select_related = ["mission", "household", "applicant", "language", "interpreter"]
    search_fields = ["household__case_number", "room"]
    raw_id_fields = ["household", "applicant", "mission", "interpreter"]


@admin.register(Interview)
class InterviewAdmin(ReadOnlyAdmin):
    # The notes are the pledging state's: not shown here.
    list_display = ["id", "slot", "outcome", "security_outcome", "recorded_at"]
    list_filter = ["outcome", "security_outcome"]
    fields = ["slot", "outcome", "security_outcome", "recorded_by", "recorded_at"]
    raw_id_fields = ["slot"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["id", "household", "pledging_state", "outcome", "reason", "persons", "returned_to_pool", "decided_at"]
    list_filter = ["outcome", "reason", "pledging_state"]
    list_select_related = ["household", "pledging_state"]
    search_fields = ["household__case_number"]
    raw_id_fields = ["household", "mission"]

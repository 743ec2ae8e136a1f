"""Admin pages of the missions floor: for inspection and support. Missions, plans, interviews
and decisions change through the services (pages and API), so these pages are read-only; the
team's grants can be inspected (and corrected) through guardian's object permissions page."""

from django.contrib import admin
from guardian.admin import GuardedModelAdminMixin

from relocation.admin import ReadOnlyAdmin

from .models import (
    Decision,
    FitnessCheck,
    HealthAssessment,
    Interpreter,
    Interview,
    InterviewSlot,
    Movement,
    MovementHousehold,
    PreDepartureOrientation,
    SelectionMission,
    TransferFlag,
    TransferOfResponsibility,
    TravelDocument,
)


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


# -- transfers and the journey (read-only; medical notes are not shown) --------------------------


@admin.register(TransferOfResponsibility)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["id", "household", "requesting_state", "requested_state", "legal_basis", "sent_on", "reply_due",
                    "reply", "transfer_deadline", "closed_at"]
    list_filter = ["reply", "legal_basis", "requested_state"]
    list_select_related = ["household", "requesting_state", "requested_state"]
    search_fields = ["household__case_number", "dublinet_reference"]
    raw_id_fields = ["household"]


@admin.register(TransferFlag)
class TransferFlagAdmin(ReadOnlyAdmin):
    list_display = ["id", "transfer", "kind", "due", "flagged_on"]
    list_filter = ["kind"]


@admin.register(HealthAssessment)
class HealthAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["id", "applicant", "assessed_on", "outcome", "assistance"]
    fields = ["applicant", "assessed_on", "outcome", "assistance", "recorded_by", "recorded_at"]
    list_filter = ["outcome"]
    raw_id_fields = ["applicant"]


@admin.register(PreDepartureOrientation)
class OrientationAdmin(ReadOnlyAdmin):
    list_display = ["id", "applicant", "held_on", "language"]
    raw_id_fields = ["applicant"]


@admin.register(TravelDocument)
class TravelDocumentAdmin(ReadOnlyAdmin):
    list_display = ["id", "applicant", "status", "number", "updated_at"]
    list_filter = ["status"]
    raw_id_fields = ["applicant"]


@admin.register(FitnessCheck)
class FitnessCheckAdmin(ReadOnlyAdmin):
    list_display = ["id", "applicant", "checked_on", "fit"]
    raw_id_fields = ["applicant"]


class MovementHouseholdInline(admin.TabularInline):
    model = MovementHousehold
    fields = ["household", "persons", "departure", "arrival"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = ["id", "frontline_state", "receiving_state", "departs_on", "carrier", "flight_number", "capacity",
                    "status"]
    list_filter = ["status", "receiving_state"]
    inlines = [MovementHouseholdInline]

"""Administrators see pledges and the ledger; pledges change only through the registry pages
(which keep versions and audit rows), so their admin pages are read-only."""

from django.contrib import admin

from relocation.admin import ReadOnlyAdmin

from .models import (
    Placement,
    Pledge,
    PledgeQuota,
    PledgeVersion,
    SolidarityCycle,
    StageStay,
    StageStayMonth,
    StateReferenceFigure,
)


@admin.register(SolidarityCycle)
class SolidarityCycleAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "starts_on", "ends_on", "target_relocations", "per_person_value_eur"]
    list_filter = ["kind"]


class QuotaInline(admin.TabularInline):
    model = PledgeQuota
    extra = 0
    can_delete = False
    readonly_fields = ["frontline_state", "places"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Pledge)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = ["state", "cycle", "kind", "places", "amount_eur", "status", "version"]
    list_filter = ["cycle", "kind", "status", "state"]
    inlines = [QuotaInline]


@admin.register(PledgeVersion)
class PledgeVersionAdmin(ReadOnlyAdmin):
    list_display = ["pledge", "number", "effective_at", "by", "status", "places", "amount_eur"]
    list_filter = ["status"]


@admin.register(Placement)
class PlacementAdmin(ReadOnlyAdmin):
    list_display = ["pledge", "frontline_state", "persons", "stage", "proposed_at", "relocated_at", "released_at"]
    list_filter = ["stage", "frontline_state"]
    raw_id_fields = ["household"]


@admin.register(StateReferenceFigure)
class StateReferenceFigureAdmin(admin.ModelAdmin):
    list_display = ["state", "year", "population", "gdp_eur_million", "source"]
    list_filter = ["year"]


@admin.register(StageStay)
class StageStayAdmin(ReadOnlyAdmin):
    """The dashboard's read model of the case files' status history (rebuilt, never edited)."""

    list_display = ["household", "status", "entered_at", "left_at", "hours"]
    list_filter = ["status"]
    raw_id_fields = ["household", "status_change"]


@admin.register(StageStayMonth)
class StageStayMonthAdmin(ReadOnlyAdmin):
    list_display = ["status", "month", "days", "stays"]
    list_filter = ["status"]

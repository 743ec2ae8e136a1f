from django.contrib import admin

from .models import MatchingRun, Proposal, UnplacedHousehold


@admin.register(MatchingRun)
class MatchingRunAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "started_by", "created_at", "finished_at", "objective", "bound", "gap"]
    list_filter = ["status"]
    search_fields = ["id", "input_sha256", "note"]
    date_hierarchy = "created_at"
    # Runs change only through the services (worker, cancel); the admin shows them.
    readonly_fields = [f.name for f in MatchingRun._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["id", "run", "household", "pledge", "pledge_state", "frontline_state", "persons", "value",
                    "status"]
    list_filter = ["status", "pledge_state", "frontline_state", "composition"]
    search_fields = ["household__case_number"]
    list_select_related = ["run", "household", "pledge__cycle", "pledge_state", "frontline_state"]
    readonly_fields = [f.name for f in Proposal._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(UnplacedHousehold)
class UnplacedHouseholdAdmin(admin.ModelAdmin):
    list_display = ["id", "run", "household", "frontline_state", "persons", "reason"]
    list_filter = ["reason", "frontline_state"]
    search_fields = ["household__case_number"]
    list_select_related = ["run", "household", "frontline_state"]
    readonly_fields = [f.name for f in UnplacedHousehold._meta.fields]

    def has_add_permission(self, request):
        return False

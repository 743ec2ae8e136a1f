from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MissionsConfig(AppConfig):
    name = "missions"
    verbose_name = _("Selection missions and transfers")

    def ready(self) -> None:
        from cases.workflow import add_requirements
        from relocation.models import Role
        from relocation.navigation import register_home, register_page

        from . import journey

        register_page(_("Proposed candidates"), "missions:queue", [Role.OFFICER], position=200)
        register_page(_("Selection missions"), "missions:mission_list", [Role.OFFICER], position=210)
        register_page(_("Arrivals"), "missions:movement_list", [Role.OFFICER], position=220)
        register_page(_("Missions"), "missions:overview", [Role.COORDINATOR, Role.CASEWORKER], position=400)
        register_page(_("Transfers"), "missions:transfer_list", [Role.DUBLIN_OFFICER], position=200)
        register_page(_("Deadlines"), "missions:deadlines", [Role.DUBLIN_OFFICER], position=210)
        register_page(_("Departures queue"), "missions:iom_queue", [Role.IOM_OFFICER], position=200)
        register_page(_("Movements"), "missions:movement_list", [Role.IOM_OFFICER], position=210)
        # The officer's work queue replaces the temporary landing on the dashboard.
        register_home(Role.OFFICER, "missions:queue")
        register_home(Role.DUBLIN_OFFICER, "missions:transfer_list")
        register_home(Role.IOM_OFFICER, "missions:iom_queue")

        # The case workflow's journey steps enforce this floor's records (the only way through).
        add_requirements("start transfer", journey.require_transfer_requested)
        add_requirements("clear for departure", journey.require_ready_to_travel)
        add_requirements("depart", journey.require_departure_confirmed)
        add_requirements("confirm arrival", journey.require_arrival_confirmed)

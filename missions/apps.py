from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MissionsConfig(AppConfig):
    name = "missions"
    verbose_name = _("Selection missions and transfers")

    def ready(self) -> None:
        from relocation.models import Role
        from relocation.navigation import register_home, register_page

        register_page(_("Proposed candidates"), "missions:queue", [Role.OFFICER], position=200)
        register_page(_("Selection missions"), "missions:mission_list", [Role.OFFICER], position=210)
        register_page(_("Missions"), "missions:overview", [Role.COORDINATOR, Role.CASEWORKER], position=400)
        # The officer's work queue replaces the temporary landing on the dashboard.
        register_home(Role.OFFICER, "missions:queue")

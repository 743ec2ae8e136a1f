from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Case management")

    def ready(self) -> None:
        from relocation.models import Role
        from relocation.navigation import register_home, register_page

        register_page(_("Work queue"), "cases:queue", [Role.CASEWORKER, Role.COORDINATOR], position=10)
        register_page(_("Import"), "cases:import_upload", [Role.CASEWORKER, Role.COORDINATOR], position=15)
        register_home(Role.CASEWORKER, "cases:queue")

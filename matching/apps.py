from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        from relocation.models import Role
        from relocation.navigation import register_home, register_page

        register_page(_("Matching"), "matching:run_list", [Role.COORDINATOR], position=30)
        register_home(Role.COORDINATOR, "matching:run_list")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgesConfig(AppConfig):
    name = "pledges"
    verbose_name = _("Pledges")

    def ready(self) -> None:
        from relocation.models import Role
        from relocation.navigation import register_home, register_page

        from .selectors import DASHBOARD_ROLES, REGISTRY_ROLES

        register_page(_("Solidarity dashboard"), "pledges:dashboard", DASHBOARD_ROLES, position=500)
        register_page(_("Pledges"), "pledges:registry", REGISTRY_ROLES, position=510)
        register_page(_("Fair shares"), "pledges:fair_shares", REGISTRY_ROLES, position=520)
        register_home(Role.COMMISSION, "pledges:dashboard")

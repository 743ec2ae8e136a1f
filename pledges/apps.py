from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgesConfig(AppConfig):
    name = "pledges"
    verbose_name = _("Pledges")

    def ready(self) -> None:
        from django.conf import settings

        from relocation.models import Role
        from relocation.navigation import register_home, register_page

        from .selectors import DASHBOARD_ROLES, REGISTRY_ROLES

        register_page(_("Solidarity dashboard"), "pledges:dashboard", DASHBOARD_ROLES, position=500)
        register_page(_("Pledges"), "pledges:registry", REGISTRY_ROLES, position=510)
        register_page(_("Fair shares"), "pledges:fair_shares", REGISTRY_ROLES, position=520)
        register_home(Role.COMMISSION, "pledges:dashboard")
        # For now: their own work queues come with the matching and missions floors.
        for role in (Role.OFFICER, Role.DUBLIN_OFFICER, Role.IOM_OFFICER):
            register_home(role, "pledges:dashboard")
        # Other apps have "kind" and "status" choices too: give ours their own schema names
        # (the same dict the settings extend, updated in place before any schema is built).
        settings.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
            {"PledgeKindEnum": "pledges.models.Pledge.Kind", "PledgeStatusEnum": "pledges.models.Pledge.Status"}
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelocationConfig(AppConfig):
    name = "relocation"
    verbose_name = _("Organisations, users and audit")

    def ready(self) -> None:
        from . import navigation  # noqa: F401  (registers the core pages)

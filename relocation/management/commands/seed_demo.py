import importlib

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from relocation.demo import DEMO_USERS, DemoWorld


class Command(BaseCommand):
    help = (
        "Build the demo world of 9 February 2024 (idempotent): organisations, demo users, and "
        "whatever each app's demo module adds."
    )

    def handle(self, *args, **options):
        world = DemoWorld()
        with transaction.atomic():
            # Lowest floor first, as INSTALLED_APPS lists them; each app's demo.seed builds on the last.
            for config in apps.get_app_configs():
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                module.seed(world)
        for line in world.log:
            self.stdout.write(line)
        if settings.DEMO_ALLOWED:
            self.stdout.write(
                "Demo logins (password: {}): {}".format(settings.DEMO_PASSWORD, ", ".join(DEMO_USERS))
            )

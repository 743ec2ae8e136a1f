#!/usr/bin/env python
import os
import sys
import time

STARTED = time.perf_counter()  # match_instance's --time-limit counts from here

# Django's own options (and -v, -v2, ...): with any of them, match_instance goes through Django.
DJANGO_OPTIONS = {
    "--settings", "--pythonpath", "--traceback", "--no-color", "--force-color", "--skip-checks",
    "--verbosity", "--version",
}


def main() -> None:
    arguments = sys.argv[2:]
    if sys.argv[1:2] == ["match_instance"] and not any(
        a.split("=")[0] in DJANGO_OPTIONS or a.startswith("-v") for a in arguments
    ):
        # The matching engine needs neither Django nor the database, and starting Django
        # (every app, the admin) takes 0.6 s; the engine's own command line takes the same
        # arguments (matching/management/commands/match_instance.py serves call_command).
        from matching.engine.cli import run

        run(arguments, "manage.py match_instance", STARTED)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relocation.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

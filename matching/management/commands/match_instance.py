"""python manage.py match_instance INSTANCE.json --output RESULT.json [--time-limit S]

Solves a self-contained ``relocation-matching/1`` instance with the matching engine and writes
the ``relocation-matching-result/1`` document. It never touches the database. A malformed
instance ends with exit status 2 and one readable line on stderr.

From the command line ``manage.py`` runs the engine's own command line (:func:`.cli.run`)
before Django starts, unless Django's own options are given: this class serves
``call_command``, ``manage.py help match_instance`` and those options. Here the time limit
counts from ``handle`` (reading the instance and writing the result inside it, Django's
start-up not).
"""

from django.core.management.base import BaseCommand, CommandError

from matching.engine.cli import (
    EXIT_BAD_INPUT,
    OutputError,
    add_arguments,
    exit_now_if_highs_runs_on,
    match_instance,
    summary,
)
from matching.engine.instance import InstanceError


class Command(BaseCommand):
    help = "Solve a matching instance file (no database) and write the result file."
    requires_system_checks: list[str] = []  # no database, no checks: works on any machine
    requires_migrations_checks = False

    def add_arguments(self, parser):
        add_arguments(parser)

    def run_from_argv(self, argv):
        # From the command line only (call_command returns as usual): once the result is
        # written, or the error said, a HiGHS run still going past the deadline is not waited
        # for (see the function).
        try:
            super().run_from_argv(argv)
        except SystemExit as done:  # an error, with its exit status
            exit_now_if_highs_runs_on(done.code if isinstance(done.code, int) else 1)
            raise
        exit_now_if_highs_runs_on(0)

    def handle(self, *args, **options):
        try:
            result = match_instance(
                options["instance"], options["output"], options["time_limit"], options["explain"]
            )
        except InstanceError as exc:
            raise CommandError(str(exc), returncode=EXIT_BAD_INPUT) from None
        except OutputError as exc:
            raise CommandError(str(exc), returncode=1) from None
        self.stdout.write(summary(result))

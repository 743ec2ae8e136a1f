"""python manage.py bench_matching [--sizes 2000,10000,40000] [--time-limit 30] ...

Scenarios (``--scenarios standard,small-pledges``) are shapes of
``matching.engine.generator.SHAPES``. Generates instances and solves each with the engine, the greedy baseline and the naive model
(one binary per pair, with a time limit), each in its own process; prints objective, bound,
gap, time, peak memory and fairness figures side by side. No database involved.
"""

import argparse
import io

from django.core.management.base import BaseCommand, CommandError

from matching.engine import benchmark


class Command(BaseCommand):
    help = "Benchmark the matching engine against the greedy baseline and the naive model."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        benchmark.add_arguments(parser)

    def handle(self, *args, **options):
        arguments = argparse.Namespace(**options)
        problem = benchmark.invalid(arguments)
        if problem:
            raise CommandError(problem)
        report = io.StringIO()
        benchmark.run(arguments, out=report)
        self.stdout.write(report.getvalue(), ending="")

"""python manage.py bench_matching [--sizes 2000,10000,40000] [--time-limit 30] ...

Scenarios (``--scenarios standard,small-pledges``) are shapes of
``matching.engine.generator.SHAPES``. Generates instances and solves each with the engine, the greedy baseline and the naive model
(one binary per pair, with a time limit), each in its own process; prints objective, bound,
gap, time, peak memory and fairness figures side by side. No database involved.
"""

import io

from django.core.management.base import BaseCommand

from matching.engine.benchmark import main


class Command(BaseCommand):
    help = "Benchmark the matching engine against the greedy baseline and the naive model."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="2000,10000,40000")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--methods", default="engine,greedy,naive")
        parser.add_argument("--time-limit", type=float, default=30.0)
        parser.add_argument("--naive-time-limit", type=float, default=60.0)
        parser.add_argument("--scenarios", default="standard,small-pledges")
        parser.add_argument("--kill-margin", type=float, default=30.0)
        parser.add_argument("--json")

    def handle(self, *args, **options):
        argv = [
            "--sizes",
            options["sizes"],
            "--seed",
            str(options["seed"]),
            "--methods",
            options["methods"],
            "--time-limit",
            str(options["time_limit"]),
            "--naive-time-limit",
            str(options["naive_time_limit"]),
            "--scenarios",
            options["scenarios"],
            "--kill-margin",
            str(options["kill_margin"]),
        ]
        if options["json"]:
            argv += ["--json", options["json"]]
        report = io.StringIO()
        main(argv, out=report)
        self.stdout.write(report.getvalue(), ending="")

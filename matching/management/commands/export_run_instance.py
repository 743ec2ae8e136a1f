from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matching.inputs import canonical_json
from matching.models import MatchingRun


class Command(BaseCommand):
    help = (
        "Write the input of a matching run as a relocation-matching/1 instance file, byte for byte "
        "what its SHA-256 was computed over, so it can be re-solved with match_instance."
    )

    def add_arguments(self, parser):
        parser.add_argument("run_id", type=int)
        parser.add_argument(
            "--output", required=True, help="the instance file to write ('-' for stdout)"
        )

    def handle(self, *args, run_id, output, **options):
        run = (
            MatchingRun.objects.filter(pk=run_id)
            .only("pk", "input_snapshot", "input_sha256")
            .first()
        )
        if run is None:
            raise CommandError(f"no matching run {run_id}")
        if run.input_snapshot is None:
            raise CommandError(
                f"matching run {run_id} has no input yet (it never started building it)"
            )
        text = canonical_json(run.input_snapshot)
        if output == "-":
            self.stdout.write(text)
            return
        Path(output).write_text(text, encoding="utf-8")
        self.stderr.write(
            f"run {run_id}: {len(run.input_snapshot['households'])} households, "
            f"{len(run.input_snapshot['pledges'])} pledges, sha256 {run.input_sha256} -> {output}"
        )

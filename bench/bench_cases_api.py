"""Benchmark the case-file reads behind the work queue and the list endpoint at scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_cases .venv/bin/python bench/bench_cases_api.py \
        [--applicants 100000] [--repeat 20]

Fills the database (it must be a scratch database: migrated, nothing else needed) with demo
households until it holds the requested number of applicants, then times, as a caseworker in
Greece and as the coordinator, the list endpoint ``GET /api/households/`` (first page, a status
filter, a name search in Latin and in the own script, a nationality filter) and prints the
median and the worst of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relocation.settings.base")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from rest_framework.test import APIClient

    from cases import demo
    from cases.models import Applicant, Household
    from relocation.demo import DEMO_DAY
    from relocation.models import Organisation, User

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    euaa = Organisation.objects.get(kind=Organisation.Kind.EUAA)
    started = time.monotonic()
    seed = demo.SEED
    while Applicant.objects.count() < args.applicants:
        seed += 1
        demo.SEED = seed
        with transaction.atomic():
            demo._write(demo.build_plans(DEMO_DAY), euaa, {})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{Applicant.objects.count():,} applicants in {Household.objects.count():,} households "
        f"(filled in {time.monotonic() - started:.1f} s) on {connection.vendor}"
    )

    number = Applicant.objects.filter(frontline_state="GR").order_by("pk").values_list("registration_number", flat=True)[
        Applicant.objects.filter(frontline_state="GR").count() // 2
    ]
    queries = [
        ("first page", "/api/households/"),
        ("available, GR", "/api/households/?status=available&frontline_state=GR"),
        ("name search", "/api/households/?q=heritier%20mukendi"),
        ("own-script name", "/api/households/?" + urlencode({"q": "نور عزيز"})),
        ("registration number", f"/api/households/?q={number}"),
        ("nationality + ties", "/api/households/?nationality=ER&has_family_ties=true"),
    ]
    print(f"{'user':<16}{'request':<24}{'median ms':>10}{'worst ms':>10}{'rows':>7}")
    for username in ("caseworker.gr", "coordinator"):
        api = APIClient()
        api.force_authenticate(User.objects.get(username=username))
        for label, url in queries:
            timings = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                response = api.get(url)
                timings.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, response.content
            rows = response.json()["count"]
            print(f"{username:<16}{label:<24}{statistics.median(timings):>10.1f}{max(timings):>10.1f}{rows:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

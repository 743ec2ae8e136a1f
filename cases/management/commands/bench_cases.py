"""Benchmark of the case pages: importing a 10,000-row CSV, and the work queue with 100,000
applicants. It runs in a scratch database (``<NAME>_bench``, created with the migrations and
dropped at the end, as the test runner does), so the data is committed and vacuumed like a
real database's, and the configured database is never touched.

    DATABASE_URL=postgres://... python manage.py bench_cases [--applicants 100000] [--repeat 15]
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import importing
from cases.models import CaseStatus, Household, VulnerabilityAssessment
from relocation.models import Organisation, Role, RoleAssignment, User

GIVEN = [
    "Ahmad",
    "Zahra",
    "Omid",
    "Maryam",
    "Ali",
    "Fatima",
    "Hassan",
    "Nour",
    "Yusuf",
    "Amina",
    "Karim",
    "Leila",
    "Samir",
    "Huda",
    "Tariq",
    "Rania",
    "Bilal",
    "Salma",
    "Idris",
    "Mariam",
    "Jamal",
    "Aisha",
    "Reza",
    "Shirin",
    "Élodie",
    "Jean",
    "Grâce",
    "Moïse",
    "Ahmed",
    "Dawit",
    "Selam",
    "Yonas",
    "Hiwet",
    "Abdi",
    "Faduma",
    "Musa",
]
FAMILY = [
    "Haidari",
    "Rahimi",
    "Karimi",
    "Ahmadi",
    "Hosseini",
    "Haddad",
    "Khalil",
    "Nasser",
    "Saleh",
    "Darwish",
    "Mansour",
    "Aziz",
    "Nkosi",
    "Mbala",
    "Kabila",
    "Tesfaye",
    "Gebre",
    "Haile",
    "Abdullahi",
    "Warsame",
    "Mohamud",
    "Osman",
    "Yilmaz",
    "Demir",
    "Qureshi",
    "Baloch",
    "Sultani",
    "Popal",
    "Noori",
    "Stanekzai",
]
NATIONALITIES = ["AF", "SY", "IQ", "ER", "SO", "CD", "SD", "PS", "YE", "XX"]
STATES = ["GR", "IT", "ES", "CY", "MT"]
# Statuses a household can hold without a destination state.
SPREAD = [
    CaseStatus.IDENTIFIED,
    CaseStatus.INFORMED,
    CaseStatus.ASSESSED,
    CaseStatus.ELIGIBLE,
    CaseStatus.AVAILABLE,
    CaseStatus.CLOSED,
    CaseStatus.CONSENT_WITHDRAWN,
]


def csv_rows(n_rows: int, prefix: str, rng: random.Random) -> bytes:
    lines = [
        "Household;Registration number;Surname;First name;Date of birth;Sex;Nationality;Languages;"
        "Relationship;Site"
    ]
    i = 0
    family_no = 0
    while i < n_rows:
        family_no += 1
        family = f"{rng.choice(FAMILY)}"
        nationality = rng.choice(NATIONALITIES)
        size = min(rng.choice([1, 1, 2, 3, 4, 5]), n_rows - i)
        for k in range(size):
            relationship = "principal" if k == 0 else ("spouse" if k == 1 else "child")
            year = rng.randint(1960, 2004) if k < 2 else rng.randint(2008, 2023)
            born = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
            lines.append(
                f"{prefix}{family_no};{prefix}-{i:07d};{family};{rng.choice(GIVEN)}{i};{born:%d/%m/%Y};"
                f"{'F' if k == 1 else rng.choice('MF')};{nationality};fa,en;{relationship};Site {family_no % 7}"
            )
            i += 1
    return ("\n".join(lines) + "\n").encode("utf-8")


def person_rows(n_rows: int, rng: random.Random) -> list[importing.PersonRow]:
    rows = []
    i = 0
    reference = 0
    while i < n_rows:
        reference += 1
        family = rng.choice(FAMILY)
        nationality = rng.choice(NATIONALITIES)
        for k in range(min(rng.choice([1, 2, 3, 4, 5]), n_rows - i)):
            year = rng.randint(1960, 2004) if k < 2 else rng.randint(2008, 2023)
            given = rng.choice(GIVEN)
            rows.append(
                importing.PersonRow(
                    line=i + 2,
                    household_reference=str(reference),
                    registration_number=f"B{i:08d}",
                    family_name=family,
                    given_name=given,
                    date_of_birth=dt.date(year, rng.randint(1, 12), rng.randint(1, 28)),
                    sex="female" if k == 1 else rng.choice(["male", "female"]),
                    nationality=nationality,
                    relationship_to_principal="principal" if k == 0 else ("spouse" if k == 1 else "child"),
                    site=f"Site {reference % 7}",
                )
            )
            i += 1
    return rows


class Command(BaseCommand):
    help = "Time a 10,000-row CSV import and the work queue with many applicants (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000, help="rows of the imported CSV")
        parser.add_argument(
            "--applicants", type=int, default=100_000, help="applicants in the database for the queue"
        )
        parser.add_argument("--repeat", type=int, default=15, help="requests per queue variant")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--explain", action="store_true", help="print the plan of each variant's slowest query"
        )

    def handle(self, *args, **opts):
        rng = random.Random(opts["seed"])
        self.stdout.write(
            f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
            f"load average before: {os.getloadavg()[0]:.1f} (2 cores)"
        )
        old_name = connection.settings_dict["NAME"]
        started = time.perf_counter()
        # Not the test runner's test_<NAME>: a test run may be using it at the same time.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{old_name}_bench"
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        self.stdout.write(
            f"scratch database {connection.settings_dict['NAME']} migrated in "
            f"{time.perf_counter() - started:.0f} s"
        )
        try:
            self._run(rng, opts)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            self.stdout.write("scratch database dropped")

    def _run(self, rng, opts):
        euaa, _ = Organisation.objects.get_or_create(
            name="European Union Agency for Asylum", defaults={"kind": Organisation.Kind.EUAA}
        )
        user = User.objects.create_user(username="bench-caseworker-gr", password=None, organisation=euaa)
        RoleAssignment.objects.create(user=user, role=Role.CASEWORKER, country_id="GR")

        # 1. The import, as the pages run it: read, check every row, commit in one transaction.
        data = csv_rows(opts["rows"], "BENCH", rng)
        started = time.perf_counter()
        table = importing.read_table(data, "bench.csv")
        read_s = time.perf_counter() - started
        preview = importing.check_rows(
            table, importing.guess_mapping(table.headers), importing.lookups_for("GR")
        )
        check_s = time.perf_counter() - started - read_s
        assert preview.ok, preview.error_rows[:3]
        event = importing.commit_import(preview=preview, frontline_state="GR", by=user, filename="bench.csv")
        total_s = time.perf_counter() - started
        self.stdout.write(
            f"import {len(table.rows)} rows / {event.details['households']} households: "
            f"read {read_s:.2f} s, check {check_s:.2f} s, commit {total_s - read_s - check_s:.2f} s, "
            f"total {total_s:.2f} s (target < 30 s)"
        )

        # 2. Fill the database up to the requested number of applicants, spread over five operations.
        missing = opts["applicants"] - len(table.rows)
        started = time.perf_counter()
        per_state = missing // len(STATES)
        for state in STATES:
            rows = person_rows(per_state, rng)
            for row in rows:
                row.registration_number = f"{state}{row.registration_number}"
            households: dict[str, list] = {}
            for row in rows:
                households.setdefault(row.household_reference, []).append(row)
            importing.commit_import(
                preview=importing.Preview(rows=rows, households=households),
                frontline_state=state,
                by=_coordinator(euaa),
                filename="bench-fill",
            )
        ids = list(Household.objects.values_list("pk", flat=True))
        by_status: dict[str, list[int]] = {}
        for pk in ids:
            by_status.setdefault(rng.choice(SPREAD), []).append(pk)
        for status, pks in by_status.items():
            Household.objects.filter(pk__in=pks).update(status=status)
        applicant_ids = rng.sample(
            list(
                __import__("cases.models", fromlist=["Applicant"]).Applicant.objects.values_list(
                    "pk", flat=True
                )
            ),
            k=opts["applicants"] // 20,
        )
        VulnerabilityAssessment.objects.bulk_create(
            [
                VulnerabilityAssessment(
                    applicant_id=pk,
                    category_id=rng.choice(["minor", "serious_illness", "pregnant", "elderly", "disability"]),
                )
                for pk in applicant_ids
            ],
            batch_size=5000,
        )
        # The household keeps its count of vulnerable members (as services.recompute does).
        vulnerable = (
            VulnerabilityAssessment.objects.filter(applicant__household=OuterRef("pk"))
            .order_by()
            .values("applicant__household")
            .annotate(n=Count("applicant", distinct=True))
            .values("n")
        )
        Household.objects.filter(
            pk__in=VulnerabilityAssessment.objects.values("applicant__household_id")
        ).update(vulnerable_members=Subquery(vulnerable))
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE")
        from cases.models import Applicant

        self.stdout.write(
            f"filled: {Applicant.objects.count()} applicants in {Household.objects.count()} households "
            f"({Household.objects.filter(frontline_state='GR').count()} in GR) in {time.perf_counter() - started:.1f} s"
        )

        # 3. The work queue of a caseworker deployed in Greece, through the full Django stack.
        client = Client()
        client.force_login(user)
        url = reverse("cases:queue")
        variants = {
            "first page (25)": {},
            "100 per page": {"per_page": "100"},
            "status tab 'available'": {"status": "available"},
            "name search 'rahimi'": {"q": "rahimi"},
            "registration number search": {"q": "BENCH-0004242"},
            "nationality SY + vulnerable": {"nationality": "SY", "vulnerable": "true"},
            "page 200": {"page": "200"},
            "htmx filter (results only)": {"status": "assessed", "_htmx": "1"},
        }
        for label, params in variants.items():
            headers = {"HTTP_HX_REQUEST": "true"} if params.pop("_htmx", None) else {}
            response = client.get(url, params, **headers)
            assert response.status_code == 200, response.status_code
            timings, cpu = [], []
            for _ in range(opts["repeat"]):
                with CaptureQueriesContext(connection) as queries:
                    started, started_cpu = time.perf_counter(), time.process_time()
                    client.get(url, params, **headers)
                    timings.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
            sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
            if opts["explain"]:
                slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN ANALYZE " + slowest["sql"])
                    self.stdout.write(
                        slowest["sql"][:400] + "\n" + "\n".join(r[0] for r in cursor.fetchall())
                    )
            self.stdout.write(
                f"queue {label:30s} median {statistics.median(timings):6.1f} ms  max {max(timings):6.1f} ms  "
                f"(python cpu {statistics.median(cpu):5.1f} ms, sql {sql:5.1f} ms, {len(queries)} queries)"
                "  target < 150 ms"
            )
        self.stdout.write(f"load average during the run: {os.getloadavg()[0]:.1f} (2 cores)")


def _coordinator(euaa):
    user, created = User.objects.get_or_create(username="bench-coordinator", defaults={"organisation": euaa})
    if created:
        RoleAssignment.objects.create(user=user, role=Role.COORDINATOR)
    return user

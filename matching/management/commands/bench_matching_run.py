"""python manage.py bench_matching_run [--households 10000] [--pledges 20] [--time-limit 10] [--keep]

Fills the database with synthetic households available for matching (with members, languages,
vulnerabilities and ties) and open relocation pledges, then times a matching run from the
coordinator's click to the reviewable result: starting the run, building the input from the
database, solving, storing the proposals, and reading the first page of the review. The
worker's task body runs in this process (the broker hop adds milliseconds on Redis). Everything
is rolled back at the end unless --keep is given.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from cases.models import (
    Applicant,
    CulturalTie,
    FamilyTie,
    Household,
    Relationship,
    Sex,
    VulnerabilityAssessment,
)
from matching import selectors, services
from matching.models import MatchingRun
from pledges.models import Pledge, PledgeQuota, SolidarityCycle
from relocation.models import Organisation, Role, RoleAssignment, User

NATIONALITIES = ["AF", "SY", "IQ", "ER", "SO", "TR", "PK", "XX"]
LANGUAGES = ["fa", "ar", "en", "fr", "ti", "so", "ps", "ku"]
VULNERABILITIES = ["minor", "disability", "elderly", "pregnant", "single_parent", "serious_illness",
                   "mental_disorder", "torture_or_violence_victim"]
PLEDGING = ["DE", "FR", "BE", "NL", "PT", "IE", "LU", "LT", "RO", "BG", "HR", "NO", "CH"]
FRONTLINE = ["GR", "IT", "CY", "MT", "ES"]
COMPOSITIONS = ["single_man", "single_woman", "couple", "family_with_children", "single_parent"]


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time a matching run from the click to the reviewable result on synthetic data (rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=10_000)
        parser.add_argument("--pledges", type=int, default=20)
        parser.add_argument("--time-limit", type=int, default=10)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--keep", action="store_true", help="keep the synthetic data and the run")

    def handle(self, *args, households, pledges, time_limit, seed, keep, **options):
        rng = random.Random(seed)
        try:
            with transaction.atomic():
                t = time.perf_counter()
                coordinator = self._data(rng, households, pledges)
                self.stdout.write(f"synthetic data: {households} households, {pledges} pledges "
                                  f"({time.perf_counter() - t:.1f} s to create)")
                self._measure(coordinator, time_limit)
                if not keep:
                    raise Rollback
        except Rollback:
            self.stdout.write("rolled back")

    def _measure(self, coordinator, time_limit: int) -> None:
        t0 = time.perf_counter()
        run = services.run_start(by=coordinator, frontline_states=FRONTLINE, time_limit_seconds=time_limit,
                                 note="benchmark")
        t1 = time.perf_counter()
        services.run_execute(run_id=run.pk, heartbeat=False)
        t2 = time.perf_counter()
        run = MatchingRun.objects.get(pk=run.pk)
        first_page = list(selectors.proposals_of(run)[:50])
        t3 = time.perf_counter()
        timings = run.timings
        main = timings["build_seconds"] + timings["solve_seconds"] + timings["store_seconds"]
        self.stdout.write(
            f"run #{run.pk}: {run.status} ({run.solve_status}), {run.counts.get('households')} households in, "
            f"{run.counts.get('placed_households')} proposals, {run.counts.get('placed_persons')} persons of "
            f"{run.counts.get('capacity')} places; objective {run.objective:.1f}, bound {run.bound:.1f}, "
            f"gap {run.gap:.2e}, greedy {run.greedy_objective:.1f}"
        )
        self.stdout.write(
            f"click to reviewable: {t3 - t0:.2f} s = start {t1 - t0:.2f} s + build input "
            f"{timings['build_seconds']:.2f} s + solve {timings['solve_seconds']:.2f} s + store "
            f"{timings['store_seconds']:.2f} s + other {t2 - t1 - main:.2f} s + first review page "
            f"{t3 - t2:.2f} s ({len(first_page)} rows)"
        )
        parts = timings.get("solve_parts", {})
        self.stdout.write(
            f"solve = exact {parts.get('exact', 0):.2f} s + greedy baseline {parts.get('greedy', 0):.2f} s + "
            f"explanations {parts.get('explain', 0):.2f} s (time limit {run.time_limit_seconds} s)"
        )

    def _data(self, rng: random.Random, n_households: int, n_pledges: int) -> User:
        org, _ = Organisation.objects.get_or_create(name="Benchmark EUAA", defaults={"kind": Organisation.Kind.EUAA})
        coordinator, created = User.objects.get_or_create(username="bench-coordinator", defaults={"organisation": org})
        if created:
            RoleAssignment.objects.create(user=coordinator, role=Role.COORDINATOR)
        today = timezone.localdate()
        stamp = int(time.time()) % 100000
        rows = []
        for i in range(n_households):
            composition = rng.choice(COMPOSITIONS)
            size = {"single_man": 1, "single_woman": 1, "couple": 2}.get(composition) or rng.randint(2, 6)
            rows.append(Household(
                case_number=f"B{stamp:05d}-{i:06d}", frontline_state_id=rng.choice(FRONTLINE),
                registered_on=today - dt.timedelta(days=rng.randint(10, 700)), status="available", owner=org,
                composition=composition, size=size,
            ))
        Household.objects.bulk_create(rows, batch_size=2000)
        applicants = []
        for h in rows:
            nationality = rng.choice(NATIONALITIES)
            for j in range(h.size):
                applicants.append(Applicant(
                    household=h, frontline_state_id=h.frontline_state_id, given_name=f"P{h.pk}-{j}",
                    search_name=f"p{h.pk}-{j}", date_of_birth=today - dt.timedelta(days=365 * (35 if j < 2 else 9)),
                    sex=Sex.FEMALE if j % 2 else Sex.MALE, nationality_id=nationality,
                    relationship_to_principal=Relationship.PRINCIPAL if j == 0 else Relationship.CHILD,
                ))
        Applicant.objects.bulk_create(applicants, batch_size=5000)
        through = Applicant.languages.through
        langs = []
        for a in applicants:
            for code in rng.sample(LANGUAGES, rng.randint(1, 2)):
                langs.append(through(applicant_id=a.pk, language_id=code))
        through.objects.bulk_create(langs, batch_size=5000)
        VulnerabilityAssessment.objects.bulk_create(
            [VulnerabilityAssessment(applicant=a, category_id=rng.choice(VULNERABILITIES))
             for a in applicants if rng.random() < 0.12], batch_size=5000)
        FamilyTie.objects.bulk_create(
            [FamilyTie(applicant=a, state_id=rng.choice(PLEDGING), relationship="cousin", status_there="resident")
             for a in applicants if a.relationship_to_principal == "principal" and rng.random() < 0.1],
            batch_size=5000)
        CulturalTie.objects.bulk_create(
            [CulturalTie(applicant=a, state_id=rng.choice(PLEDGING), kind="language")
             for a in applicants if a.relationship_to_principal == "principal" and rng.random() < 0.1],
            batch_size=5000)
        cycle, _ = SolidarityCycle.objects.get_or_create(
            code="bench-cycle", defaults={"name": "Benchmark cycle", "kind": "annual_pool",
                                          "starts_on": dt.date(2020, 1, 1), "ends_on": dt.date(2035, 12, 31)})
        persons = len(applicants)
        for k in range(n_pledges):
            places = max(10, int(persons * 0.6 / n_pledges * rng.uniform(0.5, 1.5)))
            pledge = Pledge.objects.create(
                cycle=cycle, state_id=PLEDGING[k % len(PLEDGING)], kind="relocation", places=places,
                nationalities=rng.sample(NATIONALITIES[:5], 3) if k % 3 == 0 else [],
                compositions=["family_with_children", "single_parent"] if k % 4 == 1 else [],
                max_household_size=5 if k % 5 == 2 else None,
                excluded_vulnerabilities=["serious_illness"] if k % 6 == 3 else [],
                languages=["fr"] if k % 7 == 4 else [],
            )
            if k % 2 == 0:
                a, b = rng.sample(FRONTLINE, 2)
                PledgeQuota.objects.bulk_create([PledgeQuota(pledge=pledge, frontline_state_id=a, places=places // 2),
                                                 PledgeQuota(pledge=pledge, frontline_state_id=b, places=places // 2)])
        return coordinator

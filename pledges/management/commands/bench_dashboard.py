"""Benchmark of the solidarity dashboard on PostgreSQL.

Builds (and removes again at the end, unless ``--keep``; use a scratch database) a world of ``--applicants`` applicants in households with a status history, ``--pledges``
pledges with versions and quotas, and a capacity ledger; then times the dashboard page (as the
Commission sees it, template included), its JSON endpoint and the figures alone, today and as
of a past date, and prints the median and worst of ``--repeat`` runs and the query counts.

    DATABASE_URL=postgres://... python manage.py bench_dashboard [--applicants 100000] [--pledges 500]
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Applicant, CaseStatus, Household, StatusChange
from pledges.figures import Dashboard
from pledges.models import Placement, Pledge, PledgeQuota, PledgeVersion, SolidarityCycle, StageStay
from pledges.services import _apply_month_counts, _month_counts, snapshot_of, stage_stays_sync
from relocation.models import Organisation, Role, RoleAssignment, User
from relocation.reference import EU_PLUS_STATES, FRONTLINE_STATES

S = CaseStatus
PATH = [S.IDENTIFIED, S.INFORMED, S.ASSESSED, S.ELIGIBLE, S.AVAILABLE, S.PROPOSED, S.INTERVIEW_SCHEDULED,
        S.ACCEPTED, S.TRANSFER_PENDING, S.READY_FOR_DEPARTURE, S.DEPARTED, S.RELOCATED]
FINAL_WEIGHTS = {S.RELOCATED: 35, S.AVAILABLE: 12, S.IDENTIFIED: 5, S.INFORMED: 4, S.ASSESSED: 4, S.ELIGIBLE: 4,
                 S.PROPOSED: 5, S.INTERVIEW_SCHEDULED: 4, S.ACCEPTED: 5, S.TRANSFER_PENDING: 5,
                 S.READY_FOR_DEPARTURE: 3, S.DEPARTED: 1, S.CLOSED: 3, S.ABSCONDED: 3, S.CONSENT_WITHDRAWN: 3}
STAGE = {S.PROPOSED: "proposed", S.INTERVIEW_SCHEDULED: "proposed", S.ACCEPTED: "accepted",
         S.TRANSFER_PENDING: "in_transfer", S.READY_FOR_DEPARTURE: "in_transfer", S.DEPARTED: "in_transfer",
         S.RELOCATED: "relocated"}


class Command(BaseCommand):
    help = "Time the solidarity dashboard with N applicants and M pledges (PostgreSQL; data removed after)."

    def add_arguments(self, parser):
        parser.add_argument("--applicants", type=int, default=100_000)
        parser.add_argument("--pledges", type=int, default=500)
        parser.add_argument("--repeat", type=int, default=7)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--queries", action="store_true", help="Also print each query's time for the figures.")
        parser.add_argument("--measure-only", action="store_true",
                            help="Time a world an earlier --keep run left in this database; build nothing.")
        parser.add_argument("--keep", action="store_true",
                            help="Keep the built world instead of removing it (use a scratch database).")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
        self.rng = random.Random(options["seed"])
        if options["measure_only"]:
            cycle = SolidarityCycle.objects.filter(code__startswith="bench-").order_by("-pk").first()
            if cycle is None:
                raise CommandError("No benchmark world kept in this database (run with --keep first).")
            self.user = User.objects.get(username=f"bench-{cycle.pk}")
            stage_stays_sync()
            self.measure(cycle, options["repeat"], options["queries"])
            return
        started = time.perf_counter()
        with transaction.atomic():
            cycle = self.build(options["applicants"], options["pledges"])
        try:
            self.stdout.write(f"Built and committed in {time.perf_counter() - started:.1f} s.")
            t0 = time.perf_counter()
            households = stage_stays_sync()
            self.stdout.write(
                f"Stays read model built for {households:,} households in {time.perf_counter() - t0:.1f} s "
                "(once; later requests read only new status changes)."
            )
            # As autovacuum would in production: statistics and visibility maps up to date.
            with connection.cursor() as cursor:
                for model in (Household, Applicant, StatusChange, Placement, Pledge, PledgeVersion, StageStay):
                    cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
            self.measure(cycle, options["repeat"], options["queries"])
        finally:
            if options["keep"]:
                self.stdout.write(f"Kept: cycle {cycle.code}.")
            else:
                self.clean_up(cycle)
                self.stdout.write("Removed the benchmark's data again.")

    def clean_up(self, cycle: SolidarityCycle) -> None:
        """Delete what ``build`` made (plain DELETEs: the ORM's collector would take minutes)."""
        low, high = self.household_ids
        tables = {model: model._meta.db_table for model in (StageStay, Placement, Applicant, StatusChange, Household)}
        with transaction.atomic(), connection.cursor() as cursor:
            # Take the benchmark's closed stays out of the monthly histograms first.
            closed = StageStay.objects.filter(household_id__gte=low, household_id__lte=high, left_at__isnull=False)
            delta = _month_counts(closed.values_list("status", "left_at", "hours").iterator(chunk_size=20000))
            _apply_month_counts({key: -n for key, n in delta.items()})
            for model in (StageStay, Placement, Applicant, StatusChange):
                cursor.execute(f"DELETE FROM {tables[model]} WHERE household_id BETWEEN %s AND %s", [low, high])
            cursor.execute(f"DELETE FROM {tables[Household]} WHERE id BETWEEN %s AND %s", [low, high])
            Pledge.objects.filter(cycle=cycle).delete()
            cycle.delete()
            self.user.delete()

    # -- the world ----------------------------------------------------------------------

    def build(self, n_applicants: int, n_pledges: int) -> SolidarityCycle:
        rng = self.rng
        owner, _ = Organisation.objects.get_or_create(name="Bench EUAA", defaults={"kind": Organisation.Kind.EUAA})
        cycle = SolidarityCycle.objects.create(
            code=f"bench-{time.time_ns()}", name="Benchmark cycle", kind=SolidarityCycle.Kind.ANNUAL_POOL,
            starts_on=dt.date(2022, 1, 1), ends_on=dt.date(2026, 12, 31), target_relocations=30_000,
            target_financial_eur=600_000_000,
        )
        # Pledges: four in five relocation, the rest financial or alternative.
        states = [s for s in EU_PLUS_STATES if s not in FRONTLINE_STATES]
        start = timezone.make_aware(dt.datetime(2022, 1, 10, 9))
        pledges = []
        for i in range(n_pledges):
            kind = "relocation" if i % 5 else rng.choice(["financial", "alternative"])
            pledges.append(Pledge(
                cycle=cycle, state_id=states[i % len(states)], kind=kind,
                places=rng.randint(100, 400) if kind == "relocation" else None,
                amount_eur=None if kind == "relocation" else rng.randint(1, 50) * 1_000_000,
                description="" if kind != "alternative" else "Operational support",
                created_at=start, updated_at=start,
            ))
        Pledge.objects.bulk_create(pledges)
        quotas, versions = {}, []
        for pledge in pledges:
            q = {code: pledge.places // 5 for code in FRONTLINE_STATES} if pledge.kind == "relocation" else {}
            quotas[pledge.pk] = q
            for number in range(1, rng.randint(1, 3) + 1):
                effective = start + dt.timedelta(days=90 * (number - 1) + rng.randint(0, 60))
                versions.append(PledgeVersion(
                    pledge=pledge, number=number, effective_at=effective, snapshot=snapshot_of(pledge, q),
                    status=pledge.status, places=pledge.places, amount_eur=pledge.amount_eur, reason="bench",
                ))
        PledgeQuota.objects.bulk_create(
            PledgeQuota(pledge_id=pk, frontline_state_id=c, places=n) for pk, q in quotas.items() for c, n in q.items()
        )
        PledgeVersion.objects.bulk_create(versions, batch_size=5000)

        # Households of 1 to 6 persons until the applicants are all placed.
        households, sizes, finals = [], [], []
        total, i = 0, 0
        finals_list, weights = list(FINAL_WEIGHTS), list(FINAL_WEIGHTS.values())
        while total < n_applicants:
            size = min(rng.choice([1, 1, 1, 2, 2, 3, 4, 4, 5, 6]), n_applicants - total)
            final = rng.choices(finals_list, weights)[0]
            i += 1
            households.append(Household(
                case_number=f"B-{cycle.pk}-{i:07d}", frontline_state_id=rng.choice(FRONTLINE_STATES),
                registered_on=dt.date(2022, 1, 1), status=final, owner=owner, size=size,
                destination_state_id=rng.choice(states) if final in STAGE else None,
            ))
            sizes.append(size)
            finals.append(final)
            total += size
        Household.objects.bulk_create(households, batch_size=5000)
        self.household_ids = (households[0].pk, households[-1].pk)
        dob = dt.date(1990, 1, 1)
        Applicant.objects.bulk_create(
            (Applicant(household=h, frontline_state_id=h.frontline_state_id, given_name="Bench", family_name="Person",
                       search_name="bench person", date_of_birth=dob, sex="female", nationality_id="SY",
                       relationship_to_principal="principal" if k == 0 else "child")
             for h in households for k in range(h.size)),
            batch_size=10000,
        )
        # Status history and the ledger.
        changes, placements = [], []
        left = {p.pk: p.places for p in pledges if p.kind == "relocation"}
        quota_left = {(pk, c): n for pk, q in quotas.items() for c, n in q.items()}
        relocation = [p for p in pledges if p.kind == "relocation"]
        cursor = 0
        for household, final in zip(households, finals, strict=True):
            path = PATH[: PATH.index(final) + 1] if final in PATH else PATH[: rng.randint(1, 5)] + [final]
            at = start + dt.timedelta(days=rng.randint(0, 900))
            previous, times = "", {}
            for status in path:
                changes.append(StatusChange(household=household, from_status=previous, to_status=status, at=at))
                times[status] = at
                previous = status
                at += dt.timedelta(days=rng.randint(2, 40), hours=rng.randint(0, 23))
            if final in STAGE:
                for _ in range(len(relocation)):
                    pledge = relocation[cursor % len(relocation)]
                    cursor += 1
                    key = (pledge.pk, household.frontline_state_id)
                    if left[pledge.pk] >= household.size and quota_left[key] >= household.size:
                        left[pledge.pk] -= household.size
                        quota_left[key] -= household.size
                        stage = STAGE[final]
                        placements.append(Placement(
                            pledge=pledge, frontline_state_id=household.frontline_state_id, household=household,
                            persons=household.size, stage=stage, proposed_at=times[S.PROPOSED],
                            accepted_at=times.get(S.ACCEPTED) if stage != "proposed" else None,
                            in_transfer_at=times.get(S.TRANSFER_PENDING) if stage in ("in_transfer", "relocated")
                            else None,
                            relocated_at=times.get(S.RELOCATED),
                        ))
                        break
        StatusChange.objects.bulk_create(changes, batch_size=10000)
        Placement.objects.bulk_create(placements, batch_size=10000)
        self.stdout.write(
            f"{sum(sizes):,} applicants in {len(households):,} households, {len(changes):,} status changes, "
            f"{len(pledges):,} pledges ({len(versions):,} versions), {len(placements):,} placements."
        )
        self.user = User.objects.create_user(username=f"bench-{cycle.pk}", organisation=Organisation.objects.get_or_create(
            name="Bench Commission", defaults={"kind": Organisation.Kind.COMMISSION})[0])
        RoleAssignment.objects.create(user=self.user, role=Role.COMMISSION)
        return cycle

    # -- timing ---------------------------------------------------------------------------

    def measure(self, cycle: SolidarityCycle, repeat: int, show_queries: bool = False) -> None:
        client = Client()
        client.force_login(self.user)
        past = dt.date(2023, 6, 30)

        def figures(as_of):
            board = Dashboard(as_of=as_of, cycle=cycle)
            board.as_dict()

        cases = [
            ("figures only, today", lambda: figures(None)),
            ("figures only, as of 2023-06-30", lambda: figures(past)),
            ("dashboard page, today", lambda: client.get("/pledges/dashboard/", {"cycle": cycle.code})),
            ("dashboard page, as of 2023-06-30",
             lambda: client.get("/pledges/dashboard/", {"cycle": cycle.code, "as_of": past.isoformat()})),
            ("API /api/dashboard/, today", lambda: client.get("/api/dashboard/", {"cycle": cycle.code})),
            ("registry page (25 pledges)", lambda: client.get("/pledges/", {"cycle": cycle.pk})),
            ("CSV export, pipeline", lambda: client.get("/pledges/dashboard/pipeline.csv", {"cycle": cycle.code})),
        ]
        self.stdout.write(
            "cold: the cache of the figures read from the stays emptied before each run; warm: not.\n"
            f"{'what':36} {'cold median':>12} {'cold worst':>11} {'warm median':>12} {'warm worst':>11} {'queries':>8}"
        )
        for label, run in cases:
            run()  # warm up
            timings: dict[bool, list[float]] = {True: [], False: []}
            for cold in (True, False):
                for _ in range(repeat):
                    if cold:
                        cache.clear()
                    with CaptureQueriesContext(connection) as ctx:
                        t0 = time.perf_counter()
                        result = run()
                        timings[cold].append((time.perf_counter() - t0) * 1000)
                    if result is not None and getattr(result, "status_code", 200) != 200:
                        raise CommandError(f"{label}: HTTP {result.status_code}")
            self.stdout.write(
                f"{label:36} {statistics.median(timings[True]):12.1f} {max(timings[True]):11.1f} "
                f"{statistics.median(timings[False]):12.1f} {max(timings[False]):11.1f} {len(ctx.captured_queries):8d}"
            )
            if show_queries and label.startswith("figures"):
                for query in ctx.captured_queries:
                    self.stdout.write(f"    {float(query['time']) * 1000:8.1f} ms  {query['sql'][:150]}")

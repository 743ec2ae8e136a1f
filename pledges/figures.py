"""The solidarity dashboard's figures, as of a date. Aggregates only: no figure carries a
person's name or case number, so every role that may see figures can see all of them.

Each figure is one query (or a fixed few) whatever the amount of data:
* pledged places: the pledge versions effective at the end of the day (``PledgeVersion``);
* relocated and in the pipeline per pledging and frontline state: the capacity ledger
  (``Placement`` stage timestamps);
* cumulative relocations month by month: the ledger's ``relocated_at``;
* the case pipeline (households and persons per status): ``cases.Household``, or for a past
  date the stays (``StageStay``, read from ``cases.StatusChange``) open at the end of that day;
* median days at each stage: the stays that ended by then (entering a status to leaving it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.core.cache import cache
from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import EXIT_STATUSES, PIPELINE, CaseStatus, Household
from relocation.models import Country

from . import services
from .models import Placement, Pledge, PledgeVersion, SolidarityCycle, StageStay, StageStayMonth

NO_QUOTA = "—"
# Figures read from the stays are cached under the stays' version, so a hit is never stale.
STAYS_CACHE_SECONDS = 600


@dataclass(frozen=True)
class Figure:
    """One exportable figure: its slug, title and the columns of its table."""

    slug: str
    title: str
    columns: tuple[tuple[str, str], ...]  # (key, heading)


FIGURES = {
    f.slug: f
    for f in [
        Figure("headline", _("Headline figures"), (("label", _("Figure")), ("value", _("Value")))),
        Figure(
            "pledging-states",
            _("Pledged and relocated per pledging state"),
            (("state", _("State code")), ("name", _("Pledging state")), ("pledged", _("Places pledged")),
             ("in_pipeline", _("Persons proposed, accepted or in transfer")), ("relocated", _("Persons relocated")),
             ("percent", _("% of pledge relocated"))),
        ),
        Figure(
            "frontline-states",
            _("Pledged and relocated per frontline state"),
            (("state", _("State code")), ("name", _("Frontline state")), ("pledged", _("Places in quotas")),
             ("in_pipeline", _("Persons proposed, accepted or in transfer")), ("relocated", _("Persons relocated"))),
        ),
        Figure(
            "monthly",
            _("Cumulative relocations month by month"),
            (("month", _("Month")), ("relocated", _("Persons relocated in the month")),
             ("cumulative", _("Persons relocated to date"))),
        ),
        Figure(
            "pipeline",
            _("Case pipeline"),
            (("status", _("Status code")), ("label", _("Stage")), ("households", _("Households")),
             ("persons", _("Persons"))),
        ),
        Figure(
            "stage-days",
            _("Median days spent at each stage"),
            (("status", _("Status code")), ("label", _("Stage")), ("median_days", _("Median days")),
             ("stays", _("Completed stays counted"))),
        ),
    ]
}


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in the current time zone: figures count what happened before."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


class Dashboard:
    """The figures of one cycle as of one date; each computed on first use (so a CSV export
    of one figure runs only its own queries)."""

    def __init__(self, *, as_of: dt.date | None = None, cycle: SolidarityCycle | None = None, all_cycles=None):
        self.today = timezone.localdate()
        self.as_of = as_of or self.today
        self.end = end_of_day(self.as_of)
        self.is_today = self.as_of >= self.today
        self.cycle = cycle
        self._all_cycles = all_cycles
        self._stays_version: int | None = None

    # -- which cycle ------------------------------------------------------------------

    @cached_property
    def cycles(self) -> list[SolidarityCycle]:
        return list(self._all_cycles if self._all_cycles is not None else SolidarityCycle.objects.all())

    @classmethod
    def default_cycle(cls, cycles: list[SolidarityCycle], as_of: dt.date) -> SolidarityCycle | None:
        """The cycle of the latest placement made by the date; else the latest cycle started by then."""
        latest = (
            Placement.objects.filter(proposed_at__lt=end_of_day(as_of))
            .order_by("-proposed_at")
            .values_list("pledge__cycle_id", flat=True)
            .first()
        )
        by_id = {c.pk: c for c in cycles}
        if latest in by_id:
            return by_id[latest]
        started = [c for c in cycles if c.starts_on <= as_of]
        return max(started, key=lambda c: c.starts_on) if started else (cycles[0] if cycles else None)

    # -- pledges and the ledger -------------------------------------------------------

    @cached_property
    def _versions(self) -> list[dict]:
        """Relocation pledges of the cycle as they stood at the end of the day."""
        if self.cycle is None:
            return []
        effective = (
            PledgeVersion.objects.filter(pledge=OuterRef("pledge"), effective_at__lt=self.end)
            .order_by("-effective_at", "-number")
            .values("pk")[:1]
        )
        return list(
            PledgeVersion.objects.filter(
                pledge__cycle=self.cycle,
                pledge__kind=Pledge.Kind.RELOCATION,
                effective_at__lt=self.end,
                pk=Subquery(effective),
                status__in=Pledge.COUNTED_STATUSES,
            ).values("pledge__state_id", "pledge__state__name", "places", "snapshot__quotas")
        )

    @cached_property
    def _ledger(self) -> list[dict]:
        """Persons relocated and in the pipeline at the end of the day, per (pledging, frontline) state."""
        if self.cycle is None:
            return []
        end = self.end
        relocated = Q(relocated_at__lt=end)
        in_pipeline = (
            (Q(released_at__isnull=True) | Q(released_at__gte=end))
            & (Q(relocated_at__isnull=True) | Q(relocated_at__gte=end))
        )
        return list(
            Placement.objects.filter(pledge__cycle=self.cycle, proposed_at__lt=end)
            .values("pledge__state_id", "frontline_state_id")
            .annotate(
                relocated=Coalesce(Sum("persons", filter=relocated), 0),
                relocated_households=Count("id", filter=relocated),
                in_pipeline=Coalesce(Sum("persons", filter=in_pipeline), 0),
            )
            .order_by()
        )

    @cached_property
    def pledging_states(self) -> list[dict]:
        rows: dict[str, dict] = {}
        for v in self._versions:
            row = rows.setdefault(
                v["pledge__state_id"],
                {"state": v["pledge__state_id"], "name": v["pledge__state__name"], "pledged": 0, "in_pipeline": 0, "relocated": 0},
            )
            row["pledged"] += v["places"] or 0
        names = None
        for entry in self._ledger:
            code = entry["pledge__state_id"]
            if code not in rows:
                names = names if names is not None else self._country_names
                rows[code] = {"state": code, "name": names.get(code, code), "pledged": 0, "in_pipeline": 0, "relocated": 0}
            rows[code]["relocated"] += entry["relocated"]
            rows[code]["in_pipeline"] += entry["in_pipeline"]
        for row in rows.values():
            row["percent"] = _percent(row["relocated"], row["pledged"])
        return sorted(rows.values(), key=lambda r: (-r["pledged"], r["name"]))

    @cached_property
    def _country_names(self) -> dict[str, str]:
        return dict(Country.objects.filter(is_eu_plus=True).values_list("code", "name"))

    @cached_property
    def frontline_states(self) -> list[dict]:
        names = self._country_names
        frontline = sorted(code for code in Country.objects.filter(is_frontline=True).values_list("code", flat=True))
        rows = {
            code: {"state": code, "name": names.get(code, code), "pledged": 0, "in_pipeline": 0, "relocated": 0}
            for code in frontline
        }
        unallocated = 0
        for v in self._versions:
            quotas = v["snapshot__quotas"] or {}
            allocated = 0
            for code, places in quotas.items():
                if code in rows:
                    rows[code]["pledged"] += places
                    allocated += places
            unallocated += max((v["places"] or 0) - allocated, 0)
        for entry in self._ledger:
            code = entry["frontline_state_id"]
            if code in rows:
                rows[code]["relocated"] += entry["relocated"]
                rows[code]["in_pipeline"] += entry["in_pipeline"]
        result = sorted(rows.values(), key=lambda r: r["name"])
        result.append(
            {"state": NO_QUOTA, "name": str(_("Not allocated to a frontline state")), "pledged": unallocated,
             "in_pipeline": None, "relocated": None}
        )
        return result

    @cached_property
    def headline(self) -> dict:
        pledged = sum(r["pledged"] for r in self.pledging_states)
        relocated = sum(r["relocated"] for r in self.pledging_states)
        in_pipeline = sum(r["in_pipeline"] for r in self.pledging_states)
        households = sum(e["relocated_households"] for e in self._ledger)
        return {
            "pledged": pledged,
            "relocated": relocated,
            "relocated_households": households,
            "in_pipeline": in_pipeline,
            "remaining": max(pledged - relocated - in_pipeline, 0),
            "percent": _percent(relocated, pledged),
            "states_relocating": sum(1 for r in self.pledging_states if r["relocated"]),
        }

    def headline_rows(self) -> list[dict]:
        h = self.headline
        return [
            {"label": str(_("Persons relocated")), "value": h["relocated"]},
            {"label": str(_("Households relocated")), "value": h["relocated_households"]},
            {"label": str(_("Relocation places pledged")), "value": h["pledged"]},
            {"label": str(_("Share of pledges carried out (%)")), "value": h["percent"]},
            {"label": str(_("Persons proposed, accepted or in transfer")), "value": h["in_pipeline"]},
            {"label": str(_("States that have relocated")), "value": h["states_relocating"]},
        ]

    @cached_property
    def monthly(self) -> list[dict]:
        if self.cycle is None:
            return []
        per_month = dict(
            Placement.objects.filter(pledge__cycle=self.cycle, relocated_at__lt=self.end)
            .annotate(month=TruncMonth("relocated_at"))
            .values_list("month")
            .annotate(persons=Sum("persons"))
            .order_by("month")
        )
        months = {_month_of(m): persons for m, persons in per_month.items()}
        if not months:
            return []
        first, last = min(months), max(max(months), self.as_of.replace(day=1))
        if self.cycle.ends_on:
            last = min(last, max(self.cycle.ends_on.replace(day=1), max(months)))
        rows, cumulative, month = [], 0, first
        while month <= last:
            persons = months.get(month, 0)
            cumulative += persons
            rows.append({"month": month.strftime("%Y-%m"), "relocated": persons, "cumulative": cumulative})
            month = (month + dt.timedelta(days=32)).replace(day=1)
        return rows

    # -- the cases floor ------------------------------------------------------------

    @cached_property
    def pipeline(self) -> list[dict]:
        if self.is_today:
            counts = Household.objects.values_list("status").annotate(households=Count("id"), persons=Sum("size")).order_by()
        else:
            end = self.end
            counts = self._from_stays("pipeline", lambda: list(
                StageStay.objects.filter(entered_at__lt=end)
                .filter(Q(left_at__isnull=True) | Q(left_at__gte=end))
                .values_list("status")
                .annotate(households=Count("id"), persons=Sum("household__size"))
                .order_by()
            ))
        found = {status: (households, persons or 0) for status, households, persons in counts}
        labels = dict(CaseStatus.choices)
        return [
            {"status": status.value, "label": str(labels[status]), "households": found.get(status.value, (0, 0))[0],
             "persons": found.get(status.value, (0, 0))[1], "exit": status in EXIT_STATUSES}
            for status in [*PIPELINE, *EXIT_STATUSES]
        ]

    def sync(self) -> int:
        """Catch the stays read model up with the case files, once per dashboard; return its
        version (the newest stay's id: any change to the stays writes new rows)."""
        if self._stays_version is None:
            services.stage_stays_sync()
            self._stays_version = StageStay.objects.aggregate(newest=Max("id"))["newest"] or 0
        return self._stays_version

    def _from_stays(self, figure: str, compute):
        """A figure computed from the stays, kept in the cache until the stays change."""
        key = f"pledges:{figure}:{self.end.isoformat()}:{self.sync()}"
        value = cache.get(key)
        if value is None:
            value = compute()
            cache.set(key, value, STAYS_CACHE_SECONDS)
        return value

    @cached_property
    def stage_days(self) -> list[dict]:
        end = self.end
        medians = self._from_stays("stage-days", lambda: _median_days_per_stage(end))
        labels = dict(CaseStatus.choices)
        return [
            {"status": status.value, "label": str(labels[status]),
             "median_days": medians.get(status.value, (None, 0))[0], "stays": medians.get(status.value, (None, 0))[1]}
            for status in PIPELINE
            if status != CaseStatus.RELOCATED
        ]

    # -- export ------------------------------------------------------------------------

    def rows_of(self, slug: str) -> list[dict]:
        return {
            "headline": self.headline_rows,
            "pledging-states": lambda: self.pledging_states,
            "frontline-states": lambda: self.frontline_states,
            "monthly": lambda: self.monthly,
            "pipeline": lambda: self.pipeline,
            "stage-days": lambda: self.stage_days,
        }[slug]()

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "cycle": self.cycle.code if self.cycle else None,
            "headline": self.headline,
            "pledging_states": self.pledging_states,
            "frontline_states": self.frontline_states,
            "monthly": self.monthly,
            "pipeline": self.pipeline,
            "stage_days": self.stage_days,
        }


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _month_of(value) -> dt.date:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date().replace(day=1)
    return value.replace(day=1)


def _median_days_per_stage(end: dt.datetime) -> dict[str, tuple[Decimal | None, int]]:
    """{status: (median days, number of completed stays)} over the stays that ended before ``end``.

    Two queries: the monthly histograms (``StageStayMonth``) of the months before the one
    ``end`` falls in, and that month's stays read raw; the medians follow exactly, in whole
    days (or a half day between two), in Python."""
    last_day = (timezone.localtime(end) - dt.timedelta(microseconds=1)).date()
    month = last_day.replace(day=1)
    month_start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    counts: dict[tuple[str, int], int] = {}
    earlier = (
        StageStayMonth.objects.filter(month__lt=month)
        .values_list("status", "days")
        .annotate(stays=Sum("stays"))
        .order_by()
    )
    this_month = (
        StageStay.objects.filter(left_at__gte=month_start, left_at__lt=end)
        .annotate(days=F("hours") / 24)
        .values_list("status", "days")
        .annotate(stays=Count("*"))
        .order_by()
    )
    for rows in (earlier, this_month):
        for status, days, stays in rows:
            counts[status, days] = counts.get((status, days), 0) + stays
    histogram: dict[str, list[tuple[int, int]]] = {}
    for (status, days), stays in sorted(counts.items()):
        histogram.setdefault(status, []).append((days, stays))
    result = {}
    for status, pairs in histogram.items():
        total = sum(n for _days, n in pairs)
        result[status] = (_days(_median_of_counts(pairs, total)), total)
    return result


def _median_of_counts(counts: list[tuple[int, int]], total: int) -> float:
    """The median of values given as sorted (value, how many) pairs (mean of the two middle ones)."""
    lower_rank, upper_rank = (total - 1) // 2, total // 2
    lower = upper = None
    seen = 0
    for value, n in counts:
        if lower is None and lower_rank < seen + n:
            lower = value
        if upper_rank < seen + n:
            upper = value
            break
        seen += n
    return (lower + upper) / 2


def _days(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"))

"""Reads of pledges, capacity and fair shares, scoped to the user.

Who sees what:
* the Commission and EUAA coordinators see every pledge (the Commission records them);
* a pledging-state officer or Dublin Unit officer sees their own state's pledges;
* everyone else sees none (404), though the dashboard's figures are open to every operational role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from relocation.access import access_of
from relocation.models import Country, Role

from .models import Placement, Pledge, PledgeQuota, SolidarityCycle, StateReferenceFigure

REGISTRY_ROLES = (Role.COMMISSION, Role.COORDINATOR)
RECORDING_ROLES = (Role.COMMISSION,)
OWN_STATE_ROLES = (Role.OFFICER, Role.DUBLIN_OFFICER)
PLEDGE_READ_ROLES = REGISTRY_ROLES + OWN_STATE_ROLES
DASHBOARD_ROLES = (
    Role.COORDINATOR,
    Role.CASEWORKER,
    Role.COMMISSION,
    Role.OFFICER,
    Role.DUBLIN_OFFICER,
    Role.IOM_OFFICER,
)
STAGES = [s.value for s in Placement.ORDER]


def can_record_pledges(user) -> bool:
    return access_of(user).has(*RECORDING_ROLES)


def pledges_visible_to(user) -> QuerySet[Pledge]:
    access = access_of(user)
    qs = Pledge.objects.select_related("cycle", "state")
    if access.has(*REGISTRY_ROLES):
        return qs
    states = access.states(*OWN_STATE_ROLES)
    if states:
        return qs.filter(state_id__in=states)
    return qs.none()


def cycles() -> QuerySet[SolidarityCycle]:
    return SolidarityCycle.objects.all()


def _active(stage: str | None = None) -> Q:
    q = Q(placements__released_at__isnull=True)
    if stage:
        q &= Q(placements__stage=stage)
    return q


def with_capacity(qs: QuerySet[Pledge]) -> QuerySet[Pledge]:
    """Annotate pledged, proposed, accepted, in_transfer, relocated and remaining places:
    one aggregate query for the whole list."""
    sums = {
        stage: Coalesce(Sum("placements__persons", filter=_active(stage)), Value(0)) for stage in STAGES
    }
    return qs.annotate(**sums).annotate(
        pledged=Coalesce(F("places"), Value(0)),
        remaining=Coalesce(F("places"), Value(0))
        - F("proposed")
        - F("accepted")
        - F("in_transfer")
        - F("relocated"),
    )


@dataclass
class QuotaCapacity:
    frontline_state: str
    pledged: int
    proposed: int = 0
    accepted: int = 0
    in_transfer: int = 0
    relocated: int = 0

    @property
    def taken(self) -> int:
        return self.proposed + self.accepted + self.in_transfer + self.relocated

    @property
    def remaining(self) -> int:
        return self.pledged - self.taken


def quota_capacity(pledge_ids) -> dict[int, list[QuotaCapacity]]:
    """Capacity per quota of the given pledges: two queries whatever their number."""
    pledge_ids = list(pledge_ids)
    result: dict[int, dict[str, QuotaCapacity]] = {}
    for pledge_id, code, places in PledgeQuota.objects.filter(pledge_id__in=pledge_ids).values_list(
        "pledge_id", "frontline_state_id", "places"
    ):
        result.setdefault(pledge_id, {})[code] = QuotaCapacity(frontline_state=code, pledged=places)
    used = (
        Placement.objects.filter(pledge_id__in=list(result), released_at__isnull=True)
        .values_list("pledge_id", "frontline_state_id", "stage")
        .annotate(persons=Sum("persons"))
        .order_by()
    )
    for pledge_id, code, stage, persons in used:
        quota = result.get(pledge_id, {}).get(code)
        if quota is not None:
            setattr(quota, stage, persons)
    return {pledge_id: sorted(quotas.values(), key=lambda q: q.frontline_state) for pledge_id, quotas in result.items()}


# -- fair shares (Annex I of Regulation (EU) 2024/1351) -----------------------------------


@dataclass
class FairShare:
    state: str
    name: str
    population: int = 0
    gdp_eur_million: int = 0
    population_share: Decimal = Decimal(0)
    gdp_share: Decimal = Decimal(0)
    key: Decimal = Decimal(0)
    fair_relocations: int = 0
    fair_financial_eur: int = 0
    fair_equivalents: int = 0
    pledged_places: int = 0
    pledged_financial_eur: int = 0
    pledged_alternative_eur: int = 0
    equivalent_relocations: int = 0
    in_key: bool = True

    @property
    def percent_of_fair_share(self) -> Decimal | None:
        if not self.fair_equivalents:
            return None
        return (Decimal(self.equivalent_relocations) * 100 / Decimal(self.fair_equivalents)).quantize(Decimal("0.1"))


@dataclass
class FairShareTable:
    cycle: SolidarityCycle
    year: int | None
    rows: list[FairShare] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        keys = ("fair_relocations", "fair_financial_eur", "fair_equivalents", "pledged_places", "pledged_financial_eur",
                "pledged_alternative_eur", "equivalent_relocations")
        return {k: sum(getattr(r, k) for r in self.rows) for k in keys}


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"))


def fair_shares(cycle: SolidarityCycle) -> FairShareTable:
    """Each Member State's share of the pool: 50% population share + 50% GDP share over the
    Member States with reference figures, applied to the cycle's targets; and what each state
    pledged, with EUR converted at the cycle's value of one relocation, against its share of
    the whole pool in the same unit (relocation target + financial target / value of one
    relocation). Three queries."""
    year = cycle.reference_year or cycle.starts_on.year
    latest: dict[str, StateReferenceFigure] = {}
    for figure in StateReferenceFigure.objects.filter(year__lte=year).order_by("year"):
        latest[figure.state_id] = figure
    names = dict(Country.objects.filter(is_eu_plus=True).values_list("code", "name"))
    table = FairShareTable(cycle=cycle, year=max((f.year for f in latest.values()), default=None))
    table.sources = sorted({f.source for f in latest.values()})
    # The whole pool in relocation equivalents: a state may meet its share with any mix of
    # relocations, money and alternative measures (Art. 56(2): of equal value).
    pool_equivalents = Decimal(cycle.target_relocations or 0) + Decimal(cycle.target_financial_eur or 0) / Decimal(
        cycle.per_person_value_eur
    )
    total_pop = sum(f.population for f in latest.values())
    total_gdp = sum(f.gdp_eur_million for f in latest.values())
    rows: dict[str, FairShare] = {}
    for code, figure in latest.items():
        pop_share = Decimal(figure.population) / total_pop
        gdp_share = Decimal(figure.gdp_eur_million) / total_gdp
        key = (pop_share + gdp_share) / 2
        rows[code] = FairShare(
            state=code,
            name=names.get(code, code),
            population=figure.population,
            gdp_eur_million=figure.gdp_eur_million,
            population_share=_quantize(pop_share * 100),
            gdp_share=_quantize(gdp_share * 100),
            key=_quantize(key * 100),
            fair_relocations=round(key * (cycle.target_relocations or 0)),
            fair_financial_eur=round(key * (cycle.target_financial_eur or 0)),
            fair_equivalents=round(key * pool_equivalents),
        )
    pledged = (
        Pledge.objects.filter(cycle=cycle, status__in=Pledge.COUNTED_STATUSES)
        .values_list("state_id", "kind")
        .annotate(places=Sum("places"), eur=Sum("amount_eur"))
        .order_by()
    )
    for code, kind, places, eur in pledged:
        row = rows.get(code)
        if row is None:
            row = rows[code] = FairShare(state=code, name=names.get(code, code), in_key=False)
        if kind == Pledge.Kind.RELOCATION:
            row.pledged_places += places or 0
        elif kind == Pledge.Kind.FINANCIAL:
            row.pledged_financial_eur += eur or 0
        else:
            row.pledged_alternative_eur += eur or 0
    for row in rows.values():
        row.equivalent_relocations = row.pledged_places + (
            (row.pledged_financial_eur + row.pledged_alternative_eur) // cycle.per_person_value_eur
        )
    table.rows = sorted(rows.values(), key=lambda r: (not r.in_key, r.name))
    return table

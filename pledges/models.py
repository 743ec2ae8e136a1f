"""Pledges, their amendments, the capacity ledger and the reference data behind fair shares.

What must never happen is refused by the database: a pledge of the wrong shape for its
kind, negative places or amounts, a validity that ends before it starts, two active
placements of one household. Overbooking a pledge or a quota is prevented by row locks in
``services.placement_reserve`` (the sum of places is not expressible as a CHECK).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Composition
from relocation.reference import VULNERABILITY_CATEGORIES

# The matching contract's vocabulary (docs: ../shared/matching-contract.md).
COMPOSITIONS = Composition.choices
COMPOSITION_CODES = Composition.values
VULNERABILITY_CODES = [code for code, _label in VULNERABILITY_CATEGORIES]


class SolidarityCycle(models.Model):
    """A round of pledges: the 2022-2024 voluntary mechanism, or one year of the Annual
    Solidarity Pool (Regulation (EU) 2024/1351, Art. 12)."""

    class Kind(models.TextChoices):
        VOLUNTARY_MECHANISM = "voluntary_mechanism", _("Voluntary Solidarity Mechanism")
        ANNUAL_POOL = "annual_pool", _("Annual Solidarity Pool")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    target_relocations = models.PositiveIntegerField(
        _("target relocations (persons)"), null=True, blank=True,
        help_text=_("The pool's relocation target, e.g. 30,000 (Art. 12(2)). Empty for the voluntary mechanism."),
    )
    target_financial_eur = models.PositiveBigIntegerField(
        _("target financial contributions (EUR)"), null=True, blank=True,
        help_text=_("The pool's financial target, e.g. EUR 600 million (Art. 12(2))."),
    )
    per_person_value_eur = models.PositiveIntegerField(
        _("value of one relocation (EUR)"), default=20_000,
        help_text=_("Converts financial contributions and alternative measures into relocation "
                    "equivalents (commonly EUR 20,000; unverified)."),
    )
    reference_year = models.PositiveSmallIntegerField(
        _("reference year for fair shares"), null=True, blank=True,
        help_text=_("Population and GDP figures of this year (or the latest before it) give the fair shares."),
    )

    class Meta:
        ordering = ["-starts_on", "code"]
        verbose_name = _("solidarity cycle")
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__lte=models.F("ends_on")), name="cycle_starts_before_it_ends"),
            models.CheckConstraint(condition=Q(per_person_value_eur__gt=0), name="cycle_per_person_value_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Pledge(models.Model):
    class Kind(models.TextChoices):
        RELOCATION = "relocation", _("Relocation")
        FINANCIAL = "financial", _("Financial contribution")
        ALTERNATIVE = "alternative", _("Alternative solidarity measure")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Statuses whose places count as pledged in the figures.
    COUNTED_STATUSES = (Status.OPEN, Status.CLOSED)

    cycle = models.ForeignKey(SolidarityCycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="pledges")
    state = models.ForeignKey(
        "relocation.Country", verbose_name=_("pledging state"), on_delete=models.PROTECT,
        related_name="pledges", limit_choices_to={"is_eu_plus": True},
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.RELOCATION)
    places = models.PositiveIntegerField(_("places (persons)"), null=True, blank=True)
    amount_eur = models.PositiveBigIntegerField(_("value (EUR)"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    # National criteria, in the matching contract's vocabulary; an empty list means no restriction.
    nationalities = models.JSONField(_("accepted nationalities"), default=list, blank=True)
    compositions = models.JSONField(_("accepted compositions"), default=list, blank=True)
    max_household_size = models.PositiveSmallIntegerField(_("maximum household size"), null=True, blank=True)
    excluded_vulnerabilities = models.JSONField(_("excluded vulnerability categories"), default=list, blank=True)
    prioritised_vulnerabilities = models.JSONField(_("prioritised vulnerability categories"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    updated_at = models.DateTimeField(_("last amended"), default=timezone.now)

    class Meta:
        ordering = ["cycle", "state__name", "kind", "id"]
        verbose_name = _("pledge")
        indexes = [models.Index(fields=["cycle", "state"]), models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="relocation") & Q(places__isnull=False) & Q(amount_eur__isnull=True))
                | (Q(kind="financial") & Q(places__isnull=True) & Q(amount_eur__isnull=False))
                | (Q(kind="alternative") & Q(places__isnull=True) & Q(amount_eur__isnull=False) & ~Q(description="")),
                name="pledge_fields_match_kind",
            ),
            models.CheckConstraint(
                condition=Q(places__isnull=True) | Q(places__gte=0), name="pledge_places_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_eur__isnull=True) | Q(amount_eur__gte=0), name="pledge_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_from__lte=models.F("valid_to")),
                name="pledge_valid_from_before_valid_to",
            ),
            models.CheckConstraint(
                condition=Q(max_household_size__isnull=True) | Q(max_household_size__gte=1),
                name="pledge_max_household_size_positive",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "closed", "withdrawn"]), name="pledge_status_known"
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.RELOCATION:
            what = _("%(n)s places") % {"n": f"{self.places or 0:,}"}
        else:
            what = f"EUR {self.amount_eur or 0:,}"
        return f"{self.state_id} · {self.get_kind_display()} · {what} ({self.cycle.name if self.cycle_id else ''})"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.kind == self.Kind.RELOCATION:
            if self.places is None:
                errors.setdefault("places", []).append(_("A relocation pledge states its number of places."))
            if self.amount_eur is not None:
                errors.setdefault("amount_eur", []).append(_("A relocation pledge has places, not a value in EUR."))
        else:
            if self.amount_eur is None:
                errors.setdefault("amount_eur", []).append(_("This kind of pledge states its value in EUR."))
            if self.places is not None:
                errors.setdefault("places", []).append(_("Only a relocation pledge has places."))
            if self.kind == self.Kind.ALTERNATIVE and not self.description.strip():
                errors.setdefault("description", []).append(_("Describe the alternative solidarity measure."))
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            errors.setdefault("valid_to", []).append(_("The validity ends before it starts."))
        if self.state_id and not getattr(self.state, "is_eu_plus", True):
            errors.setdefault("state", []).append(_("Only an EU+ state can pledge."))
        for field, allowed in (
            ("compositions", COMPOSITION_CODES),
            ("excluded_vulnerabilities", VULNERABILITY_CODES),
            ("prioritised_vulnerabilities", VULNERABILITY_CODES),
        ):
            unknown = _unknown_words(getattr(self, field), allowed)
            if unknown:
                errors.setdefault(field, []).append(_("Unknown: %(words)s.") % {"words": ", ".join(unknown)})
        overlap = set(self.excluded_vulnerabilities or []) & set(self.prioritised_vulnerabilities or [])
        if overlap:
            errors.setdefault("prioritised_vulnerabilities", []).append(
                _("Both excluded and prioritised: %(words)s.") % {"words": ", ".join(sorted(overlap))}
            )
        self._clean_codes(errors)
        if errors:
            raise ValidationError(errors)

    def _clean_codes(self, errors: dict) -> None:
        from relocation.models import Country, Language

        for field, model in (("nationalities", Country), ("languages", Language)):
            values = getattr(self, field)
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                errors.setdefault(field, []).append(_("A list of codes."))
                continue
            if values:
                known = set(model.objects.filter(code__in=values).values_list("code", flat=True))
                unknown = sorted(set(values) - known)
                if unknown:
                    errors.setdefault(field, []).append(_("Unknown codes: %(codes)s.") % {"codes": ", ".join(unknown)})

    @property
    def is_relocation(self) -> bool:
        return self.kind == self.Kind.RELOCATION

    def criteria(self) -> dict:
        """The national criteria in the matching contract's shape."""
        return {
            "nationalities": list(self.nationalities or []),
            "compositions": list(self.compositions or []),
            "max_household_size": self.max_household_size,
            "excluded_vulnerabilities": list(self.excluded_vulnerabilities or []),
            "prioritised_vulnerabilities": list(self.prioritised_vulnerabilities or []),
            "languages": list(self.languages or []),
        }


def _unknown_words(values, allowed) -> list[str]:
    if not isinstance(values, list):
        return ["(not a list)"]
    return sorted({str(v) for v in values} - set(allowed))


class PledgeQuota(models.Model):
    """Part of a relocation pledge's places reserved for households from one frontline state.

    The sum of a pledge's quotas never exceeds its places (checked in the services under a
    lock of the pledge row)."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="quotas")
    frontline_state = models.ForeignKey(
        "relocation.Country", verbose_name=_("frontline state"), on_delete=models.PROTECT,
        related_name="+", limit_choices_to={"is_frontline": True},
    )
    places = models.PositiveIntegerField(_("places (persons)"))

    class Meta:
        ordering = ["pledge", "frontline_state"]
        verbose_name = _("quota")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "frontline_state"], name="quota_one_per_frontline_state"),
            models.CheckConstraint(condition=Q(places__gte=0), name="quota_places_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.frontline_state_id}: {self.places}"


class PledgeVersion(models.Model):
    """One state of a pledge: the full snapshot and when it took effect. Figures "as of a date"
    use the version effective then. Key figures are copied into columns to aggregate in SQL."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    effective_at = models.DateTimeField(_("effective from"), db_index=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    snapshot = models.JSONField(_("snapshot"))
    status = models.CharField(_("status"), max_length=16, choices=Pledge.Status.choices)
    places = models.PositiveIntegerField(_("places (persons)"), null=True, blank=True)
    amount_eur = models.PositiveBigIntegerField(_("value (EUR)"), null=True, blank=True)

    class Meta:
        ordering = ["pledge", "-number"]
        verbose_name = _("pledge version")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "number"], name="pledge_version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="pledge_version_number_positive"),
        ]
        indexes = [models.Index(fields=["pledge", "effective_at"])]

    def __str__(self) -> str:
        return f"{self.pledge_id} v{self.number}"


class StateReferenceFigure(models.Model):
    """Population and GDP of a Member State in one year: the inputs of the Annex I key."""

    state = models.ForeignKey("relocation.Country", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    population = models.PositiveBigIntegerField(_("population"))
    gdp_eur_million = models.PositiveBigIntegerField(_("GDP (EUR million)"))
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        ordering = ["-year", "state"]
        verbose_name = _("state reference figure")
        constraints = [
            models.UniqueConstraint(fields=["state", "year"], name="reference_figure_one_per_state_year"),
            models.CheckConstraint(condition=Q(population__gt=0) & Q(gdp_eur_million__gt=0), name="reference_figure_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.state_id} {self.year}"


class Placement(models.Model):
    """Places of a relocation pledge taken by one household, from proposal to relocation.

    A household holds at most one active (not released) placement. Each stage keeps its
    timestamp so the figures can be computed as of any date."""

    class Stage(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        IN_TRANSFER = "in_transfer", _("In transfer")
        RELOCATED = "relocated", _("Relocated")

    ORDER = [Stage.PROPOSED, Stage.ACCEPTED, Stage.IN_TRANSFER, Stage.RELOCATED]

    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="placements")
    frontline_state = models.ForeignKey(
        "relocation.Country", verbose_name=_("frontline state"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey("cases.Household", on_delete=models.PROTECT, related_name="placements")
    persons = models.PositiveSmallIntegerField(_("persons"))
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.PROPOSED)
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    in_transfer_at = models.DateTimeField(_("transfer started"), null=True, blank=True)
    relocated_at = models.DateTimeField(_("relocated"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    release_reason = models.TextField(_("reason for release"), blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("placement")
        indexes = [
            models.Index(fields=["pledge", "stage"]),
            models.Index(fields=["relocated_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(released_at__isnull=True), name="placement_one_active_per_household"
            ),
            models.CheckConstraint(condition=Q(persons__gte=1), name="placement_persons_positive"),
            models.CheckConstraint(
                condition=Q(stage__in=["proposed", "accepted", "in_transfer", "relocated"]), name="placement_stage_known"
            ),
            # A stage's timestamp is set exactly when the placement reached it.
            models.CheckConstraint(
                condition=(Q(stage="proposed") & Q(accepted_at__isnull=True, in_transfer_at__isnull=True, relocated_at__isnull=True))
                | (Q(stage="accepted") & Q(accepted_at__isnull=False, in_transfer_at__isnull=True, relocated_at__isnull=True))
                | (Q(stage="in_transfer") & Q(accepted_at__isnull=False, in_transfer_at__isnull=False, relocated_at__isnull=True))
                | (Q(stage="relocated") & Q(accepted_at__isnull=False, in_transfer_at__isnull=False, relocated_at__isnull=False)),
                name="placement_stage_timestamps",
            ),
            # People who arrived are never "released" from the figures.
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | ~Q(stage="relocated"), name="placement_relocated_not_released"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pledge_id} · {self.persons} · {self.get_stage_display()}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class StageStay(models.Model):
    """A read model of the case files' status history for the dashboard: one row per stay of a
    household at a status, from the change into it to the next change (open while current).

    Rebuilt incrementally from ``cases.StatusChange`` by ``services.stage_stays_sync`` (new
    changes only, by id; on every dashboard request and every 5 minutes by the beat task
    ``pledges.sync_stage_stays``), so the medians and the pipeline as of a date aggregate small integer
    rows instead of running a window over the whole history on every request."""

    status_change = models.OneToOneField("cases.StatusChange", on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey("cases.Household", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=32)
    entered_at = models.DateTimeField(_("entered"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    hours = models.PositiveIntegerField(_("hours at the status"), null=True, blank=True)

    class Meta:
        verbose_name = _("stay at a stage")
        indexes = [
            models.Index(fields=["left_at", "status", "hours"], name="stagestay_left_idx"),
            models.Index(fields=["entered_at"], name="stagestay_entered_idx"),
            models.Index(fields=["household", "left_at"], name="stagestay_household_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(left_at__isnull=True) & Q(hours__isnull=True))
                | (Q(left_at__isnull=False) & Q(hours__isnull=False) & Q(left_at__gte=models.F("entered_at"))),
                name="stagestay_closed_with_duration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.status} {self.entered_at:%Y-%m-%d}"


class StageStayMonth(models.Model):
    """How many stays at a status, ended in a month, lasted a number of whole days: the
    dashboard's medians read these few rows for complete months (and the current month's
    stays raw) instead of every stay. Kept in step with ``StageStay`` by the same sync."""

    status = models.CharField(_("status"), max_length=32)
    month = models.DateField(_("month the stays ended"))
    days = models.PositiveIntegerField(_("whole days at the status"))
    stays = models.PositiveIntegerField(_("stays"))

    class Meta:
        verbose_name = _("stays at a stage per month")
        constraints = [
            models.UniqueConstraint(fields=["status", "month", "days"], name="stagestaymonth_unique"),
            models.CheckConstraint(condition=Q(stays__gt=0), name="stagestaymonth_stays_positive"),
        ]
        indexes = [models.Index(fields=["month", "status", "days", "stays"], name="stagestaymonth_month_idx")]

    def __str__(self) -> str:
        return f"{self.status} {self.month:%Y-%m} {self.days}d: {self.stays}"

"""Matching runs: what the engine was given, what it proposed, and what a coordinator decided.

A run keeps the exact engine input (a ``relocation-matching/1`` instance) and its SHA-256,
so any run can be replayed outside the application. Proposals and unplaced households are
written in one transaction when the run succeeds: a run that failed or was cancelled has none.
Writes go through ``matching.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Default policy weights: the contract's (../shared/matching-contract.md).
DEFAULT_WEIGHTS = {
    "person": 1.0,
    "vulnerable_member": 2.0,
    "family_tie": 3.0,
    "cultural_tie": 1.0,
    "waiting_month": 0.1,
}
MAX_TIME_LIMIT = 600
# The engine's score parts (matching.engine.scoring.score_parts), as the review page names them.
SCORE_PART_LABELS = {
    "persons": _("Persons placed"),
    "vulnerable_members": _("Vulnerable members"),
    "family_tie": _("Family tie to the pledging state"),
    "cultural_tie": _("Cultural tie to the pledging state"),
    "waiting_time": _("Time waited"),
}


class MatchingRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now, db_index=True)
    # Parameters: which frontline states and pledges, the policy's weights, the time limit.
    frontline_states = models.JSONField(_("frontline states"), default=list)
    pledge_ids = models.JSONField(
        _("pledges"), default=list, blank=True, help_text=_("Empty: every open relocation pledge.")
    )
    weights = models.JSONField(_("weights"), default=dict)
    time_limit_seconds = models.PositiveIntegerField(_("time limit (seconds)"), default=30)
    note = models.CharField(_("note"), max_length=200, blank=True)

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress_text = models.CharField(_("progress"), max_length=200, blank=True)
    progress_percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # What the engine saw: the contract instance, and its hash over the canonical JSON.
    input_snapshot = models.JSONField(_("input snapshot"), null=True, blank=True)
    input_sha256 = models.CharField(_("input SHA-256"), max_length=64, blank=True)
    # Versions of the households and pledges in the input ({"households": {pk: version}, ...}):
    # a proposal whose household or pledge has moved on since is stale.
    input_versions = models.JSONField(_("input versions"), default=dict, blank=True)

    # The outcome.
    solve_status = models.CharField(_("solver status"), max_length=16, blank=True)
    objective = models.FloatField(_("objective"), null=True, blank=True)
    bound = models.FloatField(_("bound"), null=True, blank=True)
    gap = models.FloatField(_("gap"), null=True, blank=True)
    greedy_objective = models.FloatField(_("greedy baseline objective"), null=True, blank=True)
    # Figures: totals and, per pledge, households/persons placed, capacity, fill rate, quotas.
    counts = models.JSONField(_("figures"), default=dict, blank=True)
    # Seconds spent building the input, solving and storing.
    timings = models.JSONField(_("timings"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("matching run")
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="matchingrun_status_beat_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed", "cancelled"]),
                name="matchingrun_status_known",
            ),
            models.CheckConstraint(
                condition=Q(progress_percent__gte=0) & Q(progress_percent__lte=100),
                name="matchingrun_progress_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(time_limit_seconds__gte=1) & Q(time_limit_seconds__lte=MAX_TIME_LIMIT),
                name="matchingrun_time_limit_range",
            ),
            # A run that ran has a start; a finished run has an end.
            models.CheckConstraint(
                condition=~Q(status__in=["running", "succeeded"]) | Q(started_at__isnull=False),
                name="matchingrun_running_has_start",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["succeeded", "failed", "cancelled"]) | Q(finished_at__isnull=False),
                name="matchingrun_finished_has_end",
            ),
            # A succeeded run always carries what the engine saw and what it achieved.
            models.CheckConstraint(
                condition=~Q(status="succeeded")
                | (Q(input_snapshot__isnull=False) & ~Q(input_sha256="") & Q(objective__isnull=False)),
                name="matchingrun_succeeded_has_result",
            ),
            models.CheckConstraint(condition=Q(gap__isnull=True) | Q(gap__gte=0), name="matchingrun_gap_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{_('Matching run')} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def gap_percent(self) -> float | None:
        return None if self.gap is None else self.gap * 100

    @property
    def improvement_over_greedy(self) -> float | None:
        """How much better than the greedy baseline the engine's objective is, in percent."""
        if self.objective is None or not self.greedy_objective:
            return None
        return (self.objective - self.greedy_objective) * 100 / self.greedy_objective


class Proposal(models.Model):
    """The engine's recommendation to propose one household to one pledge; a person decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        CONFIRMED = "confirmed", _("Confirmed")
        DISCARDED = "discarded", _("Discarded")
        STALE = "stale", _("Stale (changed since the run)")

    run = models.ForeignKey(MatchingRun, on_delete=models.CASCADE, related_name="proposals")
    household = models.ForeignKey("cases.Household", on_delete=models.PROTECT, related_name="+")
    pledge = models.ForeignKey("pledges.Pledge", on_delete=models.PROTECT, related_name="+")
    # Copied from the snapshot so that the review page filters and sorts in SQL.
    pledge_state = models.ForeignKey(
        "relocation.Country", verbose_name=_("pledging state"), on_delete=models.PROTECT, related_name="+"
    )
    frontline_state = models.ForeignKey(
        "relocation.Country", verbose_name=_("frontline state"), on_delete=models.PROTECT, related_name="+"
    )
    quota_state = models.ForeignKey(
        "relocation.Country",
        verbose_name=_("quota"),
        help_text=_("The frontline state whose quota of the pledge the household uses; empty without quotas."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    persons = models.PositiveSmallIntegerField(_("persons"))
    vulnerable_members = models.PositiveSmallIntegerField(_("vulnerable members"), default=0)
    composition = models.CharField(_("composition"), max_length=32, blank=True)
    vulnerabilities = models.JSONField(_("vulnerabilities"), default=list, blank=True)
    family_tie = models.BooleanField(_("family tie to the pledging state"), default=False)
    cultural_tie = models.BooleanField(_("cultural tie to the pledging state"), default=False)
    waiting_days = models.PositiveIntegerField(_("waiting days"), default=0)
    value = models.FloatField(_("score"))
    score_parts = models.JSONField(_("score parts"), default=dict)
    # Which of the pledge's criteria the household meets, and how (a list of {rule, text}).
    explanation = models.JSONField(_("explanation"), default=list)

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    stale_reason = models.TextField(_("why it is stale"), blank=True)
    placement = models.ForeignKey(
        "pledges.Placement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["run", "-value", "id"]
        verbose_name = _("proposal")
        indexes = [models.Index(fields=["run", "status"], name="proposal_run_status_idx")]
        constraints = [
            models.UniqueConstraint(fields=["run", "household"], name="proposal_one_per_household_and_run"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "confirmed", "discarded", "stale"]), name="proposal_status_known"
            ),
            models.CheckConstraint(condition=Q(persons__gte=1), name="proposal_persons_positive"),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | (Q(placement__isnull=False) & Q(decided_at__isnull=False)),
                name="proposal_confirmed_has_placement",
            ),
            models.CheckConstraint(
                condition=~Q(status="stale") | ~Q(stale_reason=""), name="proposal_stale_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.household_id} -> {self.pledge_id}"

    @property
    def composition_label(self) -> str:
        from cases.models import Composition

        try:
            return str(Composition(self.composition).label)
        except ValueError:
            return self.composition

    @property
    def score_lines(self) -> list[tuple[str, float]]:
        """The score parts with their names in words, in the contract's order."""
        parts = self.score_parts or {}
        return [(str(label), parts[key]) for key, label in SCORE_PART_LABELS.items() if key in parts]

    @property
    def criteria_met(self) -> list[dict]:
        """The explanation in words, in the reader's language: [{"rule", "text"}]."""
        return [{"rule": item.get("rule", ""), "text": describe_criterion(item)} for item in self.explanation or []]


def describe_criterion(item: dict) -> str:
    """One criterion of a pledge that a proposed household meets, in words."""
    from django.utils.translation import gettext as _t

    rule = item.get("rule")
    join = ", ".join
    if rule == "nationality":
        if item.get("accepted"):
            return _t("Nationality %(n)s is accepted (%(list)s).") % {"n": item["value"], "list": join(item["accepted"])}
        return _t("The pledge accepts any nationality.")
    if rule == "composition":
        if item.get("accepted"):
            return _t("Composition %(c)s is accepted (%(list)s).") % {"c": item["value"], "list": join(item["accepted"])}
        return _t("The pledge accepts any composition.")
    if rule == "max_household_size":
        if item.get("limit") is not None:
            return _t("%(size)s persons, at most %(limit)s.") % {"size": item["value"], "limit": item["limit"]}
        return _t("No limit on household size.")
    if rule == "excluded_vulnerabilities":
        if item.get("excluded"):
            return _t("None of the excluded vulnerabilities (%(list)s).") % {"list": join(item["excluded"])}
        return _t("The pledge excludes no vulnerability.")
    if rule == "languages":
        if item.get("asked"):
            return _t("Speaks %(spoken)s (asked: %(asked)s).") % {"spoken": join(item["spoken"]), "asked": join(item["asked"])}
        return _t("The pledge asks for no language.")
    if rule == "excluded_states":
        return _t("%(state)s has not rejected this household.") % {"state": item.get("state")}
    if rule == "frontline_state_quota":
        if item.get("left") is not None:
            return _t("Quota for %(state)s: %(left)s places left at the run.") % {"state": item["state"], "left": item["left"]}
        return _t("The pledge takes households from any frontline state.")
    return str(rule)


class UnplacedHousehold(models.Model):
    """A household of the run's input that got no proposal, with the engine's reason."""

    class Reason(models.TextChoices):
        NO_ELIGIBLE_PLEDGE = "no_eligible_pledge", _("No pledge's criteria accept it")
        PLACES_EXHAUSTED = "places_exhausted", _("The pledges that accept it have no room left")
        NOT_CHOSEN = "not_chosen", _("Room was left, but placing it would not raise the score")

    run = models.ForeignKey(MatchingRun, on_delete=models.CASCADE, related_name="unplaced")
    household = models.ForeignKey("cases.Household", on_delete=models.PROTECT, related_name="+")
    frontline_state = models.ForeignKey("relocation.Country", on_delete=models.PROTECT, related_name="+")
    persons = models.PositiveSmallIntegerField(_("persons"))
    composition = models.CharField(_("composition"), max_length=32, blank=True)
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        ordering = ["run", "id"]
        verbose_name = _("unplaced household")
        constraints = [
            models.UniqueConstraint(fields=["run", "household"], name="unplaced_one_per_household_and_run"),
            models.CheckConstraint(
                condition=Q(reason__in=["no_eligible_pledge", "places_exhausted", "not_chosen"]),
                name="unplaced_reason_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.household_id} ({self.reason})"

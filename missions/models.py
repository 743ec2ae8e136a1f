"""Selection missions of pledging states: the plan (interview slots), the interviews with
their security checks, and the decisions on the households proposed to the state.

Writes go through ``missions.services``. What must never happen is refused by the
database: a mission ending before it starts, a slot ending before it starts, a rejection
without a reason, two decisions of one state on one household. Double bookings (one
interpreter or room, one person at the same time) are refused by the service under row
locks and, on PostgreSQL, by exclusion constraints (migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class SelectionMission(models.Model):
    class Mode(models.TextChoices):
        ON_SITE = "on_site", _("On site")
        REMOTE = "remote", _("Remote (video)")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    pledging_state = models.ForeignKey(
        "relocation.Country", verbose_name=_("pledging state"), on_delete=models.PROTECT, related_name="+"
    )
    frontline_state = models.ForeignKey(
        "relocation.Country", verbose_name=_("frontline state"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"is_frontline": True},
    )
    site = models.CharField(_("site"), max_length=200, help_text=_("e.g. Athens, EUAA office"))
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.ON_SITE)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    # The team: officers holding the "change" grant on the mission (MissionUserObjectPermission).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("selection mission")
        indexes = [models.Index(fields=["pledging_state", "status"]), models.Index(fields=["frontline_state"])]
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__lte=F("ends_on")), name="mission_starts_before_it_ends"),
            models.CheckConstraint(
                condition=~Q(pledging_state=F("frontline_state")), name="mission_pledging_not_frontline"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "in_progress", "finished", "cancelled"]), name="mission_status_known"
            ),
            models.CheckConstraint(condition=Q(mode__in=["on_site", "remote"]), name="mission_mode_known"),
        ]

    def __str__(self) -> str:
        return f"{self.pledging_state_id} → {self.frontline_state_id} · {self.site} ({self.starts_on:%d.%m.%Y})"


class Interpreter(models.Model):
    mission = models.ForeignKey(SelectionMission, on_delete=models.CASCADE, related_name="interpreters")
    name = models.CharField(_("name"), max_length=200)
    languages = models.ManyToManyField("relocation.Language", verbose_name=_("languages"), related_name="+")

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("interpreter")
        constraints = [
            models.UniqueConstraint(fields=["mission", "name"], name="interpreter_unique_in_mission"),
        ]

    def __str__(self) -> str:
        return self.name


class InterviewSlot(models.Model):
    """One interview in the mission plan: a whole household, or one person of it."""

    mission = models.ForeignKey(SelectionMission, on_delete=models.CASCADE, related_name="slots")
    household = models.ForeignKey("cases.Household", on_delete=models.PROTECT, related_name="interview_slots")
    applicant = models.ForeignKey(
        "cases.Applicant", verbose_name=_("person"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="interview_slots", help_text=_("Empty: the whole household is interviewed together."),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    room = models.CharField(_("room"), max_length=100, blank=True)
    video_link = models.URLField(_("video link"), max_length=300, blank=True)
    language = models.ForeignKey("relocation.Language", verbose_name=_("language"), on_delete=models.PROTECT)
    interpreter = models.ForeignKey(
        Interpreter, verbose_name=_("interpreter"), on_delete=models.PROTECT, null=True, blank=True, related_name="slots"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("interview slot")
        indexes = [models.Index(fields=["mission", "starts_at"]), models.Index(fields=["household", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="slot_starts_before_it_ends"),
            models.CheckConstraint(condition=~Q(room="") | ~Q(video_link=""), name="slot_has_room_or_video_link"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.household_id}"


class SecurityOutcome(models.TextChoices):
    CLEAR = "clear", _("Clear")
    CONCERN = "concern", _("Concern (to follow up)")
    THREAT = "threat", _("Security threat")


class Interview(models.Model):
    """What happened at a slot: the interview took place (with the security check outcome)
    or nobody came. The notes are read by the pledging state's officers only."""

    class Outcome(models.TextChoices):
        TOOK_PLACE = "took_place", _("Took place")
        NO_SHOW = "no_show", _("No-show")

    slot = models.OneToOneField(InterviewSlot, on_delete=models.PROTECT, related_name="interview")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    security_outcome = models.CharField(
        _("security check"), max_length=16, choices=SecurityOutcome.choices, blank=True
    )
    threat_persons = models.ManyToManyField(
        "cases.Applicant", verbose_name=_("persons found a security threat"), blank=True, related_name="+"
    )
    notes = models.TextField(_("notes (pledging state only)"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["slot__starts_at", "id"]
        verbose_name = _("interview")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="took_place", security_outcome__in=["clear", "concern", "threat"])
                | Q(outcome="no_show", security_outcome=""),
                name="interview_security_outcome_when_held",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slot}: {self.get_outcome_display()}"


class RejectionReason(models.TextChoices):
    PUBLIC_SECURITY = "public_security", _("Public security")
    PUBLIC_ORDER = "public_order", _("Public order")
    EXCLUSION_GROUNDS = "exclusion_grounds", _("Exclusion grounds")
    CRITERIA_NOT_MET = "criteria_not_met", _("Does not meet the pledge's criteria")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("The applicant withdrew consent")
    OTHER = "other", _("Other (explain)")


class Decision(models.Model):
    """A pledging state's decision on one whole household (split it first to decide on part)."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    household = models.ForeignKey("cases.Household", on_delete=models.PROTECT, related_name="state_decisions")
    pledging_state = models.ForeignKey(
        "relocation.Country", verbose_name=_("pledging state"), on_delete=models.PROTECT, related_name="+"
    )
    mission = models.ForeignKey(
        SelectionMission, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    outcome = models.CharField(_("decision"), max_length=16, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=32, choices=RejectionReason.choices, blank=True)
    reason_text = models.TextField(_("explanation"), blank=True)
    # The people decided on, as they were (ids and names), for the record.
    members = models.JSONField(_("members"), default=list)
    persons = models.PositiveSmallIntegerField(_("persons"))
    returned_to_pool = models.BooleanField(_("returned to the pool"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("decision")
        indexes = [
            models.Index(fields=["pledging_state", "decided_at"]),
            models.Index(fields=["mission", "outcome"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["household", "pledging_state"], name="decision_once_per_state"),
            models.CheckConstraint(
                condition=Q(outcome="accepted", reason="", reason_text="")
                | (Q(outcome="rejected") & ~Q(reason="") & (~Q(reason="other") | ~Q(reason_text=""))),
                name="decision_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=["", *RejectionReason.values]), name="decision_reason_known"
            ),
            models.CheckConstraint(condition=Q(persons__gte=1), name="decision_persons_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.pledging_state_id} · {self.household_id} · {self.get_outcome_display()}"


# -- per-object grants (django-guardian, direct foreign keys) -------------------------------


class MissionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(SelectionMission, on_delete=models.CASCADE)


class MissionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(SelectionMission, on_delete=models.CASCADE)

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

from .deadlines import Extension, LegalBasis


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


# -- transfers of responsibility (Dublin Units) -------------------------------------------------
# The legal periods live in missions/deadlines.py; these rows keep the dates they produced.

class TransferOfResponsibility(models.Model):
    """A request from the frontline state's Dublin Unit to the receiving state's to take
    responsibility for a household, with the reply and the deadlines that follow from it."""

    class Reply(models.TextChoices):
        PENDING = "", _("Awaiting reply")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")
        TACIT = "tacit", _("Tacit acceptance")

    class ReexaminationReply(models.TextChoices):
        PENDING = "", _("Awaiting reply")
        ACCEPTED = "accepted", _("Accepted on re-examination")
        REFUSED = "refused", _("Refused on re-examination")

    household = models.ForeignKey(
        "cases.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="transfers"
    )
    requesting_state = models.ForeignKey(
        "relocation.Country", verbose_name=_("requesting state"), on_delete=models.PROTECT, related_name="+"
    )
    requested_state = models.ForeignKey(
        "relocation.Country", verbose_name=_("requested state"), on_delete=models.PROTECT, related_name="+"
    )
    legal_basis = models.CharField(_("legal basis"), max_length=32, choices=LegalBasis.choices)
    dublinet_reference = models.CharField(_("DubliNet reference"), max_length=60, blank=True)
    sent_on = models.DateField(_("sent on"))
    reply_due = models.DateField(_("reply due"))
    reply = models.CharField(_("reply"), max_length=16, choices=Reply.choices, blank=True, default="")
    refusal_reasons = models.TextField(_("reasons for the refusal"), blank=True)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    transfer_deadline = models.DateField(_("transfer deadline"), null=True, blank=True)
    extension = models.CharField(_("deadline extended for"), max_length=16, choices=Extension.choices, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    reexamination_requested_on = models.DateField(_("re-examination requested on"), null=True, blank=True)
    reexamination_reply_due = models.DateField(_("re-examination reply due"), null=True, blank=True)
    reexamination_reply = models.CharField(
        _("re-examination reply"), max_length=16, choices=ReexaminationReply.choices, blank=True, default=""
    )
    reexamination_replied_on = models.DateField(_("re-examination replied on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["reply_due", "id"]
        verbose_name = _("transfer of responsibility")
        verbose_name_plural = _("transfers of responsibility")
        indexes = [
            models.Index(fields=["requesting_state", "closed_at"], name="transfer_requesting_idx"),
            models.Index(fields=["requested_state", "closed_at"], name="transfer_requested_idx"),
            models.Index(fields=["reply", "reply_due"], name="transfer_reply_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(closed_at__isnull=True), name="transfer_one_open_per_household"
            ),
            models.CheckConstraint(
                condition=~Q(requesting_state=F("requested_state")), name="transfer_states_differ"
            ),
            models.CheckConstraint(condition=Q(reply_due__gte=F("sent_on")), name="transfer_reply_due_after_sent"),
            models.CheckConstraint(
                condition=Q(legal_basis__in=LegalBasis.values), name="transfer_legal_basis_known"
            ),
            # The reply fields agree with each other.
            models.CheckConstraint(
                condition=(
                    Q(reply="", replied_on__isnull=True, refusal_reasons="")
                    | (Q(reply__in=["accepted", "tacit"], replied_on__isnull=False, refusal_reasons=""))
                    | (Q(reply="refused", replied_on__isnull=False) & ~Q(refusal_reasons=""))
                ),
                name="transfer_reply_consistent",
            ),
            # A transfer deadline exists exactly when responsibility was accepted.
            models.CheckConstraint(
                condition=(
                    (Q(reply__in=["accepted", "tacit"]) | Q(reexamination_reply="accepted"))
                    & Q(transfer_deadline__isnull=False)
                )
                | (~Q(reply__in=["accepted", "tacit"]) & ~Q(reexamination_reply="accepted") & Q(transfer_deadline__isnull=True)),
                name="transfer_deadline_when_accepted",
            ),
            models.CheckConstraint(
                condition=Q(reexamination_requested_on__isnull=True) | Q(reply="refused"),
                name="transfer_reexamination_after_refusal",
            ),
            models.CheckConstraint(
                condition=Q(reexamination_reply="", reexamination_replied_on__isnull=True)
                | Q(reexamination_requested_on__isnull=False, reexamination_replied_on__isnull=False),
                name="transfer_reexamination_reply_consistent",
            ),
            models.CheckConstraint(
                condition=Q(extension="", extension_reason="") | (~Q(extension="") & ~Q(extension_reason="")),
                name="transfer_extension_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requesting_state_id} → {self.requested_state_id} · {self.household_id} ({self.sent_on})"

    @property
    def responsibility_accepted(self) -> bool:
        return self.reply in (self.Reply.ACCEPTED, self.Reply.TACIT) or (
            self.reexamination_reply == self.ReexaminationReply.ACCEPTED
        )

    def next_due(self) -> tuple[str, object] | None:
        """The date that matters now: (what, date)."""
        if self.closed_at is not None:
            return None
        if not self.reply:
            return ("reply", self.reply_due)
        if self.responsibility_accepted:
            return ("transfer", self.transfer_deadline)
        if self.reexamination_requested_on and not self.reexamination_reply:
            return ("reexamination_reply", self.reexamination_reply_due)
        return None


class TransferFlag(models.Model):
    """One deadline flag of a transfer (due soon, passed): the job notifies once per flag."""

    class Kind(models.TextChoices):
        REPLY_SOON = "reply_soon", _("Reply due within days")
        REPLY_PASSED = "reply_passed", _("Reply period ended")
        TRANSFER_SOON = "transfer_soon", _("Transfer deadline within days")
        TRANSFER_PASSED = "transfer_passed", _("Transfer deadline passed")
        REEXAMINATION_SOON = "reexamination_reply_soon", _("Re-examination reply due within days")
        REEXAMINATION_PASSED = "reexamination_reply_passed", _("Re-examination reply period ended")

    transfer = models.ForeignKey(TransferOfResponsibility, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(_("flag"), max_length=32, choices=Kind.choices)
    due = models.DateField(_("due"))
    flagged_on = models.DateField(_("flagged on"))

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("deadline flag")
        constraints = [
            models.UniqueConstraint(fields=["transfer", "kind", "due"], name="transferflag_once"),
        ]

    def __str__(self) -> str:
        return f"{self.transfer_id}: {self.kind} {self.due}"


# -- IOM: health, orientation, travel documents, fitness to travel (per person) ------------------


class Assistance(models.TextChoices):
    WHEELCHAIR = "wheelchair", _("Wheelchair")
    OXYGEN = "oxygen", _("Oxygen")
    STRETCHER = "stretcher", _("Stretcher")
    MEDICAL_ESCORT = "medical_escort", _("Medical escort")
    REDUCED_MOBILITY = "reduced_mobility", _("Reduced mobility assistance")
    INFANT_CARE = "infant_care", _("Infant care (bassinet)")


class HealthAssessment(models.Model):
    """IOM's health assessment of one person. The medical notes are restricted to IOM and the
    receiving state's officers; the outcome and assistance needs travel on the manifest."""

    class Outcome(models.TextChoices):
        FIT = "fit", _("Fit")
        UNFIT = "unfit", _("Unfit")
        FIT_WITH_ESCORT = "fit_with_escort", _("Fit with escort")

    applicant = models.ForeignKey("cases.Applicant", on_delete=models.PROTECT, related_name="health_assessments")
    assessed_on = models.DateField(_("assessed on"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    assistance = models.JSONField(_("special assistance"), default=list, blank=True)
    medical_notes = models.TextField(_("medical notes (IOM and receiving state only)"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["applicant_id", "assessed_on", "id"]
        verbose_name = _("health assessment")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["fit", "unfit", "fit_with_escort"]), name="health_outcome_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant_id}: {self.outcome} ({self.assessed_on})"


class PreDepartureOrientation(models.Model):
    applicant = models.ForeignKey("cases.Applicant", on_delete=models.PROTECT, related_name="orientations")
    held_on = models.DateField(_("held on"))
    language = models.ForeignKey("relocation.Language", verbose_name=_("language"), on_delete=models.PROTECT)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["applicant_id", "held_on", "id"]
        verbose_name = _("pre-departure orientation")

    def __str__(self) -> str:
        return f"{self.applicant_id}: {self.held_on}"


class TravelDocument(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ISSUED = "issued", _("Issued")
        REFUSED = "refused", _("Refused")

    applicant = models.OneToOneField("cases.Applicant", on_delete=models.PROTECT, related_name="travel_document")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    number = models.CharField(_("document number"), max_length=40, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("travel document")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["requested", "issued", "refused"]), name="traveldoc_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant_id}: {self.status}"


class FitnessCheck(models.Model):
    """The fitness-to-travel check just before departure."""

    applicant = models.ForeignKey("cases.Applicant", on_delete=models.PROTECT, related_name="fitness_checks")
    checked_on = models.DateField(_("checked on"))
    fit = models.BooleanField(_("fit to travel"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["applicant_id", "checked_on", "id"]
        verbose_name = _("fitness-to-travel check")

    def __str__(self) -> str:
        return f"{self.applicant_id}: {'fit' if self.fit else 'unfit'} ({self.checked_on})"


# -- movements ---------------------------------------------------------------------------------


class Movement(models.Model):
    """A flight (or other journey) of whole households from a frontline state to a receiving state."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DEPARTED = "departed", _("Departed")
        ARRIVED = "arrived", _("Arrival confirmed")

    frontline_state = models.ForeignKey(
        "relocation.Country", verbose_name=_("from (frontline state)"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"is_frontline": True},
    )
    receiving_state = models.ForeignKey(
        "relocation.Country", verbose_name=_("to (receiving state)"), on_delete=models.PROTECT, related_name="+"
    )
    departs_on = models.DateField(_("date"))
    departure_airport = models.CharField(_("departure airport (IATA)"), max_length=3)
    arrival_airport = models.CharField(_("arrival airport (IATA)"), max_length=3)
    carrier = models.CharField(_("carrier"), max_length=100)
    flight_number = models.CharField(_("flight number"), max_length=10, blank=True)
    escorts = models.PositiveSmallIntegerField(_("escorts"), default=0)
    capacity = models.PositiveSmallIntegerField(_("capacity (persons)"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-departs_on", "-id"]
        verbose_name = _("movement")
        indexes = [models.Index(fields=["frontline_state", "departs_on"]), models.Index(fields=["receiving_state"])]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="movement_capacity_positive"),
            models.CheckConstraint(
                condition=~Q(frontline_state=F("receiving_state")), name="movement_states_differ"
            ),
            models.CheckConstraint(
                condition=Q(departure_airport__regex=r"^[A-Z]{3}$") & Q(arrival_airport__regex=r"^[A-Z]{3}$"),
                name="movement_airports_iata",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "departed", "arrived"]), name="movement_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.frontline_state_id} → {self.receiving_state_id} {self.departs_on} {self.flight_number}".strip()


class MovementHousehold(models.Model):
    """A whole household on a movement, with what happened at departure and at arrival."""

    class Departure(models.TextChoices):
        PENDING = "", _("Not confirmed")
        BOARDED = "boarded", _("Boarded")
        NO_SHOW = "no_show", _("No-show")

    class Arrival(models.TextChoices):
        PENDING = "", _("Not confirmed")
        ARRIVED = "arrived", _("Safe arrival")
        NO_SHOW = "no_show", _("No-show")

    movement = models.ForeignKey(Movement, on_delete=models.PROTECT, related_name="households")
    household = models.ForeignKey("cases.Household", on_delete=models.PROTECT, related_name="movements")
    persons = models.PositiveSmallIntegerField(_("persons"))
    departure = models.CharField(_("departure"), max_length=16, choices=Departure.choices, blank=True, default="")
    departure_confirmed_at = models.DateTimeField(null=True, blank=True)
    arrival = models.CharField(_("arrival"), max_length=16, choices=Arrival.choices, blank=True, default="")
    arrival_confirmed_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["movement_id", "id"]
        verbose_name = _("household on a movement")
        constraints = [
            models.UniqueConstraint(fields=["movement", "household"], name="movement_household_once"),
            # A household travels on one movement at a time (a no-show may be booked again).
            models.UniqueConstraint(
                fields=["household"], condition=~Q(departure="no_show"), name="movement_household_one_active"
            ),
            models.CheckConstraint(condition=Q(persons__gte=1), name="movement_household_persons_positive"),
            models.CheckConstraint(
                condition=Q(arrival="") | Q(departure="boarded"), name="movement_arrival_after_boarding"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.movement_id}: {self.household_id}"


class Passenger(models.Model):
    """One person's boarding (boarded / no-show), recorded at departure."""

    movement_household = models.ForeignKey(MovementHousehold, on_delete=models.CASCADE, related_name="passengers")
    applicant = models.ForeignKey("cases.Applicant", on_delete=models.PROTECT, related_name="+")
    boarded = models.BooleanField(_("boarded"))

    class Meta:
        ordering = ["movement_household_id", "applicant_id"]
        verbose_name = _("passenger")
        constraints = [
            models.UniqueConstraint(fields=["movement_household", "applicant"], name="passenger_once"),
        ]

    def __str__(self) -> str:
        return f"{self.applicant_id}: {'boarded' if self.boarded else 'no-show'}"

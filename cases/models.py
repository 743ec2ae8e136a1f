"""Case files: households (the unit that relocates together), their members, what was
assessed about each person, and the history of each household's status.

Writes go through ``cases.services``; nothing here has side effects in ``save()``.
Fields marked "maintained by the service" (composition, size, search key, the
denormalised frontline state of an applicant, the security flag) are never typed by a user.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from collections.abc import Iterable
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

ADULT_AGE = 18


class CaseStatus(models.TextChoices):
    IDENTIFIED = "identified", _("Identified")
    INFORMED = "informed", _("Informed")
    ASSESSED = "assessed", _("Assessed")
    ELIGIBLE = "eligible", _("Eligible")
    AVAILABLE = "available", _("Consented, available for matching")
    PROPOSED = "proposed", _("Proposed to a pledging state")
    INTERVIEW_SCHEDULED = "interview_scheduled", _("Interview scheduled")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    TRANSFER_PENDING = "transfer_pending", _("Transfer of responsibility pending")
    READY_FOR_DEPARTURE = "ready_for_departure", _("Ready for departure")
    DEPARTED = "departed", _("Departed")
    RELOCATED = "relocated", _("Relocated")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
    ABSCONDED = "absconded", _("Absconded")
    EXCLUDED = "excluded", _("Excluded")
    INELIGIBLE = "ineligible", _("Ineligible")
    CLOSED = "closed", _("Closed")


# The life of a case in order; the exits follow.
PIPELINE = [
    CaseStatus.IDENTIFIED,
    CaseStatus.INFORMED,
    CaseStatus.ASSESSED,
    CaseStatus.ELIGIBLE,
    CaseStatus.AVAILABLE,
    CaseStatus.PROPOSED,
    CaseStatus.INTERVIEW_SCHEDULED,
    CaseStatus.ACCEPTED,
    CaseStatus.REJECTED,
    CaseStatus.TRANSFER_PENDING,
    CaseStatus.READY_FOR_DEPARTURE,
    CaseStatus.DEPARTED,
    CaseStatus.RELOCATED,
]
EXIT_STATUSES = [
    CaseStatus.CONSENT_WITHDRAWN,
    CaseStatus.ABSCONDED,
    CaseStatus.EXCLUDED,
    CaseStatus.INELIGIBLE,
    CaseStatus.CLOSED,
]
# Still moving through the pipeline (a relocated household is done, not active).
ACTIVE_STATUSES = [s for s in PIPELINE if s != CaseStatus.RELOCATED]
# A pledging state is involved: the household is proposed to, or accepted by, its destination state.
WITH_DESTINATION = [
    CaseStatus.PROPOSED,
    CaseStatus.INTERVIEW_SCHEDULED,
    CaseStatus.ACCEPTED,
    CaseStatus.TRANSFER_PENDING,
    CaseStatus.READY_FOR_DEPARTURE,
    CaseStatus.DEPARTED,
    CaseStatus.RELOCATED,
]
# From acceptance on (Dublin Units), from the transfer on (IOM).
FROM_ACCEPTED = WITH_DESTINATION[2:]
FROM_TRANSFER_PENDING = WITH_DESTINATION[3:]


class Composition(models.TextChoices):
    """The matching contract's vocabulary; derived from the members, never typed."""

    SINGLE_MAN = "single_man", _("Single man")
    SINGLE_WOMAN = "single_woman", _("Single woman")
    COUPLE = "couple", _("Couple")
    FAMILY_WITH_CHILDREN = "family_with_children", _("Family with children")
    SINGLE_PARENT = "single_parent", _("Single parent")
    UNACCOMPANIED_MINOR = "unaccompanied_minor", _("Unaccompanied minor")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class Relationship(models.TextChoices):
    PRINCIPAL = "principal", _("Principal applicant")
    SPOUSE = "spouse", _("Spouse or partner")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other relative")


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def derive_composition(members: Iterable, on: dt.date | None = None) -> str:
    """The household's composition from its members (anything with ``date_of_birth``, ``sex``
    and ``relationship_to_principal``). Empty string for an empty household.

    * no adult: unaccompanied minor(s);
    * one adult: with minors a single parent, otherwise a single man or woman;
    * two or more adults: with minors, or with adult children or parents among them, a family
      with children; otherwise a couple.
    """
    day = on or timezone.localdate()
    members = list(members)
    if not members:
        return ""
    adults = [m for m in members if age_on(m.date_of_birth, day) >= ADULT_AGE]
    minors = len(members) - len(adults)
    if not adults:
        return Composition.UNACCOMPANIED_MINOR
    if len(adults) == 1:
        if minors:
            return Composition.SINGLE_PARENT
        return Composition.SINGLE_WOMAN if adults[0].sex == Sex.FEMALE else Composition.SINGLE_MAN
    if minors or any(
        m.relationship_to_principal in (Relationship.CHILD, Relationship.PARENT) for m in adults
    ):
        return Composition.FAMILY_WITH_CHILDREN
    return Composition.COUPLE


def search_key(*parts: str) -> str:
    """Lowercased text without accents or other marks: what name search compares against.

    Works for any script: Latin accents, Arabic short vowels and hamza marks (so that
    a name typed without them is found), Greek tonos; the Arabic tatweel, which only
    stretches a word, is dropped too.
    """
    text = " ".join(p.strip() for p in parts if p and p.strip())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c) and c != TATWEEL)
    return " ".join(stripped.casefold().split())


TATWEEL = "\u0640"


class CaseNumberCounter(models.Model):
    """The last case number handed out per frontline state and year (rows locked while used)."""

    frontline_state = models.ForeignKey(
        "relocation.Country", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["frontline_state", "year"], name="case_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.frontline_state_id}-{self.year}: {self.last}"


class Household(models.Model):
    case_number = models.CharField(_("case number"), max_length=20, unique=True)
    frontline_state = models.ForeignKey(
        "relocation.Country",
        verbose_name=_("frontline state"),
        on_delete=models.PROTECT,
        limit_choices_to={"is_frontline": True},
        related_name="households",
    )
    site = models.CharField(_("site"), max_length=200, blank=True, help_text=_("e.g. a reception centre"))
    registered_on = models.DateField(_("registered on"))
    status = models.CharField(
        _("status"), max_length=32, choices=CaseStatus.choices, default=CaseStatus.IDENTIFIED, db_index=True
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    owner = models.ForeignKey(
        "relocation.Organisation",
        verbose_name=_("owner organisation"),
        help_text=_("The organisation whose file this is (EUAA)."),
        on_delete=models.PROTECT,
        related_name="households",
    )
    destination_state = models.ForeignKey(
        "relocation.Country",
        verbose_name=_("destination state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households_destined",
    )
    excluded_states = models.ManyToManyField(
        "relocation.Country",
        verbose_name=_("states that rejected the household"),
        blank=True,
        related_name="+",
    )
    # Maintained by the service from the members.
    composition = models.CharField(
        _("composition"), max_length=32, choices=Composition.choices, blank=True, db_index=True
    )
    size = models.PositiveSmallIntegerField(_("persons"), default=0)
    vulnerable_members = models.PositiveSmallIntegerField(_("vulnerable members"), default=0)
    has_family_ties = models.BooleanField(_("has family ties"), default=False)
    has_cultural_ties = models.BooleanField(_("has cultural ties"), default=False)
    # Incremented by every write through the service: forms send it back to detect a stale page.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["case_number"]
        verbose_name = _("household")
        indexes = [
            models.Index(fields=["frontline_state", "status", "registered_on"], name="household_queue_idx"),
            models.Index(fields=["destination_state", "status"], name="household_destination_idx"),
            models.Index(fields=["status", "status_changed_at"], name="household_status_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(destination_state=F("frontline_state")),
                name="household_destination_not_frontline",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[s.value for s in WITH_DESTINATION]) | Q(destination_state__isnull=False),
                name="household_proposed_on_has_destination",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in CaseStatus]), name="household_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(vulnerable_members__lte=F("size")), name="household_vulnerable_within_size"
            ),
        ]

    def __str__(self) -> str:
        return self.case_number


class Applicant(models.Model):
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members"
    )
    # A copy of the household's frontline state, so the database keeps registration numbers
    # unique within a state. Set by the service.
    frontline_state = models.ForeignKey(
        "relocation.Country", on_delete=models.PROTECT, related_name="+", editable=False
    )
    given_name = models.CharField(_("given name (Latin)"), max_length=100)
    family_name = models.CharField(_("family name (Latin)"), max_length=100, blank=True)
    given_name_native = models.CharField(_("given name (own script)"), max_length=100, blank=True)
    family_name_native = models.CharField(_("family name (own script)"), max_length=100, blank=True)
    # The names as search compares against them (search_key; set by set_search_names): the
    # Latin one, and the one in the person's own script.
    search_name = models.CharField(max_length=210, editable=False, db_index=True)
    search_name_native = models.CharField(max_length=210, editable=False, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    dob_estimated = models.BooleanField(_("date of birth estimated"), default=False)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    nationality = models.ForeignKey(
        "relocation.Country",
        verbose_name=_("nationality"),
        help_text=_("XX for stateless."),
        on_delete=models.PROTECT,
        related_name="+",
    )
    languages = models.ManyToManyField("relocation.Language", verbose_name=_("languages"), blank=True)
    relationship_to_principal = models.CharField(
        _("relationship to the principal applicant"), max_length=16, choices=Relationship.choices
    )
    registration_number = models.CharField(
        _("asylum registration number"), max_length=40, blank=True,
        help_text=_("The national asylum registration number, unique within the frontline state."),
    )
    # Set only by the security-exclusion service; never cleared.
    security_excluded = models.BooleanField(_("security exclusion"), default=False, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["household_id", "id"]
        verbose_name = _("applicant")
        constraints = [
            models.UniqueConstraint(
                fields=["frontline_state", "registration_number"],
                condition=~Q(registration_number=""),
                name="applicant_registration_unique_in_state",
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relationship_to_principal="principal"),
                name="applicant_one_principal_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def full_name(self) -> str:
        return str(self)

    @property
    def full_name_native(self) -> str:
        return f"{self.given_name_native} {self.family_name_native}".strip()

    def set_search_names(self) -> None:
        """Derive the search names from the names (before every save that may change them)."""
        self.search_name = search_key(self.given_name, self.family_name)
        self.search_name_native = search_key(self.given_name_native, self.family_name_native)

    def age(self, on: dt.date | None = None) -> int:
        return age_on(self.date_of_birth, on or timezone.localdate())

    def is_adult(self, on: dt.date | None = None) -> bool:
        return self.age(on) >= ADULT_AGE


class StatusChange(models.Model):
    """One row per transition of a household; durations per stage are computed from these."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=32, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=32, choices=CaseStatus.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    destination_state = models.ForeignKey(
        "relocation.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("status change")
        indexes = [
            models.Index(fields=["household", "at"], name="statuschange_household_at_idx"),
            models.Index(fields=["to_status", "at"], name="statuschange_to_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.from_status} -> {self.to_status}"


# -- assessments per person ---------------------------------------------------------------


class VulnerabilityAssessment(models.Model):
    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="vulnerabilities")
    category = models.ForeignKey(
        "relocation.VulnerabilityCategory", verbose_name=_("category"), on_delete=models.PROTECT
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed"), default=timezone.now)
    # Restricted: shown to EUAA staff only (health, violence, orientation).
    notes = models.TextField(_("restricted notes"), blank=True)

    class Meta:
        ordering = ["applicant_id", "category__position"]
        verbose_name = _("vulnerability assessment")
        constraints = [
            models.UniqueConstraint(fields=["applicant", "category"], name="vulnerability_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.applicant}: {self.category_id}"


class TieStatus(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    RESIDENT = "resident", _("Legal resident")
    PROTECTION = "protection", _("Beneficiary of international protection")
    APPLICANT = "applicant", _("Asylum applicant")
    OTHER = "other", _("Other or unknown")


class FamilyTie(models.Model):
    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="family_ties")
    state = models.ForeignKey("relocation.Country", verbose_name=_("state"), on_delete=models.PROTECT, related_name="+")
    relationship = models.CharField(_("relative"), max_length=100, help_text=_("e.g. brother, aunt"))
    status_there = models.CharField(_("status there"), max_length=16, choices=TieStatus.choices)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("family tie")

    def __str__(self) -> str:
        return f"{self.relationship} in {self.state_id}"


class CulturalTie(models.Model):
    class Kind(models.TextChoices):
        LANGUAGE = "language", _("Speaks the language")
        RESIDENCE = "residence", _("Earlier residence")
        STUDY = "study", _("Study")
        WORK = "work", _("Work")

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="cultural_ties")
    state = models.ForeignKey("relocation.Country", verbose_name=_("state"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("cultural tie")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} in {self.state_id}"


class InformationSession(models.Model):
    """The household (or one member) was informed about relocation."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="information_sessions")
    applicant = models.ForeignKey(
        Applicant, on_delete=models.CASCADE, null=True, blank=True, related_name="information_sessions",
        help_text=_("Empty when the whole household attended."),
    )
    held_on = models.DateField(_("date"))
    language = models.ForeignKey("relocation.Language", verbose_name=_("language"), on_delete=models.PROTECT)
    interpreter = models.BooleanField(_("with an interpreter"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on", "id"]
        verbose_name = _("information session")

    def __str__(self) -> str:
        return f"{self.household_id} {self.held_on}"


class Consent(models.Model):
    """Consent to relocation, given or withdrawn; the newest row per person is what holds."""

    class How(models.TextChoices):
        SIGNED_FORM = "signed_form", _("Signed form")
        ORAL_WITNESSED = "oral_witnessed", _("Oral, with a witness")
        GUARDIAN = "guardian", _("By a guardian or representative")

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="consents")
    given = models.BooleanField(_("consent given"), help_text=_("Untick to record a withdrawal."))
    at = models.DateTimeField(_("when"), default=timezone.now)
    how_recorded = models.CharField(_("how recorded"), max_length=16, choices=How.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        get_latest_by = ["at", "id"]
        verbose_name = _("consent")
        indexes = [models.Index(fields=["applicant", "at"], name="consent_applicant_at_idx")]

    def __str__(self) -> str:
        return f"{self.applicant}: {'given' if self.given else 'withdrawn'}"


class EligibilityDecision(models.Model):
    """Eligible for relocation or not, with the reason; the newest row per person holds."""

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="eligibility_decisions")
    eligible = models.BooleanField(_("eligible"))
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["decided_at", "id"]
        get_latest_by = ["decided_at", "id"]
        verbose_name = _("eligibility decision")
        indexes = [models.Index(fields=["applicant", "decided_at"], name="eligibility_applicant_at_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(eligible=True) | ~Q(reason=""), name="eligibility_refusal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant}: {'eligible' if self.eligible else 'not eligible'}"


class SecurityExclusion(models.Model):
    """The person is a security threat: excluded from any future relocation (AMMR Art. 67(2))."""

    applicant = models.OneToOneField(Applicant, on_delete=models.PROTECT, related_name="security_exclusion")
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("security exclusion")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="security_exclusion_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.applicant}: excluded"


# -- documents ----------------------------------------------------------------------------

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_CONTENT_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}


def document_path(instance: Document, filename: str) -> str:
    # A random name: the stored path reveals nothing about the person or the original file.
    suffix = DOCUMENT_CONTENT_TYPES.get(instance.content_type, "")
    return str(PurePosixPath("households") / str(instance.household_id) / f"{uuid.uuid4().hex}{suffix}")


class Document(models.Model):
    class Kind(models.TextChoices):
        CONSENT_FORM = "consent_form", _("Consent form")
        IDENTITY_DOCUMENT = "identity_document", _("Identity document")
        MEDICAL_CERTIFICATE = "medical_certificate", _("Medical certificate")
        OTHER = "other", _("Other")

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="documents")
    applicant = models.ForeignKey(
        Applicant, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    kind = models.CharField(_("type"), max_length=24, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("document")
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0) & Q(size__lte=DOCUMENT_MAX_BYTES), name="document_size_limit"
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=list(DOCUMENT_CONTENT_TYPES)), name="document_content_type_allowed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


# -- per-object grants (django-guardian, direct foreign keys) -------------------------------


class HouseholdUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Household, on_delete=models.CASCADE)


class HouseholdGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Household, on_delete=models.CASCADE)

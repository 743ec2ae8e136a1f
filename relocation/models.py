"""The core floor: reference data, organisations, users and roles, audit trail, notifications."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Country(models.Model):
    """An ISO 3166-1 country. EU+ states carry flags for their role in the operation.

    Nationalities point here too; ``XX`` stands for stateless.
    """

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    is_eu_plus = models.BooleanField(_("EU+ state"), default=False)
    is_frontline = models.BooleanField(_("frontline (benefitting) state"), default=False)
    is_signatory = models.BooleanField(_("signatory of the 2022 Declaration of Solidarity"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2}$"), name="country_code_is_two_capitals"
            ),
            models.CheckConstraint(
                condition=Q(is_frontline=False) | Q(is_eu_plus=True),
                name="country_frontline_is_eu_plus",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Language(models.Model):
    code = models.CharField(_("ISO 639-1 code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("language")

    def __str__(self) -> str:
        return self.name


class VulnerabilityCategory(models.Model):
    """Article 24 of the recast Reception Conditions Directive (EU) 2024/1346."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = _("vulnerability category")
        verbose_name_plural = _("vulnerability categories")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        EUAA = "euaa", _("EU Agency for Asylum")
        COMMISSION = "commission", _("European Commission")
        IOM = "iom", _("International Organization for Migration")
        NATIONAL_AUTHORITY = "national_authority", _("National authority")

    class AuthorityType(models.TextChoices):
        ASYLUM_SERVICE = "asylum_service", _("Asylum service")
        DUBLIN_UNIT = "dublin_unit", _("Dublin Unit")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    authority_type = models.CharField(
        _("authority type"), max_length=32, choices=AuthorityType.choices, blank=True
    )
    country = models.ForeignKey(
        Country, verbose_name=_("state"), on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        constraints = [
            # A national authority belongs to a state and has a type; the EU bodies and IOM do not.
            models.CheckConstraint(
                condition=(
                    Q(kind="national_authority", country__isnull=False)
                    & ~Q(authority_type="")
                )
                | (~Q(kind="national_authority") & Q(country__isnull=True, authority_type="")),
                name="organisation_national_authority_has_state_and_type",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )

    class Meta(AbstractUser.Meta):
        constraints = [
            # Everyone but a superuser belongs to an organisation.
            models.CheckConstraint(
                condition=Q(is_superuser=True) | Q(organisation__isnull=False),
                name="user_belongs_to_an_organisation",
            ),
        ]


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("EUAA caseworker")
    COORDINATOR = "coordinator", _("EUAA matching coordinator")
    OFFICER = "officer", _("Pledging-state officer")
    DUBLIN_OFFICER = "dublin_officer", _("Dublin Unit officer")
    IOM_OFFICER = "iom_officer", _("IOM logistics officer")
    COMMISSION = "commission", _("Commission coordinator")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles that act within one state: the frontline operation they are deployed in
# (caseworker, IOM) or their own state (pledging-state officer, Dublin Unit).
SCOPED_ROLES = (Role.CASEWORKER, Role.OFFICER, Role.DUBLIN_OFFICER, Role.IOM_OFFICER)
FRONTLINE_SCOPED_ROLES = (Role.CASEWORKER, Role.IOM_OFFICER)

# Which organisation may hold which role.
ROLE_ORGANISATION = {
    Role.CASEWORKER: (Organisation.Kind.EUAA, ""),
    Role.COORDINATOR: (Organisation.Kind.EUAA, ""),
    Role.OFFICER: (Organisation.Kind.NATIONAL_AUTHORITY, Organisation.AuthorityType.ASYLUM_SERVICE),
    Role.DUBLIN_OFFICER: (Organisation.Kind.NATIONAL_AUTHORITY, Organisation.AuthorityType.DUBLIN_UNIT),
    Role.IOM_OFFICER: (Organisation.Kind.IOM, ""),
    Role.COMMISSION: (Organisation.Kind.COMMISSION, ""),
}


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    country = models.ForeignKey(
        Country,
        verbose_name=_("state"),
        help_text=_("The operation (frontline state) or own state the role acts in."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("role assignment")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role__in=[r.value for r in SCOPED_ROLES]) & Q(country__isnull=False))
                | (~Q(role__in=[r.value for r in SCOPED_ROLES]) & Q(country__isnull=True)),
                name="role_assignment_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "country"], name="role_assignment_unique_scoped"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(country__isnull=True),
                name="role_assignment_unique_unscoped",
            ),
        ]

    def __str__(self) -> str:
        scope = f" ({self.country_id})" if self.country_id else ""
        return f"{self.user} · {self.get_role_display()}{scope}"

    def clean(self) -> None:
        org = self.user.organisation if self.user_id else None
        if self.role in FRONTLINE_SCOPED_ROLES and self.country_id and not self.country.is_frontline:
            raise ValidationError({"country": _("This role acts in a frontline state's operation.")})
        expected = ROLE_ORGANISATION.get(self.role)
        if expected and org is not None:
            kind, authority_type = expected
            if org.kind != kind or (authority_type and org.authority_type != authority_type):
                raise ValidationError({"role": _("The user's organisation cannot hold this role.")})
            if org.kind == Organisation.Kind.NATIONAL_AUTHORITY and org.country_id != self.country_id:
                raise ValidationError({"country": _("A national authority acts for its own state only.")})


class AuditEvent(models.Model):
    """Append-only: who did what to which object, when and from where.

    The application never updates or deletes a row (``save`` refuses updates, the admin is
    read-only) and on PostgreSQL a trigger refuses UPDATE and DELETE outright.
    """

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("who"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    actor_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit events are append-only.")


class Notification(models.Model):
    """A message to one user, shown in the application and sent by email."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.subject

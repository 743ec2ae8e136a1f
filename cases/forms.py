"""Forms of the caseworker pages. They check input and carry field-level errors; the writes
themselves are ``cases.services`` calls made by the views."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relocation.models import Country, Language, VulnerabilityCategory

from .models import (
    Applicant,
    Consent,
    CulturalTie,
    Document,
    Relationship,
    TieStatus,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def frontline_choices(codes) -> list[tuple[str, str]]:
    return list(Country.objects.filter(is_frontline=True, code__in=codes).values_list("code", "name"))


def parse_languages(text: str) -> list[str]:
    """ISO 639-1 codes or English names, comma separated -> codes; ValidationError naming the unknown."""
    from .importing import LANGUAGE_ALIASES, fold

    words = [w.strip() for w in text.replace(";", ",").split(",") if w.strip()]
    if not words:
        return []
    known = {}
    for code, name in Language.objects.values_list("code", "name"):
        known[fold(code)] = code
        known[fold(name)] = code
    for word, code in LANGUAGE_ALIASES.items():
        known.setdefault(word, code)
    codes, unknown = [], []
    for word in words:
        code = known.get(fold(word))
        if code is None:
            unknown.append(word)
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise ValidationError(_("Unknown language: %(words)s.") % {"words": ", ".join(unknown)})
    return codes


# -- registering a household ----------------------------------------------------------------------


class HouseholdForm(forms.Form):
    frontline_state = forms.ChoiceField(label=_("Frontline state"))
    site = forms.CharField(
        label=_("Site"), required=False, max_length=200, help_text=_("e.g. a reception centre")
    )
    registered_on = forms.DateField(label=_("Registered on"), widget=DATE_INPUT, initial=timezone.localdate)

    def __init__(self, *args, states=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = frontline_choices(states)
        self.fields["frontline_state"].choices = choices
        if len(choices) == 1:
            self.fields["frontline_state"].initial = choices[0][0]

    def clean_registered_on(self):
        value = self.cleaned_data["registered_on"]
        if value > timezone.localdate():
            raise ValidationError(_("The registration date cannot be in the future."))
        return value


class MemberForm(forms.ModelForm):
    languages_text = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=300,
        help_text=_("ISO codes or names, separated by commas (e.g. fa, en)"),
    )

    class Meta:
        model = Applicant
        fields = [
            "given_name",
            "family_name",
            "given_name_native",
            "family_name_native",
            "date_of_birth",
            "dob_estimated",
            "sex",
            "nationality",
            "relationship_to_principal",
            "registration_number",
        ]
        widgets = {"date_of_birth": DATE_INPUT}

    def __init__(self, *args, frontline_state: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.frontline_state = frontline_state
        self.fields["family_name"].required = True

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value and value > timezone.localdate():
            raise ValidationError(_("The date of birth is in the future."))
        return value

    def clean_registration_number(self):
        value = (self.cleaned_data.get("registration_number") or "").strip().upper()
        if (
            value
            and self.frontline_state
            and Applicant.objects.filter(frontline_state_id=self.frontline_state, registration_number=value)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise ValidationError(_("This registration number is already used in this frontline state."))
        return value

    def clean_languages_text(self):
        return parse_languages(self.cleaned_data.get("languages_text") or "")

    def member_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self._meta.fields}
        data["languages"] = self.cleaned_data["languages_text"]
        return data


class BaseMemberFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        filled = [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]
        if not filled:
            raise ValidationError(_("Register at least one member."))
        principals = [
            f for f in filled if f.cleaned_data.get("relationship_to_principal") == Relationship.PRINCIPAL
        ]
        if len(principals) != 1:
            raise ValidationError(_("Exactly one member must be the principal applicant."))
        numbers = [
            f.cleaned_data.get("registration_number")
            for f in filled
            if f.cleaned_data.get("registration_number")
        ]
        if len(numbers) != len(set(numbers)):
            raise ValidationError(_("Two members have the same registration number."))

    def filled_forms(self):
        return [f for f in self.forms if f.has_changed()]


MemberFormSet = forms.formset_factory(
    MemberForm, formset=BaseMemberFormSet, extra=4, max_num=20, validate_max=True
)


class AddMemberForm(MemberForm):
    pass


class EditMemberForm(MemberForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["languages_text"].initial = ", ".join(
                self.instance.languages.order_by("code").values_list("code", flat=True)
            )


class HouseholdEditForm(forms.Form):
    site = forms.CharField(
        label=_("Site"), required=False, max_length=200, help_text=_("e.g. a reception centre")
    )
    registered_on = forms.DateField(label=_("Registered on"), widget=DATE_INPUT)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_registered_on(self):
        value = self.cleaned_data["registered_on"]
        if value > timezone.localdate():
            raise ValidationError(_("The registration date cannot be in the future."))
        return value


# -- assessments and records on the case page --------------------------------------------------------


class _MemberChoiceMixin:
    def limit_members(self, household):
        members = household.members.order_by("id")
        for name in ("applicant", "applicants"):
            if name in self.fields:
                self.fields[name].queryset = members


class InformationSessionForm(_MemberChoiceMixin, forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE_INPUT, initial=timezone.localdate)
    language = forms.ModelChoiceField(label=_("Language"), queryset=Language.objects.all())
    interpreter = forms.BooleanField(label=_("With an interpreter"), required=False)
    applicant = forms.ModelChoiceField(
        label=_("Who attended"),
        queryset=Applicant.objects.none(),
        required=False,
        empty_label=_("The whole household"),
    )


class VulnerabilityForm(_MemberChoiceMixin, forms.Form):
    applicant = forms.ModelChoiceField(label=_("Person"), queryset=Applicant.objects.none())
    category = forms.ModelChoiceField(label=_("Vulnerability"), queryset=VulnerabilityCategory.objects.all())
    notes = forms.CharField(
        label=_("Restricted notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by EUAA staff only. Write only what the relocation needs."),
    )


class FamilyTieForm(_MemberChoiceMixin, forms.Form):
    applicant = forms.ModelChoiceField(label=_("Person"), queryset=Applicant.objects.none())
    state = forms.ModelChoiceField(label=_("State"), queryset=Country.objects.filter(is_eu_plus=True))
    relationship = forms.CharField(label=_("Relative"), max_length=100, help_text=_("e.g. brother, aunt"))
    status_there = forms.ChoiceField(label=_("Status there"), choices=TieStatus.choices)


class CulturalTieForm(_MemberChoiceMixin, forms.Form):
    applicant = forms.ModelChoiceField(label=_("Person"), queryset=Applicant.objects.none())
    state = forms.ModelChoiceField(label=_("State"), queryset=Country.objects.filter(is_eu_plus=True))
    kind = forms.ChoiceField(label=_("Kind"), choices=CulturalTie.Kind.choices)
    detail = forms.CharField(label=_("Detail"), required=False, max_length=200)


class ConsentForm(_MemberChoiceMixin, forms.Form):
    applicants = forms.ModelMultipleChoiceField(
        label=_("People"),
        queryset=Applicant.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    given = forms.TypedChoiceField(
        label=_("Consent"),
        choices=[("yes", _("Given")), ("no", _("Withdrawn"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        initial="yes",
    )
    how_recorded = forms.ChoiceField(label=_("How recorded"), choices=Consent.How.choices)


class EligibilityForm(_MemberChoiceMixin, forms.Form):
    applicants = forms.ModelMultipleChoiceField(
        label=_("People"),
        queryset=Applicant.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    eligible = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Eligible")), ("no", _("Not eligible"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        initial="yes",
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when not eligible."),
    )

    def clean(self):
        data = super().clean()
        if data.get("eligible") is False and not (data.get("reason") or "").strip():
            self.add_error("reason", _("A decision 'not eligible' states its reason."))
        return data


class SecurityExclusionForm(_MemberChoiceMixin, forms.Form):
    applicant = forms.ModelChoiceField(label=_("Person"), queryset=Applicant.objects.none())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(
        label=_("I understand the person is excluded from any future relocation, for good."), required=True
    )


class DocumentForm(_MemberChoiceMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Document.Kind.choices)
    applicant = forms.ModelChoiceField(
        label=_("Person"),
        queryset=Applicant.objects.none(),
        required=False,
        empty_label=_("The household"),
    )
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPEG or PNG, up to 10 MB."))


# -- household changes ------------------------------------------------------------------------


class RemoveMemberForm(_MemberChoiceMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    new_principal = forms.ModelChoiceField(
        label=_("New principal applicant"),
        queryset=Applicant.objects.none(),
        required=False,
        help_text=_("Needed when the principal applicant is removed."),
    )


class RemoveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label=_("Yes, remove it"), required=True)

    def __init__(self, *args, needs_reason: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_reason:
            del self.fields["reason"]


class SplitForm(_MemberChoiceMixin, forms.Form):
    applicants = forms.ModelMultipleChoiceField(
        label=_("Members who move to a new household"),
        queryset=Applicant.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(forms.Form):
    source = forms.CharField(
        label=_("Case number of the household to merge into this one"),
        max_length=20,
        help_text=_("Its members join this household and that case is closed."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


# -- import ---------------------------------------------------------------------------------------


class ImportUploadForm(forms.Form):
    frontline_state = forms.ChoiceField(label=_("Frontline state"))
    file = forms.FileField(
        label=_("Candidate list"),
        help_text=_("CSV (UTF-8) or XLSX, one row per person, with a household reference column."),
    )

    def __init__(self, *args, states=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = frontline_choices(states)
        self.fields["frontline_state"].choices = choices
        if len(choices) == 1:
            self.fields["frontline_state"].initial = choices[0][0]


class ImportMappingForm(forms.Form):
    """One select per field: which column of the file holds it."""

    def __init__(self, *args, headers=(), initial_mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .importing import COLUMNS

        choices = [("", _("— not in the file —"))] + [
            (str(i), h or f"#{i + 1}") for i, h in enumerate(headers)
        ]
        for column in COLUMNS:
            index = (initial_mapping or {}).get(column.key)
            self.fields[column.key] = forms.ChoiceField(
                label=column.label,
                choices=choices,
                required=column.required,
                initial="" if index is None else str(index),
            )

    def clean(self):
        data = super().clean()
        used: dict[str, str] = {}
        for key, value in list(data.items()):
            if value:
                if value in used:
                    self.add_error(key, _("This column is already used for another field."))
                used[value] = key
        return data

    def mapping(self) -> dict[str, int | None]:
        return {key: (int(value) if value else None) for key, value in self.cleaned_data.items()}

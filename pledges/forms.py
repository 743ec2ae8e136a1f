"""Forms of the Commission's pledge registry. They only validate input shapes; the rules
live in ``services.pledge_record`` / ``pledge_amend`` and come back as field errors."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relocation.models import Country, Language, VulnerabilityCategory

from .models import COMPOSITIONS, Pledge, SolidarityCycle

CRITERIA_FIELDS = (
    "nationalities",
    "compositions",
    "max_household_size",
    "excluded_vulnerabilities",
    "prioritised_vulnerabilities",
    "languages",
)


def frontline_codes() -> list[tuple[str, str]]:
    return list(Country.objects.filter(is_frontline=True).order_by("name").values_list("code", "name"))


class PledgeFieldsForm(forms.Form):
    """The amendable part of a pledge, its quotas and its national criteria."""

    places = forms.IntegerField(label=_("Places (persons)"), min_value=0, required=False,
                                help_text=_("Relocation pledges only."))
    amount_eur = forms.IntegerField(label=_("Value (EUR)"), min_value=0, required=False,
                                    help_text=_("Financial contributions and alternative measures only."))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("Required for an alternative solidarity measure."))
    status = forms.ChoiceField(label=_("Status"), choices=Pledge.Status.choices, initial=Pledge.Status.OPEN)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    nationalities = forms.MultipleChoiceField(
        label=_("Accepted nationalities"), required=False, widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("None selected: any nationality."),
    )
    compositions = forms.MultipleChoiceField(
        label=_("Accepted household compositions"), required=False, choices=COMPOSITIONS,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: any composition."),
    )
    max_household_size = forms.IntegerField(label=_("Maximum household size"), min_value=1, required=False)
    excluded_vulnerabilities = forms.MultipleChoiceField(
        label=_("Excluded vulnerability categories"), required=False, widget=forms.CheckboxSelectMultiple
    )
    prioritised_vulnerabilities = forms.MultipleChoiceField(
        label=_("Prioritised vulnerability categories"), required=False, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), required=False, widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("None selected: no language requirement."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nationalities"].choices = list(Country.objects.values_list("code", "name"))
        self.fields["languages"].choices = list(Language.objects.values_list("code", "name"))
        vulnerabilities = list(VulnerabilityCategory.objects.values_list("code", "name"))
        self.fields["excluded_vulnerabilities"].choices = vulnerabilities
        self.fields["prioritised_vulnerabilities"].choices = vulnerabilities
        self.frontline = frontline_codes()
        for code, name in self.frontline:
            self.fields[f"quota_{code}"] = forms.IntegerField(
                label=_("Quota for %(state)s (places)") % {"state": name}, min_value=0, required=False,
                help_text=_("Empty: no quota for this frontline state."),
            )

    def quota_fields(self):
        return [self[f"quota_{code}"] for code, _name in self.frontline]

    def main_fields(self):
        return [self[name] for name in ("places", "amount_eur", "description", "status", "valid_from", "valid_to")]

    def criteria_fields(self):
        return [self[name] for name in CRITERIA_FIELDS]

    def pledge_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data.get(name) for name in ("places", "amount_eur", "status", "valid_from", "valid_to",
                                                     "max_household_size")}
        fields["description"] = data.get("description") or ""
        for name in ("nationalities", "compositions", "excluded_vulnerabilities", "prioritised_vulnerabilities",
                     "languages"):
            fields[name] = list(data.get(name) or [])
        return fields

    def quotas(self) -> dict[str, int]:
        return {
            code: self.cleaned_data[f"quota_{code}"]
            for code, _name in self.frontline
            if self.cleaned_data.get(f"quota_{code}") is not None
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's refusal next to the field it concerns."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                target = field if field in self.fields else None
                if field == "quotas" and self.frontline:
                    target = None
                for message in messages:
                    self.add_error(target, message)
        else:
            for message in error.messages:
                self.add_error(None, message)


class PledgeRecordForm(PledgeFieldsForm):
    cycle = forms.ModelChoiceField(label=_("Cycle"), queryset=SolidarityCycle.objects.all())
    state = forms.ModelChoiceField(label=_("Pledging state"), queryset=Country.objects.filter(is_eu_plus=True))
    kind = forms.ChoiceField(label=_("Kind"), choices=Pledge.Kind.choices)

    field_order = ["cycle", "state", "kind"]

    def identity_fields(self):
        return [self["cycle"], self["state"], self["kind"]]


class PledgeAmendForm(PledgeFieldsForm):
    reason = forms.CharField(label=_("Reason for the amendment"), widget=forms.Textarea(attrs={"rows": 2}))
    effective_on = forms.DateField(
        label=_("Effective from"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: from now. A date takes effect at the start of that day."),
    )

    @classmethod
    def initial_for(cls, pledge: Pledge, quotas: dict[str, int]) -> dict:
        initial = {name: getattr(pledge, name) for name in (
            "places", "amount_eur", "description", "status", "valid_from", "valid_to", *CRITERIA_FIELDS)}
        for code, places in quotas.items():
            initial[f"quota_{code}"] = places
        return initial

    def effective_at(self) -> dt.datetime | None:
        day = self.cleaned_data.get("effective_on")
        if day is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class RegistryFilterForm(forms.Form):
    cycle = forms.ModelChoiceField(label=_("Cycle"), queryset=SolidarityCycle.objects.all(), required=False)
    state = forms.ModelChoiceField(
        label=_("Pledging state"), queryset=Country.objects.filter(is_eu_plus=True), required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("Any"))] + Pledge.Kind.choices, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any"))] + Pledge.Status.choices, required=False)

    def apply(self, qs):
        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if data.get("cycle"):
            qs = qs.filter(cycle=data["cycle"])
        if data.get("state"):
            qs = qs.filter(state=data["state"])
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        return qs


class DashboardForm(forms.Form):
    as_of = forms.DateField(label=_("Figures as of"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    cycle = forms.ChoiceField(label=_("Cycle"), required=False)

    def __init__(self, *args, cycles, **kwargs):
        super().__init__(*args, **kwargs)
        self.cycles = {c.code: c for c in cycles}
        self.fields["cycle"].choices = [("", _("The current cycle"))] + [(c.code, c.name) for c in cycles]

    def chosen_cycle(self):
        return self.cycles.get(self.cleaned_data.get("cycle") or "")

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Composition
from pledges.models import Pledge
from relocation.models import Country
from relocation.reference import VULNERABILITY_CATEGORIES

from . import inputs
from .models import DEFAULT_WEIGHTS, MAX_TIME_LIMIT, Proposal
from .selectors import PROPOSAL_SORTS

WEIGHT_LABELS = {
    "person": _("Weight per person placed"),
    "vulnerable_member": _("Weight per vulnerable member"),
    "family_tie": _("Weight per person with a family tie to the pledging state"),
    "cultural_tie": _("Weight per person with a cultural tie to the pledging state"),
    "waiting_month": _("Weight per person and month waited"),
}


class PledgeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Pledge) -> str:
        return f"{obj.state.name} · {obj.places} {_('places')} · #{obj.pk}"


class RunStartForm(forms.Form):
    frontline_states = forms.MultipleChoiceField(
        label=_("Frontline states"), widget=forms.CheckboxSelectMultiple,
        help_text=_("Households available for matching in these operations."),
    )
    pledges = PledgeChoiceField(
        label=_("Pledges"), queryset=Pledge.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to include every open relocation pledge valid today."),
    )
    time_limit_seconds = forms.IntegerField(
        label=_("Time limit (seconds)"), min_value=1, max_value=MAX_TIME_LIMIT, initial=30,
        help_text=_("The engine stops searching after this time and reports how far from optimal it can be."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["frontline_states"].choices = list(
            Country.objects.filter(is_frontline=True).order_by("name").values_list("code", "name")
        )
        self.fields["pledges"].queryset = inputs.open_pledges(timezone.localdate()).select_related("state")
        for key, default in DEFAULT_WEIGHTS.items():
            self.fields[f"weight_{key}"] = forms.FloatField(
                label=WEIGHT_LABELS[key], initial=default, min_value=0, max_value=1000
            )

    def weights(self) -> dict[str, float]:
        return {key: self.cleaned_data[f"weight_{key}"] for key in DEFAULT_WEIGHTS}


class ProposalFilterForm(forms.Form):
    pledge = forms.ChoiceField(label=_("Pledge"), required=False)
    pledge_state = forms.ChoiceField(label=_("Pledging state"), required=False)
    frontline_state = forms.ChoiceField(label=_("Frontline state"), required=False)
    composition = forms.ChoiceField(
        label=_("Composition"), required=False, choices=[("", _("Any"))] + list(Composition.choices)
    )
    vulnerability = forms.ChoiceField(
        label=_("Vulnerability"), required=False,
        choices=[("", _("Any")), ("any", _("At least one vulnerable member"))] + VULNERABILITY_CATEGORIES,
    )
    tie = forms.ChoiceField(
        label=_("Ties to the pledging state"), required=False,
        choices=[("", _("Any")), ("family", _("Family tie")), ("cultural", _("Cultural tie")),
                 ("any", _("Family or cultural tie")), ("none", _("No tie"))],
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any"))] + list(Proposal.Status.choices))
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False,
        choices=[("score", _("Score")), ("persons", _("Persons")), ("waiting", _("Waiting time")),
                 ("vulnerable", _("Vulnerable members")), ("case", _("Case number")), ("pledge", _("Pledge"))],
    )

    def __init__(self, *args, states: list[tuple[str, str]], frontline: list[tuple[str, str]],
                 pledges: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pledge"].choices = [("", _("Any"))] + list(pledges)
        self.fields["pledge_state"].choices = [("", _("Any"))] + states
        self.fields["frontline_state"].choices = [("", _("Any"))] + frontline

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v and k != "sort"}

    def sort_key(self) -> str:
        value = self.cleaned_data.get("sort") if self.is_valid() else ""
        return value if value in PROPOSAL_SORTS else "score"

"""Forms of the transfer, IOM and movement pages. They only parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relocation.models import Country, Language

from .deadlines import Extension, LegalBasis
from .forms import DateInput, ServiceErrorsMixin
from .models import Assistance, HealthAssessment, TravelDocument

REPLY_CHOICES = [("accept", _("Accept responsibility")), ("refuse", _("Refuse (state the reasons)"))]


class TransferRequestForm(ServiceErrorsMixin, forms.Form):
    household = forms.ModelChoiceField(label=_("Household"), queryset=None)
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    sent_on = forms.DateField(label=_("Sent on (DubliNet receipt)"), widget=DateInput, initial=timezone.localdate)
    dublinet_reference = forms.CharField(label=_("DubliNet reference"), max_length=60, required=False)

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["household"].label_from_instance = lambda h: f"{h.case_number} → {h.destination_state_id} ({h.size})"


class TransferReplyForm(ServiceErrorsMixin, forms.Form):
    reply = forms.ChoiceField(label=_("Reply"), choices=REPLY_CHOICES, widget=forms.RadioSelect)
    replied_on = forms.DateField(label=_("Replied on"), widget=DateInput, initial=timezone.localdate)
    refusal_reasons = forms.CharField(label=_("Reasons for a refusal"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ExtendForm(ServiceErrorsMixin, forms.Form):
    extension = forms.ChoiceField(label=_("Extend for"), choices=[c for c in Extension.choices if c[0]])
    extension_reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ReexaminationForm(ServiceErrorsMixin, forms.Form):
    requested_on = forms.DateField(label=_("Re-examination requested on"), widget=DateInput, initial=timezone.localdate)


class ReexaminationReplyForm(ServiceErrorsMixin, forms.Form):
    reply = forms.ChoiceField(label=_("Reply"), choices=REPLY_CHOICES[:1] + [("refuse", _("Refuse"))], widget=forms.RadioSelect)
    replied_on = forms.DateField(label=_("Replied on"), widget=DateInput, initial=timezone.localdate)


class _MembersForm(ServiceErrorsMixin, forms.Form):
    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applicants"].queryset = members
        self.fields["applicants"].initial = list(members)


class HealthForm(_MembersForm):
    applicants = forms.ModelMultipleChoiceField(label=_("Persons"), queryset=None, widget=forms.CheckboxSelectMultiple)
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput, initial=timezone.localdate)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=HealthAssessment.Outcome.choices)
    assistance = forms.MultipleChoiceField(
        label=_("Special assistance"), choices=Assistance.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    medical_notes = forms.CharField(
        label=_("Medical notes (IOM and the receiving state only)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OrientationForm(_MembersForm):
    applicants = forms.ModelMultipleChoiceField(label=_("Persons"), queryset=None, widget=forms.CheckboxSelectMultiple)
    held_on = forms.DateField(label=_("Held on"), widget=DateInput, initial=timezone.localdate)
    language = forms.ModelChoiceField(label=_("Language"), queryset=Language.objects.order_by("name"))


class TravelDocumentForm(_MembersForm):
    applicants = forms.ModelMultipleChoiceField(label=_("Persons"), queryset=None, widget=forms.CheckboxSelectMultiple)
    status = forms.ChoiceField(label=_("Travel document"), choices=TravelDocument.Status.choices)
    number = forms.CharField(label=_("Document number (one person)"), max_length=40, required=False)


class FitnessForm(_MembersForm):
    applicants = forms.ModelMultipleChoiceField(label=_("Persons"), queryset=None, widget=forms.CheckboxSelectMultiple)
    checked_on = forms.DateField(label=_("Checked on"), widget=DateInput, initial=timezone.localdate)
    fit = forms.BooleanField(label=_("Fit to travel"), required=False, initial=True)


JOURNEY_FORMS = {"health": HealthForm, "orientation": OrientationForm, "document": TravelDocumentForm, "fitness": FitnessForm}


class MovementForm(ServiceErrorsMixin, forms.Form):
    receiving_state = forms.ModelChoiceField(
        label=_("To (receiving state)"), queryset=Country.objects.filter(is_eu_plus=True, is_frontline=False).order_by("name")
    )
    departs_on = forms.DateField(label=_("Date"), widget=DateInput)
    departure_airport = forms.CharField(label=_("Departure airport (IATA)"), max_length=3, min_length=3)
    arrival_airport = forms.CharField(label=_("Arrival airport (IATA)"), max_length=3, min_length=3)
    carrier = forms.CharField(label=_("Carrier"), max_length=100)
    flight_number = forms.CharField(label=_("Flight number"), max_length=10, required=False)
    escorts = forms.IntegerField(label=_("Escorts"), min_value=0, max_value=200, initial=0)
    capacity = forms.IntegerField(label=_("Capacity (persons)"), min_value=1, max_value=1000)


class AddHouseholdForm(ServiceErrorsMixin, forms.Form):
    household = forms.ModelChoiceField(label=_("Household"), queryset=None)

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["household"].label_from_instance = lambda h: f"{h.case_number} ({h.size})"


class ArrivalForm(ServiceErrorsMixin, forms.Form):
    arrival = forms.ChoiceField(
        label=_("Arrival"), choices=[("arrived", _("Safe arrival")), ("no_show", _("No-show"))], widget=forms.RadioSelect
    )

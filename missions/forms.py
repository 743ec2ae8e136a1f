"""Forms of the missions pages. They only parse input; the services decide."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relocation.models import Country, Language, Role, User

from . import selectors
from .models import Decision, Interview, RejectionReason, SecurityOutcome, SelectionMission


class ServiceErrorsMixin:
    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, message)
        else:
            for message in error.messages:
                self.add_error(None, message)


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if timezone.is_aware(value) else value.strftime(
                "%Y-%m-%dT%H:%M"
            )
        return value


class MissionForm(ServiceErrorsMixin, forms.Form):
    pledging_state = forms.ModelChoiceField(label=_("Pledging state"), queryset=Country.objects.none())
    frontline_state = forms.ModelChoiceField(
        label=_("Frontline state"), queryset=Country.objects.filter(is_frontline=True).order_by("name")
    )
    site = forms.CharField(label=_("Site"), max_length=200, help_text=_("e.g. Athens, EUAA office"))
    mode = forms.ChoiceField(label=_("Mode"), choices=SelectionMission.Mode.choices)
    starts_on = forms.DateField(label=_("First day"), widget=DateInput)
    ends_on = forms.DateField(label=_("Last day"), widget=DateInput)
    team = forms.ModelMultipleChoiceField(
        label=_("Other team members"), queryset=User.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("You are on the team of a mission you plan."),
    )

    def __init__(self, *args, states: frozenset[str], user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pledging_state"].queryset = Country.objects.filter(pk__in=states).order_by("name")
        if len(states) == 1:
            (only,) = states
            self.fields["pledging_state"].initial = only
        self.fields["team"].queryset = (
            User.objects.filter(is_active=True, role_assignments__role=Role.OFFICER, role_assignments__country_id__in=states)
            .exclude(pk=getattr(user, "pk", None))
            .distinct()
            .order_by("last_name", "first_name", "username")
        )

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["starts_on"] > data["ends_on"]:
            self.add_error("ends_on", _("The mission ends before it starts."))
        return data


class MissionStatusForm(ServiceErrorsMixin, forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=SelectionMission.Status.choices)

    def __init__(self, *args, mission: SelectionMission, **kwargs):
        from .services import STATUS_MOVES

        super().__init__(*args, **kwargs)
        allowed = STATUS_MOVES.get(mission.status, ())
        self.fields["status"].choices = [(s.value, s.label) for s in allowed]


class TeamForm(ServiceErrorsMixin, forms.Form):
    team = forms.ModelMultipleChoiceField(
        label=_("Team"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text=_("Officers of the state who plan and run the mission."),
    )

    def __init__(self, *args, mission: SelectionMission, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = selectors.officers_of(mission.pledging_state_id)
        self.fields["team"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class InterpreterForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Interpreter's name"), max_length=200)
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages"), queryset=Language.objects.order_by("name"),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )


class SlotForm(ServiceErrorsMixin, forms.Form):
    household = forms.ModelChoiceField(label=_("Household"), queryset=None)
    applicant = forms.ModelChoiceField(
        label=_("Person"), queryset=None, required=False,
        help_text=_("Leave empty to interview the whole household together."),
    )
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeInput, input_formats=["%Y-%m-%dT%H:%M"])
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DateTimeInput, input_formats=["%Y-%m-%dT%H:%M"])
    room = forms.CharField(label=_("Room"), max_length=100, required=False)
    video_link = forms.URLField(label=_("Video link"), max_length=300, required=False, assume_scheme="https")
    language = forms.ModelChoiceField(label=_("Language"), queryset=Language.objects.order_by("name"))
    interpreter = forms.ModelChoiceField(label=_("Interpreter"), queryset=None, required=False)

    def __init__(self, *args, mission: SelectionMission, households, applicants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["household"].label_from_instance = lambda h: f"{h.case_number} ({h.size})"
        self.fields["applicant"].queryset = applicants
        self.fields["applicant"].label_from_instance = lambda a: f"{a.household.case_number}: {a}"
        self.fields["interpreter"].queryset = mission.interpreters.order_by("name")

    def clean(self):
        data = super().clean()
        applicant, household = data.get("applicant"), data.get("household")
        if applicant is not None and household is not None and applicant.household_id != household.pk:
            self.add_error("applicant", _("This person is not a member of the household."))
        return data


class SlotCancelForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("Why is the interview cancelled?"), max_length=500)


class InterviewForm(ServiceErrorsMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("The interview"), choices=[("", "—"), *Interview.Outcome.choices])
    security_outcome = forms.ChoiceField(
        label=_("Security check"), choices=[("", "—"), *SecurityOutcome.choices], required=False
    )
    threat_persons = forms.ModelMultipleChoiceField(
        label=_("Persons found a security threat"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They are excluded from any future relocation."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Read by your state's officers only."),
    )

    def __init__(self, *args, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["threat_persons"].queryset = persons


DECISION_CHOICES = [("", _("— no decision yet —")), *Decision.Outcome.choices]


class DecisionForm(ServiceErrorsMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=[("", "—"), *Decision.Outcome.choices])
    reason = forms.ChoiceField(
        label=_("Reason for a rejection"), choices=[("", "—"), *RejectionReason.choices], required=False
    )
    reason_text = forms.CharField(
        label=_("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for the reason 'other'."),
    )


class MissionDecisionRowForm(forms.Form):
    """One household in the mission's decision screen; an empty decision leaves it pending."""

    household_id = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Decision"), choices=DECISION_CHOICES, required=False)
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *RejectionReason.choices], required=False)
    reason_text = forms.CharField(label=_("Explanation"), required=False, max_length=1000)

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Decision.Outcome.REJECTED:
            if not data.get("reason"):
                self.add_error("reason", _("Choose the reason for the rejection."))
            elif data["reason"] == RejectionReason.OTHER and not (data.get("reason_text") or "").strip():
                self.add_error("reason_text", _("Explain the reason 'other'."))
        return data


MissionDecisionFormSet = forms.formset_factory(MissionDecisionRowForm, extra=0)

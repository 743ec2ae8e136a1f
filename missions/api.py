"""REST resources of the missions floor, with the same access rules as the pages: officers
see their state's candidates, missions, slots, interviews and decisions; EUAA sees missions
and decisions; everyone else gets 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from cases.models import Applicant, Household
from cases.selectors import households_visible_to, record_list_read
from cases.services import SPLIT_WHILE_DECIDING
from relocation import audit
from relocation.access import role_permission
from relocation.models import Country, Language, Role

from . import selectors, services
from .models import (
    Decision,
    Interpreter,
    Interview,
    InterviewSlot,
    RejectionReason,
    SecurityOutcome,
    SelectionMission,
)

OFFICER = role_permission(Role.OFFICER)
MISSION_VIEWERS = role_permission(*selectors.MISSION_VIEW_ROLES)
DECISION_VIEWERS = role_permission(Role.OFFICER, Role.COORDINATOR, Role.CASEWORKER)


def _call(service, **kwargs):
    """Run a service; its refusals become 400 with the messages, or 404 for a forbidden act."""
    try:
        return service(**kwargs)
    except DjangoPermissionDenied:
        raise NotFound from None
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            raise DRFValidationError(error.message_dict) from None
        raise DRFValidationError({"non_field_errors": error.messages}) from None


def _valid_or_404(serializer, *references: str) -> dict:
    """Validate; naming a mission, slot or household the user may not see answers 404, like a URL."""
    if not serializer.is_valid():
        for name in references:
            if any(getattr(e, "code", "") == "does_not_exist" for e in serializer.errors.get(name, [])):
                raise NotFound
        raise DRFValidationError(serializer.errors)
    return serializer.validated_data


# -- candidates -------------------------------------------------------------------------------


class MissionCandidateSerializer(serializers.ModelSerializer):
    frontline_state = serializers.CharField(source="frontline_state_id", read_only=True)
    destination_state = serializers.CharField(source="destination_state_id", read_only=True)
    principal = serializers.SerializerMethodField()
    vulnerable_members = serializers.IntegerField(read_only=True)

    class Meta:
        model = Household
        fields = ["id", "case_number", "frontline_state", "destination_state", "status", "composition", "size",
                  "principal", "vulnerable_members", "status_changed_at"]
        read_only_fields = fields

    def get_principal(self, obj) -> str:
        principals = getattr(obj, "principals", [])
        return str(principals[0]) if principals else ""


class MissionTieSerializer(serializers.Serializer):
    state = serializers.CharField()
    kind = serializers.CharField()
    detail = serializers.CharField()


class MissionConsentSerializer(serializers.Serializer):
    given = serializers.BooleanField()
    at = serializers.DateTimeField()
    how_recorded = serializers.CharField()


class MissionCandidateMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    given_name_native = serializers.CharField()
    family_name_native = serializers.CharField()
    date_of_birth = serializers.DateField()
    dob_estimated = serializers.BooleanField()
    sex = serializers.CharField()
    nationality = serializers.CharField()
    relationship_to_principal = serializers.CharField()
    registration_number = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    vulnerabilities = serializers.ListField(child=serializers.CharField(), help_text="Categories only, never notes.")
    family_ties = MissionTieSerializer(many=True)
    cultural_ties = MissionTieSerializer(many=True)
    consent = MissionConsentSerializer(allow_null=True)
    security_excluded = serializers.BooleanField()


class MissionCandidateFileSerializer(MissionCandidateSerializer):
    members = serializers.SerializerMethodField()

    class Meta(MissionCandidateSerializer.Meta):
        fields = [*MissionCandidateSerializer.Meta.fields, "site", "registered_on", "members"]
        read_only_fields = fields

    @extend_schema(responses=MissionCandidateMemberSerializer(many=True))
    def get_members(self, obj) -> list[dict]:
        rows = []
        for row in selectors.household_file(obj)["members"]:
            p = row["person"]
            consent = row["consent"]
            rows.append({
                "id": p.pk, "given_name": p.given_name, "family_name": p.family_name,
                "given_name_native": p.given_name_native, "family_name_native": p.family_name_native,
                "date_of_birth": p.date_of_birth, "dob_estimated": p.dob_estimated, "sex": p.sex,
                "nationality": p.nationality_id, "relationship_to_principal": p.relationship_to_principal,
                "registration_number": p.registration_number,
                "languages": sorted(lang.pk for lang in p.languages.all()),
                "vulnerabilities": [v.code for v in row["vulnerabilities"]],
                "family_ties": [{"state": t.state_id, "kind": t.relationship, "detail": t.get_status_there_display()}
                                for t in row["family_ties"]],
                "cultural_ties": [{"state": t.state_id, "kind": t.kind, "detail": t.detail} for t in row["cultural_ties"]],
                "consent": {"given": consent.given, "at": consent.at, "how_recorded": consent.how_recorded}
                if consent else None,
                "security_excluded": p.security_excluded,
            })
        return MissionCandidateMemberSerializer(rows, many=True).data


class CandidateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Households proposed to the officer's state (and accepted by it): the file a decision
    needs, without EUAA's internal notes. Every opening of a file is audited."""

    permission_classes = [OFFICER]
    queryset = Household.objects.none()

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.proposed_households_for(self.request.user)
        return selectors.queue_for(self.request.user, status=self.request.query_params.get("status", ""))

    def get_serializer_class(self):
        return MissionCandidateFileSerializer if self.action == "retrieve" else MissionCandidateSerializer

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_list_read(user=request.user, households=page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        household = self.get_object()
        audit.record_read(actor=request.user, obj=household, owner_organisation_id=household.owner_id)
        return Response(self.get_serializer(household).data)


# -- missions -----------------------------------------------------------------------------------


class MissionInterpreterSerializer(serializers.ModelSerializer):
    languages = serializers.SlugRelatedField(slug_field="code", many=True, queryset=Language.objects.all())

    class Meta:
        model = Interpreter
        fields = ["id", "name", "languages"]


class MissionSerializer(serializers.ModelSerializer):
    pledging_state = serializers.SlugRelatedField(slug_field="code", queryset=Country.objects.all())
    frontline_state = serializers.SlugRelatedField(slug_field="code", queryset=Country.objects.filter(is_frontline=True))
    interpreters = MissionInterpreterSerializer(many=True, read_only=True)
    households_planned = serializers.IntegerField(read_only=True)
    households_interviewed = serializers.IntegerField(read_only=True)
    accepted = serializers.IntegerField(read_only=True)
    rejected = serializers.IntegerField(read_only=True)

    class Meta:
        model = SelectionMission
        fields = ["id", "pledging_state", "frontline_state", "site", "mode", "starts_on", "ends_on", "status",
                  "interpreters", "households_planned", "households_interviewed", "accepted", "rejected", "created_at"]
        read_only_fields = ["status", "created_at"]


class MissionUpdateSerializer(serializers.ModelSerializer):
    """What the team may change: site, mode, dates, and the status (one step at a time)."""

    class Meta:
        model = SelectionMission
        fields = ["site", "mode", "starts_on", "ends_on", "status"]
        extra_kwargs = {name: {"required": False} for name in fields}


class MissionTeamSerializer(serializers.Serializer):
    team = serializers.ListField(
        child=serializers.CharField(), allow_empty=False,
        help_text="Usernames of the officers of the pledging state who plan and run the mission.",
    )


class MissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):
    """Selection missions: officers of the pledging state plan them; EUAA follows them."""

    permission_classes = [MISSION_VIEWERS]
    serializer_class = MissionSerializer
    queryset = SelectionMission.objects.none()

    def get_queryset(self):
        return selectors.with_progress(selectors.missions_visible_to(self.request.user)).prefetch_related(
            Prefetch("interpreters", queryset=Interpreter.objects.prefetch_related("languages"))
        ).order_by("-starts_on", "-id")

    def create(self, request, *args, **kwargs):
        if not selectors.officer_states(request.user):
            raise NotFound
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        mission = _call(
            services.mission_create, by=request.user, pledging_state=data["pledging_state"],
            frontline_state=data["frontline_state"], site=data["site"], mode=data.get("mode", "on_site"),
            starts_on=data["starts_on"], ends_on=data["ends_on"],
        )
        mission = self.get_queryset().get(pk=mission.pk)
        return Response(self.get_serializer(mission).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MissionInterpreterSerializer, responses={201: MissionInterpreterSerializer})
    @action(detail=True, methods=["post"])
    def interpreters(self, request, pk=None):
        """Add an interpreter (mission team only)."""
        mission = self._planned(pk)
        serializer = MissionInterpreterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        interpreter = _call(
            services.interpreter_add, mission=mission, by=request.user, name=serializer.validated_data["name"],
            languages=list(serializer.validated_data["languages"]),
        )
        return Response(MissionInterpreterSerializer(interpreter).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MissionUpdateSerializer, responses={200: MissionSerializer})
    def partial_update(self, request, pk=None):
        """Change the site, mode, dates or status (mission team only)."""
        mission = self._planned(pk)
        serializer = MissionUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if not serializer.validated_data:
            raise DRFValidationError({"non_field_errors": [_("Nothing to change.")]})
        _call(services.mission_update, mission=mission, by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=mission.pk)).data)

    @extend_schema(request=MissionTeamSerializer, responses={200: MissionTeamSerializer})
    @action(detail=True, methods=["get", "put"])
    def team(self, request, pk=None):
        """The mission's team (its officers read it; the team replaces it)."""
        if request.method == "GET":
            try:
                mission = selectors.officer_missions(request.user).get(pk=int(pk))
            except (SelectionMission.DoesNotExist, TypeError, ValueError):
                raise NotFound from None
            return Response({"team": [u.get_username() for u in selectors.team_of(mission)]})
        mission = self._planned(pk)
        serializer = MissionTeamSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        names = serializer.validated_data["team"]
        officers = {u.get_username(): u for u in selectors.officers_of(mission.pledging_state_id).filter(username__in=names)}
        unknown = sorted(set(names) - set(officers))
        if unknown:
            raise DRFValidationError(
                {"team": [_("Not officers of %(state)s: %(names)s.")
                          % {"state": mission.pledging_state_id, "names": ", ".join(unknown)}]}
            )
        members = _call(services.mission_set_team, mission=mission, by=request.user, team=list(officers.values()))
        return Response({"team": sorted(u.get_username() for u in members)})

    def _planned(self, pk):
        try:
            return selectors.missions_editable_by(self.request.user).get(pk=int(pk))
        except (SelectionMission.DoesNotExist, TypeError, ValueError):
            raise NotFound from None


# -- slots --------------------------------------------------------------------------------------


class MissionSlotSerializer(serializers.ModelSerializer):
    mission = serializers.PrimaryKeyRelatedField(queryset=SelectionMission.objects.all())
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.all())
    applicant = serializers.PrimaryKeyRelatedField(queryset=Applicant.objects.all(), allow_null=True, required=False)
    language = serializers.SlugRelatedField(slug_field="code", queryset=Language.objects.all())
    interpreter = serializers.PrimaryKeyRelatedField(
        queryset=Interpreter.objects.all(), allow_null=True, required=False
    )
    case_number = serializers.CharField(source="household.case_number", read_only=True)

    class Meta:
        model = InterviewSlot
        fields = ["id", "mission", "household", "case_number", "applicant", "starts_at", "ends_at", "room",
                  "video_link", "language", "interpreter"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only what the user may see can be named: anything else is "does not exist".
            self.fields["mission"].queryset = selectors.officer_missions(request.user)
            self.fields["household"].queryset = selectors.proposed_households_for(request.user)
            self.fields["applicant"].queryset = Applicant.objects.filter(
                household__in=selectors.proposed_households_for(request.user)
            )
            self.fields["interpreter"].queryset = Interpreter.objects.filter(
                mission__in=selectors.officer_missions(request.user)
            )


class MissionCancelSerializer(serializers.Serializer):
    reason = serializers.CharField()


class SlotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):
    """The missions' plans: interview slots (officers of the state; booking by the team)."""

    permission_classes = [OFFICER]
    serializer_class = MissionSlotSerializer
    queryset = InterviewSlot.objects.none()

    def get_queryset(self):
        qs = selectors.slots_visible_to(self.request.user).select_related("household", "language").order_by("starts_at", "id")
        mission = self.request.query_params.get("mission")
        if mission and mission.isdigit():
            qs = qs.filter(mission_id=int(mission))
        return qs

    def create(self, request, *args, **kwargs):
        data = _valid_or_404(self.get_serializer(data=request.data), "mission", "household")
        if not selectors.may_plan(request.user, data["mission"]):
            raise NotFound
        slot = _call(
            services.slot_schedule, mission=data["mission"], household=data["household"], by=request.user,
            applicant=data.get("applicant"), starts_at=data["starts_at"], ends_at=data["ends_at"],
            room=data.get("room", ""), video_link=data.get("video_link", ""), language=data["language"],
            interpreter=data.get("interpreter"),
        )
        return Response(self.get_serializer(slot).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MissionCancelSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel an interview not recorded yet (mission team only)."""
        slot = self.get_object()
        if not selectors.may_plan(request.user, slot.mission):
            raise NotFound
        body = MissionCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        _call(services.slot_cancel, slot=slot, by=request.user, reason=body.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- interviews ---------------------------------------------------------------------------------


class MissionInterviewSerializer(serializers.ModelSerializer):
    slot = serializers.PrimaryKeyRelatedField(queryset=InterviewSlot.objects.all())
    security_outcome = serializers.ChoiceField(choices=[("", "—"), *SecurityOutcome.choices], required=False,
                                               allow_blank=True)
    threat_persons = serializers.PrimaryKeyRelatedField(queryset=Applicant.objects.all(), many=True, required=False)

    class Meta:
        model = Interview
        fields = ["id", "slot", "outcome", "security_outcome", "threat_persons", "notes", "recorded_at"]
        read_only_fields = ["recorded_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["slot"].queryset = selectors.slots_visible_to(request.user)
            self.fields["threat_persons"].child_relation.queryset = Applicant.objects.filter(
                household__in=selectors.proposed_households_for(request.user)
            )


class InterviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       viewsets.GenericViewSet):
    """Interviews with their notes and security check outcomes: the pledging state's officers only."""

    permission_classes = [OFFICER]
    serializer_class = MissionInterviewSerializer
    queryset = Interview.objects.none()

    def get_queryset(self):
        return (
            selectors.interviews_visible_to(self.request.user)
            .prefetch_related("threat_persons")
            .order_by("slot__starts_at", "id")
        )

    def create(self, request, *args, **kwargs):
        data = _valid_or_404(self.get_serializer(data=request.data), "slot")
        if not selectors.may_plan(request.user, data["slot"].mission):
            raise NotFound
        interview = _call(
            services.interview_record, slot=data["slot"], by=request.user, outcome=data["outcome"],
            security_outcome=data.get("security_outcome", ""), notes=data.get("notes", ""),
            threat_persons=data.get("threat_persons", []),
        )
        return Response(self.get_serializer(interview).data, status=status.HTTP_201_CREATED)


# -- decisions ----------------------------------------------------------------------------------


class MissionDecisionSerializer(serializers.ModelSerializer):
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.all())
    case_number = serializers.CharField(source="household.case_number", read_only=True)
    pledging_state = serializers.CharField(source="pledging_state_id", read_only=True)
    mission = serializers.PrimaryKeyRelatedField(
        queryset=SelectionMission.objects.all(), allow_null=True, required=False
    )
    reason = serializers.ChoiceField(choices=[("", "—"), *RejectionReason.choices], required=False, allow_blank=True)
    member_ids = serializers.ListField(
        child=serializers.IntegerField(), write_only=True, required=False,
        help_text="Optional: the members decided on. It must be the whole household (split it first otherwise).",
    )

    class Meta:
        model = Decision
        fields = ["id", "household", "case_number", "pledging_state", "mission", "outcome", "reason", "reason_text",
                  "persons", "members", "member_ids", "returned_to_pool", "decided_at"]
        read_only_fields = ["persons", "members", "returned_to_pool", "decided_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["household"].queryset = selectors.proposed_households_for(request.user)
            self.fields["mission"].queryset = selectors.officer_missions(request.user)


class DecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    """Pledging states' decisions: officers record them for their state; EUAA reads them."""

    permission_classes = [DECISION_VIEWERS]
    serializer_class = MissionDecisionSerializer
    queryset = Decision.objects.none()

    def get_queryset(self):
        return selectors.decisions_visible_to(self.request.user).select_related("household").order_by(
            "-decided_at", "-id"
        )

    def create(self, request, *args, **kwargs):
        if not selectors.officer_states(request.user):
            raise NotFound
        data = _valid_or_404(self.get_serializer(data=request.data), "household", "mission")
        household = data["household"]
        members = None
        if "member_ids" in data:
            members = list(Applicant.objects.filter(pk__in=data["member_ids"], household=household))
            if len(members) != len(set(data["member_ids"])):
                raise DRFValidationError({"member_ids": ["Name members of this household only."]})
        decision = _call(
            services.decision_record, household=household, by=request.user, outcome=data["outcome"],
            reason=data.get("reason", ""), reason_text=data.get("reason_text", ""), mission=data.get("mission"),
            members=members,
        )
        return Response(self.get_serializer(decision).data, status=status.HTTP_201_CREATED)


# -- splits for a decision ----------------------------------------------------------------------


class DecisionSplitSerializer(serializers.Serializer):
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(), help_text="A household a pledging state is deciding on."
    )
    members = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=False,
        help_text="Applicant ids of the members who move to a new household (not all of them).",
    )
    reason = serializers.CharField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["household"].queryset = households_visible_to(request.user).filter(
                status__in=SPLIT_WHILE_DECIDING
            )


class DecisionSplitResultSerializer(serializers.Serializer):
    household = serializers.IntegerField(help_text="The kept household, still before the pledging state.")
    case_number = serializers.CharField()
    persons = serializers.IntegerField(help_text="Persons left in the kept household (its reserved places).")
    new_household = serializers.IntegerField()
    new_case_number = serializers.CharField()
    new_status = serializers.CharField(help_text="Where the split-off household went back to.")


class DecisionSplitViewSet(viewsets.GenericViewSet):
    """EUAA splits a household a pledging state is deciding on, so the state can decide on the
    members who stay (the same service as the page ``missions/households/<id>/split/``)."""

    permission_classes = [role_permission(Role.CASEWORKER, Role.COORDINATOR)]
    serializer_class = DecisionSplitSerializer
    queryset = Household.objects.none()

    @extend_schema(request=DecisionSplitSerializer, responses={201: DecisionSplitResultSerializer})
    def create(self, request, *args, **kwargs):
        data = _valid_or_404(self.get_serializer(data=request.data), "household")
        household = data["household"]
        chosen = list(household.members.filter(pk__in=data["members"]))
        if len(chosen) != len(set(data["members"])):
            raise DRFValidationError({"members": [_("Choose members of this household to move.")]})
        new = _call(services.split_for_decision, household=household, members_to_split=chosen, by=request.user,
                    reason=data["reason"])
        result = {"household": household.pk, "case_number": household.case_number, "persons": household.size,
                  "new_household": new.pk, "new_case_number": new.case_number, "new_status": new.status}
        return Response(DecisionSplitResultSerializer(result).data, status=status.HTTP_201_CREATED)

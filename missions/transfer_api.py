"""REST resources of transfers of responsibility, health assessments, movements and their
manifests, with the pages' access rules (wrong role or state: 404)."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from cases.models import Applicant
from cases.selectors import record_list_read
from relocation import audit
from relocation.access import access_of, role_permission
from relocation.models import Country, Role

from . import journey, transfers
from . import transfer_selectors as sel
from .api import _call, _valid_or_404
from .deadlines import Extension, LegalBasis
from .models import Assistance, HealthAssessment, Movement, MovementHousehold, TransferOfResponsibility

DUBLIN = role_permission(Role.DUBLIN_OFFICER, Role.COORDINATOR)
IOM = role_permission(Role.IOM_OFFICER, Role.OFFICER)
MOVEMENTS = role_permission(Role.IOM_OFFICER, Role.OFFICER, Role.COORDINATOR)


# -- transfers ---------------------------------------------------------------------------------


class TransferSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="household.case_number", read_only=True)
    responsibility_accepted = serializers.BooleanField(read_only=True)

    class Meta:
        model = TransferOfResponsibility
        fields = [
            "id", "household", "case_number", "requesting_state", "requested_state", "legal_basis",
            "dublinet_reference", "sent_on", "reply_due", "reply", "refusal_reasons", "replied_on",
            "transfer_deadline", "extension", "extension_reason", "reexamination_requested_on",
            "reexamination_reply_due", "reexamination_reply", "reexamination_replied_on", "closed_at",
            "responsibility_accepted",
        ]
        read_only_fields = fields


class TransferRequestSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    legal_basis = serializers.ChoiceField(choices=LegalBasis.choices)
    sent_on = serializers.DateField()
    dublinet_reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class TransferReplySerializer(serializers.Serializer):
    accepted = serializers.BooleanField()
    replied_on = serializers.DateField()
    refusal_reasons = serializers.CharField(required=False, allow_blank=True, default="")


class TransferExtendSerializer(serializers.Serializer):
    extension = serializers.ChoiceField(choices=[c for c in Extension.choices if c[0]])
    reason = serializers.CharField()


class TransferReexaminationSerializer(serializers.Serializer):
    requested_on = serializers.DateField()


class TransferReexaminationReplySerializer(serializers.Serializer):
    accepted = serializers.BooleanField()
    replied_on = serializers.DateField()


class TransferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Transfers of responsibility involving the Dublin Unit's state (requesting or requested)."""

    permission_classes = [DUBLIN]
    serializer_class = TransferSerializer
    queryset = TransferOfResponsibility.objects.none()

    def get_queryset(self):
        return sel.transfers_visible_to(self.request.user).order_by("reply_due", "id")

    # As on the transfer pages: a read of the households' files by another organisation is audited.
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset().select_related("household")))
        record_list_read(user=request.user, households=list({t.household_id: t.household for t in page}.values()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        transfer = self.get_object()
        household = transfer.household
        audit.record_read(actor=request.user, obj=household, owner_organisation_id=household.owner_id)
        return Response(self.get_serializer(transfer).data)

    def _respond(self, transfer, code=status.HTTP_200_OK):
        return Response(TransferSerializer(self.get_queryset().get(pk=transfer.pk)).data, status=code)

    @extend_schema(request=TransferRequestSerializer, responses={201: TransferSerializer})
    def create(self, request, *args, **kwargs):
        data = _valid_or_404(TransferRequestSerializer(data=request.data))
        household = sel.requestable_households(request.user).filter(pk=data["household"]).first()
        if household is None:
            raise NotFound
        transfer = _call(
            transfers.transfer_request, household=household, by=request.user, legal_basis=data["legal_basis"],
            sent_on=data["sent_on"], dublinet_reference=data["dublinet_reference"],
        )
        return self._respond(transfer, status.HTTP_201_CREATED)

    @extend_schema(request=TransferReplySerializer, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        data = _valid_or_404(TransferReplySerializer(data=request.data))
        transfer = _call(transfers.transfer_reply, transfer=self.get_object(), by=request.user, **data)
        return self._respond(transfer)

    @extend_schema(request=TransferExtendSerializer, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        data = _valid_or_404(TransferExtendSerializer(data=request.data))
        transfer = _call(transfers.transfer_extend_deadline, transfer=self.get_object(), by=request.user, **data)
        return self._respond(transfer)

    @extend_schema(request=TransferReexaminationSerializer, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def reexamination(self, request, pk=None):
        data = _valid_or_404(TransferReexaminationSerializer(data=request.data))
        transfer = _call(transfers.transfer_request_reexamination, transfer=self.get_object(), by=request.user, **data)
        return self._respond(transfer)

    @extend_schema(request=TransferReexaminationReplySerializer, responses=TransferSerializer)
    @action(detail=True, methods=["post"], url_path="reexamination-reply")
    def reexamination_reply(self, request, pk=None):
        data = _valid_or_404(TransferReexaminationReplySerializer(data=request.data))
        transfer = _call(transfers.transfer_reexamination_reply, transfer=self.get_object(), by=request.user, **data)
        return self._respond(transfer)


# -- health assessments ------------------------------------------------------------------------


class HealthAssessmentSerializer(serializers.ModelSerializer):
    assistance = serializers.ListField(child=serializers.ChoiceField(choices=Assistance.choices), required=False)
    medical_notes = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        model = HealthAssessment
        fields = ["id", "applicant", "assessed_on", "outcome", "assistance", "medical_notes", "recorded_at"]
        read_only_fields = ["id", "recorded_at"]
        extra_kwargs = {"applicant": {"queryset": Applicant.objects.none()}}


def health_visible_to(user):
    """IOM of the operation and officers of the receiving state (the only readers of the notes)."""
    from django.db.models import Q

    access = access_of(user)
    q = Q(pk__in=[])
    if access.has(Role.IOM_OFFICER):
        q |= Q(applicant__household__in=sel.iom_queue_for(user).values("pk"))
    if access.has(Role.OFFICER):
        q |= Q(applicant__household__destination_state__in=access.states(Role.OFFICER))
    return HealthAssessment.objects.filter(q).order_by("applicant_id", "assessed_on", "id")


class HealthAssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                              viewsets.GenericViewSet):
    """Health assessments per person: written by IOM, read by IOM and the receiving state."""

    permission_classes = [IOM]
    serializer_class = HealthAssessmentSerializer
    queryset = HealthAssessment.objects.none()

    def get_queryset(self):
        return health_visible_to(self.request.user).select_related("applicant__household")

    def list(self, request, *args, **kwargs):
        # Medical notes are a person's file: a read by another organisation leaves an audit row.
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_list_read(user=request.user, households=list({r.applicant.household_id: r.applicant.household
                                                             for r in page}.values()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        row = self.get_object()
        household = row.applicant.household
        audit.record_read(actor=request.user, obj=household, owner_organisation_id=household.owner_id, what="health")
        return Response(self.get_serializer(row).data)

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if hasattr(serializer, "fields") and "applicant" in serializer.fields:
            serializer.fields["applicant"].queryset = Applicant.objects.filter(
                household__in=sel.iom_queue_for(self.request.user).values("pk")
            )
        return serializer

    def create(self, request, *args, **kwargs):
        data = _valid_or_404(self.get_serializer(data=request.data), "applicant")
        row = _call(
            journey.health_assess, applicant=data["applicant"], by=request.user, assessed_on=data["assessed_on"],
            outcome=data["outcome"], assistance=data.get("assistance", []), medical_notes=data.get("medical_notes", ""),
        )
        return Response(HealthAssessmentSerializer(row).data, status=status.HTTP_201_CREATED)


# -- movements and manifests ---------------------------------------------------------------------


class MovementHouseholdSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="household.case_number", read_only=True)

    class Meta:
        model = MovementHousehold
        fields = ["id", "household", "case_number", "persons", "departure", "arrival"]
        read_only_fields = fields


class MovementSerializer(serializers.ModelSerializer):
    frontline_state = serializers.PrimaryKeyRelatedField(queryset=Country.objects.filter(is_frontline=True))
    receiving_state = serializers.PrimaryKeyRelatedField(queryset=Country.objects.filter(is_eu_plus=True, is_frontline=False))
    households = MovementHouseholdSerializer(many=True, read_only=True)

    class Meta:
        model = Movement
        fields = [
            "id", "frontline_state", "receiving_state", "departs_on", "departure_airport", "arrival_airport",
            "carrier", "flight_number", "escorts", "capacity", "status", "households",
        ]
        read_only_fields = ["id", "status", "households"]


class MovementAddSerializer(serializers.Serializer):
    household = serializers.IntegerField()


class DepartureSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    boarded = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of the members who boarded.")


class ArrivalSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    arrived = serializers.BooleanField()


class ManifestRowSerializer(serializers.Serializer):
    case_number = serializers.CharField()
    family_name = serializers.CharField()
    given_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    sex = serializers.CharField()
    nationality = serializers.CharField()
    travel_document = serializers.CharField()
    assistance = serializers.CharField()
    departure = serializers.CharField()


class MovementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    """Movements: IOM of the frontline operation organises them; the receiving state's officers
    confirm arrivals."""

    permission_classes = [MOVEMENTS]
    serializer_class = MovementSerializer
    queryset = Movement.objects.none()

    def get_queryset(self):
        rows = MovementHousehold.objects.select_related("household").order_by("id")
        return sel.movements_visible_to(self.request.user).prefetch_related(Prefetch("households", queryset=rows))

    # A movement lists households by case number and head count: reading it is reading those
    # files, audited like the movement page (one row per request, not one per household).
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_list_read(user=request.user, households=[r.household for m in page for r in m.households.all()])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        movement = self.get_object()
        record_list_read(user=request.user, households=[r.household for r in movement.households.all()])
        return Response(self.get_serializer(movement).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        frontline = data.pop("frontline_state").pk
        if frontline not in sel.iom_states(request.user):
            raise NotFound
        movement = _call(
            journey.movement_create, by=request.user, frontline_state=frontline,
            receiving_state=data.pop("receiving_state").pk, **data,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=movement.pk)).data, status=status.HTTP_201_CREATED)

    def _organised(self):
        movement = self.get_object()
        if not sel.may_organise(self.request.user, movement):
            raise NotFound
        return movement

    def _row(self, movement, household_id):
        row = movement.households.select_related("household", "movement").filter(household_id=household_id).first()
        if row is None:
            raise NotFound
        return row

    @extend_schema(request=MovementAddSerializer, responses={201: MovementSerializer})
    @action(detail=True, methods=["post"], url_path="add-household")
    def add_household(self, request, pk=None):
        movement = self._organised()
        data = _valid_or_404(MovementAddSerializer(data=request.data))
        household = sel.iom_queue_for(request.user).filter(pk=data["household"]).first()
        if household is None:
            raise NotFound
        _call(journey.movement_add_household, movement=movement, household=household, by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=movement.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DepartureSerializer, responses=MovementSerializer)
    @action(detail=True, methods=["post"])
    def departure(self, request, pk=None):
        movement = self._organised()
        data = _valid_or_404(DepartureSerializer(data=request.data))
        row = self._row(movement, data["household"])
        boarded = {m.pk: m.pk in set(data["boarded"]) for m in row.household.members.all()}
        _call(journey.departure_confirm, row=row, by=request.user, boarded=boarded)
        return Response(self.get_serializer(self.get_queryset().get(pk=movement.pk)).data)

    @extend_schema(request=ArrivalSerializer, responses=MovementSerializer)
    @action(detail=True, methods=["post"])
    def arrival(self, request, pk=None):
        movement = self.get_object()
        if not sel.may_confirm_arrival(request.user, movement):
            raise NotFound
        data = _valid_or_404(ArrivalSerializer(data=request.data))
        _call(journey.arrival_confirm, row=self._row(movement, data["household"]), by=request.user, arrived=data["arrived"])
        return Response(self.get_serializer(self.get_queryset().get(pk=movement.pk)).data)

    @extend_schema(responses=ManifestRowSerializer(many=True))
    @action(detail=True, methods=["get"])
    def manifest(self, request, pk=None):
        movement = self.get_object()
        record_list_read(user=request.user, households=[r.household for r in sel.movement_rows(movement)])
        return Response(ManifestRowSerializer(sel.manifest_rows(movement), many=True).data)

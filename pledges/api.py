"""REST API: pledges (the Commission records and amends; coordinators read all; officers and
Dublin Units read their own state's), capacity, fair shares and the dashboard figures."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from relocation.access import HasRole

from . import selectors, services
from .figures import Dashboard
from .models import (
    COMPOSITION_CODES,
    VULNERABILITY_CODES,
    Pledge,
    PledgeQuota,
    PledgeVersion,
    SolidarityCycle,
)
from .selectors import DASHBOARD_ROLES, PLEDGE_READ_ROLES, REGISTRY_ROLES


def _django_error(error: DjangoValidationError) -> ValidationError:
    if hasattr(error, "error_dict"):
        return ValidationError(error.message_dict)
    return ValidationError({"non_field_errors": error.messages})


class CycleSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="voluntary_mechanism or annual_pool.")

    class Meta:
        model = SolidarityCycle
        fields = ["code", "name", "kind", "starts_on", "ends_on", "target_relocations", "target_financial_eur",
                  "per_person_value_eur", "reference_year"]
        read_only_fields = fields


class CapacitySerializer(serializers.Serializer):
    pledged = serializers.IntegerField()
    proposed = serializers.IntegerField()
    accepted = serializers.IntegerField()
    in_transfer = serializers.IntegerField()
    relocated = serializers.IntegerField()
    remaining = serializers.IntegerField()


class QuotaCapacitySerializer(CapacitySerializer):
    frontline_state = serializers.CharField()


@extend_schema_field({"type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
                      "example": {"GR": 60, "IT": 40}})
class QuotasField(serializers.DictField):
    """{frontline state code: places}."""

    child = serializers.IntegerField(min_value=0)


class PledgeSerializer(serializers.ModelSerializer):
    cycle = serializers.SlugRelatedField(slug_field="code", read_only=True)
    state = serializers.CharField(source="state_id", read_only=True)
    quotas = serializers.SerializerMethodField()

    class Meta:
        model = Pledge
        fields = ["id", "cycle", "state", "kind", "places", "amount_eur", "description", "status", "valid_from",
                  "valid_to", "nationalities", "compositions", "max_household_size", "excluded_vulnerabilities",
                  "prioritised_vulnerabilities", "languages", "quotas", "version", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(QuotasField)
    def get_quotas(self, pledge) -> dict[str, int]:
        return {q.frontline_state_id: q.places for q in pledge.quotas.all()}



class PledgeFieldsSerializer(serializers.Serializer):
    places = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    amount_eur = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Pledge.Status.choices, required=False)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_to = serializers.DateField(required=False, allow_null=True)
    nationalities = serializers.ListField(child=serializers.CharField(max_length=2), required=False,
                                          help_text="ISO 3166-1 alpha-2 codes (XX stateless); empty: any.")
    compositions = serializers.ListField(child=serializers.ChoiceField(choices=COMPOSITION_CODES), required=False)
    max_household_size = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    # Plain strings (checked against the vocabulary by the service) so the schema names one enum once.
    excluded_vulnerabilities = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False,
        help_text="Vulnerability category codes: " + ", ".join(VULNERABILITY_CODES) + ".",
    )
    prioritised_vulnerabilities = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False,
        help_text="Vulnerability category codes, as for excluded_vulnerabilities.",
    )
    languages = serializers.ListField(child=serializers.CharField(max_length=3), required=False,
                                      help_text="ISO 639-1 codes; empty: no requirement.")
    quotas = QuotasField(required=False)


class PledgeCreateSerializer(PledgeFieldsSerializer):
    cycle = serializers.SlugRelatedField(slug_field="code", queryset=SolidarityCycle.objects.all())
    state = serializers.CharField(max_length=2)
    kind = serializers.ChoiceField(choices=Pledge.Kind.choices)


class PledgeAmendSerializer(PledgeFieldsSerializer):
    reason = serializers.CharField()
    effective_at = serializers.DateTimeField(required=False, allow_null=True)


class PledgeVersionSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = PledgeVersion
        fields = ["number", "effective_at", "recorded_at", "by", "reason", "changes", "snapshot"]
        read_only_fields = fields


class PledgeFilter(django_filters.FilterSet):
    cycle = django_filters.CharFilter(field_name="cycle__code")
    state = django_filters.CharFilter(field_name="state_id")
    kind = django_filters.ChoiceFilter(choices=Pledge.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Pledge.Status.choices)

    class Meta:
        model = Pledge
        fields = ["cycle", "state", "kind", "status"]


class PledgeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet):
    """Pledges. Read: Commission, coordinators, and officers / Dublin Units for their own state.
    Record and amend: the Commission (others get 404)."""

    permission_classes = [HasRole]
    allowed_roles = PLEDGE_READ_ROLES
    serializer_class = PledgeSerializer
    filterset_class = PledgeFilter

    def get_queryset(self):
        return selectors.pledges_visible_to(self.request.user).prefetch_related(
            Prefetch("quotas", queryset=PledgeQuota.objects.order_by("frontline_state_id"))
        ).order_by("id")

    def _require_recording(self):
        if not selectors.can_record_pledges(self.request.user):
            raise NotFound

    @extend_schema(request=PledgeCreateSerializer, responses={201: PledgeSerializer})
    def create(self, request, *args, **kwargs):
        self._require_recording()
        payload = PledgeCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        cycle, state, kind = data.pop("cycle"), data.pop("state"), data.pop("kind")
        quotas = data.pop("quotas", None)
        try:
            pledge = services.pledge_record(cycle=cycle, state_code=state.upper(), kind=kind, fields=data,
                                            quotas=quotas, by=request.user)
        except DjangoValidationError as error:
            raise _django_error(error) from None
        return Response(PledgeSerializer(self.get_queryset().get(pk=pledge.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PledgeAmendSerializer, responses=PledgeSerializer)
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """Amend a pledge with a reason: a new version is kept and audited."""
        self._require_recording()
        pledge = self.get_object()
        payload = PledgeAmendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        changes = dict(payload.validated_data)
        reason = changes.pop("reason")
        effective_at = changes.pop("effective_at", None)
        try:
            services.pledge_amend(pledge=pledge, changes=changes, by=request.user, reason=reason,
                                  effective_at=effective_at)
        except DjangoValidationError as error:
            raise _django_error(error) from None
        return Response(PledgeSerializer(self.get_queryset().get(pk=pledge.pk)).data)

    @extend_schema(responses=PledgeVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        """Every version of the pledge, newest first."""
        pledge = self.get_object()
        versions = pledge.versions.select_related("by").order_by("-number")
        return Response(PledgeVersionSerializer(versions, many=True).data)


class PledgeCapacitySerializer(CapacitySerializer):
    pledge = serializers.IntegerField(source="pk")
    cycle = serializers.CharField(source="cycle.code")
    state = serializers.CharField(source="state_id")
    status = serializers.CharField()
    quotas = serializers.SerializerMethodField()

    @extend_schema_field(QuotaCapacitySerializer(many=True))
    def get_quotas(self, pledge) -> list:
        quotas = self.context.get("quotas", {}).get(pledge.pk, [])
        return [
            {"frontline_state": q.frontline_state, "pledged": q.pledged, "proposed": q.proposed,
             "accepted": q.accepted, "in_transfer": q.in_transfer, "relocated": q.relocated,
             "remaining": q.remaining}
            for q in quotas
        ]


class CapacityViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Capacity of relocation pledges and their quotas: pledged, proposed, accepted, in transfer,
    relocated and remaining places."""

    permission_classes = [HasRole]
    allowed_roles = PLEDGE_READ_ROLES
    serializer_class = PledgeCapacitySerializer
    filterset_class = PledgeFilter

    def get_queryset(self):
        qs = selectors.pledges_visible_to(self.request.user).filter(kind=Pledge.Kind.RELOCATION)
        return selectors.with_capacity(qs).order_by("id")

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        context = {**self.get_serializer_context(), "quotas": selectors.quota_capacity(p.pk for p in page)}
        return self.get_paginated_response(PledgeCapacitySerializer(page, many=True, context=context).data)


class FairShareSerializer(serializers.Serializer):
    state = serializers.CharField()
    name = serializers.CharField()
    in_key = serializers.BooleanField(help_text="False for a pledging state outside the Annex I key (e.g. NO, CH).")
    population = serializers.IntegerField()
    gdp_eur_million = serializers.IntegerField()
    population_share = serializers.DecimalField(max_digits=8, decimal_places=4, coerce_to_string=False,
                                                help_text="Percent.")
    gdp_share = serializers.DecimalField(max_digits=8, decimal_places=4, coerce_to_string=False, help_text="Percent.")
    key = serializers.DecimalField(max_digits=8, decimal_places=4, coerce_to_string=False,
                                   help_text="Percent: 50% population share + 50% GDP share.")
    fair_relocations = serializers.IntegerField()
    fair_financial_eur = serializers.IntegerField()
    fair_equivalents = serializers.IntegerField(
        help_text="Share of the whole pool in relocation equivalents (relocations + EUR / value of one relocation)."
    )
    pledged_places = serializers.IntegerField()
    pledged_financial_eur = serializers.IntegerField()
    pledged_alternative_eur = serializers.IntegerField()
    equivalent_relocations = serializers.IntegerField()
    percent_of_fair_share = serializers.DecimalField(max_digits=8, decimal_places=1, coerce_to_string=False,
                                                     allow_null=True)


class FairShareTableSerializer(serializers.Serializer):
    cycle = CycleSerializer()
    year = serializers.IntegerField(allow_null=True, help_text="Year of the population and GDP figures used.")
    sources = serializers.ListField(child=serializers.CharField())
    rows = FairShareSerializer(many=True)


class FairShareView(APIView):
    """Each Member State's fair share of a cycle's pool (Annex I of Regulation (EU) 2024/1351)
    and what it pledged, in relocation equivalents."""

    permission_classes = [HasRole]
    allowed_roles = REGISTRY_ROLES

    @extend_schema(
        parameters=[OpenApiParameter("cycle", OpenApiTypes.STR, description="Cycle code.", required=True)],
        responses=FairShareTableSerializer,
    )
    def get(self, request):
        cycle = SolidarityCycle.objects.filter(code=request.query_params.get("cycle", "")).first()
        if cycle is None:
            raise ValidationError({"cycle": ["Give the code of a cycle (see /api/cycles/)."]})
        return Response(FairShareTableSerializer(selectors.fair_shares(cycle)).data)


class CycleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Solidarity cycles (open to every role that may see figures)."""

    permission_classes = [HasRole]
    allowed_roles = DASHBOARD_ROLES
    serializer_class = CycleSerializer
    queryset = SolidarityCycle.objects.all()
    pagination_class = None


def _percent_field():
    return serializers.DecimalField(max_digits=6, decimal_places=1, coerce_to_string=False, allow_null=True)


class HeadlineSerializer(serializers.Serializer):
    pledged = serializers.IntegerField()
    relocated = serializers.IntegerField()
    relocated_households = serializers.IntegerField()
    in_pipeline = serializers.IntegerField()
    remaining = serializers.IntegerField()
    percent = _percent_field()
    states_relocating = serializers.IntegerField()


class StateFigureSerializer(serializers.Serializer):
    state = serializers.CharField()
    name = serializers.CharField()
    pledged = serializers.IntegerField()
    in_pipeline = serializers.IntegerField(allow_null=True)
    relocated = serializers.IntegerField(allow_null=True)


class PledgingStateFigureSerializer(StateFigureSerializer):
    percent = _percent_field()


class MonthFigureSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    relocated = serializers.IntegerField()
    cumulative = serializers.IntegerField()


class PipelineFigureSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    households = serializers.IntegerField()
    persons = serializers.IntegerField()
    exit = serializers.BooleanField()


class StageDaysSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    median_days = serializers.DecimalField(max_digits=8, decimal_places=1, coerce_to_string=False, allow_null=True)
    stays = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    cycle = serializers.CharField(allow_null=True)
    headline = HeadlineSerializer()
    pledging_states = PledgingStateFigureSerializer(many=True)
    frontline_states = StateFigureSerializer(many=True)
    monthly = MonthFigureSerializer(many=True)
    pipeline = PipelineFigureSerializer(many=True)
    stage_days = StageDaysSerializer(many=True)


class DashboardView(APIView):
    """The solidarity dashboard's figures as of a date (aggregates only, never a person)."""

    permission_classes = [HasRole]
    allowed_roles = DASHBOARD_ROLES

    @extend_schema(
        parameters=[
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="Figures at the end of this day (default today)."),
            OpenApiParameter("cycle", OpenApiTypes.STR, description="Cycle code (default: the current cycle)."),
        ],
        responses=DashboardSerializer,
    )
    def get(self, request):
        as_of_field = serializers.DateField(required=False)
        as_of = None
        if request.query_params.get("as_of"):
            try:
                as_of = as_of_field.run_validation(request.query_params["as_of"])
            except ValidationError as error:
                raise ValidationError({"as_of": error.detail}) from None
        cycles = list(SolidarityCycle.objects.all())
        board = Dashboard(as_of=as_of, all_cycles=cycles)
        code = request.query_params.get("cycle")
        if code:
            board.cycle = next((c for c in cycles if c.code == code), None)
            if board.cycle is None:
                raise ValidationError({"cycle": ["Unknown cycle."]})
        else:
            board.cycle = Dashboard.default_cycle(cycles, board.as_of)
        return Response(DashboardSerializer(board.as_dict()).data)

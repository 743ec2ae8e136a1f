"""REST API for matching runs: start, status, cancel, proposals, confirm, discard.

The same doors as the pages: coordinator only (everyone else gets 404), services for writes."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from relocation.access import role_permission
from relocation.models import Role

from . import selectors, services
from .models import MatchingRun, UnplacedHousehold
from .serializers import (
    DecisionSerializer,
    DiscardedSerializer,
    MatchingErrorSerializer,
    ProposalIdsSerializer,
    ProposalSerializer,
    RunSerializer,
    RunStartSerializer,
    UnplacedSerializer,
)

BAD_REQUEST = {400: OpenApiResponse(MatchingErrorSerializer, description="A rule was broken; the message names it.")}
PROPOSAL_FILTERS = [
    OpenApiParameter("pledge", OpenApiTypes.INT, description="Pledge id"),
    OpenApiParameter("pledge_state", OpenApiTypes.STR, description="Pledging state (ISO code)"),
    OpenApiParameter("frontline_state", OpenApiTypes.STR, description="Frontline state (ISO code)"),
    OpenApiParameter("composition", OpenApiTypes.STR),
    OpenApiParameter("vulnerability", OpenApiTypes.STR, description="A category code, or 'any'"),
    OpenApiParameter("tie", OpenApiTypes.STR, enum=list(selectors.TIE_FILTERS)),
    OpenApiParameter("status", OpenApiTypes.STR, enum=["pending", "confirmed", "discarded", "stale"]),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=list(selectors.PROPOSAL_SORTS)),
]
FILTER_KEYS = ("pledge", "pledge_state", "frontline_state", "composition", "vulnerability", "tie", "status")


def _error(exc: DjangoValidationError) -> Response:
    if hasattr(exc, "error_dict"):
        return Response({"detail": " ".join(m for ms in exc.message_dict.values() for m in ms),
                         "errors": exc.message_dict}, status=status.HTTP_400_BAD_REQUEST)
    return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)


@extend_schema_view(
    list=extend_schema(summary="Matching runs, newest first"),
    retrieve=extend_schema(summary="A run's status, progress and figures"),
)
class MatchingRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, role_permission(Role.COORDINATOR)]
    serializer_class = RunSerializer
    queryset = MatchingRun.objects.none()

    def get_queryset(self):
        return selectors.runs_list(self.request.user)

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            return _error(exc)
        return super().handle_exception(exc)

    @extend_schema(summary="Start a run (queued; the worker picks it up)", request=RunStartSerializer,
                   responses={201: RunSerializer, **BAD_REQUEST})
    def create(self, request):
        data = RunStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        run = services.run_start(
            by=request.user, frontline_states=v["frontline_states"], pledge_ids=v["pledge_ids"],
            weights=v.get("weights"), time_limit_seconds=v["time_limit_seconds"], note=v["note"],
        )
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Cancel a queued or running run", request=None, responses={200: RunSerializer, **BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        run = services.run_cancel(run=self.get_object(), by=request.user)
        return Response(RunSerializer(run).data)

    @extend_schema(summary="The run's proposals (filter and sort like the review page)",
                   parameters=PROPOSAL_FILTERS, responses=ProposalSerializer(many=True))
    @action(detail=True, methods=["get"])
    def proposals(self, request, pk=None):
        run = self.get_object()
        filters = {k: request.query_params[k] for k in FILTER_KEYS if request.query_params.get(k)}
        if "pledge" in filters and not str(filters["pledge"]).isdigit():
            return Response({"detail": "pledge must be a pledge id."}, status=status.HTTP_400_BAD_REQUEST)
        qs = selectors.proposals_of(run, filters=filters, sort=request.query_params.get("sort", "score"))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ProposalSerializer(page, many=True).data)

    @extend_schema(summary="Households of the run that got no proposal, with the reason",
                   parameters=[OpenApiParameter("reason", OpenApiTypes.STR, enum=UnplacedHousehold.Reason.values)],
                   responses=UnplacedSerializer(many=True))
    @action(detail=True, methods=["get"])
    def unplaced(self, request, pk=None):
        run = self.get_object()
        reason = request.query_params.get("reason", "")
        qs = selectors.unplaced_of(run, reason=reason if reason in UnplacedHousehold.Reason.values else "")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(UnplacedSerializer(page, many=True).data)

    @extend_schema(summary="Confirm proposals (stale ones are refused and reported)",
                   request=ProposalIdsSerializer, responses={200: DecisionSerializer, **BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        run = self.get_object()
        data = ProposalIdsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if run.status != MatchingRun.Status.SUCCEEDED:
            return Response({"detail": "Only proposals of a succeeded run can be confirmed."},
                            status=status.HTTP_400_BAD_REQUEST)
        decision = services.proposals_confirm(run=run, proposal_ids=data.validated_data["proposals"], by=request.user)
        return Response(DecisionSerializer({
            "confirmed": [p.pk for p in decision.confirmed],
            "stale": [{"proposal": p.pk, "reason": r} for p, r in decision.stale],
            "refused": [{"proposal": pk_, "reason": r} for pk_, r in decision.refused],
        }).data)

    @extend_schema(summary="Discard proposals", request=ProposalIdsSerializer,
                   responses={200: DiscardedSerializer, **BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        run = self.get_object()
        data = ProposalIdsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if run.status != MatchingRun.Status.SUCCEEDED:
            return Response({"detail": "Only proposals of a succeeded run can be discarded."},
                            status=status.HTTP_400_BAD_REQUEST)
        n = services.proposals_discard(run=run, proposal_ids=data.validated_data["proposals"], by=request.user)
        return Response(DiscardedSerializer({"discarded": n}).data)

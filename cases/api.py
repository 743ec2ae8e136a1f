"""REST API for case files: the same doors as the pages (selectors scope every read, services
make every write), so an outsider gets 404 and a broken rule gets 400 with its message."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from relocation.access import access_of, get_or_404, role_permission
from relocation.models import Role

from . import selectors, services
from .documents import safe_download_name
from .filters import HouseholdFilter
from .models import Applicant, Household
from .serializers import (
    ApplicantDetailSerializer,
    ApplicantInputSerializer,
    ApplicantSerializer,
    ConsentSerializer,
    CulturalTieSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    EligibilitySerializer,
    ErrorSerializer,
    FamilyTieInputSerializer,
    FamilyTieSerializer,
    HouseholdCreateSerializer,
    HouseholdDetailSerializer,
    HouseholdSerializer,
    HouseholdUpdateSerializer,
    InformationSessionSerializer,
    MergeSerializer,
    ReasonSerializer,
    RemoveMemberSerializer,
    SecurityExclusionSerializer,
    SplitSerializer,
    TransitionSerializer,
    VulnerabilitySerializer,
)
from .workflow import TransitionError

CaseRoles = role_permission(*selectors.CASE_ROLES)
BAD_REQUEST = {400: OpenApiResponse(ErrorSerializer, description="A rule was broken; the message names it.")}


class ServiceErrors:
    """Rules broken in a service answer 400 with the rule's message."""

    def handle_exception(self, exc):
        if isinstance(exc, TransitionError):
            return Response({"detail": " ".join(exc.messages), "code": exc.code}, status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, DjangoValidationError):
            if hasattr(exc, "error_dict"):
                data = exc.message_dict
                if "__all__" in data:
                    data["detail"] = " ".join(data.pop("__all__"))
            else:
                data = {"detail": " ".join(exc.messages)}
            return Response(data, status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)


def _require_editor_role(user) -> None:
    # Officers, Dublin Units and IOM read case files; only EUAA staff write them.
    if not access_of(user).has(Role.CASEWORKER, Role.COORDINATOR):
        raise NotFound


@extend_schema_view(
    list=extend_schema(summary="Households the user may see, filtered and paginated"),
    retrieve=extend_schema(summary="One household with its members, assessments and documents"),
)
class HouseholdViewSet(ServiceErrors, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, CaseRoles]
    filterset_class = HouseholdFilter
    serializer_class = HouseholdSerializer
    queryset = Household.objects.none()

    def get_queryset(self):
        return selectors.with_members(selectors.households_visible_to(self.request.user)).order_by("case_number")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **selectors.person_file_view(self.request.user)}

    def _household(self) -> Household:
        return selectors.household_get_for_user(user=self.request.user, household_id=self.kwargs["pk"])

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        selectors.record_list_read(user=request.user, households=page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        household = selectors.household_detail(self._household())
        return Response(HouseholdDetailSerializer(household, context=self.get_serializer_context()).data)

    def _detail_response(self, household: Household, code=status.HTTP_200_OK) -> Response:
        household = selectors.household_detail(household)
        return Response(HouseholdDetailSerializer(household, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=HouseholdCreateSerializer, responses={201: HouseholdDetailSerializer, **BAD_REQUEST})
    def create(self, request, *args, **kwargs):
        _require_editor_role(request.user)
        serializer = HouseholdCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        members = [ApplicantInputSerializer(data=m) for m in request.data.get("members", [])]
        for m in members:
            m.is_valid(raise_exception=True)
        household = services.household_create(
            frontline_state=data["frontline_state"].pk,
            registered_on=data["registered_on"],
            site=data.get("site", ""),
            members=[m.to_service() for m in members],
            by=request.user,
        )
        return self._detail_response(household, status.HTTP_201_CREATED)

    @extend_schema(request=HouseholdUpdateSerializer, responses={200: HouseholdDetailSerializer, **BAD_REQUEST})
    def partial_update(self, request, *args, **kwargs):
        household = self._household()
        _require_editor_role(request.user)
        serializer = HouseholdUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        household = services.household_update(household=household, by=request.user, **serializer.validated_data)
        return self._detail_response(household)

    @extend_schema(
        request=TransitionSerializer,
        responses={200: HouseholdDetailSerializer, **BAD_REQUEST},
        summary="Move the household to another status (the workflow's rules apply)",
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        household = self._household()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        context = {}
        if data.get("destination_state") is not None:
            context["destination_state"] = data["destination_state"].pk
        household = services.case_transition(
            household=household,
            to=data["to"],
            by=request.user,
            reason=data.get("reason", ""),
            expected_version=data.get("expected_version"),
            **context,
        )
        return self._detail_response(household)

    @extend_schema(request=ApplicantInputSerializer, responses={201: ApplicantSerializer, **BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        household = self._household()
        _require_editor_role(request.user)
        serializer = ApplicantInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        applicant = services.add_member(household=household, by=request.user, **serializer.to_service())
        return Response(ApplicantSerializer(applicant).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SplitSerializer, responses={201: HouseholdDetailSerializer, **BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def split(self, request, pk=None):
        household = self._household()
        _require_editor_role(request.user)
        serializer = SplitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        chosen = list(household.members.filter(pk__in=serializer.validated_data["members"]))
        if len(chosen) != len(set(serializer.validated_data["members"])):
            raise DjangoValidationError({"members": ["Choose members of this household to move."]})
        new = services.split_household(
            household=household, members=chosen, by=request.user, reason=serializer.validated_data["reason"]
        )
        return self._detail_response(new, status.HTTP_201_CREATED)

    @extend_schema(request=MergeSerializer, responses={200: HouseholdDetailSerializer, **BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        household = self._household()
        _require_editor_role(request.user)
        serializer = MergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        source = selectors.household_get_for_user(user=request.user, household_id=serializer.validated_data["source"])
        merged = services.merge_households(
            target=household, source=source, by=request.user, reason=serializer.validated_data["reason"]
        )
        return self._detail_response(merged)

    @extend_schema(request=InformationSessionSerializer, responses={201: InformationSessionSerializer, **BAD_REQUEST})
    @action(detail=True, methods=["post"], url_path="information-sessions")
    def information_sessions(self, request, pk=None):
        household = self._household()
        _require_editor_role(request.user)
        serializer = InformationSessionSerializer(data=request.data)
        # Only this household's members: another household's person must look missing, not foreign.
        serializer.fields["applicant"].queryset = household.members.all()
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        session = services.information_session_record(
            household=household,
            held_on=data["held_on"],
            language=data["language"].pk,
            interpreter=data.get("interpreter", False),
            applicant=data.get("applicant"),
            by=request.user,
        )
        return Response(InformationSessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer, **BAD_REQUEST},
        summary="Attach a document (PDF, JPEG or PNG, up to 10 MB)",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request, pk=None):
        household = self._household()
        _require_editor_role(request.user)
        serializer = DocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        applicant = None
        if data.get("applicant"):
            applicant = get_or_404(household.members.all(), pk=data["applicant"])
        document = services.document_upload(
            household=household, kind=data["document_type"], upload=data["file"], applicant=applicant, by=request.user
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Applicants the user may see"),
    retrieve=extend_schema(summary="One applicant with assessments"),
)
class ApplicantViewSet(ServiceErrors, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, CaseRoles]
    serializer_class = ApplicantSerializer
    queryset = Applicant.objects.none()
    parser_classes = [JSONParser]

    def get_queryset(self):
        return (
            selectors.applicants_visible_to(self.request.user).prefetch_related("languages").order_by("household_id", "id")
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **selectors.person_file_view(self.request.user)}

    def _applicant(self) -> Applicant:
        return selectors.applicant_get_for_user(user=self.request.user, applicant_id=self.kwargs["pk"])

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        selectors.record_list_read(user=request.user, households=list({a.household_id: a.household for a in page}.values()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses=ApplicantDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        applicant = self._applicant()
        return Response(ApplicantDetailSerializer(applicant, context=self.get_serializer_context()).data)

    @extend_schema(request=ApplicantInputSerializer, responses={200: ApplicantSerializer, **BAD_REQUEST})
    def partial_update(self, request, *args, **kwargs):
        applicant = self._applicant()
        _require_editor_role(request.user)
        serializer = ApplicantInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        applicant = services.applicant_update(applicant=applicant, by=request.user, **serializer.to_service())
        return Response(ApplicantSerializer(applicant).data)

    def _write(self, request, serializer_class):
        applicant = self._applicant()
        _require_editor_role(request.user)
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return applicant, serializer.validated_data

    @extend_schema(request=RemoveMemberSerializer, responses={204: None, **BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        applicant, data = self._write(request, RemoveMemberSerializer)
        new_principal = None
        if data.get("new_principal"):
            new_principal = get_or_404(applicant.household.members.all(), pk=data["new_principal"])
        services.remove_member(applicant=applicant, by=request.user, reason=data["reason"], new_principal=new_principal)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=VulnerabilitySerializer, responses={201: VulnerabilitySerializer, **BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def vulnerabilities(self, request, pk=None):
        applicant, data = self._write(request, VulnerabilitySerializer)
        assessment = services.vulnerability_assess(
            applicant=applicant, category=data["category"].pk, notes=data.get("notes", ""), by=request.user
        )
        return Response(
            VulnerabilitySerializer(assessment, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=FamilyTieInputSerializer, responses={201: FamilyTieSerializer, **BAD_REQUEST})
    @action(detail=True, methods=["post"], url_path="family-ties")
    def family_ties(self, request, pk=None):
        applicant, data = self._write(request, FamilyTieInputSerializer)
        tie = services.family_tie_add(
            applicant=applicant, state=data["state"].pk, relationship=data["relationship"],
            status_there=data["status_there"], by=request.user,
        )
        return Response(FamilyTieSerializer(tie).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CulturalTieSerializer, responses={201: CulturalTieSerializer, **BAD_REQUEST})
    @action(detail=True, methods=["post"], url_path="cultural-ties")
    def cultural_ties(self, request, pk=None):
        applicant, data = self._write(request, CulturalTieSerializer)
        tie = services.cultural_tie_add(
            applicant=applicant, state=data["state"].pk, kind=data["kind"], detail=data.get("detail", ""),
            by=request.user,
        )
        return Response(CulturalTieSerializer(tie).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConsentSerializer, responses={201: ConsentSerializer, **BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def consents(self, request, pk=None):
        applicant, data = self._write(request, ConsentSerializer)
        consent = services.consent_record(
            applicant=applicant, given=data["given"], how_recorded=data["how_recorded"], at=data.get("at"),
            by=request.user,
        )
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EligibilitySerializer, responses={201: EligibilitySerializer, **BAD_REQUEST})
    @action(detail=True, methods=["post"])
    def eligibility(self, request, pk=None):
        applicant, data = self._write(request, EligibilitySerializer)
        decision = services.eligibility_decide(
            applicant=applicant, eligible=data["eligible"], reason=data.get("reason", ""), by=request.user
        )
        return Response(EligibilitySerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SecurityExclusionSerializer, responses={204: None, **BAD_REQUEST})
    @action(detail=True, methods=["post"], url_path="security-exclusion")
    def security_exclusion(self, request, pk=None):
        applicant, data = self._write(request, SecurityExclusionSerializer)
        services.security_exclude(applicant=applicant, reason=data["reason"], by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ReasonSerializer, responses={204: None, **BAD_REQUEST},
                   summary="Remove a vulnerability assessment recorded in error")
    @action(detail=True, methods=["post"], url_path=r"vulnerabilities/(?P<assessment_id>\d+)/remove")
    def vulnerability_remove(self, request, pk=None, assessment_id=None):
        applicant, data = self._write(request, ReasonSerializer)
        assessment = get_or_404(applicant.vulnerabilities.all(), pk=assessment_id)
        services.vulnerability_remove(assessment=assessment, by=request.user, reason=data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None}, summary="Remove a family tie")
    @action(detail=True, methods=["post"], url_path=r"family-ties/(?P<tie_id>\d+)/remove")
    def family_tie_remove(self, request, pk=None, tie_id=None):
        applicant = self._applicant()
        _require_editor_role(request.user)
        services.tie_remove(tie=get_or_404(applicant.family_ties.all(), pk=tie_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None}, summary="Remove a cultural tie")
    @action(detail=True, methods=["post"], url_path=r"cultural-ties/(?P<tie_id>\d+)/remove")
    def cultural_tie_remove(self, request, pk=None, tie_id=None):
        applicant = self._applicant()
        _require_editor_role(request.user)
        services.tie_remove(tie=get_or_404(applicant.cultural_ties.all(), pk=tie_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Documents of households the user may see"),
    retrieve=extend_schema(summary="One document's description"),
)
class DocumentViewSet(ServiceErrors, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, CaseRoles]
    serializer_class = DocumentSerializer

    def get_queryset(self):
        return selectors.documents_visible_to(self.request.user).order_by("-uploaded_at", "-id")

    def list(self, request, *args, **kwargs):
        # Which files a person has (names, kinds) is their file too: one audit row for a list
        # read by another organisation, like the households list.
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        selectors.record_list_read(user=request.user, households=list({d.household_id: d.household for d in page}.values()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        document = selectors.document_get_for_user(user=request.user, document_id=kwargs["pk"])
        return Response(DocumentSerializer(document).data)

    @extend_schema(request=ReasonSerializer, responses={204: None, **BAD_REQUEST}, summary="Delete the document")
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        document = selectors.document_get_for_user(user=request.user, document_id=pk)
        _require_editor_role(request.user)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.document_delete(document=document, by=request.user, reason=serializer.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}, summary="Download the file")
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        document = selectors.document_get_for_user(user=request.user, document_id=pk)
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=safe_download_name(document.original_name),
            content_type=document.content_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response

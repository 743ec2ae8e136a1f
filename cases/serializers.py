"""REST representations of case files. Writes only validate input shapes here; the rules
are in ``cases.services``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from relocation.models import Country, Language, VulnerabilityCategory

from .models import (
    Applicant,
    CaseStatus,
    Consent,
    CulturalTie,
    Document,
    EligibilityDecision,
    FamilyTie,
    Household,
    InformationSession,
    Relationship,
    Sex,
    TieStatus,
    VulnerabilityAssessment,
)


class CaseStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=CaseStatus.choices, **kwargs)


class VulnerabilitySerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=VulnerabilityCategory.objects.all())
    notes = serializers.CharField(
        required=False, allow_blank=True, help_text="Restricted: returned to EUAA staff only."
    )

    class Meta:
        model = VulnerabilityAssessment
        fields = ["id", "category", "assessed_at", "notes"]
        read_only_fields = ["id", "assessed_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("restricted"):
            data.pop("notes", None)
        return data


class FamilyTieSerializer(serializers.ModelSerializer):
    state = serializers.SlugRelatedField(slug_field="code", queryset=Country.objects.all())

    class Meta:
        model = FamilyTie
        fields = ["id", "state", "relationship", "status_there"]
        read_only_fields = ["id"]


class CulturalTieSerializer(serializers.ModelSerializer):
    state = serializers.SlugRelatedField(slug_field="code", queryset=Country.objects.all())

    class Meta:
        model = CulturalTie
        fields = ["id", "state", "kind", "detail"]
        read_only_fields = ["id"]


class ConsentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consent
        fields = ["id", "given", "at", "how_recorded"]
        read_only_fields = ["id"]
        extra_kwargs = {"at": {"required": False}}


class EligibilitySerializer(serializers.ModelSerializer):
    class Meta:
        model = EligibilityDecision
        fields = ["id", "eligible", "reason", "decided_at"]
        read_only_fields = ["id", "decided_at"]


class SecurityExclusionSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ApplicantSerializer(serializers.ModelSerializer):
    """A person, as lists and the household show them."""

    nationality = serializers.SlugRelatedField(slug_field="code", queryset=Country.objects.all())
    languages = serializers.SlugRelatedField(
        slug_field="code", queryset=Language.objects.all(), many=True, required=False
    )
    household = serializers.SlugRelatedField(slug_field="case_number", read_only=True)

    class Meta:
        model = Applicant
        fields = [
            "id",
            "household",
            "given_name",
            "family_name",
            "given_name_native",
            "family_name_native",
            "date_of_birth",
            "dob_estimated",
            "sex",
            "nationality",
            "languages",
            "relationship_to_principal",
            "registration_number",
            "security_excluded",
        ]
        read_only_fields = ["id", "household", "security_excluded"]
        # Uniqueness is the service's rule (it knows the frontline state); no DRF validator.
        validators: list = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # The views put ``assessments`` (selectors.sees_assessments) in the context; the
        # editors' own write responses, built without one, are for assessment readers.
        if not self.context.get("assessments", True):
            data.pop("security_excluded", None)
        return data


class ApplicantInputSerializer(serializers.Serializer):
    """A new or changed person (relationship defaults to principal for the first member)."""

    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    given_name_native = serializers.CharField(max_length=100, required=False, allow_blank=True)
    family_name_native = serializers.CharField(max_length=100, required=False, allow_blank=True)
    date_of_birth = serializers.DateField()
    dob_estimated = serializers.BooleanField(required=False)
    sex = serializers.ChoiceField(choices=Sex.choices)
    nationality = serializers.SlugRelatedField(slug_field="code", queryset=Country.objects.all())
    languages = serializers.SlugRelatedField(
        slug_field="code", queryset=Language.objects.all(), many=True, required=False
    )
    relationship_to_principal = serializers.ChoiceField(choices=Relationship.choices, required=False)
    registration_number = serializers.CharField(max_length=40, required=False, allow_blank=True)

    def to_service(self) -> dict:
        data = dict(self.validated_data)
        if "nationality" in data:
            data["nationality_id"] = data.pop("nationality").pk
        if "languages" in data:
            data["languages"] = [lang.pk for lang in data["languages"]]
        return data


class ApplicantDetailSerializer(ApplicantSerializer):
    vulnerabilities = VulnerabilitySerializer(many=True, read_only=True)
    family_ties = FamilyTieSerializer(many=True, read_only=True)
    cultural_ties = CulturalTieSerializer(many=True, read_only=True)
    consents = ConsentSerializer(many=True, read_only=True)
    eligibility_decisions = EligibilitySerializer(many=True, read_only=True)

    class Meta(ApplicantSerializer.Meta):
        fields = [
            *ApplicantSerializer.Meta.fields,
            "vulnerabilities",
            "family_ties",
            "cultural_ties",
            "consents",
            "eligibility_decisions",
        ]

    ASSESSMENTS = ("vulnerabilities", "family_ties", "cultural_ties", "consents", "eligibility_decisions")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("assessments", True):
            # IOM keeps the vulnerability categories: they are the journey's assistance needs.
            kept = ("vulnerabilities",) if self.context.get("journey_only") else ()
            for name in self.ASSESSMENTS:
                if name not in kept:
                    data.pop(name, None)
        return data


class MemberBriefSerializer(serializers.ModelSerializer):
    nationality = serializers.CharField(source="nationality_id")

    class Meta:
        model = Applicant
        fields = ["id", "given_name", "family_name", "date_of_birth", "sex", "nationality", "relationship_to_principal"]


class HouseholdSerializer(serializers.ModelSerializer):
    frontline_state = serializers.CharField(source="frontline_state_id", read_only=True)
    destination_state = serializers.CharField(source="destination_state_id", read_only=True, allow_null=True)
    members = MemberBriefSerializer(many=True, read_only=True)
    status = CaseStatusField(read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "case_number",
            "frontline_state",
            "site",
            "registered_on",
            "status",
            "status_changed_at",
            "destination_state",
            "composition",
            "size",
            "vulnerable_members",
            "has_family_ties",
            "has_cultural_ties",
            "version",
            "members",
        ]
        read_only_fields = fields

    # IOM (journey only) learns nothing of the asylum file: no ties, not even as flags, and
    # not which states the household may not go to.
    JOURNEY_HIDDEN = ("has_family_ties", "has_cultural_ties", "excluded_states")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("journey_only"):
            for name in self.JOURNEY_HIDDEN:
                data.pop(name, None)
        return data


class InformationSessionSerializer(serializers.ModelSerializer):
    language = serializers.SlugRelatedField(slug_field="code", queryset=Language.objects.all())
    applicant = serializers.PrimaryKeyRelatedField(
        queryset=Applicant.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = InformationSession
        fields = ["id", "applicant", "held_on", "language", "interpreter"]
        read_only_fields = ["id"]


class DocumentSerializer(serializers.ModelSerializer):
    document_type = serializers.ChoiceField(source="kind", choices=Document.Kind.choices, read_only=True)

    class Meta:
        model = Document
        fields = ["id", "household", "applicant", "document_type", "original_name", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class HouseholdDetailSerializer(HouseholdSerializer):
    members = ApplicantDetailSerializer(many=True, read_only=True)
    excluded_states = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    information_sessions = InformationSessionSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta(HouseholdSerializer.Meta):
        fields = [
            *HouseholdSerializer.Meta.fields,
            "excluded_states",
            "information_sessions",
            "documents",
            "allowed_transitions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=CaseStatusField()))
    def get_allowed_transitions(self, obj) -> list[str]:
        from .workflow import allowed_transitions

        return allowed_transitions(obj, self.context["request"].user)


class HouseholdCreateSerializer(serializers.Serializer):
    frontline_state = serializers.SlugRelatedField(
        slug_field="code", queryset=Country.objects.filter(is_frontline=True)
    )
    site = serializers.CharField(max_length=200, required=False, allow_blank=True)
    registered_on = serializers.DateField()
    members = ApplicantInputSerializer(many=True, required=False)


class HouseholdUpdateSerializer(serializers.Serializer):
    site = serializers.CharField(max_length=200, required=False, allow_blank=True)
    registered_on = serializers.DateField(required=False)
    expected_version = serializers.IntegerField(required=False)


class TransitionSerializer(serializers.Serializer):
    to = CaseStatusField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    destination_state = serializers.SlugRelatedField(
        slug_field="code", queryset=Country.objects.all(), required=False,
        help_text="Needed to propose the household to a pledging state.",
    )
    expected_version = serializers.IntegerField(required=False)


class SplitSerializer(serializers.Serializer):
    members = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    reason = serializers.CharField()


class MergeSerializer(serializers.Serializer):
    source = serializers.IntegerField(help_text="The household whose members join this one; it is closed.")
    reason = serializers.CharField()


class RemoveMemberSerializer(serializers.Serializer):
    reason = serializers.CharField()
    new_principal = serializers.IntegerField(required=False)


class DocumentUploadSerializer(serializers.Serializer):
    document_type = serializers.ChoiceField(choices=Document.Kind.choices)
    file = serializers.FileField()
    applicant = serializers.IntegerField(required=False)


class FamilyTieInputSerializer(serializers.Serializer):
    state = serializers.SlugRelatedField(slug_field="code", queryset=Country.objects.all())
    relationship = serializers.CharField(max_length=100)
    status_there = serializers.ChoiceField(choices=TieStatus.choices)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()

from rest_framework import serializers

from .models import DEFAULT_WEIGHTS, MAX_TIME_LIMIT, MatchingRun, Proposal, UnplacedHousehold


class WeightsSerializer(serializers.Serializer):
    person = serializers.FloatField(min_value=0, max_value=1000, required=False)
    vulnerable_member = serializers.FloatField(min_value=0, max_value=1000, required=False)
    family_tie = serializers.FloatField(min_value=0, max_value=1000, required=False)
    cultural_tie = serializers.FloatField(min_value=0, max_value=1000, required=False)
    waiting_month = serializers.FloatField(min_value=0, max_value=1000, required=False)


class RunStartSerializer(serializers.Serializer):
    frontline_states = serializers.ListField(child=serializers.CharField(max_length=2), allow_empty=False)
    pledge_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
    weights = WeightsSerializer(required=False, help_text=f"Missing keys take the defaults {DEFAULT_WEIGHTS}.")
    time_limit_seconds = serializers.IntegerField(min_value=1, max_value=MAX_TIME_LIMIT, default=30)
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


# Plain strings with the values listed, not enums: other apps' "status" fields would collide.
RUN_STATUS = serializers.CharField(read_only=True, help_text="queued, running, succeeded, failed or cancelled")


class RunSerializer(serializers.ModelSerializer):
    started_by = serializers.CharField(source="started_by.username", read_only=True)
    status = RUN_STATUS

    class Meta:
        model = MatchingRun
        fields = [
            "id", "started_by", "created_at", "frontline_states", "pledge_ids", "weights", "time_limit_seconds",
            "note", "status", "progress_text", "progress_percent", "started_at", "finished_at", "heartbeat_at",
            "error", "input_sha256", "solve_status", "objective", "bound", "gap", "greedy_objective", "counts",
            "timings",
        ]
        read_only_fields = fields


class ScorePartsSerializer(serializers.Serializer):
    persons = serializers.FloatField()
    vulnerable_members = serializers.FloatField()
    family_tie = serializers.FloatField()
    cultural_tie = serializers.FloatField()
    waiting_time = serializers.FloatField()


class CriterionSerializer(serializers.Serializer):
    rule = serializers.CharField()
    text = serializers.CharField()


class ProposalSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="household.case_number", read_only=True)
    score_parts = ScorePartsSerializer(read_only=True)
    explanation = CriterionSerializer(source="criteria_met", many=True, read_only=True)
    vulnerabilities = serializers.ListField(child=serializers.CharField(), read_only=True)
    status = serializers.CharField(read_only=True, help_text="pending, confirmed, discarded or stale")

    class Meta:
        model = Proposal
        fields = [
            "id", "run", "household", "case_number", "pledge", "pledge_state", "frontline_state", "quota_state",
            "persons", "vulnerable_members", "composition", "vulnerabilities", "family_tie", "cultural_tie",
            "waiting_days", "value", "score_parts", "explanation", "status", "decided_at", "stale_reason",
            "placement",
        ]
        read_only_fields = fields


class UnplacedSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="household.case_number", read_only=True)
    reason = serializers.CharField(read_only=True, help_text="no_eligible_pledge, places_exhausted or not_chosen")

    class Meta:
        model = UnplacedHousehold
        fields = ["id", "household", "case_number", "frontline_state", "persons", "composition", "reason", "detail"]
        read_only_fields = fields


class ProposalIdsSerializer(serializers.Serializer):
    proposals = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=500,
        help_text="At most 500 proposal ids per request.",
    )


class StaleSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    reason = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    confirmed = serializers.ListField(child=serializers.IntegerField())
    stale = StaleSerializer(many=True)
    refused = StaleSerializer(many=True)


class DiscardedSerializer(serializers.Serializer):
    discarded = serializers.IntegerField()


class MatchingErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()

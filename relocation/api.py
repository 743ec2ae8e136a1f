from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .access import access_of
from .models import Notification


class RoleSerializer(serializers.Serializer):
    role = serializers.CharField()
    states = serializers.ListField(child=serializers.CharField())


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    organisation = serializers.CharField(allow_null=True)
    roles = RoleSerializer(many=True)


class MeView(APIView):
    """The authenticated user, their organisation and roles with the states they act in."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        access = access_of(request.user)
        data = {
            "username": request.user.get_username(),
            "organisation": str(request.user.organisation) if request.user.organisation_id else None,
            "roles": [{"role": r, "states": sorted(s)} for r, s in sorted(access.roles.items())],
        }
        return Response(MeSerializer(data).data)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "created_at", "subject", "body", "link", "read_at"]
        read_only_fields = fields


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The authenticated user's own notifications."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        return Notification.objects.filter(recipient_id=self.request.user.pk)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.notification_mark_read(notification=notification)
        notification.refresh_from_db()
        return Response(self.get_serializer(notification).data)

"""/api/v1/drivers/: who delivers. Members read; operations and managers add and change."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission

from hub import roles, selectors, services
from hub.errors import DomainError
from hub.models import Driver, Zone


class CanKeepDrivers(BasePermission):
    message = "Operations and managers keep the driver list."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return roles.is_member(request.user)
        return selectors.can_edit_drivers(request.user)


class DriverSerializer(serializers.ModelSerializer):
    zone = serializers.SlugRelatedField(
        slug_field="code", queryset=Zone.objects.all(), required=False, allow_null=True
    )
    dispatch_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="The Onfleet worker id.",
    )

    class Meta:
        model = Driver
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "dispatch_id",
            "zone",
            "active",
            "first_seen_at",
            "last_seen_at",
        ]
        read_only_fields = ["id", "first_seen_at", "last_seen_at"]
        # Uniqueness is the service's to check, with a message a person can act on.
        extra_kwargs = {"email": {"validators": []}}


@extend_schema_view(
    list=extend_schema(
        summary="Drivers, newest first",
        parameters=[
            OpenApiParameter("active", bool, description="Only active (true) or inactive"),
            OpenApiParameter("q", str, description="Name, email or phone contains"),
        ],
    ),
    create=extend_schema(summary="Add a driver"),
)
class DriverViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DriverSerializer
    permission_classes = [CanKeepDrivers]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Driver.objects.none()
        params = self.request.query_params
        active = params.get("active", "").lower()
        if active not in ("", "true", "false"):
            raise DomainError("active is true or false.", field="active")
        return selectors.driver_list(
            self.request.user,
            search=params.get("q", "").strip()[:100],
            active=None if not active else active == "true",
        ).order_by("-id")

    def perform_create(self, serializer):
        serializer.instance = services.driver_save(
            actor=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = services.driver_save(
            actor=self.request.user,
            driver=serializer.instance,
            data=dict(serializer.validated_data),
        )

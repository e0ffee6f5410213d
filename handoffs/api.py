"""REST API for integrations (admins only)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from handoffs import selectors, services
from handoffs.models import Integration
from handoffs.providers import provider_for
from hub.permissions import IsAdminRole


class IntegrationSerializer(serializers.ModelSerializer):
    webhook_url = serializers.SerializerMethodField()
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="The provider's signing secret. Leave empty for Typeform and Generic JSON "
        "and Crossdock makes one (returned once, as signing_secret).",
    )
    secret_hint = serializers.CharField(read_only=True)
    setup = serializers.SerializerMethodField()

    class Meta:
        model = Integration
        fields = [
            "id",
            "name",
            "kind",
            "status",
            "webhook_url",
            "secret",
            "secret_hint",
            "setup",
            "created_at",
            "last_event_at",
            "secret_rotated_at",
        ]
        read_only_fields = ["id", "created_at", "last_event_at", "secret_rotated_at"]

    def get_webhook_url(self, obj: Integration) -> str:
        request = self.context.get("request")
        base = request.build_absolute_uri("/") if request else None
        return obj.webhook_url(base)

    def get_setup(self, obj: Integration) -> str:
        return provider_for(obj.kind).secret_help


class RotateSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(required=False, allow_blank=True, default="")
    grace_hours = serializers.IntegerField(required=False, default=24, min_value=0, max_value=336)


@extend_schema_view(
    list=extend_schema(summary="List inbound integrations (admins)"),
    create=extend_schema(
        summary="Add an integration (admins)",
        description="Returns its webhook_url, and signing_secret once when Crossdock made it.",
    ),
    retrieve=extend_schema(summary="One integration (admins)"),
    partial_update=extend_schema(summary="Rename, pause (status=paused) or resume (admins)"),
    destroy=extend_schema(summary="Delete an integration; its events stay (admins)"),
)
class IntegrationViewSet(viewsets.ModelViewSet):
    serializer_class = IntegrationSerializer
    permission_classes = [IsAdminRole]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Integration.objects.none()
        return selectors.integration_list(self.request.user).order_by("-id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        integration, secret = services.integration_create(
            actor=request.user, name=data["name"], kind=data["kind"], secret=data.get("secret", "")
        )
        body = self.get_serializer(integration).data
        if provider_for(integration.kind).generates_secret and not data.get("secret"):
            body["signing_secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        integration = serializer.instance
        data = serializer.validated_data
        if "secret" in data:
            raise serializers.ValidationError(
                {"secret": ["Secrets are write-only: use rotate-secret to change it."]}
            )
        if "kind" in data and data["kind"] != integration.kind:
            raise serializers.ValidationError({"kind": ["An integration's kind cannot change."]})
        if "name" in data:
            services.integration_rename(
                actor=self.request.user, integration=integration, name=data["name"]
            )
        if "status" in data:
            services.integration_set_paused(
                actor=self.request.user,
                integration=integration,
                paused=data["status"] == Integration.Status.PAUSED,
            )

    def perform_destroy(self, instance):
        services.integration_delete(actor=self.request.user, integration=instance)

    @extend_schema(
        summary="Rotate the signing secret (admins)",
        description="The old secret stays valid for grace_hours (default 24).",
        request=RotateSecretSerializer,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        integration = self.get_object()
        serializer = RotateSecretSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        secret = services.integration_rotate_secret(
            actor=request.user, integration=integration, **serializer.validated_data
        )
        body = {"id": integration.pk, "grace_hours": serializer.validated_data["grace_hours"]}
        if not serializer.validated_data["secret"]:
            body["signing_secret"] = secret
        return Response(body)

"""REST API of the hub: teams and the event log, plus the API's error format."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hub import selectors, services
from hub.errors import DomainError
from hub.models import Event, Team
from hub.permissions import IsAdminOrReadOnly


def exception_handler(exc, context):
    """Every error is JSON with a ``detail`` a person can act on (and field errors if any)."""
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body["errors"] = {exc.field: [exc.message]}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "Some fields are not valid.", "errors": response.data}
    return response


class TeamSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "slug", "kind", "description", "member_count", "created_at"]
        read_only_fields = ["id", "slug", "member_count", "created_at"]


@extend_schema_view(
    list=extend_schema(summary="List teams", description="Every team of the company, by name."),
    create=extend_schema(summary="Create a team (admins)"),
    partial_update=extend_schema(summary="Change a team (admins)"),
    update=extend_schema(summary="Replace a team (admins)"),
    destroy=extend_schema(summary="Delete an empty team (admins)"),
)
class TeamViewSet(viewsets.ModelViewSet):
    serializer_class = TeamSerializer
    permission_classes = [IsAdminOrReadOnly]
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.team_list()

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.team_create(
            actor=self.request.user,
            name=data["name"],
            kind=data.get("kind", Team.Kind.OTHER),
            description=data.get("description", ""),
        )
        serializer.instance.member_count = 0

    def perform_update(self, serializer):
        team = serializer.instance
        data = serializer.validated_data
        serializer.instance = services.team_update(
            actor=self.request.user,
            team=team,
            name=data.get("name", team.name),
            kind=data.get("kind", team.kind),
            description=data.get("description", team.description),
        )

    def perform_destroy(self, instance):
        services.team_delete(actor=self.request.user, team=instance)


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = [
            "id",
            "uuid",
            "source",
            "type",
            "external_id",
            "status",
            "unmapped",
            "occurred_at",
            "received_at",
            "processed_at",
            "integration_id",
            "attempts",
            "last_error",
            "payload",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="List events, newest first",
        description="The event log. Stable ids, newest first: usable as a polling trigger.",
        parameters=[
            OpenApiParameter("source", str, description="Only events from this source."),
            OpenApiParameter("type", str, description="Only events of this type."),
            OpenApiParameter(
                "status", str, enum=Event.Status.values, description="Processing status."
            ),
            OpenApiParameter("integration", int, description="Only events of this integration."),
            OpenApiParameter("unmapped", bool, description="Only (un)mapped events."),
        ],
    ),
    retrieve=extend_schema(summary="One event with its payload"),
)
class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EventSerializer

    def get_queryset(self):
        params = self.request.query_params
        status_filter = params.get("status")
        if status_filter and status_filter not in Event.Status.values:
            raise exceptions.ValidationError(
                {"status": [f"Use one of: {', '.join(Event.Status.values)}."]}
            )
        integration = params.get("integration")
        if integration is not None and not integration.isdigit():
            raise exceptions.ValidationError({"integration": ["Give an integration id."]})
        unmapped = params.get("unmapped")
        if unmapped is not None and unmapped not in ("true", "false"):
            raise exceptions.ValidationError({"unmapped": ["Use true or false."]})
        return selectors.event_list(
            source=params.get("source"),
            type=params.get("type"),
            status=status_filter,
            integration_id=int(integration) if integration else None,
            unmapped=None if unmapped is None else unmapped == "true",
        )

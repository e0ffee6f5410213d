"""REST API for workflow maps (with exports) and pilots."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from hub.api import choice_param
from hub.models import Team
from workflows import exchange, selectors, services
from workflows.models import Pilot, WorkflowMap

EXPORT_FORMATS = ["json", "svg", "mermaid"]


class ExportNegotiation(DefaultContentNegotiation):
    """``?format=svg|mermaid|json`` names an export here, not one of DRF's renderers."""

    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = request.query_params.get("format")
        if wanted and wanted not in {r.format for r in renderers}:
            return renderers[0], renderers[0].media_type  # the view answers (or refuses) it
        return super().select_renderer(request, renderers, format_suffix)


class MapSerializer(serializers.ModelSerializer):
    step_count = serializers.IntegerField(read_only=True)
    open_frictions = serializers.IntegerField(read_only=True)

    class Meta:
        model = WorkflowMap
        fields = [
            "id",
            "name",
            "description",
            "version",
            "step_count",
            "open_frictions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


FORMAT_PARAM = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=EXPORT_FORMATS,
    description="json: the map's drawing, friction points and rule links (importable); "
    "svg: the swimlane drawing; mermaid: a flowchart LR with one subgraph per lane.",
)


class PlaceStepSerializer(serializers.Serializer):
    step = serializers.IntegerField(min_value=1, help_text="The step to move.")
    lane = serializers.IntegerField(min_value=1, help_text="The lane it goes to.")
    before = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="A step of that lane to put it before; none: after the lane's last step.",
    )


class PlacedStepSerializer(serializers.Serializer):
    step = serializers.IntegerField()
    lane = serializers.IntegerField()
    order = serializers.IntegerField()
    version = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(summary="List workflow maps, newest first"),
    retrieve=extend_schema(
        summary="One map, or its export",
        parameters=[FORMAT_PARAM],
        description="Without format: the map with its drawing as JSON (the import format).",
    ),
    create=extend_schema(
        summary="Import a map",
        request=OpenApiTypes.OBJECT,
        description="Body: a map as exported with ?format=json. Validated before anything is "
        "written; a bad document answers 400 naming the problem.",
    ),
    destroy=extend_schema(summary="Delete a map (its author or a manager)"),
)
class MapViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = MapSerializer
    content_negotiation_class = ExportNegotiation

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WorkflowMap.objects.none()
        return selectors.map_list(self.request.user).order_by("-id")

    def retrieve(self, request, pk=None):
        map_ = selectors.get_map_for_user(request.user, int(pk))
        fmt = choice_param(request.query_params, "format", EXPORT_FORMATS)
        if fmt in ("svg", "mermaid"):
            body, content_type, _ = selectors.map_export(map_, fmt)
            return HttpResponse(body, content_type=content_type)
        data = selectors.map_data(map_)
        body = {
            "id": map_.pk,
            "version": map_.version,
            "updated_at": map_.updated_at,
            **exchange.export(data),
        }
        if fmt == "json":
            body = exchange.export(data)
        return Response(body)

    def create(self, request, *args, **kwargs):
        map_ = services.map_import(actor=request.user, raw=request.data)
        row = self.get_queryset().get(pk=map_.pk)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        map_ = selectors.get_map_for_user(request.user, int(pk), delete=True)
        services.map_delete(actor=request.user, map=map_)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Move a step: before another step of a lane, or to the end of a lane",
        request=PlaceStepSerializer,
        responses=PlacedStepSerializer,
    )
    @action(detail=True, methods=["post"], url_path="place-step")
    def place_step(self, request, pk=None):
        map_ = selectors.get_map_for_user(request.user, int(pk))
        serializer = PlaceStepSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        step = selectors.get_step_for_user(request.user, map_, data["step"])
        lane = selectors.get_lane_for_user(request.user, map_, data["lane"])
        before = (
            selectors.get_step_for_user(request.user, map_, data["before"])
            if data.get("before")
            else None
        )
        step = services.step_place(actor=request.user, step=step, lane=lane, before=before)
        map_.refresh_from_db()
        return Response(
            {"step": step.pk, "lane": step.lane_id, "order": step.order, "version": map_.version}
        )


class PilotSerializer(serializers.ModelSerializer):
    owner_teams = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Team.objects.all()
    )
    map = serializers.IntegerField(source="friction.map_id", read_only=True)
    starts_on = serializers.DateField()
    writeup_url = serializers.SerializerMethodField(
        help_text="The write-up page in Docs (linked back to the pilot)."
    )

    class Meta:
        model = Pilot
        fields = [
            "id",
            "title",
            "status",
            "friction",
            "map",
            "hypothesis",
            "fix",
            "fix_rule",
            "metric",
            "owner_teams",
            "starts_on",
            "ends_on",
            "decision",
            "decision_notes",
            "decided_at",
            "writeup",
            "writeup_page",
            "writeup_url",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "ends_on",
            "decision",
            "decision_notes",
            "decided_at",
            "writeup",
            "writeup_page",
            "created_at",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_writeup_url(self, obj: Pilot) -> str:
        return reverse("wiki:page_short", args=[obj.writeup_page_id]) if obj.writeup_page_id else ""


class PilotDetailSerializer(PilotSerializer):
    result = serializers.SerializerMethodField()

    class Meta(PilotSerializer.Meta):
        fields = [*PilotSerializer.Meta.fields, "result"]

    def get_result(self, obj: Pilot) -> dict | None:
        result = selectors.pilot_result(obj)
        return result.as_json() if result else None


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Pilot.Decision.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    writeup = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Added to the pilot's write-up page in Docs.",
    )


@extend_schema_view(
    list=extend_schema(
        summary="List pilots, newest first",
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=Pilot.Status.values)],
    ),
    retrieve=extend_schema(summary="One pilot with before/during and the verdict"),
    create=extend_schema(summary="Start a two-week pilot on a friction point"),
)
class PilotViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PilotSerializer

    def get_serializer_class(self):
        return PilotDetailSerializer if self.action == "retrieve" else PilotSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Pilot.objects.none()
        qs = selectors.pilot_list(self.request.user).order_by("-id")
        wanted = choice_param(self.request.query_params, "status", Pilot.Status.values)
        return qs.filter(status=wanted) if wanted else qs

    def retrieve(self, request, pk=None):
        pilot = selectors.get_pilot_for_user(request.user, int(pk))
        return Response(PilotDetailSerializer(pilot).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        friction = data["friction"]
        selectors.get_map_for_user(request.user, friction.map_id)
        pilot = services.pilot_start(
            actor=request.user,
            friction=friction,
            title=data["title"],
            hypothesis=data["hypothesis"],
            fix=data["fix"],
            fix_rule=data.get("fix_rule"),
            metric=data["metric"],
            owner_teams=list(data["owner_teams"]),
            starts_on=data["starts_on"],
        )
        return Response(PilotSerializer(pilot).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Decide a pilot: adopt, adjust or drop", request=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        pilot = selectors.get_pilot_for_user(request.user, int(pk), decide=True)
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pilot = services.pilot_decide(actor=request.user, pilot=pilot, **serializer.validated_data)
        return Response(PilotDetailSerializer(pilot).data)

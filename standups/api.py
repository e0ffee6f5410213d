"""REST API: ``standups`` (series and their meetings) and ``updates`` (a team posts its own)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from hub.models import Team
from hub.permissions import IsAdminOrReadOnly, IsTeamMember
from standups import selectors, services
from standups.models import ActionItem, AgendaItem, Blocker, Decision, Meeting, Series, Update


class TeamSlugField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=Team.objects.all(), **kwargs)


class SeriesSerializer(serializers.ModelSerializer):
    teams = serializers.ListField(
        child=TeamSlugField(),
        help_text="Team slugs in chair order: the first chairs the rotation's first month.",
    )
    chair_this_month = serializers.SerializerMethodField()

    class Meta:
        model = Series
        fields = [
            "id",
            "name",
            "weekday",
            "start_time",
            "duration_minutes",
            "time_zone",
            "teams",
            "rotation_start",
            "chair_this_month",
            "active",
            "created_at",
        ]
        read_only_fields = ["id", "rotation_start", "active", "created_at"]
        extra_kwargs = {"time_zone": {"required": False}}

    def get_chair_this_month(self, obj: Series) -> str | None:
        chair = selectors.chair_for(obj, timezone.localdate(timezone.now(), obj.tz))
        return chair.slug if chair else None


class BlockerSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    needs_team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    handoff_status = serializers.SerializerMethodField()

    class Meta:
        model = Blocker
        fields = [
            "id",
            "text",
            "team",
            "needs_team",
            "handoff",
            "handoff_status",
            "raised_at",
            "resolved_at",
        ]

    def get_handoff_status(self, obj: Blocker) -> str | None:
        return obj.handoff.status if obj.handoff else None


class BlockerInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    needs_team = TeamSlugField()


class UpdateSerializer(serializers.ModelSerializer):
    meeting = serializers.PrimaryKeyRelatedField(queryset=Meeting.objects.all())
    team = TeamSlugField()
    author = serializers.StringRelatedField()
    blockers = BlockerInputSerializer(many=True, required=False, write_only=True)
    raised_blockers = BlockerSerializer(source="blockers", many=True, read_only=True)

    class Meta:
        model = Update
        fields = [
            "id",
            "meeting",
            "team",
            "author",
            "win_1",
            "win_2",
            "needs",
            "firefighting_hours",
            "blockers",
            "raised_blockers",
            "posted_at",
            "edited_at",
            "on_time",
        ]
        read_only_fields = ["id", "author", "posted_at", "edited_at", "on_time"]
        extra_kwargs = {"win_2": {"required": False}, "needs": {"required": False}}


class StandupDecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["id", "text", "created_at"]


class ActionItemSerializer(serializers.ModelSerializer):
    owner_team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owner = serializers.StringRelatedField()

    class Meta:
        model = ActionItem
        fields = ["id", "text", "owner_team", "owner", "due_on", "done_at"]


class AgendaItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "title", "body", "event", "created_at"]


class MeetingSerializer(serializers.ModelSerializer):
    chair = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    updates = UpdateSerializer(many=True, read_only=True)
    blockers = BlockerSerializer(many=True, read_only=True)
    decisions = StandupDecisionSerializer(many=True, read_only=True)
    action_items = ActionItemSerializer(many=True, read_only=True)
    agenda_items = AgendaItemSerializer(many=True, read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "series",
            "scheduled_at",
            "chair",
            "status",
            "started_at",
            "ended_at",
            "duration_minutes",
            "updates",
            "blockers",
            "decisions",
            "action_items",
            "agenda_items",
            "summary",
            "summary_sent_at",
        ]


def _int_param(params, name: str) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    if not str(value).isdigit():
        raise ValidationError({name: ["Use a number (an id)."]})
    return int(value)


@extend_schema_view(
    list=extend_schema(summary="List standup series"),
    retrieve=extend_schema(summary="One standup series"),
    create=extend_schema(
        summary="Set up a weekly standup (admins)",
        description="Teams in chair order; its next four meetings are created at once.",
    ),
)
class SeriesViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SeriesSerializer
    permission_classes = [IsAdminOrReadOnly]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no person asking
            return Series.objects.none()
        return selectors.series_list(self.request.user).order_by("-id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.series_create(
            actor=self.request.user,
            name=data["name"],
            teams=data["teams"],
            weekday=data.get("weekday", 1),
            start_time=data.get("start_time") or Series._meta.get_field("start_time").default,
            duration_minutes=data.get("duration_minutes", 20),
            time_zone=data.get("time_zone", ""),
        )

    @extend_schema(
        summary="A series' meetings, newest first", responses=MeetingSerializer(many=True)
    )
    @action(detail=True, methods=["get"], serializer_class=MeetingSerializer)
    def meetings(self, request, pk=None):
        series = self.get_object()
        page = self.paginate_queryset(selectors.meeting_list(request.user, series_id=series.pk))
        return self.get_paginated_response(MeetingSerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="List standup meetings, newest first",
        parameters=[OpenApiParameter("series", int, description="Only this series' meetings.")],
    ),
    retrieve=extend_schema(summary="One meeting: updates, blockers, decisions, action items"),
)
class MeetingViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MeetingSerializer
    permission_classes = [IsTeamMember]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        series_id = _int_param(self.request.query_params, "series")
        return selectors.meeting_list(self.request.user, series_id=series_id)


@extend_schema_view(
    list=extend_schema(
        summary="List standup updates, newest first",
        parameters=[
            OpenApiParameter("meeting", int, description="Only this meeting's updates."),
            OpenApiParameter("team", str, description="Only this team's (slug)."),
        ],
    ),
    retrieve=extend_schema(summary="One update"),
    create=extend_schema(
        summary="Post your team's update",
        description="Members post for their own team; posting again edits it and adds new "
        "blockers. Each blocker that needs another team becomes a handoff to that team.",
    ),
)
class UpdateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = UpdateSerializer
    permission_classes = [IsTeamMember]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Update.objects.none()
        params = self.request.query_params
        return selectors.update_list(
            self.request.user,
            meeting_id=_int_param(params, "meeting"),
            team_slug=params.get("team") or None,
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.update_post(
            meeting=data["meeting"],
            team=data["team"],
            author=self.request.user,
            win_1=data["win_1"],
            win_2=data.get("win_2", ""),
            needs=data.get("needs", ""),
            firefighting_hours=data.get("firefighting_hours", 0),
            blockers=[
                services.BlockerInput(b["text"], b["needs_team"]) for b in data.get("blockers", [])
            ],
        )

"""REST API: ``standups`` (series, their chair order, pause and resume), ``standup-meetings``
(agenda items, attendance, passing the chair on), ``updates`` (a team posts its own) and
``standup-action-items`` (done and reopened)."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from hub.models import Team, User
from hub.permissions import IsAdminOrReadOnly, IsAdminRole, IsTeamMember
from standups import selectors, services
from standups.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Blocker,
    Decision,
    Meeting,
    Series,
    Update,
)


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
            "paused_at",
            "created_at",
        ]
        read_only_fields = ["id", "rotation_start", "active", "paused_at", "created_at"]
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
    done_by = serializers.StringRelatedField()

    class Meta:
        model = ActionItem
        fields = ["id", "meeting", "text", "owner_team", "owner", "due_on", "done_at", "done_by"]


class AgendaItemSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text="The team bringing it (slug), optional.",
    )
    created_by = serializers.StringRelatedField()

    class Meta:
        model = AgendaItem
        fields = ["id", "title", "body", "team", "event", "created_by", "created_at"]
        read_only_fields = ["id", "event", "created_by", "created_at"]
        extra_kwargs = {"body": {"required": False, "max_length": 2000}}


class AttendanceSerializer(serializers.ModelSerializer):
    person = serializers.StringRelatedField(source="user")
    email = serializers.EmailField(source="user.email", read_only=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Attendance
        fields = ["person", "email", "team", "marked_at"]


class AttendeeInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    team = TeamSlugField(
        required=False, help_text="The team they spoke for; else their first in the standup."
    )

    def validate_email(self, value: str) -> User:
        user = User.objects.filter(email__iexact=value, is_active=True).first()
        if user is None:
            raise ValidationError(f"Nobody here signs in as {value}.")
        return user


class AttendanceInputSerializer(serializers.Serializer):
    attendees = AttendeeInputSerializer(many=True, help_text="Everyone present; replaces the list.")


class RecurringBlockerSerializer(serializers.Serializer):
    team = serializers.CharField()
    needs_team = serializers.CharField()
    text = serializers.CharField()
    times = serializers.IntegerField(help_text="Meetings it was raised in.")
    open = serializers.BooleanField()
    last_raised_at = serializers.DateTimeField()


class MeetingLengthSerializer(serializers.Serializer):
    meeting = serializers.IntegerField()
    scheduled_at = serializers.DateTimeField()
    minutes = serializers.IntegerField(allow_null=True)


class SeriesHistorySerializer(serializers.Serializer):
    meetings = serializers.IntegerField(help_text="Ended meetings counted (the last 12).")
    attendance_rate = serializers.FloatField(
        allow_null=True,
        help_text="Share of teams with someone marked present, over the meetings whose "
        "attendance was taken.",
    )
    attendance_meetings = serializers.IntegerField()
    posted_rate = serializers.FloatField(allow_null=True, help_text="Share of teams that posted.")
    on_time_rate = serializers.FloatField(allow_null=True)
    blockers_raised = serializers.IntegerField()
    resolved_within_week = serializers.IntegerField()
    resolved_within_week_rate = serializers.FloatField(allow_null=True)
    running_long = serializers.BooleanField(
        help_text="The last three meetings each ran over the planned minutes."
    )
    recurring = RecurringBlockerSerializer(many=True)
    lengths = MeetingLengthSerializer(many=True)


class DecisionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)


class ActionItemInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    owner_team = TeamSlugField()
    owner = serializers.EmailField(
        required=False, help_text="The person in the owner team who does it (their email)."
    )
    due_on = serializers.DateField(required=False, allow_null=True)

    def validate_owner(self, value: str) -> User:
        user = User.objects.filter(email__iexact=value, is_active=True).first()
        if user is None:
            raise ValidationError(f"Nobody here signs in as {value}.")
        return user


class ExtendSerializer(serializers.Serializer):
    seconds = serializers.IntegerField(min_value=15, max_value=600, default=60)


class ChairOrderSerializer(serializers.Serializer):
    teams = serializers.ListField(
        child=TeamSlugField(), help_text="Team slugs in the new chair order."
    )
    from_month = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The first team chairs this date's month; else the rotation keeps its start.",
    )


class MeetingSerializer(serializers.ModelSerializer):
    chair = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    updates = UpdateSerializer(many=True, read_only=True)
    blockers = BlockerSerializer(many=True, read_only=True)
    decisions = StandupDecisionSerializer(many=True, read_only=True)
    action_items = ActionItemSerializer(many=True, read_only=True)
    agenda_items = AgendaItemSerializer(many=True, read_only=True)
    attendance = AttendanceSerializer(many=True, read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "series",
            "scheduled_at",
            "chair",
            "chair_skipped",
            "status",
            "started_at",
            "ended_at",
            "duration_minutes",
            "updates",
            "blockers",
            "decisions",
            "action_items",
            "agenda_items",
            "attendance",
            "summary",
            "summary_sent_at",
        ]


def _pk(value) -> int:
    """A URL's id; anything else is a 404, never a 500."""
    if not str(value).isdigit():
        raise Http404("No such object.")
    return int(value)


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

    def _changed(self, series: Series) -> Response:
        return Response(SeriesSerializer(series, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Change the chair order (admins)",
        description="The same teams or others (at least two), in the order they chair; "
        "upcoming meetings move to the new chairs, except one whose chair was passed on.",
        request=ChairOrderSerializer,
        responses=SeriesSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="chair-order",
        permission_classes=[IsAdminRole],
        serializer_class=ChairOrderSerializer,
    )
    def chair_order(self, request, pk=None):
        series = selectors.get_series_for_user(request.user, _pk(pk), write=True)
        data = ChairOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        series = services.series_set_chair_order(
            actor=request.user,
            series=series,
            teams=data.validated_data["teams"],
            from_month=data.validated_data.get("from_month"),
        )
        return self._changed(series)

    @extend_schema(
        summary="Pause a series (admins)",
        description="No meetings are made and no reminders sent until it is resumed; "
        "upcoming meetings nobody wrote into are removed. Pausing twice changes nothing.",
        request=None,
        responses=SeriesSerializer,
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAdminRole])
    def pause(self, request, pk=None):
        series = selectors.get_series_for_user(request.user, _pk(pk), write=True)
        return self._changed(services.series_pause(actor=request.user, series=series))

    @extend_schema(
        summary="Resume a paused series (admins)",
        description="Its next four meetings are made at once.",
        request=None,
        responses=SeriesSerializer,
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAdminRole])
    def resume(self, request, pk=None):
        series = selectors.get_series_for_user(request.user, _pk(pk), write=True)
        return self._changed(services.series_resume(actor=request.user, series=series))

    @extend_schema(
        summary="A series' history: attendance, updates on time, blockers, meeting lengths",
        responses=SeriesHistorySerializer,
    )
    @action(detail=True, methods=["get"], serializer_class=SeriesHistorySerializer)
    def history(self, request, pk=None):
        series = self.get_object()
        h = selectors.series_history(series)
        data = {
            **{
                name: getattr(h, name)
                for name in (
                    "meetings",
                    "attendance_rate",
                    "attendance_meetings",
                    "posted_rate",
                    "on_time_rate",
                    "blockers_raised",
                    "resolved_within_week",
                    "resolved_within_week_rate",
                    "running_long",
                )
            },
            "recurring": [vars(r) for r in h.recurring],
            "lengths": [
                {"meeting": m.pk, "scheduled_at": m.scheduled_at, "minutes": minutes}
                for m, minutes in h.durations
            ],
        }
        return Response(SeriesHistorySerializer(data).data)

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
        parameters=[
            OpenApiParameter("series", int, description="Only this series' meetings."),
            OpenApiParameter(
                "q",
                str,
                description="Only meetings whose updates, blockers, decisions, action items, "
                "agenda or record mention this (as the search page).",
            ),
        ],
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
        qs = selectors.meeting_list(self.request.user, series_id=series_id)
        query = self.request.query_params.get("q", "").strip()
        if query:
            found = selectors.meeting_search(self.request.user, query)
            qs = qs.filter(pk__in=found.values("pk"))
        return qs

    def _meeting(self, request, pk, **need) -> Meeting:
        return selectors.get_meeting_for_user(request.user, _pk(pk), **need)

    def _fresh(self, meeting: Meeting) -> Response:
        fresh = selectors.meeting_list(self.request.user).get(pk=meeting.pk)
        return Response(MeetingSerializer(fresh, context=self.get_serializer_context()).data)

    def _control(self, request, pk, change, **kwargs) -> Response:
        meeting = self._meeting(request, pk, run=True)
        return self._fresh(change(meeting=meeting, actor=request.user, **kwargs))

    @extend_schema(
        summary="Start the meeting (the chair's team or an admin)",
        description="The first team's turn begins. Starting a running meeting changes nothing.",
        request=None,
        responses=MeetingSerializer,
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._control(request, pk, services.meeting_start)

    @extend_schema(
        summary="Hand the floor to the next team (the chair's team or an admin)",
        request=None,
        responses=MeetingSerializer,
    )
    @action(detail=True, methods=["post"], url_path="next")
    def next_turn(self, request, pk=None):
        return self._control(request, pk, services.meeting_next)

    @extend_schema(
        summary="Give the current team more time (the chair's team or an admin)",
        description="At most ten extra minutes per turn.",
        request=ExtendSerializer,
        responses=MeetingSerializer,
    )
    @action(detail=True, methods=["post"], serializer_class=ExtendSerializer)
    def extend(self, request, pk=None):
        data = ExtendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._control(
            request, pk, services.meeting_extend, seconds=data.validated_data["seconds"]
        )

    @extend_schema(
        summary="End the meeting and send its summary to every team (once)",
        request=None,
        responses=MeetingSerializer,
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        return self._control(request, pk, services.meeting_end)

    @extend_schema(
        summary="Add a decision (the chair's team or an admin)",
        request=DecisionInputSerializer,
        responses={201: StandupDecisionSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=DecisionInputSerializer)
    def decisions(self, request, pk=None):
        meeting = self._meeting(request, pk, run=True)
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = services.decision_add(
            meeting=meeting, actor=request.user, text=data.validated_data["text"]
        )
        return Response(StandupDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add an action item (the chair's team or an admin)",
        description="What, which team, optionally who in it (email) and by when.",
        request=ActionItemInputSerializer,
        responses={201: ActionItemSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="action-items",
        serializer_class=ActionItemInputSerializer,
    )
    def action_items(self, request, pk=None):
        meeting = self._meeting(request, pk, run=True)
        data = ActionItemInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = data.validated_data["owner_team"]
        if team.pk not in {t.pk for t in selectors.series_teams(meeting.series)}:
            raise ValidationError({"owner_team": [f"{team.name} is not in this standup."]})
        item = services.action_item_add(
            meeting=meeting,
            actor=request.user,
            text=data.validated_data["text"],
            owner_team=team,
            owner=data.validated_data.get("owner"),
            due_on=data.validated_data.get("due_on"),
        )
        return Response(ActionItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Pass the chair on: the chair team is away this week",
        description="The next team in chair order chairs this meeting only (the chair's "
        "team or an admin; before the meeting starts). The new chair team is told.",
        request=None,
        responses=MeetingSerializer,
    )
    @action(detail=True, methods=["post"], url_path="skip-chair")
    def skip_chair(self, request, pk=None):
        meeting = self._meeting(request, pk, run=True)
        return self._fresh(services.meeting_skip_chair(meeting=meeting, actor=request.user))

    @extend_schema(
        summary="Put an item on the meeting's agenda",
        description="People of the standup's teams and admins; not once the meeting ended.",
        request=AgendaItemSerializer,
        responses={201: AgendaItemSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="agenda-items",
        serializer_class=AgendaItemSerializer,
    )
    def agenda_items(self, request, pk=None):
        meeting = self._meeting(request, pk, contribute=True)
        data = AgendaItemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.agenda_item_add(
            meeting=meeting,
            actor=request.user,
            title=data.validated_data["title"],
            body=data.validated_data.get("body", ""),
            team=data.validated_data.get("team"),
        )
        return Response(AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record who attended (the chair's team or an admin)",
        description="During or after the meeting. The list replaces the previous one.",
        request=AttendanceInputSerializer,
        responses=MeetingSerializer,
    )
    @action(detail=True, methods=["post"], serializer_class=AttendanceInputSerializer)
    def attendance(self, request, pk=None):
        meeting = self._meeting(request, pk, run=True)
        data = AttendanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.attendance_set(
            meeting=meeting,
            actor=request.user,
            attendees=[
                services.AttendeeInput(a["email"], a.get("team"))
                for a in data.validated_data["attendees"]
            ],
        )
        return self._fresh(meeting)


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


@extend_schema_view(
    list=extend_schema(
        summary="List standup action items, newest first",
        parameters=[
            OpenApiParameter("meeting", int, description="Only this meeting's."),
            OpenApiParameter("series", int, description="Only this series'."),
            OpenApiParameter("team", str, description="Only this owner team's (slug)."),
            OpenApiParameter("open", bool, description="true: not done yet; false: done."),
        ],
    ),
    retrieve=extend_schema(summary="One action item"),
)
class ActionItemViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ActionItemSerializer
    permission_classes = [IsTeamMember]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ActionItem.objects.none()
        params = self.request.query_params
        open_param = params.get("open")
        if open_param not in (None, "", "true", "false"):
            raise ValidationError({"open": ["Use true or false."]})
        return selectors.action_item_list(
            self.request.user,
            meeting_id=_int_param(params, "meeting"),
            series_id=_int_param(params, "series"),
            team_slug=params.get("team") or None,
            open_only=None if not open_param else open_param == "true",
        )

    def _set(self, request, pk, change) -> Response:
        item = selectors.get_action_item_for_user(request.user, _pk(pk), close=True)
        change(item=item, actor=request.user)
        item = selectors.get_action_item_for_user(request.user, item.pk)
        return Response(ActionItemSerializer(item).data)

    @extend_schema(
        summary="Mark an action item done",
        description="Its owner, its team, the meeting's chair or an admin; who and when are "
        "recorded. Marking a done item again changes nothing.",
        request=None,
        responses=ActionItemSerializer,
    )
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        return self._set(request, pk, services.action_item_complete)

    @extend_schema(
        summary="Open a done action item again",
        request=None,
        responses=ActionItemSerializer,
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._set(request, pk, services.action_item_reopen)


class BlockerResolveView(viewsets.ViewSet):
    """Blockers are read with their meeting and update; here they are resolved."""

    permission_classes = [IsTeamMember]

    @extend_schema(
        summary="Mark a standup blocker resolved",
        description="Its own team, the team it needs, the meeting's chair or an admin; its "
        "handoff is marked done too. Resolving it again changes nothing.",
        request=None,
        responses=BlockerSerializer,
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        blocker = selectors.get_blocker_for_user(request.user, _pk(pk))
        services.blocker_resolve(blocker=blocker, actor=request.user)
        blocker = selectors.get_blocker_for_user(request.user, blocker.pk)
        return Response(BlockerSerializer(blocker).data)


@extend_schema_view(
    list=extend_schema(
        summary="List standup agenda items, newest first",
        parameters=[OpenApiParameter("meeting", int, description="Only this meeting's.")],
    ),
    retrieve=extend_schema(summary="One agenda item"),
    destroy=extend_schema(
        summary="Take an item off the agenda",
        description="Its author, the meeting's chair team or an admin; not once the meeting "
        "has ended.",
    ),
)
class AgendaItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AgendaItemSerializer
    permission_classes = [IsTeamMember]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AgendaItem.objects.none()
        meeting_id = _int_param(self.request.query_params, "meeting")
        return selectors.agenda_item_list(self.request.user, meeting_id=meeting_id)

    def get_object(self):
        remove = self.request.method == "DELETE"
        return selectors.get_agenda_item_for_user(
            self.request.user, _pk(self.kwargs["pk"]), remove=remove
        )

    def perform_destroy(self, instance: AgendaItem) -> None:
        services.agenda_item_remove(item=instance, actor=self.request.user)

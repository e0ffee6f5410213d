"""REST API for integrations (admins only)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from handoffs import actions, selectors, services
from handoffs.inbound.providers import provider_for
from handoffs.models import (
    Alert,
    AlertAttempt,
    Channel,
    Handoff,
    HandoffComment,
    Integration,
    Rule,
)
from hub import idempotency, roles
from hub.api import choice_param
from hub.errors import DomainError
from hub.models import Team
from hub.permissions import IsAdminRole, IsTeamMember


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
        responses=inline_serializer(
            "RotatedSecret",
            {
                "id": serializers.IntegerField(),
                "grace_hours": serializers.IntegerField(),
                "signing_secret": serializers.CharField(
                    required=False, help_text="Only when Crossdock made the new secret."
                ),
            },
        ),
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


# --- Channels, rules and handoffs -------------------------------------------------------------


class ChannelSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    target = serializers.CharField(
        required=False, allow_blank=True, help_text="Webhook URL or email addresses (admins only)."
    )

    class Meta:
        model = Channel
        fields = ["id", "team", "kind", "name", "target", "fallback", "enabled", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_kind(self, value):
        if self.instance is not None and value != self.instance.kind:
            raise serializers.ValidationError("A channel's kind cannot change; add a new one.")
        return value


@extend_schema_view(
    list=extend_schema(summary="List channels (admins)"),
    create=extend_schema(summary="Add a channel to a team (admins)"),
)
class ChannelViewSet(viewsets.ModelViewSet):
    serializer_class = ChannelSerializer
    permission_classes = [IsAdminRole]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return Channel.objects.select_related("team").order_by("-id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.channel_create(
            actor=self.request.user,
            team=data["team"],
            kind=data["kind"],
            name=data["name"],
            target=data.get("target", ""),
            fallback=data.get("fallback"),
            enabled=data.get("enabled", True),
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.channel_update(
            actor=self.request.user,
            channel=serializer.instance,
            name=data.get("name"),
            target=data.get("target"),
            fallback=data.get("fallback", False),
            enabled=data.get("enabled"),
        )

    def perform_destroy(self, instance):
        services.channel_delete(actor=self.request.user, channel=instance)

    @extend_schema(summary="Send a test message (admins)", request=None)
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        alert = services.channel_test(actor=request.user, channel=self.get_object())
        return Response({"alert": str(alert.uuid), "status": alert.status}, status=202)


class ConditionSerializer(serializers.Serializer):
    field = serializers.CharField()
    op = serializers.CharField()
    value = serializers.CharField(required=False, allow_blank=True, default="")


class RuleSerializer(serializers.ModelSerializer):
    teams = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Team.objects.all(), required=False
    )
    action = serializers.CharField(
        required=False,
        default=actions.HANDOFF,
        help_text="What the rule does: a key of the action registry (GET /api/v1/rules/actions/).",
    )
    action_params = serializers.JSONField(
        required=False, default=dict, help_text="The action's own settings."
    )
    owner_team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    channels = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Channel.objects.all(), required=False
    )
    match = serializers.ChoiceField(choices=["all", "any"], default="all", write_only=True)
    condition_list = ConditionSerializer(many=True, required=False, write_only=True)

    class Meta:
        model = Rule
        fields = [
            "id",
            "name",
            "description",
            "trigger",
            "conditions",
            "match",
            "condition_list",
            "teams",
            "channels",
            "title_template",
            "message_template",
            "requires_ack",
            "sla_minutes",
            "escalate_to_team",
            "escalate_channel",
            "escalate_to_managers",
            "dedupe_key",
            "dedupe_minutes",
            "owner_team",
            "minutes_saved",
            "action",
            "action_params",
            "enabled",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "conditions", "enabled", "version", "created_at", "updated_at"]
        extra_kwargs = {"title_template": {"required": False, "allow_blank": True}}


@extend_schema_view(
    list=extend_schema(summary="List handoff rules (admins)"),
    create=extend_schema(
        summary="Create a rule (admins); it starts switched off",
        description="Give conditions as match (all/any) and condition_list [{field, op, value}].",
    ),
    partial_update=extend_schema(summary="Change a rule: a new version (admins)"),
)
class RuleViewSet(viewsets.ModelViewSet):
    serializer_class = RuleSerializer
    permission_classes = [IsAdminRole]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            Rule.objects.prefetch_related("teams", "channels")
            .select_related("owner_team")
            .order_by("-id")
        )

    def _save(self, serializer, rule=None):
        data = {**(RuleSerializer(rule).data if rule else {}), **serializer.validated_data}
        if rule is not None:
            data.setdefault("teams", list(rule.teams.all()))
            for key in ("teams", "channels"):
                if key not in serializer.validated_data:
                    data[key] = list(getattr(rule, key).all())
            if "owner_team" not in serializer.validated_data:
                data["owner_team"] = rule.owner_team
            if "escalate_to_team" not in serializer.validated_data:
                data["escalate_to_team"] = rule.escalate_to_team
            if "escalate_channel" not in serializer.validated_data:
                data["escalate_channel"] = rule.escalate_channel
        conditions = rule.conditions if rule else {"match": "all", "conditions": []}
        if "condition_list" in serializer.validated_data or "match" in serializer.validated_data:
            conditions = {
                "match": serializer.validated_data.get("match", conditions.get("match", "all")),
                "conditions": [
                    dict(c)
                    for c in serializer.validated_data.get(
                        "condition_list", conditions.get("conditions", [])
                    )
                ],
            }
        return services.rule_save(
            actor=self.request.user,
            rule=rule,
            data=services.RuleInput(
                name=data["name"],
                description=data.get("description", ""),
                trigger=data["trigger"],
                conditions=conditions,
                teams=list(data.get("teams", [])),
                owner_team=data["owner_team"],
                channels=list(data.get("channels", [])),
                title_template=data.get("title_template", ""),
                action=data.get("action", actions.HANDOFF),
                action_params=data.get("action_params") or {},
                message_template=data.get("message_template", ""),
                requires_ack=data.get("requires_ack", True),
                sla_minutes=data.get("sla_minutes"),
                escalate_to_team=data.get("escalate_to_team"),
                escalate_channel=data.get("escalate_channel"),
                escalate_to_managers=data.get("escalate_to_managers", True),
                dedupe_key=data.get("dedupe_key", ""),
                dedupe_minutes=data.get("dedupe_minutes", 60),
                minutes_saved=data.get("minutes_saved", 5),
            ),
        )

    def perform_create(self, serializer):
        serializer.instance = self._save(serializer)

    def perform_update(self, serializer):
        serializer.instance = self._save(serializer, serializer.instance)

    def perform_destroy(self, instance):
        services.rule_delete(actor=self.request.user, rule=instance)

    @extend_schema(
        summary="The actions a rule can take, with their settings (admins)",
        responses=inline_serializer(
            "RuleAction",
            {
                "key": serializers.CharField(),
                "label": serializers.CharField(),
                "description": serializers.CharField(),
                "params": inline_serializer(
                    "RuleActionParam",
                    {
                        "name": serializers.CharField(),
                        "label": serializers.CharField(),
                        "required": serializers.BooleanField(),
                    },
                    many=True,
                ),
            },
            many=True,
        ),
    )
    @action(detail=False, methods=["get"], url_path="actions", pagination_class=None)
    def action_list(self, request):
        return Response(
            [
                {
                    "key": a.key,
                    "label": a.label,
                    "description": a.description,
                    "params": [
                        {"name": name, "label": str(f.label or name), "required": f.required}
                        for name, f in (a.form_class.base_fields.items() if a.form_class else [])
                    ],
                }
                for a in actions.all_actions()
            ]
        )

    @extend_schema(summary="Enable a rule (admins)", request=None)
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        rule = services.rule_set_enabled(actor=request.user, rule=self.get_object(), enabled=True)
        return Response({"id": rule.pk, "enabled": rule.enabled, "version": rule.version})

    @extend_schema(summary="Disable a rule (admins)", request=None)
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        rule = services.rule_set_enabled(actor=request.user, rule=self.get_object(), enabled=False)
        return Response({"id": rule.pk, "enabled": rule.enabled, "version": rule.version})

    @extend_schema(summary="Dry-run a rule over the last 30 days (admins)", request=None)
    @action(detail=True, methods=["post"], url_path="dry-run")
    def dry_run(self, request, pk=None):
        result = services.rule_dry_run(self.get_object())
        return Response(
            {
                "events_checked": result.events_checked,
                "matched": result.matched,
                "handoffs": result.handoffs,
                "actions": result.actions,
                "deduplicated": result.deduplicated,
                "per_team": result.per_team,
                "per_day": [{"day": d.isoformat(), "handoffs": n} for d, n in result.per_day if n],
                "samples": result.samples,
            }
        )


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertAttempt
        fields = ["at", "status_code", "ok", "response", "error", "duration_ms"]


class AlertSerializer(serializers.ModelSerializer):
    channel = serializers.StringRelatedField()
    attempts_log = AttemptSerializer(source="attempt_log", many=True, read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "uuid",
            "channel",
            "purpose",
            "status",
            "attempts",
            "sent_at",
            "last_error",
            "attempts_log",
        ]


class HandoffSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    alerts = AlertSerializer(many=True, read_only=True)
    due_in_hours = serializers.IntegerField(write_only=True, required=False, min_value=1)

    class Meta:
        model = Handoff
        fields = [
            "id",
            "title",
            "body",
            "link",
            "team",
            "status",
            "rule",
            "rule_version",
            "event",
            "due_at",
            "due_in_hours",
            "acknowledged_by",
            "acknowledged_at",
            "acknowledged_via",
            "missed_at",
            "created_at",
            "alerts",
        ]
        read_only_fields = [
            "id",
            "status",
            "rule",
            "rule_version",
            "event",
            "due_at",
            "acknowledged_by",
            "acknowledged_at",
            "acknowledged_via",
            "missed_at",
            "created_at",
        ]


class HandoffAboutSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="The linked object's name, e.g. “Campaign: Spring”.")
    url = serializers.CharField(help_text="Its page; empty when you may not open it.")


class HandoffDetailSerializer(HandoffSerializer):
    about = serializers.SerializerMethodField()

    class Meta(HandoffSerializer.Meta):
        fields = [*HandoffSerializer.Meta.fields, "about"]

    @extend_schema_field(HandoffAboutSerializer(allow_null=True))
    def get_about(self, obj: Handoff) -> dict | None:
        about = selectors.handoff_about(self.context["request"].user, obj)
        return {"label": about.label, "url": about.url} if about else None


class HandoffCommentSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()
    # Emptiness and length are the service's to judge, so the page and the API say the same.
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)

    class Meta:
        model = HandoffComment
        fields = ["id", "handoff", "author", "author_name", "body", "created_at"]
        read_only_fields = ["id", "handoff", "author", "author_name", "created_at"]

    def get_author_name(self, obj: HandoffComment) -> str:
        return obj.author.display_name if obj.author else ""


@extend_schema_view(
    list=extend_schema(summary="List handoffs, newest first (filter ?team=slug&status=open)"),
    create=extend_schema(summary="Hand work to a team"),
    retrieve=extend_schema(
        summary="One handoff with its alerts, every attempt, and what its link is about"
    ),
)
class HandoffViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = HandoffSerializer
    permission_classes = [IsTeamMember]

    def get_serializer_class(self):
        # One handoff also says what its link is about (a query or two: not for every row).
        return (
            HandoffDetailSerializer if self.action == "retrieve" else super().get_serializer_class()
        )

    def get_queryset(self):
        qs = (
            Handoff.objects.select_related("team")
            .prefetch_related("alerts__channel__team", "alerts__attempt_log")
            .order_by("-id")
        )
        params = self.request.query_params
        if params.get("team"):
            qs = qs.filter(team__slug=params["team"])
        status = choice_param(params, "status", Handoff.Status.values)
        if status:
            qs = qs.filter(status=status)
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Retry-safe: a repeated call with the same key returns the first "
                "answer and creates nothing more.",
            )
        ]
    )
    def create(self, request, *args, **kwargs):
        key = request.headers.get(idempotency.HEADER)
        if key is None:
            return super().create(request, *args, **kwargs)

        def run():
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            self.perform_create(serializer)
            return 201, HandoffSerializer(serializer.instance).data

        code, data, replayed = idempotency.run_once(
            user=request.user, scope="handoffs.create", key=key, body=request.body, run=run
        )
        response = Response(data, status=code)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def perform_create(self, serializer):
        data = serializer.validated_data
        hours = data.get("due_in_hours")
        serializer.instance = services.handoff_hand_over(
            actor=self.request.user,
            team=data["team"],
            title=data["title"],
            body=data.get("body", ""),
            link=data.get("link", ""),
            due_at=timezone.now() + timedelta(hours=hours) if hours else None,
        )

    @extend_schema(summary="Acknowledge a handoff", request=None)
    @action(detail=True, methods=["post"])
    def ack(self, request, pk=None):
        handoff = self.get_object()
        if not roles.is_member(request.user):
            raise DomainError("Sign in as a team member.")
        changed = services.handoff_acknowledge(handoff=handoff, user=request.user, via="api")
        handoff.refresh_from_db()
        return Response(
            {"id": handoff.pk, "status": handoff.status, "acknowledged_now": changed},
            status=200,
        )

    @extend_schema(
        summary="A handoff's comments, newest first (any member)",
        responses=HandoffCommentSerializer(many=True),
    )
    @action(detail=True, methods=["get"], serializer_class=HandoffCommentSerializer)
    def comments(self, request, pk=None):
        handoff = self.get_object()
        comments = selectors.handoff_comments(handoff).order_by("-created_at", "-id")
        page = self.paginate_queryset(comments)
        return self.get_paginated_response(HandoffCommentSerializer(page, many=True).data)

    @extend_schema(
        summary="Comment on a handoff (any member): its team and earlier commenters are told",
        request=HandoffCommentSerializer,
        responses={201: HandoffCommentSerializer},
    )
    @comments.mapping.post
    def comment_add(self, request, pk=None):
        handoff = self.get_object()
        serializer = HandoffCommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.handoff_comment_add(
            handoff=handoff, author=request.user, body=serializer.validated_data["body"]
        )
        return Response(HandoffCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

"""REST API of the hub: teams and the event log, plus the API's error format."""

from __future__ import annotations

from datetime import datetime, time

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hub import business, launch, selectors, services
from hub.errors import DomainError
from hub.models import Campaign, Customer, Delivery, Event, PromoCode, Team, Zone
from hub.permissions import IsAdminOrReadOnly, IsAdminRole


def exception_handler(exc, context):
    """Every error is JSON with a ``detail`` a person can act on (and field errors if any)."""
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.errors:
            body["errors"] = exc.errors
        code = status.HTTP_403_FORBIDDEN if exc.code == "forbidden" else status.HTTP_400_BAD_REQUEST
        return Response(body, status=code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "Some fields are not valid.", "errors": response.data}
    return response


def choice_param(params, name: str, choices: list[str]) -> str | None:
    """A query parameter that must be one of ``choices``: a clear 400 otherwise."""
    value = params.get(name)
    if value and value not in choices:
        raise exceptions.ValidationError({name: [f"Use one of: {', '.join(choices)}."]})
    return value or None


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
        summary="List events, newest first (admins)",
        description="The event log with raw payloads, for admins (as on the web). Stable ids, "
        "newest first: usable as a polling trigger.",
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
    retrieve=extend_schema(summary="One event with its payload (admins)"),
)
class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The event log with raw payloads (customer data): admins only, as on the web."""

    serializer_class = EventSerializer
    permission_classes = [IsAdminRole]

    def get_queryset(self):
        params = self.request.query_params
        status_filter = choice_param(params, "status", Event.Status.values)
        integration = params.get("integration")
        if integration is not None and not integration.isdigit():
            raise exceptions.ValidationError({"integration": ["Give an integration id."]})
        unmapped = choice_param(params, "unmapped", ["true", "false"])
        return selectors.event_list(
            source=params.get("source"),
            type=params.get("type"),
            status=status_filter,
            integration_id=int(integration) if integration else None,
            unmapped=None if unmapped is None else unmapped == "true",
        )


# --- Shared facts ---------------------------------------------------------------------------


class CampaignReadinessSerializer(serializers.Serializer):
    key = serializers.CharField()
    team = serializers.CharField()
    title = serializers.CharField()
    done = serializers.BooleanField()
    detail = serializers.CharField()
    url = serializers.CharField()


class CampaignSerializer(serializers.ModelSerializer):
    zones = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Zone.objects.all(), required=False
    )
    owner_team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )
    promo_codes = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    readiness = serializers.SerializerMethodField(
        help_text="The launch checklist: what each team must confirm before it can go live."
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "channel",
            "segment",
            "zones",
            "starts_on",
            "ends_on",
            "status",
            "budget",
            "owner_team",
            "promo_codes",
            "readiness",
            "created_at",
        ]
        read_only_fields = ["id", "status", "promo_codes", "readiness", "created_at"]

    @extend_schema_field(CampaignReadinessSerializer(many=True))
    def get_readiness(self, campaign: Campaign) -> list[dict]:
        known = self.context.get("readiness")
        items = known[campaign.pk] if known and campaign.pk in known else None
        if items is None:
            items = launch.readiness(campaign)
        return [item.as_dict() for item in items]


class CampaignStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Campaign.Status.choices)
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Managers: why it goes live although its checklist is open (recorded).",
    )


class PromoGenerateSerializer(serializers.Serializer):
    pattern = serializers.CharField(max_length=40, help_text="# a digit, ? a letter: SPRING-####")
    count = serializers.IntegerField(min_value=1, max_value=500)
    discount_percent = serializers.IntegerField(min_value=1, max_value=100)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)
    max_uses = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class PromoImportSerializer(serializers.Serializer):
    codes = serializers.ListField(
        child=serializers.CharField(max_length=60), min_length=1, max_length=500
    )
    discount_percent = serializers.IntegerField(min_value=1, max_value=100)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)
    max_uses = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class PromoCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = PromoCode
        fields = [
            "id",
            "code",
            "discount_percent",
            "valid_from",
            "valid_until",
            "max_uses",
            "campaign",
            "active",
            "created_at",
        ]
        read_only_fields = ["id", "campaign", "active", "created_at"]


class PromoCodeChangeSerializer(serializers.Serializer):
    """What may change on a code (not the code itself: customers have it)."""

    discount_percent = serializers.IntegerField(min_value=1, max_value=100, required=False)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)
    max_uses = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    active = serializers.BooleanField(required=False)

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: ["This can't be changed."] for name in sorted(unknown)}
            )
        return attrs


@extend_schema_view(
    list=extend_schema(summary="List campaigns, newest first"),
    create=extend_schema(summary="Plan a campaign (a draft; records hub.campaign.created)"),
)
class CampaignViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CampaignSerializer

    def get_queryset(self):
        return (
            Campaign.objects.prefetch_related("zones", "promo_codes")
            .select_related("owner_team")
            .order_by("-id")
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = list(page) if page is not None else list(self.get_queryset())
        # The readiness of the whole page at once: no query per campaign.
        context = {**self.get_serializer_context(), "readiness": launch.readiness_for(rows)}
        data = CampaignSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = business.campaign_create(
            actor=self.request.user,
            name=data["name"],
            channel=data.get("channel", Campaign.Channel.OTHER),
            segment=data.get("segment", ""),
            zones=list(data.get("zones", [])),
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            budget=data.get("budget", 0),
            owner_team=data.get("owner_team"),
        )

    def perform_update(self, serializer):
        campaign, data = serializer.instance, serializer.validated_data
        serializer.instance = business.campaign_update(
            actor=self.request.user,
            campaign=campaign,
            name=data.get("name", campaign.name),
            channel=data.get("channel", campaign.channel),
            segment=data.get("segment", campaign.segment),
            zones=list(data["zones"]) if "zones" in data else list(campaign.zones.all()),
            starts_on=data.get("starts_on", campaign.starts_on),
            ends_on=data.get("ends_on", campaign.ends_on),
            budget=data.get("budget", campaign.budget),
            owner_team=data.get("owner_team", campaign.owner_team),
        )

    @extend_schema(
        summary="Move a campaign to a status (records hub.campaign.<what>)",
        request=CampaignStatusSerializer,
    )
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        serializer = CampaignStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = business.campaign_set_status(
            actor=request.user,
            campaign=self.get_object(),
            status=serializer.validated_data["status"],
            override_reason=serializer.validated_data.get("override_reason", ""),
        )
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(
        summary="Generate promo codes from a pattern (each records hub.promo_code.created)",
        request=PromoGenerateSerializer,
        responses=PromoCodeSerializer(many=True),
    )
    @action(detail=True, methods=["post"], url_path="promo-codes/generate")
    def promo_codes_generate(self, request, pk=None):
        serializer = PromoGenerateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        made = business.promo_codes_generate(
            actor=request.user, campaign=self.get_object(), **serializer.validated_data
        )
        return Response(PromoCodeSerializer(made, many=True).data, status=201)

    @extend_schema(
        summary="Import promo codes, all or none (each records hub.promo_code.created)",
        request=PromoImportSerializer,
        responses=PromoCodeSerializer(many=True),
    )
    @action(detail=True, methods=["post"], url_path="promo-codes/import")
    def promo_codes_import(self, request, pk=None):
        serializer = PromoImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        made = business.promo_codes_import(
            actor=request.user,
            campaign=self.get_object(),
            text="\n".join(data.pop("codes")),
            **data,
        )
        return Response(PromoCodeSerializer(made, many=True).data, status=201)

    @extend_schema(
        summary="Create a promo code for the campaign (records hub.promo_code.created)",
        request=PromoCodeSerializer,
        responses=PromoCodeSerializer,
    )
    @action(detail=True, methods=["post"], url_path="promo-codes")
    def promo_codes(self, request, pk=None):
        serializer = PromoCodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        promo = business.promo_code_create(
            actor=request.user, campaign=self.get_object(), **serializer.validated_data
        )
        return Response(PromoCodeSerializer(promo).data, status=201)


@extend_schema_view(
    list=extend_schema(
        summary="List promo codes, newest first",
        parameters=[
            OpenApiParameter("campaign", int, description="Only this campaign's codes."),
            OpenApiParameter("active", bool, description="Only active (or switched-off) codes."),
            OpenApiParameter("code", str, description="The code, any case."),
        ],
    ),
    retrieve=extend_schema(summary="One promo code"),
    partial_update=extend_schema(
        summary="Change or switch off a promo code (records hub.promo_code.changed / "
        "hub.promo_code.deactivated)",
        request=PromoCodeChangeSerializer,
        responses=PromoCodeSerializer,
    ),
)
class PromoCodeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Promo codes; changes go through the hub's services (audited, announced as events)."""

    serializer_class = PromoCodeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        qs = PromoCode.objects.select_related("campaign").order_by("-id")
        params = self.request.query_params
        campaign = params.get("campaign")
        if campaign is not None:
            if not campaign.isdigit():
                raise exceptions.ValidationError({"campaign": ["Give a campaign id."]})
            qs = qs.filter(campaign_id=int(campaign))
        active = choice_param(params, "active", ["true", "false"])
        if active is not None:
            qs = qs.filter(active=active == "true")
        if params.get("code"):
            qs = qs.filter(code__iexact=params["code"].strip())
        return qs

    def update(self, request, *args, **kwargs):
        promo = self.get_object()
        serializer = PromoCodeChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        terms = {k: v for k, v in data.items() if k != "active"}
        with transaction.atomic():  # both or neither
            promo = self._change(promo, terms, data)
        return Response(PromoCodeSerializer(promo).data)

    def _change(self, promo: PromoCode, terms: dict, data: dict) -> PromoCode:
        request = self.request
        if terms:
            promo = business.promo_code_update(
                actor=request.user,
                promo=promo,
                discount_percent=terms.get("discount_percent", promo.discount_percent),
                valid_from=terms.get("valid_from", promo.valid_from),
                valid_until=terms.get("valid_until", promo.valid_until),
                max_uses=terms.get("max_uses", promo.max_uses),
            )
        if "active" in data:
            promo = business.promo_code_set_active(
                actor=request.user, promo=promo, active=data["active"]
            )
        return promo


def _date_range(qs, field: str, after: str | None, before: str | None):
    """Filter ``field`` to [after, before); each an ISO date or date-time."""
    for value, lookup in ((after, "gte"), (before, "lt")):
        if not value:
            continue
        moment = parse_datetime(value) or (
            parse_date(value) and datetime.combine(parse_date(value), time.min)
        )
        if not moment:
            raise exceptions.ValidationError(
                {field: [f"“{value}” is not an ISO date or date-time."]}
            )
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        qs = qs.filter(**{f"{field}__{lookup}": moment})
    return qs


class CustomerSerializer(serializers.ModelSerializer):
    # Each may be absent (null): the schema says so, so clients can rely on it.
    zone = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    acquisition_campaign = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    promo_code = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "crm_id",
            "dispatch_id",
            "first_seen_at",
            "lifecycle_stage",
            "acquisition_source",
            "acquisition_campaign",
            "promo_code",
            "zone",
        ]


@extend_schema_view(
    list=extend_schema(
        summary="List customers, newest first",
        parameters=[
            OpenApiParameter("email", str),
            OpenApiParameter("crm_id", str),
            OpenApiParameter("first_seen_after", str, description="ISO date or date-time."),
            OpenApiParameter("first_seen_before", str, description="ISO date or date-time."),
        ],
    )
)
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CustomerSerializer

    def get_queryset(self):
        qs = Customer.objects.select_related("zone", "promo_code").order_by("-id")
        params = self.request.query_params
        if params.get("email"):
            qs = qs.filter(email=params["email"].strip().lower())
        if params.get("crm_id"):
            qs = qs.filter(crm_id=params["crm_id"])
        return _date_range(
            qs, "first_seen_at", params.get("first_seen_after"), params.get("first_seen_before")
        )


class DeliverySerializer(serializers.ModelSerializer):
    zone = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    promo_code = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "dispatch_id",
            "customer",
            "zone",
            "window_start",
            "window_end",
            "completed_at",
            "status",
            "failure_reason",
            "on_time",
            "is_first_for_customer",
            "promo_code",
        ]


@extend_schema_view(
    list=extend_schema(
        summary="List deliveries, newest first",
        parameters=[
            OpenApiParameter("zone", str, description="Zone code."),
            OpenApiParameter("status", str, enum=Delivery.Status.values),
            OpenApiParameter("customer", int),
            OpenApiParameter("completed_after", str, description="ISO date or date-time."),
            OpenApiParameter("completed_before", str, description="ISO date or date-time."),
        ],
    )
)
class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DeliverySerializer

    def get_queryset(self):
        qs = Delivery.objects.select_related("zone", "promo_code").order_by("-id")
        params = self.request.query_params
        if params.get("zone"):
            qs = qs.filter(zone__code=params["zone"])
        status_filter = choice_param(params, "status", Delivery.Status.values)
        if status_filter:
            qs = qs.filter(status=status_filter)
        if params.get("customer", "").isdigit():
            qs = qs.filter(customer_id=int(params["customer"]))
        return _date_range(
            qs, "completed_at", params.get("completed_after"), params.get("completed_before")
        )

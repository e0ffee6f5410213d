"""REST API of campaign launches: readiness items (confirm one), findings (confirm or
dismiss) and a campaign's live numbers. A campaign's checklist in short is also on
``/api/v1/campaigns/`` (``readiness``)."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api import choice_param
from workflows.launch import selectors, services
from workflows.models import Detection, ReadinessItem


def _campaign_param(params) -> int | None:
    value = params.get("campaign")
    if value is None:
        return None
    if not value.isdigit():
        raise exceptions.ValidationError({"campaign": ["Give a campaign id."]})
    return int(value)


class CapacityDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    capacity_per_day = serializers.IntegerField(min_value=0, max_value=1_000_000)


class LaunchReadinessItemSerializer(serializers.ModelSerializer):
    campaign = serializers.IntegerField(source="plan.campaign_id", read_only=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    zone = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    handoff = serializers.IntegerField(source="handoff_id", read_only=True, allow_null=True)
    confirmed_by = serializers.StringRelatedField(read_only=True, allow_null=True)
    capacity_by_day = serializers.SerializerMethodField(
        help_text="Days with a capacity of their own; other days take capacity_per_day."
    )

    class Meta:
        model = ReadinessItem
        fields = [
            "id",
            "campaign",
            "kind",
            "team",
            "zone",
            "status",
            "expected_per_day",
            "capacity_per_day",
            "capacity_by_day",
            "note",
            "handoff",
            "confirmed_by",
            "confirmed_at",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CapacityDaySerializer(many=True))
    def get_capacity_by_day(self, item: ReadinessItem) -> list[dict]:
        return [{"day": day, "capacity_per_day": n} for day, n in item.capacity_days()]


class ConfirmSerializer(serializers.Serializer):
    capacity_per_day = serializers.IntegerField(
        min_value=0,
        max_value=1_000_000,
        required=False,
        allow_null=True,
        help_text="Operations' items: orders a day the zone can take.",
    )
    capacity_by_day = CapacityDaySerializer(
        many=True,
        required=False,
        help_text="Operations' items: days of the campaign the zone can take a different "
        "number (replaces the days given before).",
    )

    def validate_capacity_by_day(self, rows: list[dict]) -> dict:
        days = [row["day"] for row in rows]
        twice = sorted({d for d in days if days.count(d) > 1})
        if twice:
            raise serializers.ValidationError(f"{twice[0]} is given twice.")
        return {row["day"]: row["capacity_per_day"] for row in rows}

    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


@extend_schema_view(
    list=extend_schema(
        summary="List readiness items of campaign launches, newest first",
        parameters=[OpenApiParameter("campaign", int, description="Only this campaign's.")],
    ),
    retrieve=extend_schema(summary="One readiness item"),
)
class ReadinessItemViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = LaunchReadinessItemSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, with no one asking
            return ReadinessItem.objects.none()
        return selectors.item_list(
            self.request.user, campaign_id=_campaign_param(self.request.query_params)
        )

    @extend_schema(
        summary="Confirm the item (members of its team; ops with their capacity a day)",
        request=ConfirmSerializer,
        responses=LaunchReadinessItemSerializer,
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        serializer = ConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.item_confirm(
            actor=request.user,
            item=self.get_object(),
            capacity_per_day=serializer.validated_data.get("capacity_per_day"),
            capacity_by_day=serializer.validated_data.get("capacity_by_day"),
            note=serializer.validated_data.get("note", ""),
        )
        return Response(LaunchReadinessItemSerializer(item).data)


class FindingSerializer(serializers.ModelSerializer):
    decided_by = serializers.StringRelatedField(read_only=True, allow_null=True)
    incident = serializers.IntegerField(source="incident_id", read_only=True, allow_null=True)

    class Meta:
        model = Detection
        fields = [
            "id",
            "campaign",
            "kind",
            "title",
            "evidence",
            "status",
            "incident",
            "decided_by",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="List what Crossdock found wrong with campaigns, newest first",
        parameters=[
            OpenApiParameter("campaign", int, description="Only this campaign's."),
            OpenApiParameter("status", str, enum=Detection.Status.values),
        ],
    ),
    retrieve=extend_schema(summary="One finding with its evidence"),
)
class FindingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = FindingSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, with no one asking
            return Detection.objects.none()
        params = self.request.query_params
        return selectors.detection_list(
            self.request.user,
            campaign_id=_campaign_param(params),
            status=choice_param(params, "status", Detection.Status.values),
        )

    def _decide(self, request, confirm: bool) -> Response:
        detection = services.detection_decide(
            actor=request.user, detection=self.get_object(), confirm=confirm
        )
        return Response(FindingSerializer(detection).data)

    @extend_schema(
        summary="Confirm: log it as a campaign error (counted in campaign errors / month)",
        request=None,
        responses=FindingSerializer,
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._decide(request, True)

    @extend_schema(
        summary="Dismiss: it is not an error and is never counted",
        request=None,
        responses=FindingSerializer,
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self._decide(request, False)


class PromoCsatSerializer(serializers.Serializer):
    mean = serializers.DecimalField(
        max_digits=4, decimal_places=2, allow_null=True, help_text="1–5; null with no answers."
    )
    count = serializers.IntegerField(help_text="Answers from customers who used its codes.")


class CampaignNumbersSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    new_customers = serializers.IntegerField(help_text="Customers it acquired.")
    first_deliveries = serializers.IntegerField(help_text="Their first deliveries, finished.")
    first_on_time_pct = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="% of those on time."
    )
    orders = serializers.IntegerField(help_text="Deliveries that used one of its codes.")
    orders_completed = serializers.IntegerField()
    orders_on_time_pct = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    promo_csat = PromoCsatSerializer(help_text="CSAT of customers who used its codes.")
    complaints = serializers.IntegerField()
    campaign_errors = serializers.IntegerField()
    spend = serializers.DecimalField(max_digits=14, decimal_places=2)
    cac = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text="Spend per new customer with a first delivery; null before the first.",
    )


class CampaignNumbersView(APIView):
    @extend_schema(
        summary="A campaign's live numbers (the same as its page's panel)",
        responses=CampaignNumbersSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        campaign, numbers = selectors.get_campaign_numbers_for_user(request.user, pk)
        return Response(CampaignNumbersSerializer({"campaign": campaign.pk, **numbers}).data)

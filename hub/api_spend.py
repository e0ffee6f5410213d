"""REST API of marketing spend: list and enter spend, import an ads platform's CSV export."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from hub import spend
from hub.errors import DomainError
from hub.models import Campaign, MarketingSpend, Zone


def _forbidden_as_403(write, **kwargs):
    try:
        return write(**kwargs)
    except DomainError as exc:
        if exc.code == "forbidden":
            raise exceptions.PermissionDenied(exc.message) from exc
        raise


class SpendSerializer(serializers.ModelSerializer):
    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all())
    zone = serializers.SlugRelatedField(
        slug_field="code", queryset=Zone.objects.all(), required=False, allow_null=True
    )
    channel = serializers.CharField(source="campaign.channel", read_only=True)
    whole_month = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Spread the amount evenly over the days of ``day``'s month.",
    )

    class Meta:
        model = MarketingSpend
        fields = ["id", "day", "campaign", "channel", "zone", "amount", "whole_month"]
        validators: list = []  # entering a day again replaces it (the service upserts)


class SpendImportSerializer(serializers.Serializer):
    file = serializers.FileField(required=False)
    csv = serializers.CharField(required=False, help_text="The CSV text, instead of a file.")


@extend_schema_view(
    list=extend_schema(
        summary="List spend entries, newest day first",
        parameters=[
            OpenApiParameter("start", str, description="YYYY-MM-DD"),
            OpenApiParameter("end", str, description="YYYY-MM-DD"),
            OpenApiParameter("campaign", int),
            OpenApiParameter("zone", str, description="Zone code."),
        ],
    ),
    create=extend_schema(
        summary="Enter a day's (or with whole_month, a month's) spend of a campaign, per zone "
        "or not; the same day, campaign and zone again replaces it"
    ),
)
class SpendViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = SpendSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        params = self.request.query_params
        filters = {}
        for name in ("start", "end"):
            if params.get(name):
                value = serializers.DateField().to_internal_value(params[name])
                filters[name] = value
        if params.get("campaign"):
            filters["campaign"] = Campaign.objects.filter(pk=params["campaign"]).first()
            if filters["campaign"] is None:
                raise exceptions.ValidationError({"campaign": ["No such campaign."]})
        if params.get("zone"):
            filters["zone"] = Zone.objects.filter(code=params["zone"]).first()
            if filters["zone"] is None:
                raise exceptions.ValidationError({"zone": ["No such zone."]})
        return spend.spend_list(**filters)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        rows = _forbidden_as_403(
            spend.spend_record,
            actor=request.user,
            campaign=data["campaign"],
            day=data["day"],
            amount=data["amount"],
            zone=data.get("zone"),
            whole_month=data.get("whole_month", False),
        )
        return Response(
            {"count": len(rows), "results": SpendSerializer(rows, many=True).data},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Import a spend CSV export (Day, Campaign, Cost[, Zone]); all rows or none",
        request={"multipart/form-data": SpendImportSerializer, "text/csv": str},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_csv(self, request):
        upload = request.FILES.get("file")
        content = upload.read() if upload else request.data.get("csv", "")
        if not content:
            raise exceptions.ValidationError({"file": ["Send the CSV as `file` or `csv`."]})
        result = _forbidden_as_403(spend.spend_import_csv, actor=request.user, content=content)
        if result.errors:
            return Response(
                {"detail": "Nothing imported: some lines can't be read.", "errors": result.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"rows": result.rows, "total": str(result.total)})

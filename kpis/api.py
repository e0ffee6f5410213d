"""KPI values for a period, as JSON or CSV: a feed Looker Studio or Tableau can read."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from hub import csv_export
from kpis import dashboard, rollups
from kpis.forms import period_and_filters


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        import io

        rows = data.get("results", []) if isinstance(data, dict) else []
        if not rows:
            return (data.get("detail", "") if isinstance(data, dict) else "").encode()
        out = io.StringIO()
        writer = csv_export.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode()


class KpiValuesView(APIView):
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        summary="KPI values for a period (JSON, or CSV with ?format=csv)",
        parameters=[
            OpenApiParameter(
                "period", str, enum=["month", "last_month", "week", "quarter", "custom"]
            ),
            OpenApiParameter("start", str, description="custom: YYYY-MM-DD"),
            OpenApiParameter("end", str, description="custom: YYYY-MM-DD"),
            OpenApiParameter("zone", int, description="Zone id."),
            OpenApiParameter("campaign", int, description="Campaign id."),
        ],
        responses={200: dict},
    )
    def get(self, request, format=None):
        period, filters, form = period_and_filters(request.query_params, timezone.localdate())
        if form.is_bound and not form.is_valid():
            raise exceptions.ValidationError(form.errors)
        cards = dashboard.cards(period, filters)
        results = [
            {
                "metric": c.metric.key,
                "label": c.metric.label,
                "function": c.metric.function,
                "unit": c.metric.unit,
                "period_start": period.start.isoformat(),
                "period_end": period.end.isoformat(),
                "value": None if c.value is None else str(c.value),
                "previous": None if c.previous is None else str(c.previous),
                "change": c.change["text"],
                "target": None if c.target is None else str(c.target),
                "on_target": c.on_target,
                "available": not c.unavailable,
                "unavailable_reason": c.unavailable or None,
                "manual": c.current.manual,
                "responses": c.current.count,
                "margin": None if c.current.margin is None else str(c.current.margin),
                "note": c.current.note or None,
            }
            for c in cards
        ]
        fresh = rollups.freshness(period.start, period.end)
        return Response(
            {
                "count": len(results),
                "next": None,
                "previous": None,
                "results": results,
                # How fresh the numbers are: the last rollup run and, if changes to days of
                # the period are still waiting for the next refresh, the earliest of them.
                "updated_at": fresh["updated"].isoformat() if fresh["updated"] else None,
                "pending_since": (
                    fresh["pending_since"].isoformat() if fresh["pending_since"] else None
                ),
            }
        )

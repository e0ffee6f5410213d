from django.urls import path

from kpis.api import KpiValuesView

urlpatterns = [path("kpis/", KpiValuesView.as_view(), name="api-kpis")]

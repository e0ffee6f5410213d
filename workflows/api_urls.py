from django.urls import path
from rest_framework.routers import SimpleRouter

from workflows import api, api_launch

router = SimpleRouter()
router.register("maps", api.MapViewSet, basename="map")
router.register("pilots", api.PilotViewSet, basename="pilot")
router.register("readiness-items", api_launch.ReadinessItemViewSet, basename="readiness-item")
router.register("launch-findings", api_launch.FindingViewSet, basename="launch-finding")
urlpatterns = [
    path(
        "campaigns/<int:pk>/numbers/",
        api_launch.CampaignNumbersView.as_view(),
        name="campaign-numbers",
    ),
    *router.urls,
]

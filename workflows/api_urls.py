from rest_framework.routers import SimpleRouter

from workflows import api

router = SimpleRouter()
router.register("maps", api.MapViewSet, basename="map")
router.register("pilots", api.PilotViewSet, basename="pilot")
urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from handoffs import api

router = SimpleRouter()
router.register("integrations", api.IntegrationViewSet, basename="integration")
urlpatterns = router.urls

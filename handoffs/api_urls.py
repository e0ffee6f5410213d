from rest_framework.routers import SimpleRouter

from handoffs import api

router = SimpleRouter()
router.register("integrations", api.IntegrationViewSet, basename="integration")
router.register("channels", api.ChannelViewSet, basename="channel")
router.register("rules", api.RuleViewSet, basename="rule")
router.register("handoffs", api.HandoffViewSet, basename="handoff")
urlpatterns = router.urls

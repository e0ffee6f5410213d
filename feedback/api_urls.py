from rest_framework.routers import SimpleRouter

from feedback import api

router = SimpleRouter()
router.register("surveys", api.SurveyViewSet, basename="survey")
router.register("responses", api.ResponseViewSet, basename="response")
urlpatterns = router.urls

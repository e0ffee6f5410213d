from rest_framework.routers import SimpleRouter

from wiki import api

router = SimpleRouter()
router.register("pages", api.PageViewSet, basename="page")
urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from standups import api

router = SimpleRouter()
router.register("standups", api.SeriesViewSet, basename="standup")
router.register("standup-meetings", api.MeetingViewSet, basename="standup-meeting")
router.register("updates", api.UpdateViewSet, basename="standup-update")
router.register("standup-action-items", api.ActionItemViewSet, basename="standup-action-item")
router.register("standup-agenda-items", api.AgendaItemViewSet, basename="standup-agenda-item")
router.register("standup-blockers", api.BlockerResolveView, basename="standup-blocker")
urlpatterns = router.urls

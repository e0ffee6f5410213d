from django.urls import path

from standups import views

app_name = "standups"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.series_new, name="series_new"),
    path("search/", views.search, name="search"),
    path("series/<int:pk>/", views.series_detail, name="series_detail"),
    path("series/<int:pk>/swap/", views.series_swap, name="series_swap"),
    path("series/<int:pk>/chairs/", views.series_chairs, name="series_chairs"),
    path("series/<int:pk>/state/<slug:action>/", views.series_state, name="series_state"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/update/", views.update_post, name="update_post"),
    path("meetings/<int:pk>/room/", views.meeting_room, name="meeting_room"),
    path(
        "meetings/<int:pk>/control/<slug:action>/",
        views.meeting_control,
        name="meeting_control",
    ),
    path("meetings/<int:pk>/note/<slug:kind>/", views.meeting_note, name="meeting_note"),
    path("meetings/<int:pk>/export.md", views.meeting_export, name="meeting_export"),
    path("meetings/<int:pk>/skip-chair/", views.meeting_skip_chair, name="meeting_skip_chair"),
    path("meetings/<int:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path("agenda/<int:pk>/remove/", views.agenda_remove, name="agenda_remove"),
    path("meetings/<int:pk>/attendance/", views.meeting_attendance, name="meeting_attendance"),
    path(
        "action-items/<int:pk>/<slug:action>/",
        views.action_item_state,
        name="action_item_state",
    ),
    path("blockers/<int:pk>/resolve/", views.blocker_resolve, name="blocker_resolve"),
]

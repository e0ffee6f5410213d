from django.urls import path

from workflows import views, views_launch

app_name = "workflows"
urlpatterns = [
    path("", views.index, name="index"),
    path("maps/new/", views.map_new, name="map_new"),
    path("maps/import/", views.map_import, name="map_import"),
    path("maps/<int:pk>/", views.map_detail, name="map_detail"),
    path("maps/<int:pk>/export/", views.map_export, name="map_export"),
    path("maps/<int:pk>/edit/", views.map_edit, name="map_edit"),
    path("maps/<int:pk>/delete/", views.map_delete, name="map_delete"),
    path("maps/<int:pk>/versions/", views.map_versions, name="map_versions"),
    path("maps/<int:pk>/lanes/", views.lane_action, name="lane_action"),
    path("maps/<int:pk>/steps/", views.step_action, name="step_action"),
    path("maps/<int:pk>/transitions/", views.transition_action, name="transition_action"),
    path("maps/<int:pk>/frictions/", views.friction_action, name="friction_action"),
    path("maps/<int:pk>/frictions/<int:friction_pk>/pilot/", views.pilot_new, name="pilot_new"),
    path("pilots/<int:pk>/", views.pilot_detail, name="pilot_detail"),
    path("launches/new/", views_launch.launch_new, name="launch_new"),
    path("launches/calendar/", views_launch.launch_calendar, name="launch_calendar"),
    path("launches/<int:pk>/details/", views_launch.launch_details, name="launch_details"),
    path("launches/<int:pk>/checklist/", views_launch.checklist_open, name="checklist_open"),
    path("launches/<int:pk>/over-capacity/", views_launch.capacity_flag, name="capacity_flag"),
    path("launches/<int:pk>/scan/", views_launch.detections_scan, name="detections_scan"),
    path("launches/items/<int:pk>/", views_launch.readiness_item, name="readiness_item"),
    path(
        "launches/findings/<int:pk>/<str:action>/",
        views_launch.detection_decide,
        name="detection_decide",
    ),
]

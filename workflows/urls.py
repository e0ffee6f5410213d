from django.urls import path

from workflows import views

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
]

from django.urls import path

from handoffs import views

app_name = "handoffs"
urlpatterns = [
    path("", views.index, name="index"),
    path("integrations/", views.integration_list, name="integration_list"),
    path("integrations/<int:pk>/", views.integration_detail, name="integration_detail"),
    path(
        "integrations/<int:pk>/<str:action>/",
        views.integration_action,
        name="integration_action",
    ),
    path("events/", views.event_list, name="event_list"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/replay/", views.event_replay, name="event_replay"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
]

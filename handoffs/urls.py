from django.urls import path

from handoffs import views, views_handoffs

app_name = "handoffs"
urlpatterns = [
    path("", views_handoffs.handoff_list, name="index"),
    path("new/", views_handoffs.handoff_new, name="handoff_new"),
    path("h/<int:pk>/", views_handoffs.handoff_detail, name="handoff_detail"),
    path("h/<int:pk>/comments/", views_handoffs.handoff_comment, name="handoff_comment"),
    path("h/<int:pk>/<str:action>/", views_handoffs.handoff_action, name="handoff_action"),
    path("explain/", views_handoffs.explain, name="explain"),
    path("rules/", views_handoffs.rule_list, name="rule_list"),
    path("rules/new/", views_handoffs.rule_edit, name="rule_new"),
    path("rules/preview/", views_handoffs.rule_preview, name="rule_preview"),
    path("rules/adopt/<str:key>/", views_handoffs.rule_adopt, name="rule_adopt"),
    path("rules/<int:pk>/", views_handoffs.rule_edit, name="rule_detail"),
    path("rules/<int:pk>/dry-run/", views_handoffs.rule_dry_run, name="rule_dry_run"),
    path("rules/<int:pk>/toggle/", views_handoffs.rule_toggle, name="rule_toggle"),
    path("channels/", views_handoffs.channel_list, name="channel_list"),
    path("channels/<int:pk>/<str:action>/", views_handoffs.channel_action, name="channel_action"),
    path(
        "teams/<int:team_id>/alert-settings/",
        views_handoffs.team_alert_settings,
        name="team_alert_settings",
    ),
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

from django.urls import path

from wiki import views

app_name = "wiki"
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("new/", views.page_new, name="page_new"),
    path("preview/", views.preview, name="preview"),
    path("silo/", views.silo, name="silo"),
    path("onboarding/", views.onboarding, name="onboarding"),
    path("onboarding/team/", views.onboarding_team, name="onboarding_team"),
    path("onboarding/people/<int:user_id>/", views.onboarding_person, name="onboarding_person"),
    path("onboarding/<int:pk>/", views.onboarding_toggle, name="onboarding_toggle"),
    path("s/<slug:slug>/", views.space, name="space"),
    path("s/<slug:slug>/watch/", views.space_watch, name="space_watch"),
    path("p/<int:pk>/", views.page, name="page_short"),
    path("p/<int:pk>/edit/", views.page_edit, name="page_edit"),
    path("p/<int:pk>/settings/", views.page_settings, name="page_settings"),
    path("p/<int:pk>/history/", views.history, name="history"),
    path("p/<int:pk>/diff/", views.diff, name="diff"),
    path("p/<int:pk>/restore/<int:number>/", views.restore, name="restore"),
    path("p/<int:pk>/r/<int:number>/", views.revision, name="revision"),
    path("p/<int:pk>/conflicts/<int:conflict_id>/", views.conflict, name="conflict"),
    path("p/<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("p/<int:pk>/watch/", views.page_watch, name="page_watch"),
    path("p/<int:pk>/reviewed/", views.page_reviewed, name="page_reviewed"),
    path("p/<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("p/<int:pk>/<str:slug>/", views.page, name="page"),
    path("comments/<int:pk>/resolve/", views.comment_resolve, name="comment_resolve"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]

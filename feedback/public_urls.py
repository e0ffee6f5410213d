from django.urls import path

from feedback import views_public

app_name = "survey_public"
urlpatterns = [
    path("embed/<str:key>/", views_public.embed, name="embed"),
    path("<str:token>/", views_public.answer, name="answer"),
    path("<str:token>/thanks/", views_public.thanks, name="thanks"),
    path("<str:token>/unsubscribe/", views_public.unsubscribe, name="unsubscribe"),
]

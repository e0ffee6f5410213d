from django.urls import path

from workflows import views

app_name = "workflows"
urlpatterns = [path("", views.index, name="index")]

from django.urls import path

from standups import views

app_name = "standups"
urlpatterns = [path("", views.index, name="index")]

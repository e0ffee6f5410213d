from django.urls import path

from handoffs import views

app_name = "handoffs"
urlpatterns = [path("", views.index, name="index")]

from django.urls import path

from handoffs.views_handoffs import ack

urlpatterns = [path("<str:token>/", ack, name="ack")]

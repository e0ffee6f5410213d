from django.urls import path

from handoffs.inbound.webhooks import webhook

urlpatterns = [path("<str:token>/", webhook, name="webhook")]

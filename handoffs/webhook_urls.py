from django.urls import path

from handoffs.webhooks import webhook

urlpatterns = [path("<str:token>/", webhook, name="webhook")]

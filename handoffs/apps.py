from django.apps import AppConfig


class HandoffsConfig(AppConfig):
    name = "handoffs"
    verbose_name = "Handoffs and integrations"

    def ready(self) -> None:
        from handoffs import services
        from hub import events

        events.subscribe(services.event_apply_facts)

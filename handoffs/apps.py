from django.apps import AppConfig


class HandoffsConfig(AppConfig):
    name = "handoffs"
    verbose_name = "Handoffs and integrations"

    def ready(self) -> None:
        from handoffs import services
        from hub import events, messaging

        # Facts first, so rules see the delivery or customer the event just updated.
        events.subscribe(services.event_apply_facts, name="handoffs.facts")
        events.subscribe(services.event_evaluate_rules, name="handoffs.rules")
        messaging.set_sender(services.notify)
        from handoffs import demo as handoff_demo
        from handoffs import selectors
        from hub import demo, home

        home.register("open_handoffs", selectors.open_handoffs_for_home)
        demo.extend(handoff_demo.load, handoff_demo.reset)

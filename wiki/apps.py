from django.apps import AppConfig


class WikiConfig(AppConfig):
    name = "wiki"
    verbose_name = "Shared docs"

    def ready(self) -> None:
        from hub import demo, events
        from wiki import demo as wiki_demo
        from wiki import rule_actions, services

        # Stale pages remind their owners through a handoff rule (the ready-made "Doc gone
        # stale → remind its owners"), so admins see, tune and switch it like any other.
        rule_actions.register()
        events.subscribe(
            services.new_hire_welcome, types=["hub.person.joined"], name="wiki.new_hire_welcome"
        )
        demo.extend(wiki_demo.load, wiki_demo.reset)
        from wiki import subjects

        subjects.register()

from django.apps import AppConfig


class WikiConfig(AppConfig):
    name = "wiki"
    verbose_name = "Shared docs"

    def ready(self) -> None:
        from hub import demo, events
        from wiki import demo as wiki_demo
        from wiki import services

        events.subscribe(
            services.page_stale_remind, types=["wiki.page.stale"], name="wiki.stale_reminder"
        )
        demo.extend(wiki_demo.load, wiki_demo.reset)
        from wiki import subjects

        subjects.register()

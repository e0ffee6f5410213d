from django.apps import AppConfig


class StandupsConfig(AppConfig):
    name = "standups"
    verbose_name = "Standups"

    def ready(self) -> None:
        from hub import demo, home
        from standups import demo as standup_demo
        from standups import metrics, rule_actions, selectors

        home.register("this_week_standup", selectors.standup_for_home)
        rule_actions.register()
        demo.extend(standup_demo.load, standup_demo.reset)
        metrics.register_kpi_source()
        from kpis import registry
        from standups import review

        registry.register_review_section(
            registry.ReviewSection(
                "standups.blockers",
                "Open and recurring blockers from standups",
                review.review_items,
                empty="No open or recurring blockers this month.",
                order=10,
            )
        )
        from standups import subjects

        subjects.register()

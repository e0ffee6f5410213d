from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback"

    def ready(self) -> None:
        from feedback import demo as feedback_demo
        from feedback import metrics, rule_actions, selectors, services
        from hub import demo, events, home

        rule_actions.register()
        home.register("feedback_home", selectors.feedback_for_home)
        metrics.register()
        events.subscribe(
            services.typeform_response_store,
            types=["typeform.form_response"],
            name="feedback.typeform",
        )
        demo.extend(feedback_demo.load, feedback_demo.reset)
        from feedback import review
        from kpis import registry

        registry.register_review_section(
            registry.ReviewSection(
                "feedback.themes",
                "Feedback: numbers and themes",
                review.review_items,
                empty="No survey answers this month.",
                order=20,
            )
        )
        from feedback import subjects

        subjects.register()

from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Workflow maps"

    def ready(self) -> None:
        from handoffs import actions
        from hub import demo
        from workflows import demo as workflows_demo
        from workflows import doc_links, rule_actions

        actions.register(rule_actions.ACTION)
        doc_links.register()
        demo.extend(workflows_demo.load, workflows_demo.reset)
        from kpis import registry
        from workflows import review

        registry.register_review_section(
            registry.ReviewSection(
                "workflows.pilots",
                "Pilots running or finished",
                review.review_items,
                empty="No pilot ran this month.",
                order=30,
            )
        )

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
        from workflows import subjects

        subjects.register()
        self._plug_in_launches(registry)

    def _plug_in_launches(self, registry) -> None:
        """Campaign launches: the hub's launch check and campaign-page sections, the events
        that open checklists and announce codes, the monthly review's overrides, the demo."""
        from hub import demo, events, launch
        from workflows.launch import demo as launch_demo
        from workflows.launch import hooks

        launch.register_check("workflows.readiness", hooks.readiness_for)
        launch.register_panel("workflows.readiness", hooks.readiness_panel, order=10)
        launch.register_panel("workflows.numbers", hooks.numbers_panel, order=20)
        launch.register_panel("workflows.findings", hooks.findings_panel, order=30)
        launch.register_link("1-launch", "Plan a launch", "workflows:launch_new")
        launch.register_link("2-calendar", "Calendar", "workflows:launch_calendar")
        events.subscribe(
            hooks.on_campaign_scheduled,
            types=["hub.campaign.scheduled", "hub.campaign.updated"],
            name="workflows.launch.checklist",
        )
        events.subscribe(
            hooks.on_promo_codes_created,
            types=["hub.promo_code.created"],
            name="workflows.launch.codes",
        )
        events.subscribe(
            hooks.on_promo_code_changed,
            types=[
                "hub.promo_code.changed",
                "hub.promo_code.deactivated",
                "hub.promo_code.reactivated",
            ],
            name="workflows.launch.code_changes",
        )
        registry.register_review_section(
            registry.ReviewSection(
                "workflows.launch_overrides",
                "Launches overridden by a manager",
                hooks.review_overrides,
                empty="Every campaign went live with its checklist done.",
                order=35,
            )
        )
        demo.extend(launch_demo.load, launch_demo.reset)

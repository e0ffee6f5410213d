from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Workflow maps"

    def ready(self) -> None:
        from handoffs import actions
        from hub import demo
        from workflows import demo as workflows_demo
        from workflows import rule_actions

        actions.register(rule_actions.ACTION)
        demo.extend(workflows_demo.load, workflows_demo.reset)

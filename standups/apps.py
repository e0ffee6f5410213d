from django.apps import AppConfig


class StandupsConfig(AppConfig):
    name = "standups"
    verbose_name = "Standups"

    def ready(self) -> None:
        from hub import home
        from standups import rule_actions, selectors

        home.register("this_week_standup", selectors.standup_for_home)
        rule_actions.register()

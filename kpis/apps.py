from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = "Shared KPIs"

    def ready(self) -> None:
        from hub import demo, home
        from kpis import cache, metrics, selectors, signals
        from kpis import demo as kpi_demo

        metrics.register_core()
        signals.connect()
        cache.connect()

        home.register("kpis_off_target", selectors.off_target_for_home)
        demo.extend(kpi_demo.load, kpi_demo.reset)
        from kpis import subjects

        subjects.register()

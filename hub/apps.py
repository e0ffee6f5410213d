from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = "Crossdock hub"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from hub import audit

        def record_sign_in(sender, request, user, **kwargs) -> None:
            audit.record(actor=user, action="user.sign_in", obj=user)

        user_logged_in.connect(record_sign_in, weak=False, dispatch_uid="hub.audit.sign_in")

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "clinicbot.core"
    label = "core"

    def ready(self) -> None:
        from .correlation import connect_celery_signals

        # Tasks inherit the correlation id of the request that enqueued them.
        connect_celery_signals()

from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    name = "provisioning"
    verbose_name = "Provisioning"

    def ready(self) -> None:
        from . import panel_metrics, schedules

        schedules.connect(self)
        panel_metrics.observer_register()

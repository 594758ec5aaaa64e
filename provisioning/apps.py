from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    name = "provisioning"
    verbose_name = "Provisioning"

    def ready(self) -> None:
        from . import schedules
        from .panels import timings

        schedules.connect(self)
        timings.observer_register()

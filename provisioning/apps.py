from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    name = "provisioning"
    verbose_name = "Provisioning"

    def ready(self) -> None:
        from . import schedules
        from .panels import timings

        schedules.connect(self)
        timings.observer_register()
        _handoffs_connect()


def _handoffs_connect() -> None:
    """Each hand-off up the layers (handoffs.py) to its receiver in the higher wing."""
    from .handoffs import (
        attempt_finished,
        cluster_status,
        reconcile_saved,
        server_released,
        slot_freed,
    )
    from .monitoring.heartbeat import heartbeat_received
    from .monitoring.incidents import attempt_incidents_update, reconcile_incidents_received
    from .operations.queueing import server_released_enqueue, slot_freed_enqueue

    attempt_finished.connect(attempt_incidents_update, dispatch_uid="incidents")
    reconcile_saved.connect(reconcile_incidents_received, dispatch_uid="incidents")
    cluster_status.connect(heartbeat_received, dispatch_uid="heartbeat")
    slot_freed.connect(slot_freed_enqueue, dispatch_uid="queueing")
    server_released.connect(server_released_enqueue, dispatch_uid="queueing")

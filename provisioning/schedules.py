"""The periodic work, created by `migrate` (post_migrate) and never duplicated."""

from django.db.models.signals import post_migrate

SCHEDULES = {
    # name: (function, schedule type, minutes)
    "kaziwhmcs: daily usage import": ("provisioning.tasks.usage_update_all", "D", None),
    "kaziwhmcs: operations sweep": ("provisioning.tasks.operations_sweep", "I", 1),
    "kaziwhmcs: daily reconciliation report": ("provisioning.tasks.reconcile_report", "D", None),
    "kaziwhmcs: monitoring sweep": ("provisioning.tasks.monitoring_sweep", "I", 1),
}


def schedules_ensure(**kwargs) -> None:
    from django_q.models import Schedule

    for name, (func, schedule_type, minutes) in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": schedule_type,
                "minutes": minutes,
                "repeats": -1,
            },
        )


def connect(app_config) -> None:
    post_migrate.connect(schedules_ensure, sender=app_config, dispatch_uid="kaziwhmcs-schedules")

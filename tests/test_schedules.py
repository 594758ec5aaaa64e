"""`migrate` alone sets up the periodic work, once."""

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from provisioning.models import Operation
from provisioning.tasks import usage_update_all
from tests.factories import ServerFactory


@pytest.mark.django_db
def test_migrate_creates_each_schedule_once():
    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)
    schedules = {s.name: s for s in Schedule.objects.all()}
    assert schedules["kaziwhmcs: daily usage import"].schedule_type == Schedule.DAILY
    assert schedules["kaziwhmcs: daily usage import"].func == "provisioning.tasks.usage_update_all"
    assert schedules["kaziwhmcs: operations sweep"].schedule_type == Schedule.MINUTES
    assert schedules["kaziwhmcs: daily reconciliation report"].schedule_type == Schedule.DAILY
    assert schedules["kaziwhmcs: monitoring sweep"].func == "provisioning.tasks.monitoring_sweep"
    assert Schedule.objects.filter(name__startswith="kaziwhmcs:").count() == 4


@pytest.mark.django_db
def test_the_daily_import_queues_one_usage_update_per_active_server():
    active = ServerFactory.create_batch(2)
    ServerFactory(active=False)
    assert usage_update_all() == 2
    assert usage_update_all() == 0, "joins the ones still queued"
    ops = Operation.objects.filter(command="UsageUpdate")
    assert sorted(op.server_id for op in ops) == sorted(s.pk for s in active)
    assert {op.source for op in ops} == {"schedule"}

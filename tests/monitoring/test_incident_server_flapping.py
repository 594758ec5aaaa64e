"""A flapping panel (a proxy's occasional 502, short bursts of failures) is one server
incident for the hour, not one per flap: one Opened and one Resolved alert per channel."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from provisioning.models import Alert, Incident
from provisioning.operations.worker import operation_run
from provisioning.tasks import monitoring_sweep
from tests.factories import ServiceFactory
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db


def test_a_server_flapping_for_an_hour_sends_one_opened_and_one_resolved_alert(
    server, panel, alerting
):
    start = timezone.now()

    def calls(minute: float, failing: int, succeeding: int = 0) -> None:
        """`failing` calls answered 502 by a proxy, then `succeeding` good ones."""
        panel.state.add_fault("garbage", status=502, count=failing) if failing else None
        for n in range(failing + succeeding):
            with time_machine.travel(start + timedelta(minutes=minute, seconds=n)):
                op = queued("CreateAccount", ServiceFactory(server=server))
                expected = "retrying" if n < failing else "succeeded"
                assert operation_run(op.pk) == expected

    def sweep(minute: float) -> None:
        with time_machine.travel(start + timedelta(minutes=minute)):
            monitoring_sweep()

    for minute in (0, 3, 6, 9):  # an occasional 502: no incident
        calls(minute, failing=1, succeeding=1)
    assert not Incident.objects.exists()
    calls(12, failing=3)  # the third in a row pauses the queue and opens it
    calls(14, failing=0, succeeding=2)
    sweep(30)
    calls(32, failing=1, succeeding=1)
    sweep(50)
    calls(52, failing=3)
    calls(54, failing=0, succeeding=1)
    sweep(60)
    sweep(83)
    assert Incident.objects.get().resolved_at is None, "quiet for 29 minutes only"
    sweep(85)

    incident = Incident.objects.get()
    assert incident.resolved_at is not None
    alerts = sorted((a.channel, a.event, a.sent_at is not None) for a in Alert.objects.all())
    assert alerts == [
        ("mail", "opened", True),
        ("mail", "resolved", True),
        ("webhook", "opened", True),
        ("webhook", "resolved", True),
    ]
    assert [t.split(":")[0] for t in alerting.texts] == ["OPEN", "RESOLVED"]

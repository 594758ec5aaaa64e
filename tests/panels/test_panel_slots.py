"""A cap on the calls in flight to one panel, and a queue that pauses for a panel that
cannot be reached."""

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from provisioning.models import Attempt, Operation, PanelSlot, Server
from provisioning.operations import queueing
from provisioning.operations.worker import operation_run
from provisioning.panels.imscp.errors import PanelTransientError
from provisioning.panels.slots import panel_slot, slot_release, slot_take
from tests.factories import ServerFactory, ServiceFactory
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db

START = 1_900_000_000


def test_a_server_has_as_many_slots_as_the_setting_says(server):
    first, second = slot_take(server, "a"), slot_take(server, "b")
    assert first and second
    assert slot_take(server, "c") is None
    slot_release(first)
    assert slot_take(server, "c") is not None


def test_a_server_may_set_its_own_cap(server):
    server.max_concurrency = 1
    server.save()
    assert slot_take(server, "a") and slot_take(server, "b") is None
    other = ServerFactory()
    assert slot_take(other, "a") and slot_take(other, "b"), "other servers are not held up"


def test_a_caller_kept_waiting_too_long_gets_a_transient_panel_error(server):
    for holder in ("a", "b"):
        slot_take(server, holder)
    with pytest.raises(PanelTransientError, match=r"2 call\(s\) in flight already"):
        with panel_slot(server, "the reconciliation", wait_seconds=0):
            pass


def test_a_dead_workers_slot_expires_with_the_task_timeout(server):
    now = timezone.now()
    slot_take(server, "a", now)
    slot_take(server, "b", now)
    assert slot_take(server, "c", now) is None
    later = now + timedelta(seconds=10_000)
    assert slot_take(server, "c", later) is not None
    assert PanelSlot.objects.filter(expires_at__gt=later).count() == 1


def test_an_operation_meeting_a_full_server_waits_without_an_attempt(active_service, server):
    held = [slot_take(server, "a"), slot_take(server, "b")]
    op = queued("SuspendAccount", active_service)
    assert operation_run(op.pk) is None
    op.refresh_from_db()
    assert (op.state, op.attempts) == ("queued", 0)
    slot_release(held[0])
    assert operation_run(op.pk) == "succeeded"
    assert PanelSlot.objects.filter(holder__startswith="operation").count() == 0


def test_each_freed_slot_queues_the_oldest_operation_a_full_server_turned_away(
    server, monkeypatch, django_capture_on_commit_callbacks
):
    held = [slot_take(server, "a"), slot_take(server, "b")]
    services = [
        ServiceFactory(server=server, domain=f"s{n}.example.com", domain_ascii=f"s{n}.example.com")
        for n in range(2)
    ]
    first, second = (queued("SuspendAccount", s) for s in services)
    assert operation_run(second.pk) is None and operation_run(first.pk) is None
    assert set(Operation.objects.filter(awaits_slot=True).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    sent: list[int] = []
    monkeypatch.setattr(queueing, "operation_enqueue", sent.append)
    for slot in held:
        with django_capture_on_commit_callbacks(execute=True):
            slot_release(slot)
    assert sent == [first.pk, second.pk], "one each, oldest first"
    with django_capture_on_commit_callbacks(execute=True):
        slot_release(slot_take(server, "c"))
    assert sent == [first.pk, second.pk], "nobody left waiting: nothing queued"
    assert not Operation.objects.filter(awaits_slot=True).exists()


@override_settings(PANEL_PAUSE_AFTER_FAILURES=3)
def test_a_panel_that_cannot_be_reached_pauses_its_queue_with_one_probe(server, panel):
    services = [
        ServiceFactory(server=server, domain=f"s{n}.example.com", domain_ascii=f"s{n}.example.com")
        for n in range(5)
    ]
    up = server.hostname
    Server.objects.filter(pk=server.pk).update(hostname="127.0.0.1:1")
    ops = [queued("CreateAccount", s) for s in services]
    with time_machine.travel(START, tick=False) as clock:
        assert [operation_run(op.pk) for op in ops[:3]] == ["retrying"] * 3
        server.refresh_from_db()
        assert server.pause_reason.startswith("3 calls in a row could not reach it")
        assert (server.paused_until - timezone.now()) == timedelta(minutes=1)
        assert operation_run(ops[3].pk) is None, "the others wait: no attempt used"
        assert Operation.objects.get(pk=ops[3].pk).attempts == 0

        clock.shift(61)
        assert operation_run(ops[3].pk) == "retrying", "the probe finds it still down"
        server.refresh_from_db()
        assert (server.paused_until - timezone.now()) == timedelta(minutes=2), "doubled"

        Server.objects.filter(pk=server.pk).update(hostname=up)
        clock.shift(121)
        assert operation_run(ops[4].pk) == "succeeded", "the probe gets through"
        server.refresh_from_db()
        assert (server.paused_until, server.unreachable_in_row) == (None, 0)
        clock.shift(3600)
        assert [operation_run(op.pk) for op in ops[:4]] == ["succeeded"] * 4
    assert Attempt.objects.filter(operation=ops[4]).count() == 1

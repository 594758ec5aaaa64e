"""On SQLite, queueing a task wakes the database broker's pusher at once instead of after
its poll interval (the queue bell)."""

import select
import threading

import pytest
from django.db import connection

from provisioning.db.queue_bell import QueueBell, queue_bell_ring
from provisioning.models import Operation
from tests.webhook_client import command_body, post_webhook
from tests.worker_fixtures import Worker, wait_until

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the bell is for SQLite's database broker"
)


@sqlite_only
def test_a_ring_wakes_the_waiting_pusher():
    bell = QueueBell()
    waiter = threading.Thread(target=bell.wait, args=(60,))
    waiter.start()

    queue_bell_ring()

    waiter.join(timeout=10)
    assert not waiter.is_alive()
    bell.close()


@sqlite_only
def test_a_ring_never_fails_nor_blocks_the_process_that_queued():
    QueueBell().close()
    queue_bell_ring()  # the pipe is there, no pusher listens
    bell = QueueBell()
    try:
        for _ in range(70_000):  # more than the pipe holds, none read
            queue_bell_ring()
        bell.wait(0)
        assert select.select([bell.fd], [], [], 0)[0] == []  # one wake-up read them all
    finally:
        bell.close()


@sqlite_only
@pytest.mark.e2e
def test_the_worker_takes_a_webhook_at_once_instead_of_after_its_poll(
    client, transactional_db, panel, tmp_path
):
    slow_poll = Worker(tmp_path / "qcluster.log", Q_POLL="120")
    try:
        # The first may be taken by the pusher's first poll as it starts; the second comes
        # once that poll is over, 120 s before the next: only the bell brings it in time.
        for n, domain in enumerate(("first.example.com", "second.example.com"), start=1):
            answer = post_webhook(
                client, command_body("CreateAccount", panel, domain=domain, serviceid=str(n))
            )
            assert answer.status_code == 202
            wait_until(
                lambda n=n: Operation.objects.filter(state="succeeded").count() == n,
                timeout=30,
                message=f"operation {n}, without the 120 s poll\n{slow_poll.output()}",
            )
    finally:
        slow_poll.stop()

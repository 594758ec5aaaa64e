"""The next operation of a service is queued by whoever finishes last: a request that
commits while the service's previous operation is finishing is never left for the sweep."""

import threading

import pytest
from django.db import connection, transaction

from provisioning.models import Operation
from provisioning.operations import queueing
from provisioning.operations.accepting import operation_request
from provisioning.operations.worker import operation_run
from tests.factories import ServiceFactory
from tests.operation_requests import queued
from tests.worker_fixtures import wait_until


def _finisher_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


def test_a_request_committed_while_the_previous_operation_finishes_is_queued_by_it(
    transactional_db, panel, monkeypatch
):
    service = ServiceFactory(
        server__hostname=panel.host_port,
        domain="shop.example.com",
        product__plan_name="Gold",
    )
    # Refused by the panel (no such plan): finishing it changes nothing in the service row.
    first = queued("CreateAccount", service)
    sent: list[tuple[int, str]] = []
    enqueue = queueing.operation_enqueue

    def recorded(operation_id: int) -> None:
        sent.append((operation_id, threading.current_thread().name))
        enqueue(operation_id)

    monkeypatch.setattr(queueing, "operation_enqueue", recorded)
    requested, commit = threading.Event(), threading.Event()
    second: list[Operation] = []

    def request():
        try:
            # A webhook's transaction: the service locked, the operation journaled, and the
            # commit held back while the previous operation finishes.
            with transaction.atomic():
                op, _ = operation_request(
                    "SuspendAccount", server=service.server, service=service, source="webhook"
                )
                second.append(op)
                requested.set()
                commit.wait(30)
        finally:
            connection.close()

    def finish():
        try:
            operation_run(first.pk)
        finally:
            connection.close()

    requester = threading.Thread(target=request, name="request")
    finisher = threading.Thread(target=finish, name="finisher")
    requester.start()
    assert requested.wait(30)
    finisher.start()
    if connection.vendor == "postgresql":
        # Until the finisher is done, or waits for the request's lock on the service.
        wait_until(lambda: not finisher.is_alive() or _finisher_waits_for_a_lock(), timeout=20)
    else:
        finisher.join(timeout=1.5)  # SQLite runs one write transaction at a time anyway
    commit.set()
    requester.join(30)
    finisher.join(30)

    assert Operation.objects.get(pk=first.pk).state == "failed"
    assert (second[0].pk, "finisher") in sent, "the finisher queued the next in line"


@pytest.mark.django_db
def test_a_finisher_with_nothing_behind_it_queues_nothing(active_service, panel, monkeypatch):
    op = queued("SuspendAccount", active_service)
    sent: list[int] = []
    monkeypatch.setattr(queueing, "operation_enqueue", sent.append)
    assert operation_run(op.pk) == "succeeded"
    assert sent == []

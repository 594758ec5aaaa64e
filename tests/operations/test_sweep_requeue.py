"""The sweep sends again what was lost, and only that: a queue that is merely behind is
not flooded with copies of the tasks it already holds."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from provisioning.db.task_broker import broker as configured_broker
from provisioning.models import Operation
from provisioning.operations.sweep import operations_sweep
from tests.factories import ServiceFactory
from tests.operation_requests import queued

# Transactional: a broker outside the database gets its tasks when the transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)

BACKLOG = 300


@pytest.fixture
def broker():
    """The configured broker (database or Redis), emptied: the Redis lane keeps its list
    across tests."""
    found = configured_broker()
    found.purge_queue()
    yield found
    found.purge_queue()


def backlog(server, count: int) -> list[Operation]:
    services = ServiceFactory.create_batch(count, server=server)
    return [queued("CreateAccount", service, source="admin") for service in services]


def test_a_backlog_older_than_the_requeue_age_gets_no_copies(server, broker):
    ops = backlog(server, BACKLOG)
    assert broker.queue_size() == BACKLOG
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert operations_sweep() == 0, "every task is still in the queue"
    assert broker.queue_size() == BACKLOG
    assert Operation.objects.filter(pk__in=[op.pk for op in ops], state="queued").count() == BACKLOG


def test_lost_tasks_are_sent_again_once_and_only_the_missing_ones(server, broker):
    backlog(server, 10)
    broker.purge_queue()  # the broker lost them (Redis restarted, a cluster's prefetch)
    backlog(server, 5)  # these are still queued
    later = timezone.now() + timedelta(minutes=10)
    with time_machine.travel(later):
        assert operations_sweep() == 10
        assert broker.queue_size() == 15
    with time_machine.travel(later + timedelta(seconds=30)):
        assert operations_sweep() == 0, "sent again, then it waits"


def test_a_recent_operation_is_not_sent_again(server, broker):
    backlog(server, 3)
    broker.purge_queue()
    assert operations_sweep() == 0, "its task may be on its way"
    assert operations_sweep(requeue_after=timedelta(seconds=0)) == 3

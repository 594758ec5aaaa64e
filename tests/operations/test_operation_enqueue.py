"""Queueing an operation's task: with the ORM broker in the transaction that journals it,
with a broker outside the database (Redis) once that transaction committed."""

import pytest
from django.db import transaction
from django_q.models import OrmQ

from provisioning.models import Operation
from provisioning.operations.accepting import operation_request
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def orm_broker(settings):
    if "orm" not in settings.Q_CLUSTER:
        pytest.skip("the ORM broker is not configured (Redis lane)")


class Boom(Exception):
    pass


def _request(service) -> None:
    operation_request(
        Operation.Command.SUSPEND, server=service.server, service=service, source="admin"
    )


def test_the_task_commits_with_the_operation(orm_broker):
    service = ServiceFactory(status="active", on_panel=True)
    with transaction.atomic():
        _request(service)
        assert OrmQ.objects.count() == 1
    assert (Operation.objects.count(), OrmQ.objects.count()) == (1, 1)


def test_a_rolled_back_request_leaves_no_task_behind(orm_broker):
    service = ServiceFactory(status="active", on_panel=True)
    with pytest.raises(Boom), transaction.atomic():
        _request(service)
        raise Boom
    assert (Operation.objects.count(), OrmQ.objects.count()) == (0, 0)


def test_an_outside_broker_gets_the_task_only_after_the_commit(settings, monkeypatch):
    from provisioning.operations import queueing

    sent = []
    monkeypatch.setattr(queueing, "broker_in_database", lambda: False)
    monkeypatch.setattr(queueing, "operation_enqueue", sent.append)
    service = ServiceFactory(status="active", on_panel=True)
    with transaction.atomic():
        _request(service)
        assert sent == []
    assert sent == [Operation.objects.get().pk]


def test_the_task_written_in_the_transaction_names_the_operation_to_run(orm_broker):
    from django_q.signing import SignedPackage

    service = ServiceFactory(status="active", on_panel=True)
    with transaction.atomic():
        _request(service)
    task = SignedPackage.loads(OrmQ.objects.get().payload)
    assert (task["func"], task["args"]) == (
        "provisioning.tasks.operation_run",
        (Operation.objects.get().pk,),
    )

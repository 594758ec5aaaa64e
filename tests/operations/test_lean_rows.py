"""The hot paths' prepared single-row reads and inserts write and read exactly the rows the
ORM would: encrypted secrets, JSON, booleans, dates, foreign keys, related rows."""

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from provisioning.db.lean_rows import PreparedRead, row_get, row_insert, rows_get
from provisioning.models import Client, Operation, Server, Service
from tests.factories import ClientFactory, ProductFactory, ServerFactory, ServiceFactory
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _raw_column(table: str, column: str, pk: int):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_an_inserted_row_reads_back_through_the_orm_as_written():
    service = ServiceFactory.build(
        client=ClientFactory(), product=ProductFactory(), server=ServerFactory()
    )
    service.password = "Secret-pass-1"
    op = Operation(
        command=Operation.Command.CREATE,
        server=service.server,
        service=row_insert(service),
        secret="Secret-pass-2",
        source=Operation.Source.WEBHOOK,
        request={"domain": "bücher.example", "nested": [1, None, True]},
        created_at=NOW,
        updated_at=NOW,
    )
    row_insert(op)
    stored = Operation.objects.select_related("service").get(pk=op.pk)
    assert (stored.command, stored.state, stored.attempts, stored.outcome_unknown) == (
        "CreateAccount",
        "queued",
        0,
        False,
    )
    assert stored.request == {"domain": "bücher.example", "nested": [1, None, True]}
    assert (stored.created_at, stored.result, stored.usage) == (NOW, None, None)
    assert (stored.secret, stored.service.password) == ("Secret-pass-2", "Secret-pass-1")
    assert stored.service.created_at is not None and stored.service.status == "pending"


def test_secrets_are_written_encrypted():
    service = row_insert(
        ServiceFactory.build(
            client=ClientFactory(),
            product=ProductFactory(),
            server=ServerFactory(),
            password="Secret-pass-1",
        )
    )
    stored = _raw_column("provisioning_service", "password", service.pk)
    assert stored and "Secret-pass-1" not in stored


def test_a_row_read_equals_the_orm_instance_field_by_field():
    service = ServiceFactory(
        password="Secret-pass-1", on_panel=True, disk_usage=12, usage_updated_at=NOW
    )
    lean = row_get(Service, "whmcs_id", service.whmcs_id)
    orm = Service.objects.get(pk=service.pk)
    for field in Service._meta.concrete_fields:
        assert getattr(lean, field.attname) == getattr(orm, field.attname), field.name
    assert lean._state.adding is False and lean.on_panel is True


def test_an_absent_row_reads_as_none():
    assert row_get(Service, "whmcs_id", 987654) is None


def test_several_lookups_in_one_statement_find_each_row_or_none(django_assert_num_queries):
    service = ServiceFactory()
    with django_assert_num_queries(1):
        found = rows_get(
            (Server, "whmcs_id", service.server.whmcs_id),
            (Client, "whmcs_id", 987654),
            (Service, "whmcs_id", service.whmcs_id),
        )
    assert [row and row.pk for row in found] == [service.server.pk, None, service.pk]
    assert found[0].reseller_password == service.server.reseller_password


SERVICE_WITH_ITS_ROWS = PreparedRead(
    lambda pk: (
        Service.objects.select_related("server", "client", "product")
        .annotate(
            has_operations=Exists(Operation.objects.filter(service_id=OuterRef("id"))),
        )
        .filter(pk=pk)
    )
)


def test_a_prepared_read_is_the_querysets_instance_with_its_related_rows(
    django_assert_num_queries,
):
    services = [ServiceFactory(password=f"Secret-pass-{n}", usage_updated_at=NOW) for n in (1, 2)]
    for service in services:
        orm = (
            Service.objects.select_related("server", "client", "product")
            .annotate(has_operations=Exists(Operation.objects.filter(service_id=OuterRef("id"))))
            .get(pk=service.pk)
        )
        with django_assert_num_queries(1):
            read = SERVICE_WITH_ITS_ROWS.get(service.pk)
            related = (read.server, read.client, read.product)
        for field in Service._meta.concrete_fields:
            assert getattr(read, field.attname) == getattr(orm, field.attname), field.name
        assert related == (orm.server, orm.client, orm.product)
        assert read.server.reseller_password == orm.server.reseller_password
        assert read.has_operations is False
        assert read._state.adding is False
    queued("SuspendAccount", services[1])
    assert SERVICE_WITH_ITS_ROWS.get(services[1].pk).has_operations is True
    assert SERVICE_WITH_ITS_ROWS.get(987654) is None

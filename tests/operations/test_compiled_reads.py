"""A read compiled once gives the queryset's own instance: every field through its
converters (encrypted secrets, dates), the related rows, the annotations, one query;
several are taken in one call."""

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from provisioning.db.compiled_reads import CompiledRead, CompiledReads
from provisioning.models import Client, Operation, Server, Service
from tests.factories import ServiceFactory
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db

NOW = timezone.now()

SERVICE_WITH_ITS_ROWS = CompiledRead(
    lambda pk: (
        Service.objects.select_related("server", "client", "product")
        .annotate(
            has_operations=Exists(Operation.objects.filter(service_id=OuterRef("id"))),
        )
        .filter(pk=pk)
    )
)


def test_a_compiled_read_is_the_querysets_instance_with_its_related_rows(
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


def test_compiled_reads_take_each_row_by_its_value_in_their_order_in_one_call():
    service = ServiceFactory()  # whmcs_id: a positive integer field, read by its value
    reads = CompiledReads(
        service=CompiledRead(lambda whmcs_id: Service.objects.filter(whmcs_id=whmcs_id)),
        server=CompiledRead(lambda whmcs_id: Server.objects.filter(whmcs_id=whmcs_id)),
        client=CompiledRead(lambda whmcs_id: Client.objects.filter(whmcs_id=whmcs_id)),
    )
    with CaptureQueriesContext(connection) as taken:
        rows = reads.get(client=service.client.whmcs_id, service=service.whmcs_id, server=None)
    assert rows == {"service": service, "server": None, "client": service.client}
    # No value, no statement; the others in the order the reads were given.
    assert [q["sql"].split(" FROM ")[1].split()[0].strip('"') for q in taken] == [
        "provisioning_service",
        "provisioning_client",
    ]
    assert reads.get(service=987654, server=service.server.whmcs_id)["service"] is None

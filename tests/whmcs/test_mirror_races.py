"""The mirror survives concurrent webhooks, workers and admins: a new server created twice,
rows written between the webhook's read and its write."""

import pytest

from provisioning.models import Server, Service
from provisioning.whmcs.mirror import mirror_check, mirror_upsert, server_upsert
from provisioning.whmcs.webhook_params import webhook_parse
from tests.factories import ServerFactory, ServiceFactory
from tests.webhook_client import sample_body


@pytest.mark.django_db(transaction=True)
def test_a_server_created_meanwhile_is_reused_and_updated():
    import json

    req = webhook_parse(json.dumps(sample_body(serverid="77")).encode())
    ServerFactory(whmcs_id=77, hostname="old.example.com")  # the other webhook won the race

    # found=None: this webhook looked before the other one committed.
    server = server_upsert(req.server, None)

    assert Server.objects.filter(whmcs_id=77).count() == 1
    assert server.pk == Server.objects.get(whmcs_id=77).pk
    assert server.hostname == req.server.host
    server.refresh_from_db()
    assert server.hostname == req.server.host


def _request(**params):
    import json

    return webhook_parse(json.dumps(sample_body(**params)).encode())


@pytest.mark.django_db
def test_a_webhook_writes_only_the_server_fields_it_owns():
    server = ServerFactory(whmcs_id=77, hostname="old.example.com")
    req = _request(serverid="77", serverhostname="new.example.com")
    found = mirror_check(req)
    # Written after the webhook read the row: a connection test, a usage import's finding,
    # an admin's TLS settings.
    Server.objects.filter(pk=server.pk).update(
        usage_supported=False,
        last_test_ok=True,
        last_test_message="Connection OK",
        verify_tls=False,
        ca_bundle="-----BEGIN CERTIFICATE-----",
    )

    mirror_upsert(req, found)

    server.refresh_from_db()
    assert server.hostname == "new.example.com"
    assert (server.usage_supported, server.last_test_ok, server.last_test_message) == (
        False,
        True,
        "Connection OK",
    )
    assert (server.verify_tls, server.ca_bundle) == (False, "-----BEGIN CERTIFICATE-----")


@pytest.mark.django_db
def test_a_webhook_writes_only_the_service_fields_it_owns():
    service = ServiceFactory(whmcs_id=42, domain="example.com", domain_ascii="example.com")
    req = _request(serverid=str(service.server.whmcs_id), username="renamed")
    found = mirror_check(req)
    # A worker finished the create, a usage import wrote figures.
    Service.objects.filter(pk=service.pk).update(status="active", on_panel=True, disk_usage=12)

    mirror_upsert(req, found)

    service.refresh_from_db()
    assert service.username == "renamed"
    assert (service.status, service.on_panel, service.disk_usage) == ("active", True, 12)

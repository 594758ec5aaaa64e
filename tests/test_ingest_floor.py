"""The ingest benchmark's floor writes the very rows the bridge's webhook writes: what it
reaches bounds any webhook that keeps them (docs/performance.md)."""

import json

import pytest
from django.db import models, transaction
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from benchmarks import floor_site
from benchmarks.load import create_body
from provisioning.models import Client, Operation, Service, WebhookEvent
from provisioning.operations import _broker_in_database
from tests.webhook_client import post_to_view, post_webhook

pytestmark = pytest.mark.django_db


def _row(obj) -> dict:
    """Every column but the key and the clock; a foreign key as the row it points to."""
    row = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or isinstance(field, models.DateTimeField):
            continue
        value = getattr(obj, field.name)
        row[field.name] = _row(value) if field.is_relation and value is not None else value
    return row


def _written(body: dict) -> dict:
    """The rows one CreateAccount webhook wrote, as comparable values."""
    params = body["params"]
    service = Service.objects.get(whmcs_id=params["serviceid"])
    operation = Operation.objects.get(service=service)
    rows = {
        "client": _row(Client.objects.get(whmcs_id=params["userid"])),
        "service": _row(service),
        "operation": _row(operation),
        "event": _row(WebhookEvent.objects.get(event_id=body["event_id"])),
    }
    if _broker_in_database():  # a Redis broker gets the bridge's task after the commit
        queued = OrmQ.objects.latest("id")
        task = SignedPackage.loads(queued.payload)
        assert task.pop("args") == (operation.pk,)
        assert task.pop("name") == f"operation-{operation.pk}"
        del task["id"], task["started"]
        rows["task"] = {"key": queued.key, **task}
    return rows


def test_the_floor_writes_the_rows_the_bridge_writes(client):
    # The bridge's first webhook writes the server and product rows the floor needs.
    assert post_webhook(client, create_body(1, "127.0.0.1:9", "first")).status_code == 202
    body = json.loads(create_body(2, "127.0.0.1:9", "same"))
    raw = json.dumps(body).encode()

    with transaction.atomic():
        response = post_to_view(floor_site.receive, raw)
        assert response.status_code == 202
        by_floor = _written(body)
        transaction.set_rollback(True)
    assert post_webhook(client, raw).status_code == 202
    by_bridge = _written(body)

    assert by_floor == by_bridge
    assert by_bridge["service"]["password"] == body["params"]["password"]
    assert "***" in json.dumps(by_bridge["event"]["payload"])


def test_the_floor_takes_new_services_only(client):
    post_webhook(client, create_body(1, "127.0.0.1:9", "first"))
    raw = create_body(1, "127.0.0.1:9", "again")

    response = post_to_view(floor_site.receive, raw)

    assert response.status_code == 409
    assert Service.objects.count() == 1

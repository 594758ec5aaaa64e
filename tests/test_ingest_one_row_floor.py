"""The ingest benchmark's one-row floor does the work it stands for: one operation row
holding the whole event with its secrets masked and the password encrypted, and no other
row (docs/performance.md)."""

import json

import pytest
from django.db import connection
from django_q.models import OrmQ

from benchmarks import one_row_floor_site
from benchmarks.load import create_body
from provisioning.models import Client, Operation, Service, WebhookEvent
from tests.webhook_client import post_to_view, post_webhook

pytestmark = pytest.mark.django_db

MODELS = (Client, Service, Operation, WebhookEvent, OrmQ)


def _counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_the_one_row_floor_writes_the_operation_alone(client):
    # The bridge's first webhook writes the server and product rows the floor needs.
    assert post_webhook(client, create_body(1, "127.0.0.1:9", "first")).status_code == 202
    before = _counts()
    raw = create_body(2, "127.0.0.1:9", "one")
    body = json.loads(raw)

    response = post_to_view(one_row_floor_site.receive, raw)

    assert response.status_code == 202
    assert _counts() == {**before, "Operation": before["Operation"] + 1}
    operation = Operation.objects.get(pk=json.loads(response.content)["operation_id"])
    assert (operation.command, operation.state, operation.service) == (
        "CreateAccount",
        "queued",
        None,
    )
    assert operation.requested_by == f"webhook {body['event_id']}"
    assert operation.request["params"]["domain"] == body["params"]["domain"]
    assert operation.secret == body["params"]["password"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CAST(request AS TEXT), secret FROM provisioning_operation WHERE id = %s",
            [operation.pk],
        )
        stored = " ".join(cursor.fetchone())
    for secret in (body["params"]["password"], body["params"]["serverpassword"]):
        assert secret not in stored


def test_the_one_row_floor_takes_new_services_only(client):
    post_webhook(client, create_body(1, "127.0.0.1:9", "first"))
    before = _counts()

    response = post_to_view(one_row_floor_site.receive, create_body(1, "127.0.0.1:9", "again"))

    assert response.status_code == 409
    assert _counts() == before

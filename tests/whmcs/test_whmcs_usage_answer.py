"""WHMCS's UsageUpdate is answered at once from the last import; a fresh import is queued
only when that one is more than a day old."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from provisioning.models import Operation
from provisioning.whmcs import reads
from tests.factories import OperationFactory, ServerFactory
from tests.openapi_check import assert_documented
from tests.webhook_client import get_status

USAGE = "/webhooks/whmcs/servers/{server_id}/usage/"
ROWS = [{"domain": "a.example", "diskusage": 5, "disklimit": -1, "bwusage": 1, "bwlimit": 0}]


def usage_url(server) -> str:
    return f"/webhooks/whmcs/servers/{server.whmcs_id}/usage/"


def imported(server, when):
    return OperationFactory(
        service=None,
        server=server,
        command="UsageUpdate",
        state="succeeded",
        usage=ROWS,
        created_at=when,
        finished_at=when,
    )


@pytest.mark.django_db
def test_a_recent_import_is_answered_as_it_is_without_a_new_one(client):
    server = ServerFactory()
    now = timezone.now()
    imported(server, now - timedelta(hours=3))
    with time_machine.travel(now, tick=False):
        answer = get_status(client, usage_url(server))
    assert answer.status_code == 200
    assert_documented(USAGE, "get", answer)
    assert (answer.json()["usage"], answer.json()["refresh_operation"]) == (ROWS, None)
    assert Operation.objects.count() == 1


@pytest.mark.django_db
def test_an_import_older_than_a_day_is_answered_and_a_fresh_one_queued_once(client):
    server = ServerFactory()
    now = timezone.now()
    imported(server, now - timedelta(hours=25))
    with time_machine.travel(now, tick=False):
        first = get_status(client, usage_url(server)).json()
        second = get_status(client, usage_url(server)).json()
    assert first["usage"] == ROWS
    assert first["refresh_operation"] is not None
    assert second["refresh_operation"] == first["refresh_operation"]
    fresh = Operation.objects.get(pk=first["refresh_operation"])
    assert (fresh.command, fresh.state, fresh.service) == ("UsageUpdate", "queued", None)


@pytest.mark.django_db
def test_without_any_import_the_answer_is_empty_and_an_import_is_queued(client):
    server = ServerFactory()
    answer = get_status(client, usage_url(server)).json()
    assert (answer["imported_at"], answer["usage"]) == (None, [])
    assert Operation.objects.filter(pk=answer["refresh_operation"]).exists()
    assert get_status(client, "/webhooks/whmcs/servers/999999/usage/").status_code == 404


@pytest.mark.django_db
def test_an_import_that_finishes_while_it_is_read_is_answered_without_a_second_one(
    client, monkeypatch
):
    server = ServerFactory()
    running = OperationFactory(service=None, server=server, command="UsageUpdate", state="running")
    first_read = reads._last_import

    def finished_right_after(imports):
        last = first_read(imports)
        Operation.objects.filter(pk=running.pk).update(
            state="succeeded", usage=ROWS, finished_at=timezone.now()
        )
        return last

    monkeypatch.setattr(reads, "_last_import", finished_right_after)
    answer = get_status(client, usage_url(server)).json()
    assert (answer["usage"], answer["refresh_operation"]) == (ROWS, None)
    assert Operation.objects.count() == 1

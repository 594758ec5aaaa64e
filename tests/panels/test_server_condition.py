"""A status poll tells WHMCS when the panel will not answer soon, so that the module stops
waiting at once instead of for wait_seconds."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from provisioning.panels.condition import server_condition
from tests.factories import OperationFactory, ServiceFactory
from tests.openapi_check import assert_documented
from tests.webhook_client import get_status

STATUS = "/webhooks/whmcs/operations/{operation_id}/"


def status_url(op) -> str:
    return f"/webhooks/whmcs/operations/{op.pk}/"


@pytest.mark.django_db
def test_a_queued_operation_says_the_panel_is_unreachable_while_another_is_retrying(client):
    now = timezone.now()
    failing = OperationFactory(
        state="retrying", result="Connection refused", created_at=now, updated_at=now
    )
    queued = OperationFactory(
        service=ServiceFactory(server=failing.server), state="queued", created_at=now
    )

    answer = get_status(client, status_url(queued))

    assert answer.json()["panel_condition"] == "the panel is unreachable: Connection refused"
    assert_documented(STATUS, "get", answer)


@pytest.mark.django_db
def test_nothing_is_said_of_a_healthy_panel_or_of_an_old_failure_or_a_finished_operation(
    client,
):
    now = timezone.now()
    queued = OperationFactory(state="queued", created_at=now)
    assert "panel_condition" not in get_status(client, status_url(queued)).json()

    OperationFactory(
        service=ServiceFactory(server=queued.server),
        state="retrying",
        result="timeout",
        created_at=now,
        updated_at=now,
    )
    with time_machine.travel(now + timedelta(minutes=6), tick=False):
        assert server_condition(queued.server) == ""
    assert server_condition(queued.server) == "the panel is unreachable: timeout"
    done = OperationFactory(
        server=queued.server, service=queued.service, state="succeeded", created_at=now
    )
    assert "panel_condition" not in get_status(client, status_url(done)).json()

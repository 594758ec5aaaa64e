"""A status request may wait for its operation's outcome (the WHMCS module's long poll):
it answers once the worker finished, never waits when waiting cannot help, and a web
process lets only a few requests wait at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from provisioning.models import Operation
from provisioning.operations.waits import waiting_helps
from tests.factories import OperationFactory
from tests.openapi_check import assert_documented
from tests.php_runner import run_scenario
from tests.webhook_client import command_body, get_status, post_webhook
from tests.worker_fixtures import wait_until

STATUS = "/webhooks/whmcs/operations/{operation_id}/"
UNFINISHED = ("queued", "running")


def accepted_create(client, panel) -> str:
    """A CreateAccount whose panel call takes a second; its status URL."""
    panel.state.add_fault("delay", action="create", seconds=1, count=1)
    answer = post_webhook(client, command_body("CreateAccount", panel))
    assert answer.status_code == 202, answer.content
    return answer.json()["status_url"]


@pytest.mark.e2e
def test_asked_to_wait_it_answers_the_outcome_once_the_worker_finished(client, worker, panel):
    url = accepted_create(client, panel)
    assert get_status(client, url).json()["state"] in UNFINISHED

    answer = get_status(client, f"{url}?wait=10")

    assert answer.json()["state"] == "succeeded", worker.output()
    assert answer.json()["result"] == "success"
    assert_documented(STATUS, "get", answer)


@pytest.mark.e2e
def test_with_every_waiting_slot_taken_it_answers_at_once(client, worker, panel, settings):
    settings.STATUS_WAIT_SLOTS = 0
    url = accepted_create(client, panel)

    answer = get_status(client, f"{url}?wait=10")

    assert answer.json()["state"] in UNFINISHED
    wait_until(lambda: get_status(client, url).json()["state"] == "succeeded", message="create")


@pytest.mark.django_db
@pytest.mark.parametrize("wait", ["soon", "-1", "10.5", "nan", ""])
def test_a_wait_that_is_not_seconds_from_0_to_10_is_refused_naming_it(client, wait):
    op = OperationFactory(state="queued")

    answer = get_status(client, f"/webhooks/whmcs/operations/{op.pk}/?wait={wait}")

    assert answer.status_code == 400
    assert answer.json()["error"] == "wait must be a number of seconds from 0 to 10"
    assert_documented(STATUS, "get", answer)
    assert Operation.objects.get(pk=op.pk).updated_at == op.updated_at


@pytest.mark.django_db
def test_waiting_helps_only_while_a_first_attempt_is_queued_or_running():
    later = timezone.now() + timedelta(minutes=1)
    assert waiting_helps(OperationFactory.build(state="queued"))
    assert waiting_helps(OperationFactory.build(state="running"))
    assert not waiting_helps(OperationFactory.build(state="queued", next_attempt_at=later))
    for state in ("retrying", "succeeded", "failed", "superseded"):
        assert not waiting_helps(OperationFactory.build(state=state))


@pytest.mark.e2e
def test_the_module_gets_its_outcome_from_a_bridge_that_answers_at_once(
    php, tmp_path, live_server, worker, panel, settings
):
    settings.STATUS_WAIT_SLOTS = 0  # as an older bridge: every status request answers at once

    run_scenario(php, tmp_path, "lifecycle", panel, live_server.url, worker)

    assert [op.state for op in Operation.objects.order_by("id")][:5] == ["succeeded"] * 5

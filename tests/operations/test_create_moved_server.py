"""A service WHMCS's admin moves to another server before its account exists: the request
for the new server supersedes what waits for the old one, visibly, and runs on its own
server; an account the old server got anyway is listed for an admin to clean up."""

import threading

import pytest
from django.test import override_settings

from devtools.emulator import Emulator
from provisioning.admin.dashboard import dashboard_sections
from provisioning.models import Operation, Service
from provisioning.operations.debts import accounts_left_behind
from provisioning.operations.worker import operation_run
from tests.panel_fixtures import RESELLER, RESELLER_PASSWORD
from tests.webhook_client import command_body, post_webhook
from tests.worker_fixtures import wait_until

pytestmark = pytest.mark.django_db
DOMAIN = "example.com"  # the sample body's
DEAD = "127.0.0.1:1"  # nothing listens: connection refused


@pytest.fixture
def old_panel():
    """A second panel: the server the service leaves."""
    emulator = Emulator().start("127.0.0.1", 0)
    emulator.state.seed_reseller(RESELLER, RESELLER_PASSWORD, has_ip=True)
    emulator.state.seed_plan(RESELLER, "Basic")
    yield emulator
    emulator.stop()


def create(client, serverid: str, host: str) -> tuple[int, Operation]:
    body = command_body("CreateAccount", serverid=serverid, serverhostname=host)
    response = post_webhook(client, body)
    assert response.status_code in (200, 202), response.content
    return response.status_code, Operation.objects.get(pk=response.json()["operation"])


def left_section_rows():
    (section,) = [s for s in dashboard_sections() if s.title.startswith("Accounts on a server")]
    return section.rows


def test_a_create_for_another_server_supersedes_the_retrying_one_and_runs_there(client, panel):
    _, old = create(client, "1", DEAD)
    assert operation_run(old.pk) == "retrying", "the old server is down"

    status, new = create(client, "2", panel.host_port)

    assert status == 202 and new.pk != old.pk, "a new operation, not the old one joined"
    old.refresh_from_db()
    assert old.state == "superseded" and old.next_attempt_at is None
    assert old.result == (
        f"Superseded by CreateAccount #{new.pk} for server 2: the service moved to another server"
    )
    assert operation_run(old.pk) is None, "never runs again"
    assert new.server.whmcs_id == 2
    assert operation_run(new.pk) == "succeeded"
    service = Service.objects.get()
    assert (service.server.whmcs_id, service.status, service.on_panel) == (2, "active", True)
    assert panel.state.customer(DOMAIN)["settled_status"] == "ok"
    assert accounts_left_behind() == [], "the old server never got the account"
    assert [row.label for row in left_section_rows()] == []


def test_the_same_create_for_the_same_server_is_still_joined(client, panel):
    _, first = create(client, "1", DEAD)
    operation_run(first.pk)
    status, again = create(client, "1", DEAD)
    assert (status, again.pk) == (200, first.pk)


def test_the_old_servers_waiting_work_is_not_taken_as_already_in_effect(client, panel):
    # A create, a suspend and an unsuspend wait for the old server: the last would leave
    # the account active, but on the wrong panel, so it does not answer the new create.
    _, old_create = create(client, "1", DEAD)
    operation_run(old_create.pk)
    waiting = [old_create]
    for command in ("SuspendAccount", "UnsuspendAccount"):
        body = command_body(command, serverid="1", serverhostname=DEAD)
        waiting.append(Operation.objects.get(pk=post_webhook(client, body).json()["operation"]))
    assert len({op.pk for op in waiting}) == 3

    status, new = create(client, "2", panel.host_port)

    assert status == 202 and new.pk not in {op.pk for op in waiting}
    states = Operation.objects.filter(pk__in=[op.pk for op in waiting]).values_list(
        "state", flat=True
    )
    assert list(states) == ["superseded"] * 3
    assert operation_run(new.pk) == "succeeded"


def _run_in_thread(op: Operation) -> threading.Thread:
    def run():
        from django.db import connection

        try:
            operation_run(op.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_an_account_the_old_server_made_meanwhile_is_listed_for_cleanup(client, panel, old_panel):
    # The old panel is slow: its create is still running when the admin moves the service.
    old_panel.state.add_fault("delay", action="create", count=1, seconds=1.5)
    _, old = create(client, "1", old_panel.host_port)
    running = _run_in_thread(old)
    wait_until(lambda: old_panel.state.requests_for("create"), message="the create is sent")

    _, new = create(client, "2", panel.host_port)
    assert Operation.objects.get(pk=old.pk).state == "running", "a worker holds it"
    assert operation_run(new.pk) is None, "waits for the running one"
    running.join(30)

    old.refresh_from_db()
    assert old.state == "succeeded", "the old panel made the account"
    service = Service.objects.get()
    assert (service.server.whmcs_id, service.status, service.on_panel) == (2, "pending", False)
    assert operation_run(new.pk) == "succeeded", "then the new server's create runs"
    assert old_panel.state.customer(DOMAIN) and panel.state.customer(DOMAIN)

    (left,) = accounts_left_behind()
    assert (left.operation.pk, left.service.pk, left.certain) == (old.pk, service.pk, True)
    rows = left_section_rows()
    assert rows[0].value == 1 and rows[0].alert
    assert rows[1].label == f"{DOMAIN} on {old.server}"
    assert rows[1].value == f"created by #{old.pk}"


@pytest.mark.django_db(transaction=True)
@override_settings(PANEL_READ_TIMEOUT=0.5)
def test_a_create_that_timed_out_on_the_old_server_ends_superseded_and_maybe_listed(
    client, panel, old_panel
):
    # The old panel acts but answers after the read timeout: the outcome is unknown.
    old_panel.state.add_fault("act_then_timeout", action="create", count=1, seconds=1.5)
    _, old = create(client, "1", old_panel.host_port)
    running = _run_in_thread(old)
    wait_until(lambda: old_panel.state.requests_for("create"), message="the create is sent")
    _, new = create(client, "2", panel.host_port)
    running.join(30)

    old.refresh_from_db()
    assert (old.state, old.outcome_unknown) == ("superseded", True), "not retried"
    assert old.result.startswith("Superseded: the service moved to another server (")
    assert old.attempt_set.get().outcome == "unknown"
    assert operation_run(new.pk) == "succeeded"
    (left,) = accounts_left_behind()
    assert (left.operation.pk, left.certain) == (old.pk, False)
    assert left_section_rows()[1].value == f"maybe created (outcome unknown) by #{old.pk}"

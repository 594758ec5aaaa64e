"""When the panel may have acted before the answer was lost, ask it before acting again."""

import pytest
from django.test import override_settings
from django.utils import timezone

from provisioning.models import Operation, Service
from provisioning.operations.worker import operation_run
from tests.factories import ServiceFactory, bridge_account
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(server):
    return ServiceFactory(server=server, domain="shop.example.com", domain_ascii="shop.example.com")


def run_again(op):
    Operation.objects.filter(pk=op.pk).update(next_attempt_at=timezone.now())
    return operation_run(op.pk)


def run_again_once_settled(panel, op):
    """The account the lost attempt created is still being set up: not adopted yet. Once
    the panel's daemon is done, it is."""
    assert run_again(op) == "retrying"
    op.refresh_from_db()
    assert "the panel does not let its customer in" in op.result
    panel.state.daemon_catch_up()
    return run_again(op)


@override_settings(PANEL_READ_TIMEOUT=0.3)
def test_a_create_that_timed_out_after_acting_is_adopted(service, server, panel):
    bridge_account(server, panel)  # a list to trust: it lacks none of the bridge's accounts
    panel.state.add_fault("act_then_timeout", action="create", count=1, seconds=1.0)
    op = queued("CreateAccount", service, source="admin")
    assert operation_run(op.pk) == "retrying"
    op.refresh_from_db()
    assert op.outcome_unknown
    assert run_again_once_settled(panel, op) == "succeeded"
    op.refresh_from_db()
    assert (op.result, op.request["note"]) == (
        "success",
        "adopted: the account was already on the panel, listed for the reseller and "
        "opened by the service's password",
    )
    assert [entry["answer"] for entry in panel.state.requests_for("create")] == [
        "success",
        "KaziWhmcs: Domain 'shop.example.com' already exists or is not allowed",
        "KaziWhmcs: Domain 'shop.example.com' already exists or is not allowed",
    ], "never created twice"
    assert len(panel.state.customers) == 2
    assert Service.objects.get(pk=service.pk).status == "active"


@pytest.mark.parametrize("created", [False, True])
def test_an_empty_create_answer_is_checked_on_the_panel(service, server, panel, created):
    bridge_account(server, panel)
    panel.state.add_fault("create_empty_body", count=1, created=created)
    op = queued("CreateAccount", service, source="admin")
    assert operation_run(op.pk) == "retrying"
    if created:
        # Sent again, the create meets the account: checked (listed, the service's
        # password opens it once set up), adopted, never made twice.
        assert run_again_once_settled(panel, op) == "succeeded"
        op.refresh_from_db()
        assert op.request["note"].startswith("adopted: the account was already on the panel")
        logins = [e["name"] for e in panel.state.login_log if e["name"] == "shop.example.com"]
        assert logins == ["shop.example.com"] * 2, "the service's password was tried"
    else:
        assert run_again(op) == "succeeded"
        op.refresh_from_db()
        assert "note" not in op.request, "nothing was there: created, not adopted"
    answers = [entry["answer"] for entry in panel.state.requests_for("create")]
    assert answers[1:] == (
        ["KaziWhmcs: Domain 'shop.example.com' already exists or is not allowed"] * 2
        if created
        else ["success"]
    )
    assert panel.state.customer("shop.example.com")["settled_status"] == "ok"


def test_without_a_usage_list_a_customer_login_tells(service, panel):
    panel.state.add_fault("create_empty_body", count=1, created=True)
    panel.state.add_fault("usage_unsupported")
    op = queued("CreateAccount", service, source="admin")
    assert operation_run(op.pk) == "retrying"
    assert run_again_once_settled(panel, op) == "succeeded"
    op.refresh_from_db()
    assert op.request["note"] == (
        "adopted: the account was already on the panel, opened by the service's password"
    )
    assert [entry["answer"] for entry in panel.state.requests_for("create")] == [
        "",
        "KaziWhmcs: Domain 'shop.example.com' already exists or is not allowed",
        "KaziWhmcs: Domain 'shop.example.com' already exists or is not allowed",
    ], "sent again, refused, adopted once set up: one account"


def test_a_dropped_connection_on_terminate_then_unknown_account_is_success(active_service, panel):
    panel.state.add_fault("act_then_timeout", action="terminate", count=1, drop=True)
    op = queued("TerminateAccount", active_service, source="admin")
    assert operation_run(op.pk) == "retrying"
    panel.state.finish_deletion("shop.example.com")
    assert run_again(op) == "succeeded"
    assert Service.objects.get().status == "terminated"

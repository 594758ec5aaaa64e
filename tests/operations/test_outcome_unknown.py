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


@override_settings(PANEL_READ_TIMEOUT=0.3)
def test_a_create_that_timed_out_after_acting_is_adopted(service, server, panel):
    bridge_account(server, panel)  # a list to trust: it lacks none of the bridge's accounts
    panel.state.add_fault("act_then_timeout", action="create", count=1, seconds=1.0)
    op = queued("CreateAccount", service, source="admin")
    assert operation_run(op.pk) == "retrying"
    op.refresh_from_db()
    assert op.outcome_unknown
    assert run_again(op) == "succeeded"
    op.refresh_from_db()
    assert (op.result, op.request["note"]) == (
        "success",
        "adopted: the account was already on the panel, listed for the reseller and "
        "opened by the service's password",
    )
    assert [entry["answer"] for entry in panel.state.requests_for("create")] == [
        "success",
        "KaziWhmcs: Domain 'shop.example.com' already exists or is not allowed",
    ], "never created twice"
    assert len(panel.state.customers) == 2
    assert Service.objects.get(pk=service.pk).status == "active"


def test_an_empty_create_answer_is_checked_on_the_panel(service, panel):
    panel.state.add_fault("create_empty_body", count=1, created=False)
    op = queued("CreateAccount", service, source="admin")
    assert operation_run(op.pk) == "retrying"
    assert run_again(op) == "succeeded"
    assert len(panel.state.requests_for("create")) == 2, "nothing was created: create again"
    assert panel.state.customer("shop.example.com")["status"] == "ok"


def test_without_a_usage_list_a_customer_login_tells(service, panel):
    panel.state.add_fault("create_empty_body", count=1, created=True)
    panel.state.add_fault("usage_unsupported")
    op = queued("CreateAccount", service, source="admin")
    assert operation_run(op.pk) == "retrying"
    assert run_again(op) == "succeeded"
    op.refresh_from_db()
    assert op.request["note"] == (
        "adopted: the account was already on the panel, opened by the service's password"
    )
    assert [entry["answer"] for entry in panel.state.requests_for("create")] == [
        "",
        "KaziWhmcs: Domain 'shop.example.com' already exists or is not allowed",
    ], "sent again, refused, adopted: one account"


def test_a_dropped_connection_on_terminate_then_unknown_account_is_success(active_service, panel):
    panel.state.add_fault("act_then_timeout", action="terminate", count=1, drop=True)
    op = queued("TerminateAccount", active_service, source="admin")
    assert operation_run(op.pk) == "retrying"
    panel.state.finish_deletion("shop.example.com")
    assert run_again(op) == "succeeded"
    assert Service.objects.get().status == "terminated"

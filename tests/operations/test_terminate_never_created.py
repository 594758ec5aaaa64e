"""Terminating an account the bridge never created: when a trusted list lacks it, or the
panel says it does not exist, there is nothing to terminate (succeeded, journaled)."""

import pytest

from provisioning.admin.service_actions import services_ownership_confirm
from provisioning.models import Service
from provisioning.operations.worker import operation_run
from tests.factories import ServiceFactory, bridge_account
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(server, panel):
    """A service whose create the panel refused (no such plan): never on the panel."""
    service = ServiceFactory(
        server=server, domain="never.example.com", domain_ascii="never.example.com"
    )
    service.product.plan_name = "Gold"
    service.product.save()
    assert operation_run(queued("CreateAccount", service).pk) == "failed"
    return service


def _terminated_note(service: Service) -> str:
    """Terminate the service: the operation succeeds, the service is terminated; its note."""
    op = queued("TerminateAccount", service)
    assert operation_run(op.pk) == "succeeded"
    assert Service.objects.get(pk=service.pk).status == "terminated"
    op.refresh_from_db()
    return op.request["note"]


def test_a_trusted_list_without_it_leaves_nothing_to_terminate(refused, server, panel):
    bridge_account(server, panel)
    assert _terminated_note(refused) == (
        "nothing to terminate: the bridge never created nor adopted the account, and the "
        "reseller's trusted account list lacks it"
    )
    assert panel.state.requests_for("terminate") == []


def test_the_panels_doesnt_exist_leaves_nothing_to_terminate(refused, server, panel):
    panel.state.add_fault("usage_unsupported")  # no list: ownership cannot be shown
    assert operation_run(queued("TerminateAccount", refused).pk) == "failed"
    services_ownership_confirm(Service.objects.filter(pk=refused.pk), requested_by="admin")
    assert _terminated_note(refused) == (
        "nothing to terminate: the panel has no such account (KaziWhmcs: The "
        "'never.example.com' customer account doesn't exists)"
    )


def test_an_account_the_bridge_created_is_still_terminated_on_the_panel(server, panel):
    bridge_account(server, panel)
    mine = Service.objects.get()
    assert operation_run(queued("TerminateAccount", mine).pk) == "succeeded"
    assert panel.state.customer("mine.example.com")["status"] == "todelete"

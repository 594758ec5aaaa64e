"""An account the panel is still setting up or deleting is never adopted: the create
waits (a transient failure) until it is gone or settled, and a terminate the bridge has
just made is never undone by adoption."""

import pytest
import time_machine
from django.utils import timezone

from provisioning.models import Operation, Service
from provisioning.operations.worker import operation_run
from tests.factories import ServiceFactory, bridge_account
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db

START = 1_900_000_000
PASSWORD = "Shop-pass-123"


@pytest.fixture
def service(server, panel):
    bridge_account(server, panel)  # the reseller's list can be trusted
    return ServiceFactory(
        server=server, domain="shop.example.com", domain_ascii="shop.example.com", password=PASSWORD
    )


def run_again(op: Operation) -> str | None:
    Operation.objects.filter(pk=op.pk).update(next_attempt_at=timezone.now())
    return operation_run(op.pk)


def test_a_create_right_after_a_terminate_waits_for_the_deletion(service, panel):
    assert operation_run(queued("CreateAccount", service).pk) == "succeeded"
    assert operation_run(queued("TerminateAccount", service).pk) == "succeeded"
    assert panel.state.customer("shop.example.com")["status"] == "todelete"

    create = queued("CreateAccount", service)
    assert operation_run(create.pk) == "retrying"
    create.refresh_from_db()
    assert "the panel keeps it until its daemon has deleted it" in create.result
    assert Service.objects.get(pk=service.pk).status == "terminated", "not adopted"
    assert run_again(create) == "retrying", "still being deleted"

    panel.state.finish_deletion("shop.example.com")
    assert run_again(create) == "succeeded"
    create.refresh_from_db()
    assert "note" not in create.request, "created anew, not adopted"
    assert panel.state.requests_for("create")[-1]["answer"] == "success"


def test_an_account_still_being_set_up_is_adopted_only_once_ready(service, panel):
    with time_machine.travel(START, tick=False) as clock:
        panel.state.configure(daemon_seconds=20)
        customer = panel.state.seed_customer(
            "shop.example.com", reseller="reseller1", password=PASSWORD
        )
        panel.state.status_set(customer, "toadd")  # e.g. a create whose answer was lost
        create = queued("CreateAccount", service)
        assert operation_run(create.pk) == "retrying"
        create.refresh_from_db()
        assert "the panel does not let its customer in" in create.result
        assert not Service.objects.get(pk=service.pk).on_panel

        clock.shift(21)
        assert run_again(create) == "succeeded"
        create.refresh_from_db()
        assert create.request["note"].startswith("adopted")
    assert panel.state.login_records == {}

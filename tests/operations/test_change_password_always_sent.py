"""ChangePassword always reaches the panel (it is idempotent there): the customer may
have changed the password on the panel since. Only an identical request joined while the
first is still in flight is not sent twice."""

import pytest

from provisioning.operations.accepting import operation_request
from provisioning.operations.worker import operation_run

pytestmark = pytest.mark.django_db


def change(service, password: str):
    return operation_request(
        "ChangePassword", server=service.server, service=service, secret=password, source="webhook"
    )


def test_the_password_the_bridge_holds_is_sent_again(active_service, panel):
    panel.state.customer("shop.example.com").password = "Customer-made-1"  # on the panel
    op, created = change(active_service, active_service.password)
    assert created
    assert operation_run(op.pk) == "succeeded"
    assert panel.state.customer("shop.example.com")["password"] == "Client-pass-123"
    assert len(panel.state.requests_for("changepw")) == 1


def test_an_identical_request_in_flight_is_joined_and_sent_once(active_service, panel):
    first, _ = change(active_service, "N3w-pass-1")
    again, created = change(active_service, "N3w-pass-1")
    assert (again.pk, created) == (first.pk, False)
    other, created = change(active_service, "N3w-pass-2")
    assert created and other.pk != first.pk
    assert operation_run(first.pk) == "succeeded"
    assert operation_run(other.pk) == "succeeded"
    assert len(panel.state.requests_for("changepw")) == 2

    after, created = change(active_service, "N3w-pass-2")
    assert created, "done, not in flight: sent again"
    assert operation_run(after.pk) == "succeeded"
    assert len(panel.state.requests_for("changepw")) == 3

"""WHMCS's suspendreason reaches the journal with the SuspendAccount it came with."""

import pytest

from provisioning.models import Operation, Service
from tests.webhook_client import command_body, post_webhook


@pytest.mark.django_db
def test_a_suspension_reason_reaches_the_journal(client):
    post_webhook(client, command_body("CreateAccount"))
    Operation.objects.update(state="succeeded")
    Service.objects.update(status="active", on_panel=True)

    post_webhook(client, command_body("SuspendAccount", suspendreason="Overdue on Activity"))

    suspend = Operation.objects.get(command="SuspendAccount")
    assert suspend.request["reason"] == "Overdue on Activity"


@pytest.mark.django_db
def test_a_reason_on_another_command_is_not_journaled(client):
    post_webhook(client, command_body("CreateAccount", suspendreason="ignored"))
    assert "reason" not in Operation.objects.get().request

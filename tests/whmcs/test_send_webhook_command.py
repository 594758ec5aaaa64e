"""`manage.py send_webhook` signs a contract body the bridge accepts."""

import pytest
from django.core.management import call_command

from provisioning.models import Operation, WebhookEvent


@pytest.mark.django_db(transaction=True)
def test_it_posts_a_signed_create_account(live_server, capsys, panel):
    call_command(
        "send_webhook",
        "CreateAccount",
        "--url",
        live_server.url,
        "--wait",
        "0",
        "--server-host",
        panel.host_port,
        "--domain",
        "cli.example.com",
    )
    out = capsys.readouterr().out
    assert out.startswith("HTTP 202")
    op = Operation.objects.get()
    assert (op.command, op.service.domain) == ("CreateAccount", "cli.example.com")
    assert WebhookEvent.objects.get().event_id.startswith("cli-")

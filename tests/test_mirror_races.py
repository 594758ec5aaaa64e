"""The mirror survives concurrent first webhooks for the same new server."""

import pytest

from provisioning.mirror import server_upsert
from provisioning.models import Server
from provisioning.webhook_params import webhook_parse
from tests.factories import ServerFactory
from tests.webhook_client import sample_body


@pytest.mark.django_db(transaction=True)
def test_a_server_created_meanwhile_is_reused_and_updated():
    import json

    req = webhook_parse(json.dumps(sample_body(serverid="77")).encode())
    ServerFactory(whmcs_id=77, hostname="old.example.com")  # the other webhook won the race

    # found=None: this webhook looked before the other one committed.
    server = server_upsert(req.server, None)

    assert Server.objects.filter(whmcs_id=77).count() == 1
    assert server.pk == Server.objects.get(whmcs_id=77).pk
    assert server.hostname == req.server.host
    server.refresh_from_db()
    assert server.hostname == req.server.host

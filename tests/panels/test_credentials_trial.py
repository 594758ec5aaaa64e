"""Reseller credentials on trial: until the panel has let a server's current reseller
name and password in, its calls go one at a time, so that a wrong password fails once, in
the one session the panel then counts. The first call that gets in lifts the cap; other
credentials, however they came, put the server on trial again."""

import json

import pytest

from provisioning.models import Server
from provisioning.panels.access import panel_access
from provisioning.panels.imscp import client
from provisioning.panels.imscp.errors import PanelLoginRefused
from provisioning.panels.slots import slot_release, slot_take
from provisioning.whmcs.mirror import server_upsert
from provisioning.whmcs.webhook_params import webhook_parse
from tests.factories import RESELLER_PASSWORD, ServerFactory
from tests.webhook_client import command_body

pytestmark = pytest.mark.django_db


def _slots_at_once(server: Server) -> int:
    """How many slots the server gives at once (all freed again)."""
    server.refresh_from_db()
    taken = []
    while (slot := slot_take(server, f"caller {len(taken)}")) is not None:
        taken.append(slot)
    for slot in taken:
        slot_release(slot)
    return len(taken)


def _call(server: Server) -> None:
    with panel_access(server) as target:
        client.connection_test(target)


def test_credentials_the_panel_never_let_in_take_one_call_at_a_time_until_one_gets_in(
    panel, settings
):
    settings.PANEL_MAX_CONCURRENCY = 3
    server = ServerFactory(hostname=panel.host_port, login_accepted="")
    assert _slots_at_once(server) == 1
    _call(server)
    assert _slots_at_once(server) == 3


def test_a_refused_login_leaves_the_server_on_trial(panel, settings):
    settings.PANEL_MAX_CONCURRENCY = 3
    server = ServerFactory(hostname=panel.host_port, login_accepted="")
    Server.objects.filter(pk=server.pk).update(reseller_password="typo-in-bridge")
    server.refresh_from_db()
    with pytest.raises(PanelLoginRefused):
        _call(server)
    assert _slots_at_once(server) == 1


def test_other_credentials_put_the_server_on_trial_again(panel, settings):
    settings.PANEL_MAX_CONCURRENCY = 3
    server = ServerFactory(hostname=panel.host_port, whmcs_id=1)
    _call(server)
    assert _slots_at_once(server) == 3
    # A password changed in the database directly (a restore, a shell) ...
    Server.objects.filter(pk=server.pk).update(reseller_password="changed-elsewhere")
    assert _slots_at_once(server) == 1
    # ... or sent by WHMCS.
    Server.objects.filter(pk=server.pk).update(reseller_password=RESELLER_PASSWORD)
    assert _slots_at_once(server) == 3
    body = command_body("TestConnection", panel, serverid="1", serverpassword="new-from-whmcs")
    server_upsert(webhook_parse(json.dumps(body).encode()).server, server)
    assert _slots_at_once(server) == 1

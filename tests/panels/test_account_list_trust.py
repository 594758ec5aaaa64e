"""A reseller's list is trusted only when it lacks none of the bridge's accounts on that
server and there is at least one to check it against."""

import pytest

from provisioning.panels.account_lists import NoTrustedList, account_list_trust
from provisioning.panels.account_sync import account_sync_report
from provisioning.panels.imscp.answers import UsageEntry
from tests.factories import bridge_account

pytestmark = pytest.mark.django_db


def entry(domain: str) -> UsageEntry:
    return UsageEntry(domain, 0, 0, 0, 0)


def test_with_no_account_of_the_bridge_on_the_server_the_list_is_not_trusted(server):
    found = account_list_trust(server, [entry("someone.example.com")])
    assert not found.trusted
    assert found.has("someone.example.com") is None
    assert "no account on this server yet to check" in found.why_not


def test_a_list_that_shows_every_account_of_the_bridge_is_trusted(server, panel):
    bridge_account(server, panel)
    found = account_list_trust(server, [entry("mine.example.com"), entry("other.example")])
    assert found.trusted and found.has("other.example") is True


def test_account_sync_on_a_new_server_says_why_it_cannot_import(server, panel):
    panel.state.seed_customer("old.example.com", reseller="reseller1")
    with pytest.raises(NoTrustedList, match="no account on this server yet"):
        account_sync_report(server)

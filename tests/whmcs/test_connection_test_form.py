"""Test Connection of a server WHMCS has not saved yet: the form's address and reseller
credentials are tried on the emulated panel, nothing a command would trust is stored, and
a wrong password does not leave the bridge's address counted by the panel."""

import pytest

from provisioning.models import PanelFormDebt, Server
from tests.factories import RESELLER, RESELLER_PASSWORD
from tests.openapi_check import assert_documented
from tests.webhook_client import post_webhook

PATH = "/webhooks/whmcs/connection-test/"
pytestmark = pytest.mark.django_db


def form(panel, **overrides) -> dict:
    return {
        "serverhostname": panel.host_port,
        "serverip": "",
        "serversecure": "",
        "serverusername": RESELLER,
        "serverpassword": RESELLER_PASSWORD,
        **overrides,
    }


def test_a_good_form_answers_success_and_stores_no_server(client, panel):
    answer = post_webhook(client, {"params": form(panel)}, path=PATH)

    assert answer.json() == {"result": "success"}
    assert_documented(PATH, "post", answer)
    assert [r["action"] for r in panel.state.requests] == ["connectiontest"]
    assert not Server.objects.exists()


def test_a_wrong_password_is_readable_and_cleared_by_the_next_good_test(client, panel):
    wrong = post_webhook(client, {"params": form(panel, serverpassword="typo")}, path=PATH)

    assert wrong.json() == {"result": "KaziWhmcs: Bad password."}
    assert panel.state.login_records["127.0.0.1"].count == 1
    assert PanelFormDebt.objects.count() == 1

    fixed = post_webhook(client, {"params": form(panel)}, path=PATH)

    assert fixed.json() == {"result": "success"}
    assert panel.state.login_records == {}
    assert not PanelFormDebt.objects.exists()
    assert not Server.objects.exists()


def test_a_wrong_password_for_a_saved_panel_is_cleared_by_that_servers_next_call(
    client, panel, server
):
    wrong = post_webhook(client, {"params": form(panel, serverpassword="typo")}, path=PATH)

    assert wrong.json() == {"result": "KaziWhmcs: Bad password."}
    saved = Server.objects.get(pk=server.pk)
    assert saved.login_debt != ""
    assert saved.reseller_password == RESELLER_PASSWORD, "the form's password is not kept"
    good = post_webhook(client, {"params": form(panel)}, path=PATH)
    assert good.json() == {"result": "success"}
    assert panel.state.login_records == {}
    assert Server.objects.get(pk=server.pk).login_debt == ""


@pytest.mark.parametrize(
    "missing", [{"serverhostname": "", "serverip": ""}, {"serverpassword": None}]
)
def test_a_form_without_host_or_credentials_is_refused(client, panel, missing):
    answer = post_webhook(client, {"params": form(panel, **missing)}, path=PATH)
    assert answer.status_code == 400
    assert_documented(PATH, "post", answer)
    assert panel.state.requests == []

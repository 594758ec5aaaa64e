"""The emulator's usageupdate answer: the plugin's PHP-serialized list, byte lengths and all,
of every customer of the reseller (the shared KaziWhmcs protocol notes)."""

from provisioning.panels.imscp.phpserial import loads
from tests.panel_fixtures import plugin_post


def test_usage_is_a_php_serialized_list_with_byte_lengths(panel):
    panel.state.seed_customer("bücher.example", plan="Basic", disk_bytes=120_000_000)
    panel.state.set_usage("xn--bcher-kva.example", disk_bytes=120_499_999, bw_bytes=2_500_000)
    response = plugin_post(panel, "usageupdate")
    assert response.status_code == 200
    assert (
        response.content
        == (
            'a:1:{i:0;a:5:{s:6:"domain";s:15:"bücher.example";s:9:"diskusage";i:120;'
            's:9:"disklimit";s:4:"1000";s:7:"bwusage";i:3;s:7:"bwlimit";s:5:"10000";}}'
        ).encode()
    )


def test_usage_lists_every_customer_of_the_reseller_whatever_its_status(panel):
    panel.state.seed_reseller("reseller2", "reseller-secret-2")
    panel.state.seed_customer("theirs.example", reseller="reseller2")
    for status in ("ok", "disabled", "todelete", "toadd"):
        panel.state.seed_customer(
            f"{status}.example", reseller="reseller1", plan="Pro", status=status
        )
    rows = loads(plugin_post(panel, "usageupdate").content)
    assert [row["domain"] for row in rows] == [
        "ok.example",
        "disabled.example",
        "todelete.example",
        "toadd.example",
    ]
    assert rows[0] == {
        "domain": "ok.example",
        "diskusage": 0,
        "disklimit": "10000",
        "bwusage": 0,
        "bwlimit": "0",
    }


def test_usage_of_a_reseller_without_customers_is_success(panel):
    panel.state.seed_reseller("reseller2", "reseller-secret-2")
    panel.state.seed_customer("theirs.example", reseller="reseller2")
    response = plugin_post(panel, "usageupdate")
    assert (response.status_code, response.text) == (200, "success")


def test_usage_of_100000_customers_is_answered(panel):
    panel.state.seed_customers_bulk(100_000, reseller="reseller1")
    rows = loads(plugin_post(panel, "usageupdate").content)
    assert len(rows) == 100_000
    assert rows[-1]["domain"] == "customer100000.example.test"

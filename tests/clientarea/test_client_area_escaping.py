"""Every string from WHMCS or the panel reaches the client's pages escaped."""

import re
from html.parser import HTMLParser

import pytest

from provisioning.models import Operation
from tests.client_area_links import client_area_link
from tests.factories import (
    ClientFactory,
    OperationFactory,
    ProductFactory,
    ServerFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
TAG = '"><img src=x onerror=alert(2)>'
ATTRIBUTE = "x' onmouseover='alert(3)"
PAYLOADS = (SCRIPT, TAG, ATTRIBUTE)


@pytest.fixture
def service():
    return ServiceFactory(
        domain=f"{SCRIPT}.example",
        domain_ascii=f"{TAG}.example",
        status="active",
        password=f"pw{TAG}{ATTRIBUTE}",
        client=ClientFactory(firstname=TAG, lastname=SCRIPT, companyname=ATTRIBUTE),
        product=ProductFactory(name=f"Hosting {SCRIPT}", plan_name=f"Plan {ATTRIBUTE}"),
        server=ServerFactory(hostname=f'panel.example{TAG}" onfocus="alert(4)', secure=False),
        disk_usage=1,
        disk_limit=2,
        bw_usage=1,
        bw_limit=2,
    )


class Injected(HTMLParser):
    """Elements and attributes a payload would have created, had it reached the page raw."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("img", "b") or (tag == "script" and not dict(attrs).get("nonce")):
            self.found.append(f"<{tag}>")
        self.found += [f"{tag} {name}=" for name, _ in attrs if name.startswith("on")]


def raw_payloads_in(html: str) -> list[str]:
    parser = Injected()
    parser.feed(html)
    return [payload for payload in PAYLOADS if payload in html] + parser.found


def test_the_page_escapes_domain_client_product_plan_and_host(client, service):
    html = client.get(client_area_link(service.whmcs_id)).content.decode()
    assert raw_payloads_in(html) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.example" in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "Plan x&#x27; onmouseover=&#x27;alert(3)" in html


def test_the_tool_links_escape_the_host_inside_the_attribute(client, service):
    html = client.get(client_area_link(service.whmcs_id)).content.decode()
    hrefs = re.findall(r'<a class="button" href="([^"]*)"', html)
    assert len(hrefs) == 3
    assert all(href.startswith("http://panel.example&quot;&gt;&lt;img") for href in hrefs)


def test_the_panels_error_text_is_escaped(client, service):
    OperationFactory(
        service=service,
        command=Operation.Command.SUSPEND,
        state=Operation.State.FAILED,
        result=f"KaziWhmcs: Unable to suspend the '{SCRIPT}' customer account: {TAG}",
    )
    html = client.get(client_area_link(service.whmcs_id)).content.decode()
    assert "did not go through" in html
    assert raw_payloads_in(html) == []
    assert "KaziWhmcs: Unable to suspend the &#x27;&lt;script&gt;" in html


def test_the_refusal_page_escapes_the_domain(client, service):
    client.get(client_area_link(service.whmcs_id))
    service.status = "suspended"
    service.save()
    response = client.post(f"/client/services/{service.whmcs_id}/panel-login/")
    assert response.status_code == 409
    assert raw_payloads_in(response.content.decode()) == []


def test_the_auto_submit_page_escapes_login_password_and_panel_address(client, service):
    client.get(client_area_link(service.whmcs_id))
    response = client.post(f"/client/services/{service.whmcs_id}/panel-login/")
    html = response.content.decode()
    assert response.status_code == 200
    # The only script is the page's own nonce'd auto-submit.
    assert len(re.findall(r"<script\b", html)) == 1
    assert raw_payloads_in(html) == []
    assert 'name="upass" value="pw&quot;&gt;&lt;img src=x onerror=alert(2)&gt;x&#x27;' in html
    assert 'name="uname" value="&quot;&gt;&lt;img src=x onerror=alert(2)&gt;.example"' in html
    assert 'action="http://panel.example&quot;&gt;&lt;img' in html

"""Strings from WHMCS or the panel are rendered escaped: in the admin pages and in the
single sign-on auto-submit page, text and attribute contexts alike."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from provisioning.models import Operation
from provisioning.panels.login_page import panel_login_response
from tests.factories import ClientFactory, OperationFactory, ServerFactory, ServiceFactory

PAYLOADS = [
    '"><script>alert("x1")</script>',
    "' onmouseover='alert(2)' x='",
    "<img src=x onerror=alert(3)>",
    "</textarea><svg onload=alert(4)>",
    "javascript:alert(5)",
]


class Parsed(HTMLParser):
    """Every element and attribute of a page, as a browser would read them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.scripts += tag == "script"


def assert_inert(html: str, payload: str) -> None:
    assert payload not in html or payload == "javascript:alert(5)", payload
    parsed = Parsed(html)
    for tag, attrs in parsed.tags:
        assert tag not in ("svg", "img") or "onerror" not in attrs and "onload" not in attrs
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src", "action"):
            assert not (attrs.get(name) or "").lower().startswith("javascript:"), (tag, attrs)


@pytest.fixture
def hostile(db):
    objects = []
    for n, payload in enumerate(PAYLOADS):
        client = ClientFactory(firstname=payload, lastname=payload, companyname=payload)
        server = ServerFactory(name=payload)
        service = ServiceFactory(
            client=client,
            server=server,
            domain=f"{payload}.example",
            domain_ascii=f"site{n}.example",
            username=payload,
            product__name=payload,
            product__plan_name=payload,
        )
        op = OperationFactory(
            service=service,
            command=Operation.Command.CHANGE_PASSWORD,
            state=Operation.State.FAILED,
            result=f"KaziWhmcs: {payload}",
            request={"domain": payload},
            requested_by=payload,
        )
        objects.append((payload, [client, server, service, service.product, op]))
    return objects


@pytest.mark.django_db
def test_the_admin_pages_escape_hostile_strings(admin_client, hostile):
    for payload, records in hostile:
        pages = []
        for model in ("client", "server", "service", "product", "operation"):
            listing = admin_client.get(f"/admin/provisioning/{model}/")
            assert listing.status_code == 200
            pages.append(listing.content.decode())
        for record in records:
            url = reverse(f"admin:provisioning_{record._meta.model_name}_change", args=[record.pk])
            page = admin_client.get(url)
            assert page.status_code == 200, url
            pages.append(page.content.decode())
        for html in pages:
            assert_inert(html, payload)


@pytest.mark.parametrize("payload", PAYLOADS + ["a\"b<c>d&e'f"])
def test_the_single_sign_on_page_escapes_login_password_and_host(payload):
    server = ServerFactory.build(hostname="panel.example.net", secure=True, name=payload)
    response = panel_login_response(server, f"{payload}.example", payload)
    html = response.content.decode()
    assert_inert(html, payload)
    parsed = Parsed(html)
    assert parsed.scripts == 1
    fields = {attrs["name"]: attrs["value"] for tag, attrs in parsed.tags if tag == "input"}
    # The browser posts exactly what the panel expects: escaping round-trips.
    assert fields == {"uname": f"{payload}.example", "upass": payload, "action": "login"}
    forms = [attrs for tag, attrs in parsed.tags if tag == "form"]
    assert [form["action"] for form in forms] == ["https://panel.example.net/"]

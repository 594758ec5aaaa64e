"""No client-facing text is left in English on a German or French page: every marked text
is in both catalogs and translated, and every page a client can see, rendered in German
and in French, shares no text with its English rendering but names and figures."""

import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
from babel.messages.extract import DEFAULT_KEYWORDS, extract_python
from babel.messages.pofile import read_po
from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation.template import templatize

from kaziwhmcs_site.catalogs import LOCALE_DIR, catalog_problems
from provisioning.models import Operation, UsageSample
from tests.client_area_links import client_area_link
from tests.factories import (
    ClientFactory,
    OperationFactory,
    ProductFactory,
    ServerFactory,
    ServiceFactory,
)
from tests.webhook_client import post_webhook

ROOT = Path(settings.BASE_DIR)
TRANSLATED = [code for code, _ in settings.LANGUAGES if code != "en"]
KEYWORDS = {**DEFAULT_KEYWORDS, "gettext_lazy": None, "pgettext_lazy": ((1, "c"), 2)}

# Words a language writes as English does; anything else alike is a text left untranslated.
SAME_IN = {
    "de": {"Status", "Status:", "Domain", "Webmail", "Control Panel"},
    "fr": {"Webmail"},
}
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def catalog(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").open("rb") as po_file:
        return read_po(po_file, locale=language)


def source_messages() -> set:
    """Every text marked in the app's code and templates, as (context, id)."""
    found = set()
    for path in sorted((ROOT / "provisioning").rglob("*.py")):
        with path.open("rb") as source:
            found.update(message for _, _, message, _ in extract_python(source, KEYWORDS, [], {}))
    for path in sorted((ROOT / "templates").rglob("*.html")):
        # Django's own template-to-gettext rewrite, as makemessages does it.
        code = "\n".join(line.lstrip() for line in templatize(path.read_text()).splitlines())
        extracted = extract_python(io.BytesIO(code.encode()), KEYWORDS, [], {})
        found.update(message for _, _, message, _ in extracted)
    return {(m[0], m[1]) if isinstance(m, tuple) else (None, m) for m in found}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_text_is_in_the_catalog(language):
    entries = {(message.context, message.id) for message in catalog(language) if message.id}
    missing = source_messages() - entries
    assert not missing, f"run makemessages and translate: {sorted(missing, key=str)}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_entry_of_the_catalog_is_translated_and_not_fuzzy(language):
    po = catalog(language)
    untranslated = [m.id for m in po if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    assert catalog_problems(LOCALE_DIR / language / "LC_MESSAGES" / "django.po") == []


class _Texts(HTMLParser):
    """The texts a person meets: text nodes (SVG titles and descriptions included) and the
    attributes read aloud."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "alt", "placeholder") and value:
                self._add(value)

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._add(data)

    def _add(self, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self.texts.add(text)


def words_of(html: str, names: list[str]) -> set[str]:
    """The page's texts that hold words, less the service's names and figures."""
    parser = _Texts()
    parser.feed(html)
    words = set()
    for text in parser.texts:
        rest = text
        for name in sorted(names, key=len, reverse=True):
            rest = rest.replace(name, "")
        rest = re.sub(r"\b(?:[kMGT]B|[kMGT]o|UTC)\b", "", rest)
        if re.search(r"[^\W\d_]", rest):
            words.add(text)
    return words


@pytest.fixture
def names():
    return [
        "bücher.example",
        "xn--bcher-kva.example",
        "bücher.",
        "example",
        "xn--bcher-kva.",
        "Ada Lovelace",
        "Web Hosting Plus",
        "Pro",
        "panel.example.net:4433",
        "phpMyAdmin",
        "quota exceeded on the panel",
    ]


def _service(status="active", **fields):
    return ServiceFactory(
        client=ClientFactory(language=""),
        domain="bücher.example",
        domain_ascii="xn--bcher-kva.example",
        status=status,
        on_panel=True,
        product=ProductFactory(name="Web Hosting Plus", plan_name="Pro"),
        server=ServerFactory(hostname="panel.example.net:4433", secure=True),
        **fields,
    )


def _history(service, bw=lambda age: 2500 - age * 50):
    UsageSample.objects.bulk_create(
        UsageSample(
            service=service,
            day=NOW.date() - timedelta(days=age),
            disk_usage=3220 - age * 10,
            bw_usage=bw(age),
        )
        for age in range(0, 30, 2)
    )


def _pages(client, admin) -> list[tuple[str, object]]:
    """(what, how to fetch it): every page a client can be shown, in all its variants."""
    full = _service(
        disk_usage=3220, disk_limit=10_000, bw_usage=2500, bw_limit=-1, usage_updated_at=NOW
    )
    _history(full)
    OperationFactory(
        service=full,
        server=full.server,
        command=Operation.Command.CHANGE_PASSWORD,
        state=Operation.State.FAILED,
        result="quota exceeded on the panel",
    )
    zeros = _service(disk_usage=0, disk_limit=0, bw_usage=0, bw_limit=100, usage_updated_at=NOW)
    _history(zeros, bw=lambda age: 0)
    pending = _service(status="pending")
    suspended = _service(status="suspended")

    def page(service):
        return lambda: client.get(client_area_link(service.whmcs_id))

    def refused_panel(service):
        def fetch():
            client.get(client_area_link(service.whmcs_id))
            return client.post(f"/client/services/{service.whmcs_id}/panel-login/")

        return fetch

    def staff_page():
        client.force_login(admin)
        try:
            return client.get(f"/client/services/{full.whmcs_id}/")
        finally:
            client.logout()

    def ticket(service, uses=1, after=timedelta(0)):
        def fetch():
            path = f"/webhooks/whmcs/services/{service.whmcs_id}/panel-login/"
            asked = {"admin": "alice", "nonce": uuid.uuid4().hex}  # each signed POST opens once
            url = post_webhook(client, asked, path=path).json()["url"]
            for _ in range(uses - 1):
                client.get(url)
            with time_machine.travel(NOW + after, tick=False):
                return client.get(url)

        return fetch

    return [
        ("the page with figures, history and a failed change", page(full)),
        ("the page of zeros", page(zeros)),
        ("the page of an account being set up", page(pending)),
        ("the page of a suspended account", page(suspended)),
        ("the page seen by staff", staff_page),
        ("the refused control panel", refused_panel(suspended)),
        ("the refusal without a link", lambda: client.get(f"/client/services/{full.whmcs_id}/")),
        ("the refusal of an expired link", lambda: client.get(client_area_link(1, expires=1))),
        ("the refusal of a bad link", lambda: client.get(client_area_link(1) + "0")),
        ("the one-time panel login", ticket(full)),
        ("the used panel login", ticket(full, uses=2)),
        ("the expired panel login", ticket(full, after=timedelta(minutes=5))),
        ("the invalid panel login", lambda: client.get("/panel-login/not-a-token/")),
    ]


def _render_all(client, admin, language: str, pages) -> dict[str, str]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    rendered = {}
    with time_machine.travel(NOW, tick=False):
        for what, fetch in pages:
            response = fetch()
            assert response.status_code in (200, 403, 409), what
            assert response["Content-Language"] == language, what
            rendered[what] = response.content.decode()
    return rendered


@pytest.mark.django_db
def test_no_page_a_client_sees_keeps_an_english_text_in_german_or_french(client, names):
    admin = User.objects.create_superuser("staff", "staff@example.com", "pw-staff-1")
    pages = _pages(client, admin)
    english = _render_all(client, admin, "en", pages)
    assert len(english) == len(pages)
    for language in TRANSLATED:
        translated = _render_all(client, admin, language, pages)
        for what, html in translated.items():
            left = words_of(html, names) & words_of(english[what], names)
            left -= SAME_IN[language]
            assert not left, f"{what} in {language}: still in English: {sorted(left)}"

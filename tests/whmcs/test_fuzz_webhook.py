"""Thousands of generated requests: every answer is a documented 2xx/4xx, never a 5xx,
and a rejected request leaves no row behind."""

import json
import string
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisioning.models import Attempt, Client, Operation, Product, Server, Service, WebhookEvent
from provisioning.signing import webhook_signature_v1
from tests.openapi_check import assert_documented
from tests.webhook_client import command_body, post_raw, signed_headers

WEBHOOK = "/webhooks/whmcs/"
STATUS = "/webhooks/whmcs/operations/{operation_id}/"
MODELS = (Server, Product, Client, Service, Operation, Attempt, WebhookEvent)
COMMANDS = [str(command) for command in Operation.WEBHOOK_COMMANDS]
PARAMS = [
    "serviceid",
    "userid",
    "pid",
    "serverid",
    "domain",
    "username",
    "password",
    "configoption1",
    "productname",
    "serverhostname",
    "serverip",
    "serverport",
    "serverusername",
    "serverpassword",
    "serversecure",
    "servername",
    "clientsdetails",
]
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "\u202egnp.exe",
    "²",
    "١٢٣",
    "9" * 200,
    "bücher.example",
    "例え.テスト",
    "xn--",
    "a" * 300,
    "{|}",
    "panel.example.net:99999",
    "panel.example.net:²",
    "[::1]:8080",
    "Str0ng-pass-42",
    "NaN",
]
# Counted per strategy, reported at the end of the module.
CASES: Counter = Counter()
FUZZ = settings(
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=0, max_value=600),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.text(alphabet=string.digits, min_size=1, max_size=14),
    st.sampled_from(NASTY),
)
json_values = st.recursive(
    leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.sampled_from(NASTY[:6]), children, max_size=4)
    ),
    max_leaves=10,
)


@st.composite
def webhook_bodies(draw) -> dict:
    command = draw(st.sampled_from(COMMANDS) | st.sampled_from(["Bogus", "", "createaccount"]))
    body = command_body(command if command in COMMANDS else "CreateAccount")
    if draw(st.integers(0, 9)) == 0:
        body["command"] = draw(json_values)
    # About half the bodies stay close to valid, so the accepting path is fuzzed too.
    if draw(st.booleans()):
        overrides = st.dictionaries(st.sampled_from(PARAMS), json_values, max_size=4)
        body["params"].update(draw(overrides))
        for name in draw(st.lists(st.sampled_from(PARAMS), max_size=3)):
            body["params"].pop(name, None)
    else:
        name = draw(st.sampled_from(["domain", "username", "productname", "servername"]))
        body["params"][name] = draw(st.text(max_size=40) | st.sampled_from(NASTY))
    if draw(st.integers(0, 3)) == 0:
        body["params"]["clientsdetails"] = draw(
            st.dictionaries(
                st.sampled_from(["email", "firstname", "postcode", "phonenumber", "userid"]),
                json_values,
                max_size=4,
            )
            | json_values
        )
    if draw(st.integers(0, 9)) == 0:
        body["event_id"] = draw(json_values)
    if draw(st.integers(0, 19)) == 0:
        body["params"] = draw(json_values)
    return body


def row_counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in MODELS)


def check(response, before: tuple[int, ...], allowed: set[int], path: str = WEBHOOK):
    assert response.status_code in allowed, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert row_counts() == before, "a rejected request wrote a row"
    if response.status_code != 405:
        assert_documented(path, "get" if path == STATUS else "post", response)


@pytest.fixture(scope="module", autouse=True)
def report_cases(request):
    yield
    total = sum(count for name, count in CASES.items() if not name.startswith("("))
    detail = ", ".join(f"{name} {count}" for name, count in sorted(CASES.items()))
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nwebhook fuzzing: {total} generated requests ({detail})")


@pytest.mark.django_db
@FUZZ
@given(body=webhook_bodies())
def test_signed_generated_bodies_get_2xx_or_a_400_naming_a_field(client, body):
    CASES["signed bodies"] += 1
    raw = json.dumps(body).encode()
    before = row_counts()
    response = post_raw(client, raw, signed_headers(raw))
    check(response, before, {200, 202, 400, 413})
    if response.status_code < 300:
        CASES["(of which accepted)"] += 1
    if response.status_code == 400:
        error = response.json()["error"]
        assert error.split(":")[0].split(".")[0].split("[")[0] in {
            "body",
            "event_id",
            "command",
            "params",
            "clientsdetails",
            *PARAMS,
        }, error


@pytest.mark.django_db
@settings(FUZZ, max_examples=600)
@given(raw=st.binary(max_size=400) | json_values.map(lambda v: json.dumps(v).encode()))
def test_signed_arbitrary_bytes_never_fail_the_server(client, raw):
    CASES["signed raw bytes"] += 1
    before = row_counts()
    check(post_raw(client, raw, signed_headers(raw)), before, {200, 202, 400})


signatures = st.one_of(
    st.none(),
    st.text(max_size=80),
    st.text(alphabet="0123456789abcdef", min_size=64, max_size=64).map(lambda h: f"sha256={h}"),
    st.text(alphabet="0123456789abcdef", min_size=64, max_size=64).map(lambda h: f"v2={h}"),
    st.sampled_from(["sha256=", "sha1=" + "0" * 40, "=", "sha256", "SHA256=" + "0" * 64]),
    st.sampled_from(["v2=", "V2=" + "0" * 64, "v2", "v3=" + "0" * 64, "v2=sha256=" + "0" * 64]),
)
timestamps = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.integers(min_value=-(2**40), max_value=2**40).map(str),
    st.integers(min_value=-400, max_value=400).map(lambda d: str(int(time.time()) + d)),
    st.sampled_from(["", "1e9", "０", "²", "9" * 5000, " 1732406400", "17324064.5"]),
)


@pytest.mark.django_db
@settings(FUZZ, max_examples=800)
@given(timestamp=timestamps, signature=signatures, command=st.sampled_from(COMMANDS))
def test_forged_headers_are_refused_with_401(client, timestamp, signature, command):
    CASES["forged headers"] += 1
    raw = json.dumps(command_body(command)).encode()
    headers = {}
    if timestamp is not None:
        headers["X-Kazi-Timestamp"] = timestamp
    if signature is not None:
        headers["X-Kazi-Signature"] = signature
    before = row_counts()
    check(post_raw(client, raw, headers), before, {401})


@pytest.mark.django_db
@settings(FUZZ, max_examples=300)
@given(
    skew=st.integers(min_value=-1000, max_value=1000),
    flip=st.integers(min_value=0, max_value=63),
    command=st.sampled_from(COMMANDS),
)
def test_a_signature_off_by_one_character_or_out_of_time_is_refused(client, skew, flip, command):
    CASES["near-miss signatures"] += 1
    raw = json.dumps(command_body(command)).encode()
    timestamp = str(int(time.time()) + skew)
    good = webhook_signature_v1(timestamp, raw)
    bad = good[:flip] + ("0" if good[flip] != "0" else "1") + good[flip + 1 :]
    before = row_counts()
    response = post_raw(
        client, raw, {"X-Kazi-Timestamp": timestamp, "X-Kazi-Signature": f"sha256={bad}"}
    )
    check(response, before, {401})
    # The bridge reads its clock a moment later than this test, maybe a second on: only a
    # skew past the tolerance by more than that is out of time whenever it reads it.
    if abs(skew) > 301:
        response = post_raw(
            client, raw, {"X-Kazi-Timestamp": timestamp, "X-Kazi-Signature": f"sha256={good}"}
        )
        check(response, before, {401})
        assert "stale" in response.json()["error"]


@pytest.mark.django_db
@settings(FUZZ, max_examples=150)
@given(extra=st.integers(min_value=1, max_value=4096), signature=signatures)
def test_an_oversized_body_is_413_whatever_its_signature(client, extra, signature):
    CASES["oversized bodies"] += 1
    raw = b'{"event_id": "x", "pad": "' + b"x" * (64 * 1024 + extra) + b'"}'
    headers = signed_headers(raw)
    if signature is not None:
        headers["X-Kazi-Signature"] = signature
    before = row_counts()
    check(post_raw(client, raw, headers), before, {413})


@pytest.mark.django_db
@settings(FUZZ, max_examples=400)
@given(
    operation_id=st.integers(min_value=0, max_value=2**80),
    signed=st.booleans(),
    method=st.sampled_from(["get", "get", "get", "post", "put", "delete", "patch"]),
)
def test_the_status_endpoint_answers_every_id_and_method(client, operation_id, signed, method):
    CASES["status requests"] += 1
    url = f"/webhooks/whmcs/operations/{operation_id}/"
    headers = signed_headers(b"", path=url, method="GET") if signed else {}
    headers.pop("Content-Type", None)
    before = row_counts()
    response = getattr(client, method)(url, headers=headers)
    if method != "get":
        assert response.status_code == 405
        return
    check(response, before, {200, 401, 404}, path=STATUS)
    assert response.status_code == (404 if signed else 401)


@pytest.mark.django_db
@settings(FUZZ, max_examples=100)
@given(
    method=st.sampled_from(["get", "put", "patch", "delete", "options"]), raw=st.binary(max_size=50)
)
def test_other_methods_on_the_webhook_are_405(client, method, raw):
    CASES["other methods"] += 1
    before = row_counts()
    headers = signed_headers(raw)
    response = client.generic(
        method.upper(), WEBHOOK, data=raw, content_type=headers.pop("Content-Type"), headers=headers
    )
    assert response.status_code == 405
    assert row_counts() == before

"""HMAC signatures of the WHMCS contract: signed requests (v2, and v1 on the webhook only)
and client-area links."""

import hashlib
import hmac
import time
from urllib.parse import urlsplit

from django.conf import settings

# The longest a client-area link may promise: a link is a bearer key to the service's page
# and panel login, and the signer (WHMCS's link_seconds) sets its life.
CLIENT_AREA_LINK_MAX_SECONDS = 24 * 3600


class SignatureError(Exception):
    pass


def _hmac_hex(message: bytes, secret: str | None = None) -> str:
    key = (settings.WEBHOOK_SECRET if secret is None else secret).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def request_signature(
    timestamp: str, method: str, route: str, body: bytes, secret: str | None = None
) -> str:
    """v2: one request, its method, its route below the bridge's root (with its query),
    its time and its body."""
    head = f"v2\n{timestamp}\n{method.upper()}\n{route}\n".encode()
    return _hmac_hex(head + body, secret)


def webhook_signature_v1(timestamp: str, body: bytes) -> str:
    """v1: the body and the time only, so it is accepted on the webhook alone."""
    return _hmac_hex(timestamp.encode() + b"." + body)


def signed_headers(
    method: str,
    route: str,
    body: bytes = b"",
    now: float | None = None,
    secret: str | None = None,
) -> dict[str, str]:
    """The X-Kazi-Timestamp and X-Kazi-Signature (v2) of one request to the bridge.

    `route` is the path below the bridge's base URL, with "?" and the query as sent;
    `secret` is WEBHOOK_SECRET unless given (clients that run without the settings)."""
    timestamp = str(int(time.time() if now is None else now))
    signature = request_signature(timestamp, method, route, body, secret)
    return {"X-Kazi-Timestamp": timestamp, "X-Kazi-Signature": f"v2={signature}"}


def route_below(url: str, base_url: str = "") -> str:
    """The route of `url` (absolute or root-relative) below the bridge's `base_url`: its path
    without the base URL's path, then "?" and the query as written."""
    parts = urlsplit(url)
    base = urlsplit(base_url).path.rstrip("/")
    path = parts.path or "/"
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base) :] or "/"
    return path + (f"?{parts.query}" if parts.query else "")


def request_verify(
    timestamp: str | None,
    signature: str | None,
    method: str,
    route: str,
    body: bytes,
    *,
    v1_accepted: bool = False,
) -> str:
    """Raise SignatureError unless the request is signed and fresh; return the signature.

    v1 (body and time only) is checked only where `v1_accepted` (the webhook, bound by its
    event_id); everywhere else a signature opens its own method, route and body alone."""
    if not timestamp or not signature:
        raise SignatureError("missing X-Kazi-Timestamp or X-Kazi-Signature header")
    # Bounded length: int() of a huge digit string is slow, and refused past 4300 digits.
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError("X-Kazi-Timestamp must be unix seconds")
    if abs(time.time() - int(timestamp)) > settings.WEBHOOK_TIMESTAMP_TOLERANCE:
        raise SignatureError("stale timestamp: check the WHMCS server's clock")
    scheme, _, given = signature.partition("=")
    if scheme == "v2":
        expected = request_signature(timestamp, method, route, body)
    elif scheme == "sha256" and v1_accepted:
        expected = webhook_signature_v1(timestamp, body)
    elif scheme == "sha256":
        raise SignatureError("a v1 (sha256=) signature is accepted on the webhook only: sign v2")
    else:
        raise SignatureError("bad signature")
    # compare_digest: the time taken does not tell how many leading characters were right.
    if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode()):
        raise SignatureError("bad signature")
    return expected


def client_area_signature(service_whmcs_id: int | str, expires: int | str) -> str:
    return _hmac_hex(f"client-area.{service_whmcs_id}.{expires}".encode())


def client_area_query(service_whmcs_id: int, now: float | None = None) -> str:
    expires = int(time.time() if now is None else now) + settings.CLIENT_AREA_LINK_SECONDS
    return f"expires={expires}&sig={client_area_signature(service_whmcs_id, expires)}"


def client_area_verify(service_whmcs_id: int | str, expires: str | None, sig: str | None) -> None:
    """Raise SignatureError unless the link is signed for this service and not expired.

    The signature is checked before the time, so a forged link never learns more."""
    if not expires or not sig or not expires.isascii() or not expires.isdigit():
        raise SignatureError("the link is incomplete")
    # int() of thousands of digits raises ValueError: no real timestamp is that long.
    if len(expires) > 12:
        raise SignatureError("the link's signature is not valid")
    expected = client_area_signature(service_whmcs_id, expires)
    if not hmac.compare_digest(sig.strip().lower().encode("utf-8", "replace"), expected.encode()):
        raise SignatureError("the link's signature is not valid")
    now = time.time()
    if int(expires) < now:
        raise SignatureError("the link has expired")
    if int(expires) - now > max(CLIENT_AREA_LINK_MAX_SECONDS, settings.CLIENT_AREA_LINK_SECONDS):
        raise SignatureError("the link's signature is not valid: it promises more than a day")

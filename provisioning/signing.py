"""HMAC signatures of the WHMCS contract: webhooks, status polls, client-area links."""

import hashlib
import hmac
import time

from django.conf import settings


class SignatureError(Exception):
    pass


def _hmac_hex(message: bytes) -> str:
    return hmac.new(settings.WEBHOOK_SECRET.encode(), message, hashlib.sha256).hexdigest()


def webhook_signature(timestamp: str, body: bytes) -> str:
    return _hmac_hex(timestamp.encode() + b"." + body)


def webhook_headers(body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    return {
        "X-Kazi-Timestamp": timestamp,
        "X-Kazi-Signature": f"sha256={webhook_signature(timestamp, body)}",
    }


def webhook_verify(timestamp: str | None, signature: str | None, body: bytes) -> None:
    """Raise SignatureError unless the request is signed and fresh."""
    if not timestamp or not signature:
        raise SignatureError("missing X-Kazi-Timestamp or X-Kazi-Signature header")
    # Bounded length: int() of a huge digit string is slow, and refused past 4300 digits.
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError("X-Kazi-Timestamp must be unix seconds")
    if abs(time.time() - int(timestamp)) > settings.WEBHOOK_TIMESTAMP_TOLERANCE:
        raise SignatureError("stale timestamp: check the WHMCS server's clock")
    scheme, _, given = signature.partition("=")
    expected = webhook_signature(timestamp, body)
    # compare_digest: the time taken does not tell how many leading characters were right.
    if scheme != "sha256" or not hmac.compare_digest(
        given.encode("utf-8", "replace"), expected.encode()
    ):
        raise SignatureError("bad signature")


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
    if int(expires) < time.time():
        raise SignatureError("the link has expired")

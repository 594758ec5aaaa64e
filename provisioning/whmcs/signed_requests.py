"""Who may call the WHMCS endpoints: requests the module signed (contract v2), each
opening its own method, route and body; a signed POST other than the webhook opens once.

The route is what the bridge sees below its own root (`path_info` and the query), so a
proxy's path prefix, which only moves the root, does not change it."""

import hashlib
from datetime import UTC, datetime, timedelta
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from ..http_errors import json_error
from ..models import SpentSignature
from ..signing import SignatureError, request_verify

# The WHMCS module's requests other than the webhook carry a few fields at most.
SIGNED_MAX_BODY = 4096


def request_route(request: HttpRequest) -> str:
    """The route a signature covers: the path below the bridge's root, "?" and the query
    exactly as sent."""
    query = request.META.get("QUERY_STRING", "")
    return request.path_info + (f"?{query}" if query else "")


def signed_request_verify(request: HttpRequest, body: bytes, *, v1_accepted: bool = False) -> str:
    """Raise SignatureError unless this request is signed for itself; return the signature."""
    return request_verify(
        request.headers.get("X-Kazi-Timestamp"),
        request.headers.get("X-Kazi-Signature"),
        request.method or "",
        request_route(request),
        body,
        v1_accepted=v1_accepted,
    )


def _digest(signature: str) -> str:
    return hashlib.sha256(signature.encode()).hexdigest()


def signature_spend(signature: str, timestamp: str, now: datetime | None = None) -> bool:
    """Remember an accepted one-time signature until its timestamp is stale; False when it
    was spent already. The database is shared by every web process and host."""
    now = now or timezone.now()
    tolerance = timedelta(seconds=settings.WEBHOOK_TIMESTAMP_TOLERANCE)
    stale_at = datetime.fromtimestamp(int(timestamp), tz=UTC) + tolerance
    SpentSignature.objects.filter(stale_at__lt=now).delete()
    try:
        # Its own savepoint: a duplicate must not break a transaction around the request.
        with transaction.atomic():
            SpentSignature.objects.create(digest=_digest(signature), stale_at=stale_at)
    except IntegrityError:
        return False
    return True


def signature_unspend(signature: str) -> None:
    """Forget a signature whose request was refused (4xx): it opened nothing, and a
    refusal writes nothing."""
    SpentSignature.objects.filter(digest=_digest(signature)).delete()


def whmcs_signed(view):
    """Refuse (401) what is not signed by the WHMCS module for this very request, before
    anything is read; a signed POST is accepted once."""

    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs):
        body = request.body if request.method == "POST" else b""
        if len(body) > SIGNED_MAX_BODY:
            return json_error(413, f"body larger than {SIGNED_MAX_BODY} bytes")
        try:
            signature = signed_request_verify(request, body)
        except SignatureError as exc:
            return json_error(401, str(exc))
        if request.method != "POST":
            return view(request, *args, **kwargs)
        if not signature_spend(signature, request.headers["X-Kazi-Timestamp"]):
            return json_error(401, "this signature was already used: sign each request anew")
        response = view(request, *args, **kwargs)
        if 400 <= response.status_code < 500:
            signature_unspend(signature)
        return response

    return checked

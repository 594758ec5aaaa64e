"""The WHMCS webhook and the operation status endpoint (shared webhook contract).

Internet-facing: every input gets a 2xx or a 4xx naming the problem, a 4xx writes
nothing, and the OpenAPI document (docs/openapi.json) describes every answer."""

import json
from functools import lru_cache, wraps
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from ..http_errors import json_error
from ..models import Operation
from ..operations.waits import MAX_WAIT_SECONDS, operation_wait, waiting_helps
from ..panels.condition import server_condition
from ..signing import SignatureError, webhook_verify
from .intake import webhook_intake
from .webhook_params import ValidationProblem, webhook_parse

OPENAPI_PATH = Path(settings.BASE_DIR) / "docs" / "openapi.json"
# Primary keys are 64-bit: a larger id in the URL is simply not an operation.
_MAX_ID = 2**63 - 1
# The WHMCS module's other requests carry a few fields at most.
SIGNED_MAX_BODY = 4096


def operation_json(op: Operation) -> dict:
    data = {
        "operation": str(op.pk),
        "command": op.command,
        # The contract knows five states: superseded work is final and not done, so "failed"
        # (its result says what superseded it).
        "state": Operation.State.FAILED if op.state == Operation.State.SUPERSEDED else op.state,
        "result": op.result,
        "attempts": op.attempts,
        "updated_at": op.updated_at.isoformat(),
        "status_url": reverse("provisioning:operation-status", args=[op.pk]),
    }
    if op.command == Operation.Command.USAGE_UPDATE:
        data["usage"] = op.usage or []
    if op.next_attempt_at and op.state == Operation.State.RETRYING:
        data["next_attempt_at"] = op.next_attempt_at.isoformat()
    return data


def whmcs_signed(view):
    """Refuse (401) what is not signed by the WHMCS module, before anything is read."""

    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs):
        body = request.body if request.method == "POST" else b""
        if len(body) > SIGNED_MAX_BODY:
            return json_error(413, f"body larger than {SIGNED_MAX_BODY} bytes")
        try:
            webhook_verify(
                request.headers.get("X-Kazi-Timestamp"),
                request.headers.get("X-Kazi-Signature"),
                body,
            )
        except SignatureError as exc:
            return json_error(401, str(exc))
        return view(request, *args, **kwargs)

    return checked


def _read_limited(request: HttpRequest) -> bytes | None:
    """The body, or None when it exceeds the limit (read no more than limit + 1 bytes)."""
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


def _operation_data(request: HttpRequest, op: Operation) -> dict:
    data = operation_json(op)
    data["status_url"] = request.build_absolute_uri(data["status_url"])
    return data


def operation_answer(
    request: HttpRequest, op: Operation, condition: str | None = None
) -> JsonResponse:
    """A status poll's answer: while unfinished, also why the panel will not answer soon
    (`condition`, read here unless given), so that WHMCS stops waiting at once (not on the
    webhook's answer: ingest stays lean)."""
    data = _operation_data(request, op)
    if condition is None:
        condition = "" if op.finished else server_condition(op.server)
    if condition:
        data["panel_condition"] = condition
    return JsonResponse(data)


@csrf_exempt
@require_POST
@sensitive_variables("body", "req")
def webhook_receive(request: HttpRequest) -> JsonResponse:
    body = _read_limited(request)
    if body is None:
        return json_error(413, f"body larger than {settings.WEBHOOK_MAX_BODY_BYTES} bytes")
    try:
        webhook_verify(
            request.headers.get("X-Kazi-Timestamp"), request.headers.get("X-Kazi-Signature"), body
        )
    except SignatureError as exc:
        return json_error(401, str(exc))
    try:
        req = webhook_parse(body)
    except ValidationProblem as exc:
        return json_error(400, str(exc))
    try:
        op, created = webhook_intake(req)
    except ValidationProblem as exc:
        return json_error(400, str(exc))
    return JsonResponse(_operation_data(request, op), status=202 if created else 200)


@require_GET
@whmcs_signed
def operation_status(request: HttpRequest, operation_id: int) -> JsonResponse:
    wait = _wait_seconds(request.GET.get("wait", "0"))
    if wait is None:
        return json_error(400, f"wait must be a number of seconds from 0 to {MAX_WAIT_SECONDS:g}")
    op = None
    if operation_id <= _MAX_ID:
        op = Operation.objects.select_related("server").filter(pk=operation_id).first()
    if op is None:
        return json_error(404, f"no operation {operation_id}")
    condition = "" if op.finished else server_condition(op.server)
    # A panel known not to answer soon ends the wait before it starts (panel_condition).
    if wait and not condition and waiting_helps(op):
        op = operation_wait(op, wait)
        condition = None  # read again with the operation as the wait left it
    return operation_answer(request, op, condition)


def _wait_seconds(raw: str) -> float | None:
    """The `wait` of a status request, or None when it is not such a number."""
    try:
        wait = float(raw)
    except ValueError:
        return None
    return wait if 0 <= wait <= MAX_WAIT_SECONDS else None


@lru_cache(maxsize=1)
def _openapi_bytes() -> bytes:
    return json.dumps(json.loads(OPENAPI_PATH.read_text())).encode()


@require_GET
def openapi_document(request: HttpRequest) -> HttpResponse:
    """The OpenAPI 3.1 description of the webhook and status endpoints (public: no secret)."""
    return HttpResponse(_openapi_bytes(), content_type="application/json")

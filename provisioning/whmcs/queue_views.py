"""The Module Queue hook's two signed endpoints: the outcomes of many queued items in one
request, and what the hook told WHMCS about them (its memory, kept by the bridge)."""

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..http_errors import json_error
from .queue_outcomes import BadItems, items_parse, queue_outcomes, told_parse, told_record
from .webhooks import operation_json, whmcs_signed


def _body_json(request: HttpRequest) -> object:
    try:
        return json.loads(request.body)
    except ValueError:
        raise BadItems("body: not valid JSON") from None


@csrf_exempt
@require_POST
@whmcs_signed
def queue_outcome_list(request: HttpRequest) -> JsonResponse:
    try:
        pairs = items_parse(_body_json(request))
    except BadItems as exc:
        return json_error(400, str(exc))
    outcomes = [{**operation_json(op), **extras} for op, extras in queue_outcomes(pairs)]
    for outcome in outcomes:
        outcome["status_url"] = request.build_absolute_uri(outcome["status_url"])
    return JsonResponse({"outcomes": outcomes})


@csrf_exempt
@require_POST
@whmcs_signed
def queue_told(request: HttpRequest) -> JsonResponse:
    try:
        told = told_parse(_body_json(request))
    except BadItems as exc:
        return json_error(400, str(exc))
    return JsonResponse({"recorded": told_record(told)})

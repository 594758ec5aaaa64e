"""The one-row floor: what a webhook could reach if it wrote its operation row alone.

The operation would carry the whole event, secrets masked, and the password encrypted;
there would be no client, service, task or event row. The worker would then write the
mirror, and the operation row would be its own queue. That is a different ingest design,
measured here, not built. Like the floor (benchmarks/floor_site.py), it uses the bridge's
settings, write turn and INSERT statement, makes no checks of the body beyond its
signature, and takes new services only.

    DJANGO_SETTINGS_MODULE=benchmarks.one_row_floor_site \
        gunicorn 'django.core.wsgi:get_wsgi_application()'"""

from kaziwhmcs_site import settings as site

from .baseline_site import webhook_urls

globals().update({name: value for name, value in vars(site).items() if name.isupper()})
DEBUG = False
ROOT_URLCONF = "benchmarks.one_row_floor_site"


def receive(request):
    import json

    from django.db import connection, transaction
    from django.http import JsonResponse
    from django.utils import timezone

    from provisioning.fields import fernet
    from provisioning.redaction import redact_mapping
    from provisioning.write_turns import write_turn

    from .baseline_site import signature_refusal
    from .floor_site import ids_lookup, operation_insert

    if refusal := signature_refusal(request):
        return refusal
    event = json.loads(request.body)
    params = event["params"]
    with write_turn(), transaction.atomic():
        cursor = connection.connection.cursor()
        server_id, _ = ids_lookup(cursor, params)
        if server_id is None:
            return JsonResponse({"error": "the floor takes new services only"}, status=409)
        stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        operation_id = operation_insert(
            cursor,
            event,
            server_id,
            stamp,
            command=event["command"],
            service_id=None,
            request=json.dumps(redact_mapping(event)),
            secret=fernet().encrypt(params["password"].encode()).decode(),
        )
    return JsonResponse({"operation_id": operation_id, "state": "queued"}, status=202)


urlpatterns = webhook_urls(receive)

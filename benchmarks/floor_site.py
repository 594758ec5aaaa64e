"""The ingest floor: the rows a new CreateAccount webhook makes the bridge write (client,
service, operation, task and event, with the password encrypted, the task signed and the
event's secrets masked) with the bridge's own INSERT statements, but by hand: values
prepared inline, one raw DB-API cursor, no model instances, no checks of the body beyond
its signature. It answers new services of new clients only, and needs the server and
product rows the bridge writes on its first webhook.

A webhook that keeps these rows can hardly cost less on this stack; beside the bridge and
the baseline it shows how much of the gap between them is the rows themselves.

    DJANGO_SETTINGS_MODULE=benchmarks.floor_site \
        gunicorn 'django.core.wsgi:get_wsgi_application()'"""

import functools

from kaziwhmcs_site import settings as site

from .baseline_site import webhook_urls

# The bridge's own settings, apps included; only the URLs are the floor's.
globals().update({name: value for name, value in vars(site).items() if name.isupper()})
DEBUG = False
ROOT_URLCONF = "benchmarks.floor_site"


def _mark(vendor: str) -> str:
    """The raw DB-API cursor's placeholder."""
    return "?" if vendor == "sqlite" else "%s"


@functools.cache
def _raw_insert(model, vendor: str) -> tuple[str, list[str]]:
    from provisioning.lean_rows import _insert_plan

    sql, fields, returning = _insert_plan(model, vendor)
    assert returning, "the floor needs INSERT ... RETURNING (SQLite 3.35+, PostgreSQL)"
    return sql.replace("%s", _mark(vendor)), [f.column for f in fields]


def insert_row(cursor, model, row: dict) -> int:
    """INSERT a whole row (every column but the key, or a KeyError) with the bridge's own
    statement, and return its id."""
    from django.db import connection

    sql, columns = _raw_insert(model, connection.vendor)
    cursor.execute(sql, [row[c] for c in columns])
    return cursor.fetchone()[0]


@functools.cache
def _lookup_sql(vendor: str) -> str:
    mark = _mark(vendor)
    return (
        f"SELECT (SELECT id FROM provisioning_server WHERE whmcs_id = {mark}),"
        f" (SELECT id FROM provisioning_product WHERE whmcs_id = {mark}),"
        f" (SELECT id FROM provisioning_service WHERE whmcs_id = {mark})"
    )


def ids_lookup(cursor, params: dict) -> tuple[int | None, int | None]:
    """(server id, product id) of a webhook for a new service; (None, None) when its service
    exists or the bridge has not written its server and product yet."""
    from django.db import connection

    cursor.execute(
        _lookup_sql(connection.vendor),
        [int(params["serverid"]), int(params["pid"]), int(params["serviceid"])],
    )
    server_id, product_id, service_id = cursor.fetchone()
    if server_id is None or product_id is None or service_id is not None:
        return None, None
    return server_id, product_id


def operation_insert(cursor, event: dict, server_id: int, stamp, **columns) -> int:
    """INSERT a webhook's new operation, queued and not tried yet (`columns` give the rest),
    and return its id."""
    from provisioning.models import Operation

    row = {
        **dict.fromkeys(("result", "usage", "started_at", "finished_at", "next_attempt_at")),
        "server_id": server_id,
        "state": "queued",
        "attempts": 0,
        "outcome_unknown": False,
        "source": "webhook",
        "requested_by": f"webhook {event['event_id']}",
        "created_at": stamp,
        "updated_at": stamp,
        **columns,
    }
    return insert_row(cursor, Operation, row)


def receive(request):
    import json

    from django.db import connection, transaction
    from django.http import JsonResponse
    from django.utils import timezone
    from django_q.humanhash import uuid
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    from provisioning.fields import fernet
    from provisioning.models import Client, Service, WebhookEvent
    from provisioning.redaction import MASK, redact_mapping
    from provisioning.write_turns import write_turn

    from .baseline_site import signature_refusal

    if refusal := signature_refusal(request):
        return refusal
    event = json.loads(request.body)
    params, contact = event["params"], event["params"]["clientsdetails"]
    domain = params["domain"].lower()
    with write_turn(), transaction.atomic():
        cursor = connection.connection.cursor()
        server_id, product_id = ids_lookup(cursor, params)
        if server_id is None:
            return JsonResponse({"error": "the floor takes new services only"}, status=409)
        now = timezone.now()
        stamp = connection.ops.adapt_datetimefield_value(now)
        client_id = insert_row(
            cursor,
            Client,
            {
                **dict.fromkeys(
                    (
                        "companyname",
                        "address1",
                        "address2",
                        "city",
                        "state",
                        "postcode",
                        "phonenumber",
                    ),
                    "",
                ),
                "whmcs_id": int(params["userid"]),
                "firstname": contact["firstname"],
                "lastname": contact["lastname"],
                "email": contact["email"],
                "country": contact["countryname"],
            },
        )
        service_id = insert_row(
            cursor,
            Service,
            {
                **dict.fromkeys(
                    ("disk_usage", "disk_limit", "bw_usage", "bw_limit", "usage_updated_at")
                ),
                "whmcs_id": int(params["serviceid"]),
                "client_id": client_id,
                "product_id": product_id,
                "server_id": server_id,
                "domain": domain,
                "domain_ascii": domain,
                "username": params["username"],
                "password": fernet().encrypt(params["password"].encode()).decode(),
                "status": "pending",
                "on_panel": False,
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
        summary = {
            "server": params["serverhostname"],
            "reseller": params["serverusername"],
            "domain": domain,
            "login": domain,
            "serviceid": int(params["serviceid"]),
            "plan": params["configoption1"],
            "email": contact["email"],
            "password": MASK,
        }
        operation_id = operation_insert(
            cursor,
            event,
            server_id,
            stamp,
            command="CreateAccount",
            service_id=service_id,
            request=json.dumps(summary),
            secret="",
        )
        task = {
            "id": uuid()[1],
            "name": f"operation-{operation_id}",
            "func": "provisioning.tasks.operation_run",
            "args": (operation_id,),
            "group": "operations",
            "ack_failure": True,
            "kwargs": {},
            "started": now,
        }
        insert_row(
            cursor,
            OrmQ,
            {"key": site.Q_CLUSTER["name"], "payload": SignedPackage.dumps(task), "lock": stamp},
        )
        insert_row(
            cursor,
            WebhookEvent,
            {
                "event_id": event["event_id"],
                "command": "CreateAccount",
                "received_at": stamp,
                "payload": json.dumps(redact_mapping(event)),
                "operation_id": operation_id,
            },
        )
    return JsonResponse({"operation_id": operation_id, "state": "queued"}, status=202)


urlpatterns = webhook_urls(receive)

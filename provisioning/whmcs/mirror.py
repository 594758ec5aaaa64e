"""Keeping the WHMCS mirror (Server, Product, Client, Service) up to date from webhooks.

Absent parameters keep what the bridge stores; a service already on the panel keeps its
domain and password (the panel's truth) until an operation changes them, and a password
in a webhook is kept only as `_password_kept` says.

New clients and products are inserted without a savepoint: when a concurrent webhook
inserted the same one first, the IntegrityError fails the whole webhook transaction,
and the webhook view accepts it again (then finding the row).

The intake calls `mirror_update`: check, then write, in its transaction."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from ..models import Client, Operation, Product, Server, Service
from ..panels.access import server_hold_lift
from .mirror_reads import MIRROR_ROWS
from .webhook_params import ValidationProblem, WebhookRequest


@dataclass(frozen=True)
class MirrorFound:
    """The rows a request names, looked up by their WHMCS ids (None: not known yet), handed
    from mirror_check to mirror_upsert (call both in one transaction)."""

    server: Server | None
    service: Service | None = None
    client: Client | None = None
    product: Product | None = None


def mirror_lookup(req: WebhookRequest) -> MirrorFound:
    """The request's server, service, client and product, by their WHMCS ids, in one
    call (`mirror_reads`). A service found is locked (PostgreSQL) for the rest of the
    caller's transaction; a new service is locked by its insert."""
    params = req.service
    named = (
        {"service": params.whmcs_id, "client": params.client_id, "product": params.product_id}
        if params is not None
        else {}
    )
    rows = MIRROR_ROWS.get(server=req.server.whmcs_id, **named)
    return MirrorFound(**rows)


def mirror_check(req: WebhookRequest) -> MirrorFound:
    """Refuse (before anything is written) a request naming records we cannot build.

    Call it in a transaction: the service it finds stays locked until the commit."""
    found = mirror_lookup(req)
    server = found.server
    if server is None:
        if not (req.server.host or req.server.ip_address):
            raise ValidationProblem(
                "serverhostname: required for a server the bridge does not know"
            )
        for name, value in (
            ("serverusername", req.server.username),
            ("serverpassword", req.server.password),
        ):
            if not value:
                raise ValidationProblem(f"{name}: required for a server the bridge does not know")
    existing = found.service
    if req.service is None:
        return found
    if existing is None:
        for name, value in (
            ("domain", req.service.domain),
            ("userid", req.service.client_id),
            ("pid", req.service.product_id),
        ):
            if value is None:
                raise ValidationProblem(f"{name}: required for a service the bridge does not know")
    elif existing.on_panel and (server is None or existing.server_id != server.pk):
        raise ValidationProblem(
            f"serverid: service {existing.whmcs_id} is on server {existing.server.whmcs_id}; "
            "moving an account between panels is not supported"
        )
    return found


def _set_present(obj, values: dict) -> list[str]:
    """Set the values present (not None) that differ; returns the fields changed."""
    changed = []
    for attr, value in values.items():
        if value is None:
            continue
        if getattr(obj, attr) != value:
            setattr(obj, attr, value)
            changed.append(attr)
    return changed


def _save_changed(obj, changed: list[str]) -> None:
    """Write only the fields the webhook set: a full save would write back, stale, what
    workers and admins changed since the row was read (test results, usage figures, TLS
    settings, the service's status)."""
    if changed:
        obj.save(update_fields=[*changed, "updated_at"] if hasattr(obj, "updated_at") else changed)


def server_upsert(params, server: Server | None) -> Server:
    """Insert or update the server; `server` is its row as looked up (None: not known)."""
    values = {
        "hostname": params.host,
        "ip_address": params.ip_address,
        "port": params.port,
        "secure": params.secure,
        "reseller_username": params.username,
        "reseller_password": params.password,
        "name": params.name,
    }
    if server is None:
        server = Server(whmcs_id=params.whmcs_id)
        _set_present(server, values)
        try:
            with transaction.atomic():  # a savepoint: the transaction survives a lost race
                server.save()
            return server
        except IntegrityError:
            # Concurrent first webhooks for a new server: another one created it just now.
            server = Server.objects.get(whmcs_id=params.whmcs_id)
    changed = _set_present(server, values)
    _save_changed(server, changed)
    if {"reseller_username", "reseller_password"} & set(changed):
        # New credentials from WHMCS: a queue held for a refused login may try them.
        server_hold_lift(server.pk)
        server.login_refused = ""
    return server


def _product_upsert(params, product: Product | None) -> Product:
    values = {"plan_name": params.plan_name, "name": params.product_name}
    if product is None:
        return Product.objects.create(
            whmcs_id=params.product_id,
            plan_name=params.plan_name or "",
            name=params.product_name or "",
        )
    _save_changed(product, _set_present(product, values))
    return product


def _client_upsert(params, client: Client | None) -> Client:
    contact = dict(params.contact)
    contact["country"] = contact.pop("countryname", None)
    if client is None:
        return Client.objects.create(
            whmcs_id=params.client_id, **{k: v for k, v in contact.items() if v is not None}
        )
    _save_changed(client, _set_present(client, contact))
    return client


def _password_kept(service: Service | None, command: str) -> bool:
    """Whether the webhook's password becomes the service's: a new create's, or WHMCS's
    current one when the bridge holds none (a service that predates the bridge). Never a
    ChangePassword's (its operation applies it once the panel took it), never one that
    would change what an operation in flight sends or checks (each keeps its own)."""
    if service is None or not service.password:
        return True
    return command == Operation.Command.CREATE and not service.on_panel


def service_upsert(params, server: Server, found: MirrorFound, command: str) -> Service:
    service = found.service
    client = _client_upsert(params, found.client) if params.client_id else service.client
    product = _product_upsert(params, found.product) if params.product_id else service.product
    relations = {"client": client, "product": product}
    values = {"username": params.username}
    if service is None or not service.on_panel:
        relations["server"] = server
        values.update(domain=params.domain, domain_ascii=params.domain_ascii)
    if _password_kept(service, command):
        values["password"] = params.password
    if service is None:
        service = Service(whmcs_id=params.whmcs_id, **relations)
        _set_present(service, values)
        service.save(force_insert=True)
        return service
    # Compared by id, then assigned: the caller's rows become the service's cached relations.
    changed = [name for name, row in relations.items() if getattr(service, f"{name}_id") != row.pk]
    for name, row in relations.items():
        setattr(service, name, row)
    _save_changed(service, changed + _set_present(service, values))
    return service


def mirror_upsert(req: WebhookRequest, found: MirrorFound) -> tuple[Server, Service | None]:
    """Insert or update the request's rows; `found` is what mirror_check looked up."""
    server = server_upsert(req.server, found.server)
    service = service_upsert(req.service, server, found, req.command) if req.service else None
    return server, service


@dataclass(frozen=True)
class Mirrored:
    """The request's rows once written, and what the bridge held before (`found`)."""

    server: Server
    service: Service | None
    found: MirrorFound
    plan_before: str  # the service's plan before the request ("" for a new service)


def mirror_update(req: WebhookRequest) -> Mirrored:
    """Check the request against what the bridge holds (ValidationProblem, nothing
    written), then write its rows. Call it in a transaction: a service found stays
    locked until the commit."""
    found = mirror_check(req)
    # Read before the upsert moves the service to the product WHMCS changed it to.
    plan_before = found.service.product.plan_name if found.service else ""
    server, service = mirror_upsert(req, found)
    return Mirrored(server, service, found, plan_before)

import factory

from provisioning.models import Client, Operation, Product, Server, Service
from provisioning.panels.slots import credentials_digest

# What tests/panel_fixtures.py seeds into the emulator.
RESELLER = "reseller1"
RESELLER_PASSWORD = "reseller-secret-1"


class ServerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Server

    whmcs_id = factory.Sequence(lambda n: 100 + n)
    name = factory.Sequence(lambda n: f"Panel {n}")
    hostname = "127.0.0.1:1"
    secure = False
    reseller_username = RESELLER
    reseller_password = RESELLER_PASSWORD
    # Credentials the panel has let in already (a server on trial takes one call at a time:
    # tests/panels/test_credentials_trial.py).
    login_accepted = factory.LazyAttribute(credentials_digest)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    whmcs_id = factory.Sequence(lambda n: 200 + n)
    name = "Basic hosting"
    plan_name = "Basic"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    whmcs_id = factory.Sequence(lambda n: 300 + n)
    firstname = "Ada"
    lastname = "Lovelace"
    email = factory.Sequence(lambda n: f"client{n}@example.com")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    whmcs_id = factory.Sequence(lambda n: 400 + n)
    client = factory.SubFactory(ClientFactory)
    product = factory.SubFactory(ProductFactory)
    server = factory.SubFactory(ServerFactory)
    domain = factory.Sequence(lambda n: f"site{n}.example.com")
    domain_ascii = factory.LazyAttribute(lambda s: s.domain)
    password = "Client-pass-123"
    status = Service.Status.PENDING


class OperationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operation

    command = Operation.Command.SUSPEND
    service = factory.SubFactory(ServiceFactory)
    server = factory.SelfAttribute("service.server")
    source = Operation.Source.ADMIN
    created_at = factory.Faker("date_time", tzinfo=__import__("datetime").timezone.utc)
    updated_at = factory.SelfAttribute("created_at")


def bridge_account(
    server, panel, domain: str = "mine.example.com", *, on_panel_password: str = "Mine-pass-1"
) -> Service:
    """An active account the bridge made on the panel (password "Mine-pass-1" in the
    bridge): what a reseller's list is checked against before the bridge trusts it."""
    panel.state.seed_customer(domain, reseller="reseller1", password=on_panel_password)
    return ServiceFactory(
        server=server,
        domain=domain,
        domain_ascii=domain,
        status=Service.Status.ACTIVE,
        on_panel=True,
        password="Mine-pass-1",
    )


def changed_password_services(server, panel, domains) -> list[Service]:
    """Active accounts the bridge made whose customers since changed their passwords on
    the panel: a customer login with the password the bridge holds is refused."""
    return [
        bridge_account(server, panel, domain, on_panel_password="Changed-on-panel-1")
        for domain in domains
    ]

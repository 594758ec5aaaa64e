"""The WHMCS mirror (servers, products, clients, services) and the journal."""

from django.db import models
from django.db.models import Q

from .fields import EncryptedTextField


class Server(models.Model):
    """An i-MSCP panel with the KaziWhmcs plugin, reached as one reseller (tblservers)."""

    whmcs_id = models.PositiveIntegerField("WHMCS server id", unique=True)
    name = models.CharField(max_length=200, blank=True)
    hostname = models.CharField(
        max_length=255, blank=True, help_text="Panel host name, may end in :port."
    )
    ip_address = models.CharField("IP address", max_length=255, blank=True)
    port = models.PositiveIntegerField(
        null=True, blank=True, help_text="Used when the host name carries no port."
    )
    secure = models.BooleanField("HTTPS", default=True)
    verify_tls = models.BooleanField(
        "verify TLS certificate",
        default=True,
        help_text="Turn off only for a panel with a self-signed certificate and no CA bundle.",
    )
    ca_bundle = models.TextField(
        "CA bundle (PEM)",
        blank=True,
        help_text="Certificates to trust for this panel, e.g. its self-signed one.",
    )
    reseller_username = models.CharField(max_length=255)
    reseller_password = EncryptedTextField()
    endpoint_path = models.CharField(max_length=255, default="/kaziwhmcs")
    active = models.BooleanField(default=True)
    last_test_ok = models.BooleanField(null=True, editable=False)
    last_test_at = models.DateTimeField(null=True, editable=False)
    last_test_message = models.TextField(blank=True, editable=False)
    usage_supported = models.BooleanField(
        default=True,
        editable=False,
        help_text="False once the panel answered that it cannot report usage.",
    )
    # The panel's brute-force protection (see provisioning/panels/access.py).
    login_debt = EncryptedTextField(
        blank=True,
        editable=False,
        help_text="A panel session whose failed login the panel still counts against the "
        "bridge's address: the next call is made in it, which clears the count.",
    )
    login_debt_at = models.DateTimeField(
        null=True, editable=False, help_text="When the failed login of `login_debt` was sent."
    )
    paused_until = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="No call to the panel before then."
    )
    pause_reason = models.TextField(blank=True, editable=False)
    login_refused = models.TextField(
        blank=True,
        editable=False,
        help_text="The panel refused the reseller's login (its answer): the server's "
        "operations wait until the reseller's name or password changes in the bridge or a "
        "Test Connection succeeds.",
    )
    customer_login_until = models.DateTimeField(
        null=True,
        editable=False,
        help_text="A customer login (and the reseller's login that clears it) is under way "
        "until then: one at a time per server, so that no two failures overlap.",
    )
    unreachable_in_row = models.PositiveIntegerField(
        default=0, editable=False, help_text="Calls in a row that could not reach the panel."
    )
    login_accepted = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="A keyed digest of the reseller name and password the panel last let in: "
        "until it lets the current ones in, one call at a time (panels/slots.py).",
    )
    max_concurrency = models.PositiveSmallIntegerField(
        "calls in flight at most",
        null=True,
        blank=True,
        help_text="Calls to this panel at once, across all workers and hosts. Empty: "
        "PANEL_MAX_CONCURRENCY.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "whmcs_id"]

    def __str__(self) -> str:
        return self.name or self.host or f"server {self.whmcs_id}"

    @property
    def host(self) -> str:
        return self.hostname or self.ip_address


class Product(models.Model):
    """A WHMCS product (tblproducts) sold as one i-MSCP hosting plan."""

    whmcs_id = models.PositiveIntegerField("WHMCS product id", unique=True)
    name = models.CharField(max_length=200, blank=True)
    plan_name = models.CharField(
        "i-MSCP hosting plan", max_length=255, blank=True, help_text='WHMCS "Package Name".'
    )

    class Meta:
        ordering = ["name", "whmcs_id"]

    def __str__(self) -> str:
        return self.name or self.plan_name or f"product {self.whmcs_id}"


class Client(models.Model):
    """A WHMCS client (tblclients): the contact details the panel receives."""

    whmcs_id = models.PositiveIntegerField("WHMCS client id", unique=True)
    firstname = models.CharField(max_length=255, blank=True)
    lastname = models.CharField(max_length=255, blank=True)
    companyname = models.CharField(max_length=255, blank=True)
    email = models.EmailField(max_length=255, blank=True)
    address1 = models.CharField(max_length=255, blank=True)
    address2 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=255, blank=True)
    postcode = models.CharField(max_length=64, blank=True)
    country = models.CharField(max_length=255, blank=True)
    phonenumber = models.CharField(max_length=64, blank=True)
    language = models.CharField(
        max_length=64,
        blank=True,
        help_text="WHMCS's name of the client's language (german, french…); empty: WHMCS's "
        "default. The client area speaks it when it has it.",
    )

    class Meta:
        ordering = ["lastname", "firstname", "whmcs_id"]

    def __str__(self) -> str:
        name = f"{self.firstname} {self.lastname}".strip()
        return name or self.companyname or self.email or f"client {self.whmcs_id}"


class Service(models.Model):
    """A hosting account (tblhosting). The panel login is always the domain."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        TERMINATED = "terminated", "Terminated"
        CANCELLED = "cancelled", "Cancelled"

    whmcs_id = models.PositiveIntegerField("WHMCS service id", unique=True)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="services")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="services")
    server = models.ForeignKey(Server, on_delete=models.PROTECT, related_name="services")
    domain = models.CharField(max_length=253, help_text="Unicode form.")
    domain_ascii = models.CharField("domain (ASCII)", max_length=253, db_index=True)
    username = models.CharField(
        "WHMCS username", max_length=255, blank=True, help_text="Informational only."
    )
    password = EncryptedTextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    on_panel = models.BooleanField(
        default=False,
        editable=False,
        help_text="The account is known to exist on the panel for this server's reseller.",
    )
    disk_usage = models.PositiveBigIntegerField("disk used (MB)", null=True, blank=True)
    disk_limit = models.BigIntegerField(
        "disk limit (MiB)", null=True, blank=True, help_text="0 unlimited, -1 disabled."
    )
    bw_usage = models.PositiveBigIntegerField("bandwidth used (MB)", null=True, blank=True)
    bw_limit = models.BigIntegerField(
        "bandwidth limit (MiB)", null=True, blank=True, help_text="0 unlimited, -1 disabled."
    )
    usage_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["domain"]
        indexes = [
            models.Index(fields=["server", "domain_ascii"]),
            # The admin list's default order: without it every page sorts all the services.
            models.Index(fields=["domain"], name="service_domain_order"),
        ]

    def __str__(self) -> str:
        return self.domain


class Operation(models.Model):
    """The journal: one command carried out (or to carry out) on a panel."""

    class Command(models.TextChoices):
        CREATE = "CreateAccount"
        SUSPEND = "SuspendAccount"
        UNSUSPEND = "UnsuspendAccount"
        TERMINATE = "TerminateAccount"
        CHANGE_PASSWORD = "ChangePassword"
        USAGE_UPDATE = "UsageUpdate"
        TEST_CONNECTION = "TestConnection"
        PANEL_LOGIN = "PanelLogin", "Panel login (single sign-on)"
        CONFIRM_OWNERSHIP = "ConfirmOwnership", "Ownership confirmed by an admin"
        # The protocol has no plan change: journaled as owed until an admin did it by hand.
        CHANGE_PACKAGE = "ChangePackage", "Plan change (owed)"

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        RETRYING = "retrying"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        SUPERSEDED = "superseded"

    UNFINISHED = (State.QUEUED, State.RUNNING, State.RETRYING)
    # The status each command leaves the account in: its last is what billing wants.
    STATUS_AFTER = {
        Command.CREATE: Service.Status.ACTIVE,
        Command.SUSPEND: Service.Status.SUSPENDED,
        Command.UNSUSPEND: Service.Status.ACTIVE,
        Command.TERMINATE: Service.Status.TERMINATED,
    }
    SERVICE_COMMANDS = (
        Command.CREATE,
        Command.SUSPEND,
        Command.UNSUSPEND,
        Command.TERMINATE,
        Command.CHANGE_PASSWORD,
    )
    SERVER_COMMANDS = (Command.USAGE_UPDATE, Command.TEST_CONNECTION)
    # What WHMCS may send; PanelLogin is journaled by the bridge itself.
    WEBHOOK_COMMANDS = SERVICE_COMMANDS + SERVER_COMMANDS

    class Source(models.TextChoices):
        WEBHOOK = "webhook", "WHMCS webhook"
        ADMIN = "admin", "Admin"
        SCHEDULE = "schedule", "Schedule"
        SYSTEM = "system", "Bridge"
        CLIENT_AREA = "client-area", "Client area"

    command = models.CharField(max_length=32, choices=Command.choices)
    server = models.ForeignKey(Server, on_delete=models.PROTECT, related_name="operations")
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="operations"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    result = models.TextField(  # noqa: DJ001 - null is the contract's "no result yet"
        null=True, blank=True, help_text="The panel's answer verbatim, secrets removed."
    )
    outcome_unknown = models.BooleanField(
        default=False, help_text="The last attempt may have acted: check the panel first."
    )
    request = models.JSONField(default=dict, blank=True, help_text="Summary, secrets as ***.")
    secret = EncryptedTextField(blank=True, help_text="New password until applied.")
    usage = models.JSONField(null=True, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    requested_by = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    awaits_slot = models.BooleanField(
        default=False,
        editable=False,
        help_text="Turned away by a full server: the next slot freed there queues it.",
    )
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["server", "id"], name="op_awaits_slot", condition=Q(awaits_slot=True)
            ),
            models.Index(
                fields=["service", "id"],
                name="op_unfinished_by_service",
                condition=Q(state__in=["queued", "running", "retrying"]),
            ),
            models.Index(fields=["state", "next_attempt_at"], name="op_state_due"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.command}"

    @property
    def finished(self) -> bool:
        return self.state not in self.UNFINISHED


class Attempt(models.Model):
    """One call to the panel on behalf of an operation."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded"
        PERMANENT = "permanent", "permanent failure"
        TRANSIENT = "transient", "transient failure"
        UNKNOWN = "unknown", "outcome unknown"
        # The worker never finished the attempt (killed, crashed, past Q_TIMEOUT): it may
        # have acted.
        WORKER_LOST = "worker-lost", "worker lost"

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="attempt_set")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    answer = models.TextField(blank=True)

    class Meta:
        ordering = ["operation", "number"]
        constraints = [models.UniqueConstraint(fields=["operation", "number"], name="attempt_once")]

    def __str__(self) -> str:
        return f"attempt {self.number} of operation #{self.operation_id}"

    @property
    def duration_ms(self) -> int:
        return int((self.finished_at - self.started_at).total_seconds() * 1000)


class WebhookEvent(models.Model):
    """A WHMCS delivery, kept for idempotency by event_id."""

    event_id = models.CharField(max_length=100, unique=True)
    command = models.CharField(max_length=32)
    received_at = models.DateTimeField()
    payload = models.JSONField(help_text="As received, secrets as ***.")
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="events")

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.event_id


class UsageSample(models.Model):
    """One day of a service's usage (the day's last import), for the client's history chart."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="usage_samples")
    day = models.DateField(db_index=True)
    disk_usage = models.PositiveBigIntegerField("disk used (MB)")
    bw_usage = models.PositiveBigIntegerField("bandwidth used (MB)")

    class Meta:
        ordering = ["service", "day"]
        constraints = [
            models.UniqueConstraint(fields=["service", "day"], name="usage_sample_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.service_id} on {self.day}"


class ReconcileReport(models.Model):
    """The outcome of one reconciliation run (bridge's services against the panels)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    fixed = models.BooleanField(default=False, help_text="Corrective operations were queued.")
    requested_by = models.CharField(max_length=255, blank=True)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-finished_at", "-id"]

    def __str__(self) -> str:
        return f"reconciliation of {self.finished_at:%Y-%m-%d %H:%M}"


# Incidents, alerts, panel timings and worker heartbeats live in their own module, as do
# the panels' call slots and the WHMCS side's records.
from .monitoring_models import (  # noqa: E402,F401
    Alert,
    Incident,
    PanelCall,
    PanelLatencyTotal,
    WorkerHeartbeat,
)
from .panel_models import PanelSlot  # noqa: E402,F401
from .whmcs_models import (  # noqa: E402,F401
    PanelFormDebt,
    PanelLoginTicket,
    SpentSignature,
    WhmcsNotice,
)

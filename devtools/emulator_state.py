"""The emulated i-MSCP panel's data: users, plans, customers, faults, logs, logins.

`emulator.py` holds the panel's behaviour (the KaziWhmcs plugin, the login pages) and
the HTTP server; both share one `PanelState` guarded by its lock.
"""

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

from .emulator_logins import LoginRecord, PanelLogins
from .emulator_names import clean_input, domain_forms, to_ascii

# Accounts are usable only while `ok`; the i-MSCP daemon turns the transitional states
# (to...) into their outcome a moment after the panel set them.
STATUSES = ("ok", "disabled", "todelete", "toadd", "tochange", "todisable", "toenable", "error")
DAEMON_OUTCOME = {"toadd": "ok", "tochange": "ok", "todisable": "disabled", "toenable": "ok"}
FAULT_KINDS = frozenset(
    "delay http500 drop garbage act_then_timeout create_empty_body usage_unsupported".split()
)
SECRET_FIELDS = ("reseller_pass", "admin_pass", "upass")


@dataclass
class Settings:
    panel_hostname: str = "panel.example.test"  # BASE_SERVER_VHOST: never a customer domain
    refuse_spaces: bool = False  # i-MSCP 1.2 refuses spaces in passwords
    password_min_length: int = 6  # PASSWD_CHARS, clamped to 6..30 by the panel
    # The brute-force protection with the panel's defaults (protocol, "Brute-force
    # protection"): BRUTEFORCE_MAX_ATTEMPTS_BEFORE_WAIT, BRUTEFORCE_BETWEEN_TIME (s),
    # BRUTEFORCE_MAX_LOGIN, BRUTEFORCE_BLOCK_TIME (min).
    bruteforce: bool = True
    bruteforce_style: str = "1.1"  # "1.1" or "1.2": the refusal's wording differs
    bruteforce_max_attempts_before_wait: int = 2
    bruteforce_between_time: int = 30
    bruteforce_max_login: int = 3
    bruteforce_block_time: int = 30
    login_seconds: float = 0.0  # how long a password check takes (overlapping logins)
    # How long the daemon leaves a transitional state. whmcs.php inserts the account as
    # 'toadd' and then calls `send_request();` (suspend goes through
    # `change_domain_status($row['domain_admin_id'], 'deactivate')`): the daemon acts on
    # its own, in seconds, so the bridge's next call may meet `toadd`, `todisable`...
    daemon_seconds: float = 3.0
    maintenance: bool = False  # customers are sent back to the login's notice
    usage_list_by_domain_id: bool = False  # KaziWhmcs 1.0.0 on i-MSCP 1.2.3+: see _usageupdate


@dataclass
class Reseller:
    name: str
    password: str
    has_ip: bool = True


@dataclass
class Admin:
    name: str
    password: str


@dataclass
class Plan:
    reseller: str
    name: str
    disk_limit_mib: int = 1000
    bw_limit_mib: int = 10000


@dataclass(slots=True)
class Customer:
    domain: str  # ASCII (punycode): the key the panel looks domains up by
    domain_unicode: str
    reseller: str
    login: str
    password: str
    email: str
    plan: str
    status: str = "ok"
    customer_id: str = ""
    contact: dict[str, str] = field(default_factory=dict)
    disk_bytes: int = 0
    bw_bytes: int = 0  # current calendar month
    disk_limit_mib: int = 0  # 0 unlimited, -1 disabled
    bw_limit_mib: int = 0
    admin_id: int = 0
    domain_id: int = 0
    created_at: float = 0.0
    settles_at: float | None = None  # when the daemon ends a transitional state it was asked

    @property
    def settled_status(self) -> str:
        """The status once the daemon has done what it was asked (a deletion excepted)."""
        return DAEMON_OUTCOME.get(self.status, self.status) if self.settles_at else self.status

    def __getitem__(self, name: str) -> object:
        # Tests read customers like the JSON snapshot: customer("x.example")["status"].
        return getattr(self, name)


@dataclass
class Fault:
    kind: str
    action: str | None = None  # None: any request
    count: int | None = None  # matching requests left; None: until cleared
    seconds: float = 0.0
    status: int = 200
    created: bool = False
    drop: bool = False
    message: str = "SQLSTATE[HY000] [2002] Connection refused"

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            known = ", ".join(sorted(FAULT_KINDS))
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {known}")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1")


class PanelState(PanelLogins):
    """The panel's data, thread-safe under `lock`, seedable and inspectable by tests."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.clock = clock  # time.time, so time-machine can move the brute-force locks
        self.reset()

    def reset(self) -> None:
        with self.lock:
            # Requests still in flight from before the reset must not touch the new panel.
            self.generation = getattr(self, "generation", 0) + 1
            self.settings = Settings()
            self.resellers: dict[str, Reseller] = {}
            self.admins: dict[str, Admin] = {}
            self.plans: dict[tuple[str, str], Plan] = {}
            self.customers: dict[str, Customer] = {}
            self.aliases: dict[str, str] = {}  # ascii alias -> ascii domain of its customer
            self.logins: dict[str, tuple[str, object]] = {}  # login -> (user type, user)
            self.faults: list[Fault] = []
            self.request_log: deque[dict] = deque(maxlen=20_000)
            self.login_log: deque[dict] = deque(maxlen=20_000)
            self.sessions: dict[str, dict] = {}
            self.login_records: dict[str, LoginRecord] = {}  # by IP address
            self._next_id = 1
            self._next_domain_id = 1

    def configure(self, **settings) -> Settings:
        with self.lock:
            known = {f.name for f in fields(Settings)}
            for name, value in settings.items():
                if name not in known:
                    raise ValueError(f"unknown setting {name!r}")
                setattr(self.settings, name, value)
            return self.settings

    # --- seeding and inspection -----------------------------------------------------------

    def _add_login(self, name: str, kind: str, user: object) -> None:
        if name in self.logins:
            raise ValueError(f"login {name!r} already exists")
        self.logins[name] = (kind, user)
        if kind != "customer":
            self._next_id += 1  # admins, resellers and customers share one id sequence

    def seed_reseller(self, name: str, password: str, *, has_ip: bool = True) -> Reseller:
        with self.lock:
            reseller = Reseller(name.lower(), password, has_ip)
            self._add_login(reseller.name, "reseller", reseller)
            self.resellers[reseller.name] = reseller
            return reseller

    def seed_admin(self, name: str, password: str) -> Admin:
        with self.lock:
            admin = Admin(name.lower(), password)
            self._add_login(admin.name, "admin", admin)
            self.admins[admin.name] = admin
            return admin

    def seed_plan(
        self, reseller: str, name: str, *, disk_limit_mib: int = 1000, bw_limit_mib: int = 10000
    ) -> Plan:
        with self.lock:
            plan = Plan(reseller.lower(), name, disk_limit_mib, bw_limit_mib)
            self.plans[(plan.reseller, name.lower())] = plan
            return plan

    def _default_reseller(self, reseller: str | None) -> str:
        name = (reseller or next(iter(self.resellers), "")).lower()
        if name not in self.resellers:
            raise ValueError(f"no reseller {name!r} seeded")
        return name

    def _plan(self, reseller: str, name: str | None) -> Plan:
        if name is None:  # the reseller's first plan, if any
            found = next((p for p in self.plans.values() if p.reseller == reseller), None)
        else:
            found = self.plans.get((reseller, name.lower()))
        return found or Plan(reseller, name or "", disk_limit_mib=0, bw_limit_mib=0)

    def add_customer(self, reseller: str, plan: Plan, **values) -> Customer:
        values.setdefault("disk_limit_mib", plan.disk_limit_mib)
        values.setdefault("bw_limit_mib", plan.bw_limit_mib)
        now = self.clock()
        customer = Customer(
            reseller=reseller,
            plan=plan.name,
            admin_id=self._next_id,
            domain_id=self._next_domain_id,
            created_at=now,
            **values,
        )
        self._next_id += 1
        self._next_domain_id += 1
        self._add_login(customer.login, "customer", customer)
        self.customers[customer.domain] = customer
        return customer

    def seed_customer(
        self, domain: str, *, reseller: str | None = None, plan: str | None = None, **values
    ) -> Customer:
        """A customer as if created earlier (Unicode or ASCII domain, any case).

        `reseller` defaults to the first seeded one, `plan` to its first plan, the limits
        to the plan's; other keywords set Customer fields (password, login, email,
        status, customer_id, contact, disk_bytes, bw_bytes, disk_limit_mib, ...)."""
        forms = domain_forms(domain.strip().lower())
        if forms is None:
            raise ValueError(f"invalid domain {domain!r}")
        if values.setdefault("status", "ok") not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        values.setdefault("password", "customer-pass-1")
        values.setdefault("email", "customer@example.test")
        values["login"] = to_ascii(values.get("login") or forms[1])
        if not values["login"]:
            raise ValueError("invalid login")
        with self.lock:
            if forms[1] in self.customers:
                raise ValueError(f"domain {forms[1]!r} already exists")
            name = self._default_reseller(reseller)
            return self.add_customer(
                name, self._plan(name, plan), domain=forms[1], domain_unicode=forms[0], **values
            )

    def seed_customers_bulk(
        self,
        n: int,
        *,
        reseller: str | None = None,
        plan: str | None = None,
        domain_format: str = "customer{i}.example.test",
        status: str = "ok",
        password: str = "bulk-pass-1",
    ) -> int:
        """n ASCII customers at once (no IDN work, one lock): 100,000 in about a second."""
        with self.lock:
            name = self._default_reseller(reseller)
            found = self._plan(name, plan)
            for i in range(1, n + 1):
                domain = domain_format.format(i=i).lower()
                self.add_customer(
                    name,
                    found,
                    domain=domain,
                    domain_unicode=domain,
                    login=domain,
                    password=password,
                    email=f"c{i}@example.test",
                    status=status,
                )
            return n

    def seed_alias(self, alias: str, domain: str) -> None:
        with self.lock:
            owner, forms = self.customer(domain), domain_forms(alias.strip().lower())
            if owner is None or forms is None:
                raise ValueError(f"bad alias {alias!r} or unknown domain {domain!r}")
            self.aliases[forms[1]] = owner.domain

    def customer(self, domain: str) -> Customer | None:
        """Look a customer up by its domain, Unicode or ASCII, any case."""
        ascii_name = to_ascii(clean_input(domain).lower())
        with self.lock:
            self.daemon_run()
            return self.customers.get(ascii_name) if ascii_name else None

    def status_set(self, customer: Customer, status: str) -> None:
        """What the panel does: a transitional state is handed to the daemon."""
        customer.status = status
        customer.settles_at = (
            self.clock() + self.settings.daemon_seconds if status in DAEMON_OUTCOME else None
        )

    def daemon_run(self) -> int:
        """What the i-MSCP daemon does shortly after the panel asked: a transitional state
        reaches its outcome `daemon_seconds` later (at the next look with 0; deletions wait
        for finish_deletion; a seeded state stays). Run before every request and look."""
        with self.lock:
            now, immediately = self.clock(), self.settings.daemon_seconds <= 0
            done = 0
            for customer in self.customers.values():
                if customer.settles_at is not None and (immediately or customer.settles_at <= now):
                    self.status_set(customer, DAEMON_OUTCOME[customer.status])
                    done += 1
            return done

    def daemon_catch_up(self) -> int:
        """Let the daemon's time pass now: every transitional state it was asked for
        reaches its outcome (deletions still wait for finish_deletion)."""
        with self.lock:
            for customer in self.customers.values():
                if customer.settles_at is not None:
                    customer.settles_at = self.clock()
            return self.daemon_run()

    def set_usage(self, domain: str, disk_bytes: int, bw_bytes: int) -> None:
        with self.lock:
            found = self.customer(domain)
            if found is None:
                raise KeyError(domain)
            found.disk_bytes, found.bw_bytes = disk_bytes, bw_bytes

    def finish_deletion(self, domain: str | None = None) -> int:
        """What the i-MSCP daemon does later: remove accounts marked `todelete`."""
        with self.lock:
            only = None if domain is None else self.customer(domain)
            gone = [
                c
                for c in self.customers.values()
                if c.status == "todelete" and (domain is None or c is only)
            ]
            for found in gone:
                del self.customers[found.domain]
                self.logins.pop(found.login, None)
                self.aliases = {a: d for a, d in self.aliases.items() if d != found.domain}
            return len(gone)

    @property
    def requests(self) -> list[dict]:
        """Every request the plugin endpoint received, oldest first (secrets as ***)."""
        with self.lock:
            return list(self.request_log)

    def requests_for(self, action: str | None = None) -> list[dict]:
        with self.lock:
            return [e for e in self.request_log if action is None or e["action"] == action]

    def snapshot(self) -> dict:
        """Everything, JSON-ready (passwords included: this is a test double)."""
        with self.lock:
            self.daemon_run()
            return {
                "settings": asdict(self.settings),
                "resellers": [asdict(r) for r in self.resellers.values()],
                "admins": [asdict(a) for a in self.admins.values()],
                "plans": [asdict(p) for p in self.plans.values()],
                "customers": [
                    {**asdict(c), "settled_status": c.settled_status}
                    for c in self.customers.values()
                ],
                "aliases": dict(self.aliases),
                "faults": [asdict(f) for f in self.faults],
                "logins": list(self.login_log),
                "login_records": {ip: asdict(r) for ip, r in self.login_records.items()},
            }

    # --- faults -------------------------------------------------------------------------

    def add_fault(self, kind: str, **options) -> Fault:
        """Arm a fault; see Fault for options (action, count, seconds, status, ...)."""
        fault = Fault(kind, **options)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def take_fault(self, kind: str, action: str | None) -> Fault | None:
        """The first armed fault of this kind matching the action, counted as used."""
        with self.lock:
            for fault in self.faults:
                if fault.kind == kind and fault.action in (None, action):
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count == 0:
                            self.faults.remove(fault)
                    return fault
            return None


def seed_demo(state: PanelState) -> None:
    """The `make run` demo panel: one reseller with an IP and two plans."""
    state.seed_reseller("demo-reseller", "demo-reseller-pass", has_ip=True)
    state.seed_plan("demo-reseller", "Basic", disk_limit_mib=1000, bw_limit_mib=10000)
    state.seed_plan("demo-reseller", "Pro", disk_limit_mib=10000, bw_limit_mib=100000)

"""The WHMCS side under load: signed webhooks over persistent HTTP connections."""

import http.client
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .machine_cpu import busy_seconds
from .servers import BENCH_ENV, RESELLER
from .signing_bench import signed_headers
from .threads import threads_timed


def create_body(n: int, panel_host_port: str, run: str) -> bytes:
    """CreateAccount for service n (its own client, domain and event)."""
    domain = f"bench{n}-{run}.example.test"
    body = {
        "event_id": f"bench-{run}-{n}",
        "command": "CreateAccount",
        "params": {
            "serviceid": str(n),
            "accountid": str(n),
            "userid": str(n),
            "pid": "1",
            "serverid": "1",
            "domain": domain,
            "username": f"u{n}",
            "password": f"Bench-pass-{n}x",
            "configoption1": "Basic",
            "serverhostname": panel_host_port,
            "serversecure": "",
            "serverusername": RESELLER[0],
            "serverpassword": RESELLER[1],
            "clientsdetails": {
                "userid": str(n),
                "firstname": "Bench",
                "lastname": f"Client {n}",
                "email": f"client{n}@example.test",
                "countryname": "United Kingdom",
            },
        },
    }
    return json.dumps(body).encode()


@dataclass
class LoadResult:
    seconds: float
    cpu_seconds: float = 0.0  # the whole machine's, during the run
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(n for status, n in self.statuses.items() if status in (200, 202))

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


def post_all(base_url: str, path: str, bodies: list[bytes], connections: int = 8) -> LoadResult:
    """POST every body, `connections` keep-alive connections in parallel; latency per request."""
    parts = urlsplit(base_url)
    secret = BENCH_ENV["WEBHOOK_SECRET"]
    counter = itertools.count()
    lock = threading.Lock()
    result = LoadResult(seconds=0.0)

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while (i := next(counter)) < len(bodies):
            body = bodies[i]
            headers = signed_headers(secret, body, path)
            start = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                with lock:
                    result.errors.append(repr(exc))
                continue
            elapsed = time.perf_counter() - start
            with lock:
                result.latencies.append(elapsed)
                result.statuses[status] = result.statuses.get(status, 0) + 1
        conn.close()

    cpu_start = busy_seconds()
    result.seconds = threads_timed(worker, connections)
    result.cpu_seconds = busy_seconds() - cpu_start
    return result

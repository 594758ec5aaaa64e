"""Sign and post a contract-conforming webhook, as the WHMCS module does."""

import json
import time
import uuid

import requests
from django.core.management.base import BaseCommand, CommandError

from ...models import Operation
from ...signing import route_below, signed_headers

COMMANDS = [str(command) for command in Operation.WEBHOOK_COMMANDS]


class Command(BaseCommand):
    help = "Send a signed WHMCS webhook to a running bridge (demo values by default)."

    def add_arguments(self, parser):
        parser.add_argument("command", choices=COMMANDS)
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--serviceid", type=int, default=1)
        parser.add_argument("--domain", default="demo.example.com")
        parser.add_argument("--password", default="Demo-pass-2024")
        parser.add_argument("--plan", default="Basic")
        parser.add_argument("--email", default="client@example.com")
        parser.add_argument("--serverid", type=int, default=1)
        parser.add_argument("--server-host", default="127.0.0.1:8081")
        parser.add_argument("--reseller", default="demo-reseller")
        parser.add_argument("--reseller-password", default="demo-reseller-pass")
        parser.add_argument("--secure", action="store_true", help="the panel speaks https")
        parser.add_argument("--wait", type=float, default=30, help="seconds to poll the status")

    def handle(self, *args, **opts):
        body = {
            "event_id": f"cli-{uuid.uuid4()}",
            "command": opts["command"],
            "params": {
                "serviceid": str(opts["serviceid"]),
                "userid": "1",
                "pid": "1",
                "serverid": str(opts["serverid"]),
                "domain": opts["domain"],
                "username": opts["domain"],
                "password": opts["password"],
                "configoption1": opts["plan"],
                "serverhostname": opts["server_host"],
                "serverusername": opts["reseller"],
                "serverpassword": opts["reseller_password"],
                "serversecure": "on" if opts["secure"] else "",
                "clientsdetails": {
                    "userid": "1",
                    "firstname": "Demo",
                    "lastname": "Client",
                    "email": opts["email"],
                },
            },
        }
        raw = json.dumps(body).encode()
        base = opts["url"].rstrip("/")
        try:
            response = requests.post(
                f"{base}/webhooks/whmcs/",
                data=raw,
                headers={
                    "Content-Type": "application/json",
                    **signed_headers("POST", "/webhooks/whmcs/", raw),
                },
                timeout=30,
            )
        except requests.RequestException as exc:
            raise CommandError(f"cannot reach the bridge at {base}: {exc}") from None
        self.stdout.write(f"HTTP {response.status_code} {response.text}")
        if response.status_code >= 400:
            raise CommandError("the bridge refused the webhook")
        status_url = response.json()["status_url"]
        deadline = time.monotonic() + opts["wait"]
        data = response.json()
        while data["state"] in ("queued", "running", "retrying") and time.monotonic() < deadline:
            time.sleep(0.5)
            headers = signed_headers("GET", route_below(status_url, base))
            data = requests.get(status_url, headers=headers, timeout=30).json()
        data.pop("usage", None)
        self.stdout.write(json.dumps(data, indent=2))

"""A stand-in chat webhook (Slack/Mattermost incoming webhook) on a local port, and the
settings that turn alerts on for a test. Loaded through conftest's pytest_plugins."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class AlertReceiver:
    """Records the JSON bodies posted to it; answers `status` (200 unless told)."""

    def __init__(self):
        self.bodies: list[dict] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                if receiver.status == 200:
                    receiver.bodies.append(body)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/secret-token-123"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def texts(self) -> list[str]:
        return [body["text"] for body in self.bodies]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def alert_receiver():
    receiver = AlertReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def alerting(settings, alert_receiver):
    """Alerts on: mail to ops@example.net (Django's in-memory backend) and the webhook."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALERT_EMAILS = ["ops@example.net"]
    settings.ALERT_WEBHOOK_URL = alert_receiver.url
    settings.BRIDGE_URL = "https://bridge.example.net"
    return alert_receiver

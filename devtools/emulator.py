"""A protocol-faithful i-MSCP panel with the KaziWhmcs plugin, over real HTTP.

Three parts: the plugin (emulator_plugin.py), the panel's own pages (login form,
interfaces, tool pages), and a JSON control API under /_emulator/ that a real panel
does not have (emulator_control.py). Faults armed on the state act around the plugin as a
broken network, proxy or panel would.
See the shared protocol notes, imscp-protocol.md.
"""

import gzip
import html
import re
import secrets
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .emulator_control import control_answer
from .emulator_names import clean_input
from .emulator_plugin import plugin_answer
from .emulator_state import SECRET_FIELDS, PanelState, seed_demo

__all__ = ["Emulator", "PanelState", "plugin_answer", "seed_demo"]

# --- the panel's pages ---------------------------------------------------------------------

SESSION_COOKIE = "iMSCP_Session"
INTERFACES = {
    "admin": "/admin/index.php",
    "reseller": "/reseller/index.php",
    "customer": "/client/index.php",
}
TOOLS = {"/ftp": "File manager", "/pma": "phpMyAdmin", "/webmail": "Webmail"}
DISABLED_TEXT = "Your account is currently disabled. Please contact your reseller."


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="UTF-8"><title>i-MSCP - {html.escape(title)}'
        f"</title></head><body><h1>{html.escape(title)}</h1>{body}</body></html>\n"
    )


def _login_page(message: str = "") -> str:
    error = f'<p class="error">{html.escape(message)}</p>' if message else ""
    return _page(
        "Login",
        f'{error}<form method="post" action="/"><input type="hidden" name="action" value="login">'
        '<input name="uname" placeholder="Username"><input name="upass" type="password" '
        'placeholder="Password"><button type="submit">Login</button></form>',
    )


def _accepts_gzip(header: str) -> bool:
    for part in header.lower().split(","):
        name, _, params = part.partition(";")
        if name.strip() == "gzip" and not re.fullmatch(r"\s*q\s*=\s*0(\.0*)?\s*", params):
            return True
    return False


def _proxy_page(status: int) -> str:
    title = "502 Bad Gateway" if status == 502 else "Service Temporarily Unavailable"
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1><hr>nginx</body></html>"


# --- HTTP --------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer carries a Content-Length
    server_version = "Apache"
    sys_version = ""
    timeout = 120  # idle keep-alive connections end eventually
    # Headers and body go out in two writes: with Nagle on, the body waits for the client's
    # delayed ACK (40 ms) on every keep-alive call. A real panel's web server sends at once.
    disable_nagle_algorithm = True
    emulator: "Emulator"

    def log_message(self, format: str, *args) -> None:
        if self.emulator.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        # One handler serves every request of a keep-alive connection: each request brings
        # its own session cookie (or none).
        self.__dict__.pop("session_id", None)
        self.body = self._read_body()
        path = urlsplit(self.path).path
        try:
            if path.startswith("/_emulator/"):
                control_answer(self, path.removeprefix("/_emulator/").strip("/"))
            elif path == self.emulator.endpoint:
                self._plugin()
            else:
                self._pages(path)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up, e.g. on a held answer

    do_POST = do_GET

    @property
    def ip(self) -> str:
        return self.client_address[0]

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():
                pass  # trailers
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _form(self) -> dict[str, str]:
        # Like PHP's $_POST: urlencoded bodies of POSTs only; the last duplicate wins.
        content_type = self.headers.get("Content-Type", "").lower()
        if self.command != "POST" or not content_type.startswith(
            "application/x-www-form-urlencoded"
        ):
            return {}
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    def _send(
        self,
        status: int,
        body: str,
        *,
        content_type: str = "text/html; charset=UTF-8",
        headers: tuple = (),
        panel: bool = True,
    ) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        if panel:
            self.send_header("Set-Cookie", f"{SESSION_COOKIE}={self._session_id()}; path=/")
            if data and _accepts_gzip(self.headers.get("Accept-Encoding", "")):
                data = gzip.compress(data)
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        # Close without a byte of answer, as a crashed PHP worker or a reset proxy does.
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _plugin(self) -> None:
        state = self.emulator.state
        fields = self._form()
        action = clean_input(fields["action"]) if "action" in fields else None
        entry = {
            "time": state.clock(),
            "peer": f"{self.ip}:{self.client_address[1]}",
            "method": self.command,
            "path": self.path,
            "action": action,
            "fields": {k: "***" if k in SECRET_FIELDS else v for k, v in fields.items()},
            "status": None,
            "answer": None,
            "faults": [],
        }
        with state.lock:
            state.request_log.append(entry)
        generation = state.generation
        if fault := state.take_fault("delay", action):
            entry["faults"].append("delay")
            time.sleep(fault.seconds)
            if state.generation != generation:
                return self._drop()  # its test is over: leave the next test's faults alone
        if state.take_fault("drop", action):
            entry["faults"].append("drop")
            return self._drop()
        if fault := state.take_fault("http500", action):
            entry["faults"].append("http500")
            status, body = 500, f"An unexpected error occurred: {fault.message}"
        elif fault := state.take_fault("garbage", action):
            entry["faults"].append("garbage")
            status, body = fault.status, _proxy_page(fault.status)
        else:
            try:
                status, body = plugin_answer(state, fields, self.ip, self._session_id())
            except Exception as exc:  # the plugin's own catch-all
                status, body = 500, f"An unexpected error occurred: {exc}"
            if fault := state.take_fault("act_then_timeout", action):
                entry["faults"].append("act_then_timeout")
                entry["status"], entry["answer"] = status, body
                if fault.drop:
                    return self._drop()
                time.sleep(fault.seconds)
        with state.lock:
            entry["status"], entry["answer"] = status, body
        self._send(status, body)
        entry["ended"] = state.clock()

    def _session_id(self) -> str:
        if not hasattr(self, "session_id"):
            match = re.search(
                rf"(?:^|;\s*){SESSION_COOKIE}=([\w-]+)", self.headers.get("Cookie", "")
            )
            self.session_id = match.group(1) if match else secrets.token_urlsafe(16)
        return self.session_id

    def _redirect(self, location: str) -> None:
        self._send(302, _page("Moved", ""), headers=(("Location", location),))

    def _pages(self, path: str) -> None:
        state = self.emulator.state
        with state.lock:
            state.daemon_run()
            session = state.sessions.get(self._session_id(), {})
            user, kind, flash = session.get("user"), session.get("kind"), session.pop("flash", "")
        if path in ("/", "/index.php"):
            if self.command == "POST":
                return self._login()
            if user:
                return self._redirect(INTERFACES[kind])
            return self._send(200, _login_page(flash))
        for wanted, location in INTERFACES.items():
            if path == location:
                if user and kind == wanted:
                    body = f'<p class="user">logged in as {html.escape(user)}</p>'
                    return self._send(200, _page(f"{wanted.title()} interface", body))
                return self._redirect("/index.php")
        if path.rstrip("/") in TOOLS:
            title = TOOLS[path.rstrip("/")]
            return self._send(200, _page(title, f"<p>{html.escape(title)}</p>"))
        self._send(404, _page("Not Found", f"<p>{html.escape(path)} was not found.</p>"))

    def _login(self) -> None:
        state, form = self.emulator.state, self._form()
        if clean_input(form.get("action", "")) != "login":
            return self._send(200, _login_page())
        kind, user, message = state.authenticate(
            form.get("uname", ""), form.get("upass", ""), self.ip, self._session_id()
        )
        name = getattr(user, "login", None) or getattr(user, "name", "")
        result = "failed" if kind is None else "ok"
        if kind == "customer" and (user.status != "ok" or state.settings.maintenance):
            result = "disabled"  # suspended, not (yet) usable, or the panel in maintenance
        with state.lock:
            state.login_log.append(
                {
                    "time": state.clock(),
                    "name": name or clean_input(form.get("uname", "")).lower(),
                    "ok": result == "ok",
                    "result": result,
                    "ip": self.ip,
                }
            )
            if result != "failed":
                # A fresh session id once logged in, as session_regenerate_id() does.
                self.session_id = secrets.token_urlsafe(16)
            if result == "ok":
                state.sessions[self.session_id] = {"user": name, "kind": kind}
            elif result == "disabled":
                state.sessions[self.session_id] = {"flash": DISABLED_TEXT}
        if result == "failed":
            return self._send(200, _login_page(message))
        self._redirect(INTERFACES[kind] if result == "ok" else "/index.php")


# --- the server ----------------------------------------------------------------------------


class Emulator:
    """The panel's HTTP server around a PanelState; start() serves in a daemon thread."""

    def __init__(
        self,
        state: PanelState | None = None,
        *,
        endpoint: str = "/kaziwhmcs",
        verbose: bool = False,
    ) -> None:
        self.state = state or PanelState()
        self.endpoint = "/" + endpoint.strip("/")
        self.verbose = verbose
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def bind(self, host: str = "127.0.0.1", port: int = 0) -> "Emulator":
        handler = type("PanelHandler", (_Handler,), {"emulator": self})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True  # held or idle connections never block exit
        self._server.block_on_close = False
        return self

    def start(self, host: str = "127.0.0.1", port: int = 0, *, block: bool = False) -> "Emulator":
        """Serve on host:port (0: a free port); block=True serves in this thread."""
        self.bind(host, port)
        if block:
            self.serve_forever()
        else:
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="imscp-emulator", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until stop() or Ctrl-C."""
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._server.server_close()

    def stop(self) -> None:
        # shutdown() waits for a serve_forever() loop: only the thread started here has one.
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        if self._server is not None:
            self._server.server_close()

    @property
    def host_port(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    @property
    def url(self) -> str:
        return f"http://{self.host_port}"

    def __enter__(self) -> "Emulator":
        return self if self._server else self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

"""TLS to a panel: verified by default, a per-server CA bundle for a self-signed panel,
and verification off only when asked — against a real local HTTPS server."""

import datetime
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from urllib3.exceptions import InsecureRequestWarning

from provisioning.panels.imscp import client as panel_client
from provisioning.panels.imscp.errors import PanelTransientError
from tests.factories import ServerFactory


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def certificate_authority(common_name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def server_certificate(ca_key, ca_cert):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("panel.test"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def pem(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


class _PanelEndpoint(BaseHTTPRequestHandler):
    """Answers every POST as the plugin answers an unknown action after a good login."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"Bad request"
        self.send_response(400)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture(scope="module")
def https_panel(tmp_path_factory):
    ca_key, ca_cert = certificate_authority("Self-signed panel CA")
    key, cert = server_certificate(ca_key, ca_cert)
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_text(pem(cert))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _PanelEndpoint)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield {"host": f"127.0.0.1:{httpd.server_address[1]}", "ca": pem(ca_cert)}
    httpd.shutdown()
    httpd.server_close()


def target(https_panel, **server):
    server.setdefault("hostname", https_panel["host"])
    return panel_client.PanelTarget.for_server(ServerFactory.build(secure=True, **server))


def test_a_new_server_verifies_tls_by_default():
    server = ServerFactory.build()
    assert server.verify_tls is True
    assert server.ca_bundle == ""


def test_a_self_signed_panel_is_refused_while_verification_is_on(https_panel):
    with pytest.raises(PanelTransientError, match="TLS error"):
        panel_client.connection_test(target(https_panel))


def test_the_servers_ca_bundle_makes_it_trusted(https_panel):
    panel_client.connection_test(target(https_panel, ca_bundle=https_panel["ca"]))


def test_a_bundle_of_another_authority_does_not(https_panel):
    _, other = certificate_authority("Someone else's CA")
    with pytest.raises(PanelTransientError, match="TLS error"):
        panel_client.connection_test(target(https_panel, ca_bundle=pem(other)))


def test_verification_off_accepts_it_and_does_not_leak_into_verified_calls(https_panel):
    with pytest.warns(InsecureRequestWarning):
        panel_client.connection_test(target(https_panel, verify_tls=False))
    # The pooled session must not reuse the unverified connection for a verified call.
    with pytest.raises(PanelTransientError, match="TLS error"):
        panel_client.connection_test(target(https_panel))

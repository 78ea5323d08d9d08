"""A real HTTPS server publishing a JWKS document, with certificates from a test CA.

The identity provider of the authentication tests: a thread running ``http.server`` behind
TLS on 127.0.0.1, its certificate signed by a CA made here (so a client trusts it only when
told to: ``OSS_ROUTER_AUTH_CA_FILE``). ``failing`` makes it answer 500 (an outage).
"""

import http.server
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class JwksServer:
    url: str
    ca_file: Path
    document: dict[str, Any]
    failing: bool = False
    fetches: list[str] = field(default_factory=list)


def jwks_of(**keys: Any) -> dict[str, Any]:
    """A JWKS document publishing the public halves of ``keys`` (kid = argument name)."""
    return {
        "keys": [{**_jwk(key.public_key()), "kid": kid, "use": "sig"} for kid, key in keys.items()]
    }


def _jwk(public_key: Any) -> dict[str, Any]:
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public_key))
    return json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public_key))


@contextmanager
def jwks_server(directory: Path, document: dict[str, Any]) -> Iterator[JwksServer]:
    ca_key, ca_cert = _certificate_authority()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert_file, key_file = _server_certificate(directory, ca_key, ca_cert)
    server_context.load_cert_chain(cert_file, key_file)
    ca_file = directory / "private-ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))

    state = JwksServer(url="", ca_file=ca_file, document=document)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.fetches.append(self.path)
            status, body = (500, b"down") if state.failing else (200, _encoded(state.document))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None  # quiet: the tests read the service's log, not this one's

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    state.url = f"https://127.0.0.1:{server.server_address[1]}/realms/police/certs"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _encoded(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def _certificate_authority() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oss-router test CA")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
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
    return key, certificate


def _server_certificate(
    directory: Path, ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate
) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(IPv4Address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = directory / "jwks-server.pem", directory / "jwks-server.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file

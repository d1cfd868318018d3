"""Throw-away X.509 material for the fakes: a CA, a server certificate for 127.0.0.1/localhost
signed by it, and client certificates (for certificate credentials). Made with ``cryptography``."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

_PEM = serialization.Encoding.PEM


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(_PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _validity(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return builder.not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(
        now + dt.timedelta(days=2)
    )


@dataclass(frozen=True)
class ServerTls:
    ca_pem: Path  # what the product is told to trust (ODOOBRIDGE_AZURE_CA_BUNDLE)
    cert_pem: Path
    key_pem: Path


def make_server_tls(
    directory: Path, name: str = "fake-identity", hosts: tuple[str, ...] = ()
) -> ServerTls:
    """A private CA and a server certificate for 127.0.0.1, localhost and ``hosts`` signed by
    it (``hosts``: the names a fake answers for through a proxy, e.g. hooks.slack.com)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{name} test CA")
    ca = (
        _validity(x509.CertificateBuilder())
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName(
        [
            x509.DNSName("localhost"),
            *(x509.DNSName(host) for host in hosts),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]
    )
    cert = (
        _validity(x509.CertificateBuilder())
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    tls = ServerTls(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    tls.ca_pem.write_bytes(ca.public_bytes(_PEM))
    tls.cert_pem.write_bytes(cert.public_bytes(_PEM))
    tls.key_pem.write_bytes(_key_pem(key))
    return tls


@dataclass(frozen=True)
class ClientCertificate:
    pem: Path  # private key + certificate, as ODOOBRIDGE_AZURE_CLIENT_CERT_PATH takes it
    certificate: x509.Certificate

    @property
    def sha1_thumbprint(self) -> str:
        return hashlib.sha1(self.certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def make_client_certificate(path: Path, common_name: str = "odoobridge-app") -> ClientCertificate:
    """A self-signed RSA certificate of an app registration (MSAL signs RS256/PS256)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        _validity(x509.CertificateBuilder())
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(_key_pem(key) + cert.public_bytes(_PEM))
    return ClientCertificate(path, cert)

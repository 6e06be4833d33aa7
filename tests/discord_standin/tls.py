"""Test-time TLS material for the Discord stand-in.

A throw-away certificate authority and a leaf certificate for the Discord host
names are generated once per process with ``cryptography``.  The server side
loads the leaf + key; the discord.py client side gets an ``ssl.SSLContext``
that trusts only the throw-away CA.  The chain is built the "proper" way
(CA with keyCertSign, leaf with SAN/AKI/SKI/EKU) so that it also passes the
stricter X.509 verification that Python 3.13+ enables by default.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import functools
import ipaddress
import os
import shutil
import ssl
import tempfile
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: Host names the certificate is valid for.  The resolver maps exactly the
#: same set of names (see ``resolver.py``).
CERT_HOSTNAMES: tuple[str, ...] = (
    "discord.com",
    "*.discord.com",
    "discord.gg",
    "*.discord.gg",
    "discordapp.com",
    "*.discordapp.com",
    "discordapp.net",
    "*.discordapp.net",
)


@dataclass(frozen=True)
class TLSMaterial:
    ca_pem: str
    cert_file: str
    key_file: str

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """An SSL context that trusts *only* the stand-in's throw-away CA."""
        ctx = ssl.create_default_context(cadata=self.ca_pem)
        # Python >= 3.13 turns this on by default; do it everywhere so that a
        # certificate problem shows up on every interpreter, not only new ones.
        ctx.verify_flags |= getattr(ssl, "VERIFY_X509_STRICT", 0)
        return ctx


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    """A CA signs certificates and CRLs; the leaf only does key agreement (ECDHE)."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not cert_sign,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _builder(subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
    now = _dt.datetime.now(_dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(days=1))
        .not_valid_after(now + _dt.timedelta(days=7))
    )


def _make_ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, x509.SubjectKeyIdentifier]:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("discord-standin test CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return ca_key, ca_cert, ca_ski


def _make_leaf(ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate,
               ca_ski: x509.SubjectKeyIdentifier) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = [x509.DNSName(h) for h in CERT_HOSTNAMES]
    sans.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    leaf_cert = (
        _builder(_name("discord.com"), ca_cert.subject, leaf_key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return leaf_key, leaf_cert


@functools.lru_cache(maxsize=1)
def tls_material() -> TLSMaterial:
    """The CA and leaf, made once per process; the files go when the process exits."""
    ca_key, ca_cert, ca_ski = _make_ca()
    leaf_key, leaf_cert = _make_leaf(ca_key, ca_cert, ca_ski)
    tmpdir = tempfile.mkdtemp(prefix="discord-standin-tls-")
    atexit.register(shutil.rmtree, tmpdir, ignore_errors=True)
    cert_file = os.path.join(tmpdir, "leaf.pem")
    key_file = os.path.join(tmpdir, "leaf.key")
    with open(cert_file, "wb") as f:
        f.write(leaf_cert.public_bytes(serialization.Encoding.PEM))
    with open(key_file, "wb") as f:
        f.write(
            leaf_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return TLSMaterial(ca_pem=ca_pem, cert_file=cert_file, key_file=key_file)

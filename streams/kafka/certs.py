"""A throwaway certificate authority and broker certificate for the local SASL_SSL broker.

Why openssl: the ``cryptography`` package is not a dependency, and the PEM files openssl
writes are what both sides read directly (Kafka's ``ssl.keystore.type=PEM``, Python's
``ssl`` module), with no keystore conversion. Nothing here is meant for production.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CA_DAYS = 3650
BROKER_DAYS = 825


class CertificateError(RuntimeError):
    """openssl is missing or failed; the message says which step."""


@dataclass(frozen=True)
class LocalCertificates:
    ca_file: Path  # the CA certificate clients trust
    keystore: Path  # broker private key (PKCS#8) + certificate chain, 0600


def subject_alt_names(hosts: Sequence[str]) -> str:
    """``DNS:..``/``IP:..`` entries for the broker certificate, deduplicated, order kept."""
    names: list[str] = []
    for host in hosts:
        try:
            entry = f"IP:{ipaddress.ip_address(host.strip('[]'))}"
        except ValueError:
            entry = f"DNS:{host}"
        if entry not in names:
            names.append(entry)
    return ",".join(names)


def _openssl(openssl: str, *args: str, cwd: Path) -> None:
    out = subprocess.run(
        [openssl, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    if out.returncode != 0:
        detail = (out.stderr or out.stdout).strip().splitlines()[-3:]
        raise CertificateError(f"openssl {args[0]} failed: {' / '.join(detail)}")


def make_local_certificates(directory: Path, hosts: Sequence[str]) -> LocalCertificates:
    """Write a new CA and a broker certificate for ``hosts`` into ``directory``.

    Keys are unencrypted (the files are 0600 in the broker's own state directory); the CA
    key is kept so the certificate can be re-issued, never read by the broker.
    """
    openssl = shutil.which("openssl")
    if not openssl:
        raise CertificateError(
            "`openssl` is not on PATH; it is needed to make the secure broker's "
            "certificates (apt-get install openssl)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    old_umask = os.umask(0o077)  # every key file is created private
    try:
        _openssl(
            openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
            "-out", "ca.key", cwd=directory,
        )  # fmt: skip
        _openssl(
            openssl, "req", "-x509", "-new", "-key", "ca.key", "-sha256",
            "-days", str(CA_DAYS), "-subj", "/CN=distillguard local CA", "-out", "ca.pem",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            cwd=directory,
        )  # fmt: skip
        _openssl(
            openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
            "-out", "broker.key", cwd=directory,
        )  # fmt: skip
        _openssl(
            openssl, "req", "-new", "-key", "broker.key", "-subj", "/CN=localhost",
            "-out", "broker.csr", cwd=directory,
        )  # fmt: skip
        (directory / "broker.ext").write_text(
            f"subjectAltName={subject_alt_names(hosts)}\n"
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth,clientAuth\n"
            "subjectKeyIdentifier=hash\n"
            "authorityKeyIdentifier=keyid,issuer\n"
        )
        _openssl(
            openssl, "x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-sha256",
            "-days", str(BROKER_DAYS), "-extfile", "broker.ext", "-out", "broker.crt",
            cwd=directory,
        )  # fmt: skip
        keystore = directory / "broker-keystore.pem"
        keystore.write_text(
            (directory / "broker.key").read_text()
            + (directory / "broker.crt").read_text()
            + (directory / "ca.pem").read_text()
        )
        for scratch in ("broker.csr", "broker.ext", "broker.key"):
            (directory / scratch).unlink()
    finally:
        os.umask(old_umask)
    os.chmod(directory / "ca.pem", 0o644)
    return LocalCertificates(directory / "ca.pem", keystore)

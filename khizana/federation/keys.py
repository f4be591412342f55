"""The signing keys of Khizana's identity providers, made on first use (no Django import).

- SAML: an RSA key and a self-signed certificate (the certificate goes into the IdP metadata; service
  providers trust the metadata, not a certificate authority);
- OpenID Connect: an RSA key (RS256) whose public half is published as the JWKS.

Keys are written with mode 0600 into a directory of the installation's data directory and never into
the repository. Writing goes through a temporary file and a rename, so two processes starting at the
same time end with one key, not a torn file.
"""

from __future__ import annotations

import datetime
import fcntl
import os
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

KEY_BITS = 2048
CERTIFICATE_YEARS = 10


def write_new(path: Path, data: bytes) -> None:
    """Writes ``data`` to ``path`` unless it already exists (then the existing file wins)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(handle, 0o600)
        os.write(handle, data)
        os.close(handle)
        handle = -1
        os.link(temporary, path)  # fails if another process made it first: keep theirs
    except FileExistsError:
        pass
    finally:
        if handle != -1:
            os.close(handle)
        os.unlink(temporary)


def _new_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def rsa_key(path: Path) -> str:
    """The PEM of the RSA private key at ``path``, made if absent."""
    path = Path(path)
    if not path.exists():
        write_new(path, _pem(_new_private_key()))
    return path.read_text()


def saml_key_pair(directory: Path, common_name: str = "Khizana SAML IdP") -> tuple[Path, Path]:
    """(key file, certificate file) of the SAML identity provider in ``directory``, made if absent."""
    directory = Path(directory)
    key_file, cert_file = directory / "saml-idp.key", directory / "saml-idp.crt"
    if key_file.exists() and cert_file.exists():
        return key_file, cert_file
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".saml-idp.lock", "w") as lock:  # one process makes the pair, the others wait
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not key_file.exists() or not cert_file.exists():
            _make_pair(key_file, cert_file, common_name)
    return key_file, cert_file


def _make_pair(key_file: Path, cert_file: Path, common_name: str) -> None:
    key = _new_private_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * CERTIFICATE_YEARS))
        .sign(key, hashes.SHA256())
    )
    for stale in (key_file, cert_file):  # a pair is made whole, never half-replaced
        stale.unlink(missing_ok=True)
    write_new(key_file, _pem(key))
    write_new(cert_file, certificate.public_bytes(serialization.Encoding.PEM))

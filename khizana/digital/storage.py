"""Where digital files live: content-addressed files under the data directory.

Keys are ``<sha256[:2]>/<sha256>.<ext>``: the same bytes are stored once, a key never names a path outside
the store, and the checksum of a file is its name (fixity audits re-hash and compare).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}(\.[a-z0-9]{1,8})?$")
_CHUNK = 1024 * 1024


class StorageError(Exception):
    """A file could not be stored or found."""


def _extension(extension: str) -> str:
    extension = extension.lower().lstrip(".")
    if extension and not re.fullmatch(r"[a-z0-9]{1,8}", extension):
        raise StorageError(f"invalid file extension {extension!r}")
    return extension


@dataclass(frozen=True)
class StoredFile:
    key: str
    sha256: str
    size: int


class LocalFileStore:
    """Files in a local directory (the default: ``$KHIZANA_DATA_DIR/digital``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def save(self, source: BinaryIO, extension: str = "", max_bytes: int | None = None) -> StoredFile:
        """Copy ``source`` in, hashing as it goes; refuse more than ``max_bytes`` (nothing is left behind)."""
        extension = _extension(extension)
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := source.read(_CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise StorageError(f"file larger than the limit of {max_bytes:,} bytes")
                    digest.update(chunk)
                    out.write(chunk)
            return self.adopt(Path(temporary), digest.hexdigest(), extension)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    def adopt(self, path: Path, sha256: str, extension: str = "") -> StoredFile:
        """Move ``path`` (a file already hashed to ``sha256``, on the store's filesystem) in as its key."""
        extension = _extension(extension)
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise StorageError(f"invalid sha256 {sha256!r}")
        key = f"{sha256[:2]}/{sha256}" + (f".{extension}" if extension else "")
        size = os.path.getsize(path)
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            os.unlink(path)
        else:
            os.replace(path, target)
        return StoredFile(key=key, sha256=sha256, size=size)

    def path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise StorageError(f"invalid storage key {key!r}")
        return self.root / key

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except FileNotFoundError as error:
            raise StorageError(f"stored file {key} is missing") from error

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def default_store() -> LocalFileStore:
    from django.conf import settings

    return LocalFileStore(settings.KHIZANA_DIGITAL_STORE)

"""Backup archives of a Khizana installation, without Django: writing them, checking them, unpacking them.

An archive is a tar file (gzip-compressed unless asked otherwise) named ``khizana-backup-YYYYMMDDTHHMMSSZ``
whose first member is ``manifest.json``: the format and its version, the Khizana version, the database
vendor, when it was made, the row count of every table, the kept-data locations, and for every other member
its name, size and SHA-256. The manifest carries the SHA-256 of its own canonical JSON
(``manifest_sha256``), so an edited manifest is refused too.

Members: ``database/...`` (a SQLite copy or a ``pg_dump -Fc`` file), then ``files/<LOCATION>/<path>``, where
LOCATION names a kept-data directory by its setting (``DATA_DIR``, ``KHIZANA_DIGITAL_STORE``...), so a
restore puts each file where the *restoring* installation keeps that kind of data.

Writing reads every file twice: once to hash it for the manifest (which comes first), then to copy it, hashing
again; a file that changed in between stops the backup (run it again). The archive is written under a
temporary name in the output directory and linked to its final name only when complete, so no half-written
archive ever carries the final name. Reading (:func:`verify`) checks everything before anything is written:
the manifest, every member against it, nothing missing, nothing extra.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import tarfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

FORMAT = "khizana-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_CHUNK = 1024 * 1024
COMPRESSIONS = {"gz": ".tar.gz", "none": ".tar"}


class ArchiveError(Exception):
    """An archive cannot be written, read or trusted; the message names it and says why."""


@dataclass(frozen=True)
class Source:
    """One file to put in the archive under ``name``."""

    name: str
    path: Path


# ---------------------------------------------------------------- what goes in


def is_temporary(name: str) -> bool:
    """Files being written by Khizana (``.incoming-…``, ``….partial``, ``….tmp``) are not kept data."""
    return name.startswith(".") or name.endswith((".partial", ".tmp"))


def collect(locations: dict[str, Path], excluded: Iterable[Path]) -> list[Source]:
    """Every regular file under the named locations, each under the most specific location holding it,
    leaving out the ``excluded`` paths (files or folders), temporary files and symbolic links."""
    roots = {name: Path(path).absolute() for name, path in locations.items()}
    stop = {Path(p).absolute() for p in excluded} | set(roots.values())
    sources: list[Source] = []
    for name, root in roots.items():
        if root.is_dir():
            sources.extend(_walk(name, root, stop - {root}))
    return sources


def _walk(name: str, root: Path, stop: set[Path]) -> Iterator[Source]:
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not is_temporary(d) and here / d not in stop)
        for file in sorted(files):
            path = here / file
            if is_temporary(file) or path in stop or path.is_symlink() or not path.is_file():
                continue
            yield Source(f"files/{name}/{path.relative_to(root).as_posix()}", path)


def file_digest(path: Path) -> tuple[str, int]:
    """The SHA-256 (hex) and size of a file."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def archive_name(created: datetime, compress: str = "gz") -> str:
    """``khizana-backup-20261207T140000Z.tar.gz``."""
    stamp = created.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"khizana-backup-{stamp}{COMPRESSIONS[compress]}"


# ---------------------------------------------------------------- the manifest


def manifest_digest(manifest: dict) -> str:
    """SHA-256 of the manifest's canonical JSON, ``manifest_sha256`` left out."""
    body = {key: value for key, value in manifest.items() if key != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def seal(manifest: dict) -> bytes:
    """The manifest as written into the archive, with its own digest."""
    manifest = {**manifest, "format": FORMAT, "format_version": FORMAT_VERSION}
    manifest["manifest_sha256"] = manifest_digest(manifest)
    return json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False).encode()


def _read_manifest(data: bytes, label: str) -> dict:
    try:
        manifest = json.loads(data)
    except ValueError as error:
        raise ArchiveError(f"{label}: its manifest is not valid JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"{label}: not a Khizana backup (its manifest says no format {FORMAT!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(
            f"{label}: backup format version {manifest.get('format_version')!r}, this Khizana reads "
            f"version {FORMAT_VERSION} only"
        )
    if manifest.get("manifest_sha256") != manifest_digest(manifest):
        raise ArchiveError(f"{label}: its manifest was altered (its checksum does not match its content)")
    members = manifest.get("members")
    if not isinstance(members, list) or not all(_valid_entry(entry) for entry in members):
        raise ArchiveError(f"{label}: its manifest lists no valid members")
    return manifest


def _valid_entry(entry) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("name"), str)
        and isinstance(entry.get("size"), int)
        and isinstance(entry.get("sha256"), str)
        and safe_name(entry["name"])
    )


def safe_name(name: str) -> bool:
    """A member name that stays inside the folder it is unpacked into."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


# ---------------------------------------------------------------- writing


class _Hashing(io.RawIOBase):
    """Reads a file while hashing what was read."""

    def __init__(self, handle) -> None:
        self.handle, self.digest = handle, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def write(
    output_dir: Path,
    manifest: dict,
    sources: list[Source],
    *,
    created: datetime,
    compress: str = "gz",
    progress: Callable[[str], None] | None = None,
) -> tuple[Path, dict]:
    """Write the archive of ``sources`` with ``manifest`` (completed with the members) into ``output_dir``;
    returns its path and the sealed manifest. Nothing carries the final name unless it is complete."""
    if compress not in COMPRESSIONS:
        raise ArchiveError(f"unknown compression {compress!r} (one of: {', '.join(COMPRESSIONS)})")
    output_dir.mkdir(parents=True, exist_ok=True)
    final = output_dir / archive_name(created, compress)
    if final.exists():
        raise ArchiveError(f"{final} already exists")
    entries = []
    for source in sources:
        try:
            sha256, size = file_digest(source.path)
        except OSError as error:
            raise ArchiveError(f"cannot read {source.path}: {error.strerror or error}") from None
        entries.append({"name": source.name, "size": size, "sha256": sha256})
    sealed = seal({**manifest, "created_at": created.astimezone(UTC).isoformat(), "members": entries})
    partial = output_dir / f".{final.name}.{os.getpid()}.partial"
    try:
        _write_tar(partial, sealed, sources, entries, compress, progress)
        os.chmod(partial, 0o600)  # the database (password hashes) and the installation's keys are inside
        os.link(partial, final)
    except FileExistsError:
        raise ArchiveError(f"{final} already exists") from None
    finally:
        partial.unlink(missing_ok=True)
    _sync_folder(output_dir)
    return final, json.loads(sealed)


def _write_tar(path: Path, sealed: bytes, sources, entries, compress: str, progress) -> None:
    with open(path, "wb") as raw:
        stream = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) if compress == "gz" else raw
        with tarfile.open(fileobj=stream, mode="w", format=tarfile.PAX_FORMAT) as tar:
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(sealed), 0o600, int(datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(sealed))
            for source, entry in zip(sources, entries, strict=True):
                _add(tar, source, entry)
                if progress:
                    progress(source.name)
        if stream is not raw:
            stream.close()
        raw.flush()
        os.fsync(raw.fileno())


def _add(tar: tarfile.TarFile, source: Source, entry: dict) -> None:
    changed = ArchiveError(f"{source.path} changed while it was being backed up: run the backup again")
    try:
        stat = source.path.stat()
        info = tarfile.TarInfo(source.name)
        info.size, info.mode, info.mtime = entry["size"], stat.st_mode & 0o777, int(stat.st_mtime)
        with open(source.path, "rb") as handle:
            hashing = _Hashing(handle)
            tar.addfile(info, hashing)
            if handle.read(1):
                raise changed
    except (OSError, tarfile.TarError):
        raise changed from None
    if hashing.digest.hexdigest() != entry["sha256"]:
        raise changed


def _sync_folder(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


# ---------------------------------------------------------------- reading

_DAMAGED = (tarfile.TarError, EOFError, zlib.error, OSError, UnicodeDecodeError)


def verify(archive: Path) -> dict:
    """Read the whole archive and check it against its manifest; returns the manifest. Raises
    :class:`ArchiveError` naming the archive and the problem. Writes nothing."""
    seen: set[str] = set()
    manifest = _each_member(archive, lambda name, entry, data: _check(archive, name, entry, data, seen))
    missing = [entry["name"] for entry in manifest["members"] if entry["name"] not in seen]
    if missing:
        raise ArchiveError(
            f"{archive}: truncated or incomplete: {len(missing)} member(s) of its manifest are missing "
            f"(first: {missing[0]})"
        )
    return manifest


def _check(archive: Path, name: str, entry: dict, data: Iterator[bytes], seen: set[str]) -> None:
    if name in seen:
        raise ArchiveError(f"{archive}: member {name} appears twice")
    seen.add(name)
    digest, size = hashlib.sha256(), 0
    for chunk in data:
        digest.update(chunk)
        size += len(chunk)
    if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
        raise ArchiveError(
            f"{archive}: member {name} is damaged (its size or SHA-256 differs from the manifest's)"
        )


class _Stop(Exception):
    pass


def unpack(archive: Path, target: Callable[[str], Path | None], *, last: str | None = None) -> None:
    """Write each member (the manifest aside) to ``target(name)`` (None: not written), through a temporary
    name in the same folder, stopping after member ``last`` if given; call only on an archive :func:`verify`
    has accepted."""

    def place(name: str, entry: dict, data: Iterator[bytes]) -> None:
        path = target(name)
        if path is not None:
            _place(archive, name, entry, data, path)
        if name == last:
            raise _Stop

    with contextlib.suppress(_Stop):
        _each_member(archive, place)


def _place(archive: Path, name: str, entry: dict, data: Iterator[bytes], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".restore-{os.getpid()}-{path.name}"
    digest = hashlib.sha256()
    try:
        with open(temporary, "wb") as out:
            for chunk in data:
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise ArchiveError(f"{archive}: member {name} changed while it was being restored")
        os.chmod(temporary, entry.get("mode", 0o600))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _each_member(archive: Path, visit: Callable[[str, dict, Iterator[bytes]], None]) -> dict:
    try:
        handle = open(archive, "rb")  # noqa: SIM115 (closed below, after the tar reader)
    except OSError as error:
        raise ArchiveError(f"{archive}: cannot be read ({error.strerror or error})") from None
    try:
        with handle, tarfile.open(fileobj=handle, mode="r|*") as tar:
            return _read_members(archive, tar, visit)
    except ArchiveError:
        raise
    except _DAMAGED as error:
        raise ArchiveError(f"{archive}: damaged or truncated archive ({error})") from None


def _read_members(archive: Path, tar: tarfile.TarFile, visit) -> dict:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isfile():
        raise ArchiveError(f"{archive}: not a Khizana backup (its first member is not {MANIFEST})")
    manifest = _read_manifest(tar.extractfile(first).read(), str(archive))
    entries = {entry["name"]: entry for entry in manifest["members"]}
    for member in tar:  # a stream's iteration starts again from its first member
        if member is first:
            continue
        entry = entries.get(member.name)
        if entry is None or not member.isfile():
            raise ArchiveError(f"{archive}: member {member.name} is not in its manifest")
        entry = {**entry, "mode": member.mode & 0o777}
        visit(member.name, entry, _chunks(tar.extractfile(member)))
    return manifest


def _chunks(handle) -> Iterator[bytes]:
    while chunk := handle.read(_CHUNK):
        yield chunk

"""OCFL storage roots of the preserved items, with ocfl-py: objects written and versioned (inventory
digests sha512), replicated version by version to a second root, checked file by file against their
inventory, and files taken back out with their digest verified. No Django here.

An object is first built in ``<root>.staging`` (beside the root, same file system) and moved in whole, so
a crash never leaves half an object in the root; a new version is added by ocfl-py in place and becomes
visible when ocfl-py rewrites the root inventory, its last step.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ocfl

# ocfl-py is imported where it is used: with its storage back ends (s3fs, aiobotocore, aiohttp) it costs a
# quarter of a second at every start of the command line and of the web and queue workers.

LAYOUT = "0003-hash-and-id-n-tuple-storage-layout"
INVENTORY = "inventory.json"
_CHUNK = 1024 * 1024
_VERSION_DIR = re.compile(r"^v\d+$")


class PreservationStoreError(Exception):
    """An object could not be written, read or copied; the message says which and why."""


@dataclass
class Fixity:
    """What a check of one object in one root found."""

    identifier: str
    found: bool = True
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    validator_errors: list[str] = field(default_factory=list)
    files: int = 0
    bytes: int = 0

    @property
    def ok(self) -> bool:
        return self.found and not (self.changed or self.missing or self.unexpected or self.validator_errors)

    def as_dict(self) -> dict:
        return {
            "found": self.found,
            "changed": self.changed,
            "missing": self.missing,
            "unexpected": self.unexpected,
            "validator_errors": self.validator_errors[:50],
            "files": self.files,
            "bytes": self.bytes,
        }


def file_digest(path: Path, algorithm: str = "sha512") -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, algorithm).hexdigest()


class Root:
    """One OCFL storage root (made on first use) holding objects under the 0003 hashed n-tuple layout."""

    def __init__(self, path: Path | str, workers: int = 2) -> None:
        self.path = Path(path)
        self.workers = max(1, workers)
        self._layout_root: ocfl.StorageRoot | None = None

    def __repr__(self) -> str:
        return f"Root({str(self.path)!r})"

    @property
    def staging(self) -> Path:
        return self.path.with_name(self.path.name + ".staging")

    def ensure(self) -> None:
        """Initialise the storage root if it does not exist yet."""
        if (self.path / "0=ocfl_1.1").exists():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and any(self.path.iterdir()):
            raise PreservationStoreError(f"{self.path} exists and is not an OCFL storage root")
        if self.path.exists():
            self.path.rmdir()
        import ocfl

        ocfl.StorageRoot(str(self.path), layout_name=LAYOUT).initialize()

    @contextmanager
    def lock(self, identifier: str) -> Iterator[None]:
        """Hold the object for writing (one writer at a time across processes: web, huey, commands)."""
        locks = self.staging / "locks"
        locks.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(identifier.encode()).hexdigest()
        with open(locks / name, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def object_dir(self, identifier: str) -> Path:
        if self._layout_root is None:
            import ocfl

            self._layout_root = ocfl.StorageRoot(str(self.path), layout_name=LAYOUT)
        return self.path / self._layout_root.object_path(identifier)

    def has(self, identifier: str) -> bool:
        return (self.object_dir(identifier) / INVENTORY).is_file()

    def inventory(self, identifier: str) -> dict:
        path = self.object_dir(identifier) / INVENTORY
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PreservationStoreError(f"{identifier}: no inventory in {self.path}") from None
        except (OSError, ValueError) as error:
            raise PreservationStoreError(
                f"{identifier}: unreadable inventory in {self.path}: {error}"
            ) from None

    def write_version(
        self, identifier: str, source: Path, *, message: str, user_name: str, user_address: str = ""
    ) -> str | None:
        """Make ``source`` (a folder) the new head of the object: its first version when the object is
        new, a new version when the content differs from the head; None when nothing changed."""
        import ocfl

        self.ensure()
        metadata = ocfl.VersionMetadata(message=message, name=user_name, address=user_address or None)
        target = self.object_dir(identifier)
        try:
            if not (target / INVENTORY).is_file():
                self.staging.mkdir(parents=True, exist_ok=True)
                built = self.staging / uuid.uuid4().hex
                try:
                    ocfl.Object(identifier=identifier).create(
                        str(source), metadata=metadata, objdir=str(built)
                    )
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(built, target)
                finally:
                    shutil.rmtree(built, ignore_errors=True)
                return "v1"
            inventory = ocfl.Object().add_version_with_content(
                objdir=str(target), srcdir=str(source), metadata=metadata, abort_if_no_difference=True
            )
        except (ocfl.ObjectException, ocfl.NewVersionException, OSError) as error:
            raise PreservationStoreError(f"{identifier}: cannot be written to {self.path}: {error}") from None
        return inventory.head if inventory is not None else None

    def replicate_to(self, other: Root, identifier: str) -> list[str]:
        """Copy to ``other`` the versions of the object it does not hold yet, then the root inventory;
        the content paths copied (to be checked there). Existing versions are never overwritten."""
        source = self.object_dir(identifier)
        inventory = self.inventory(identifier)
        other.ensure()
        target = other.object_dir(identifier)
        copied: list[str] = []
        try:
            if not (target / INVENTORY).is_file():
                other.staging.mkdir(parents=True, exist_ok=True)
                built = other.staging / uuid.uuid4().hex
                try:
                    shutil.copytree(source, built)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    if target.exists():  # a broken object without inventory: set aside, replaced whole
                        self._set_aside(other, target)
                    os.replace(built, target)
                finally:
                    shutil.rmtree(built, ignore_errors=True)
                return sorted(path for paths in inventory["manifest"].values() for path in paths)
            for version in inventory["versions"]:
                if not (target / version).exists():
                    shutil.copytree(source / version, target / version)
                    copied += [
                        p
                        for paths in inventory["manifest"].values()
                        for p in paths
                        if p.startswith(f"{version}/")
                    ]
            sidecar = f"{INVENTORY}.{inventory.get('digestAlgorithm', 'sha512')}"
            for name in (INVENTORY, sidecar):
                temporary = target / f".{name}.{uuid.uuid4().hex}"
                shutil.copyfile(source / name, temporary)
                os.replace(temporary, target / name)
        except OSError as error:
            raise PreservationStoreError(f"{identifier}: cannot be copied to {other.path}: {error}") from None
        return sorted(copied)

    @staticmethod
    def _set_aside(root: Root, folder: Path) -> None:
        aside = root.staging / "set-aside" / uuid.uuid4().hex
        aside.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(folder, aside)

    def replace_from(self, other: Root, identifier: str) -> None:
        """Set this root's (damaged) object aside in ``<root>.staging`` and copy ``other``'s whole."""
        folder = self.object_dir(identifier)
        if folder.exists():
            self._set_aside(self, folder)
        other.replicate_to(self, identifier)

    def check(self, identifier: str, only: list[str] | None = None) -> Fixity:
        """ocfl-py's validator (structure, inventories) and our own fixity pass: every content file of the
        inventory's manifest hashed and compared (changed, missing), and every file of the object that no
        inventory names (unexpected). ``only``: the content paths to hash (the rest is not re-read)."""
        result = Fixity(identifier)
        folder = self.object_dir(identifier)
        if not folder.is_dir():
            result.found = False
            return result
        from ocfl.validator import Validator

        validator = Validator(check_digests=False, log_warnings=False)
        if not validator.validate_object(str(folder)):
            result.validator_errors = [line for line in validator.status_str().splitlines() if line.strip()]
        try:
            inventory = self.inventory(identifier)
            algorithm = inventory.get("digestAlgorithm", "sha512")
            expected = {path: digest for digest, paths in inventory["manifest"].items() for path in paths}
        except (PreservationStoreError, KeyError, TypeError, AttributeError) as error:
            result.validator_errors.append(str(error))
            return result
        wanted = expected if only is None else {p: expected[p] for p in only if p in expected}
        present = {p: folder / p for p in wanted if (folder / p).is_file()}
        result.missing = sorted(set(wanted) - set(present))
        with ThreadPoolExecutor(self.workers) as pool:
            digests = dict(
                zip(present, pool.map(lambda p: file_digest(p, algorithm), present.values()), strict=True)
            )
        result.changed = sorted(p for p, digest in digests.items() if digest.lower() != wanted[p].lower())
        result.files = len(present)
        result.bytes = sum(path.stat().st_size for path in present.values())
        if only is None:
            result.unexpected = sorted(set(_object_files(folder)) - set(expected) - _bookkeeping(folder))
        return result

    def head_state(self, identifier: str) -> dict[str, tuple[str, str]]:
        """Logical path -> (content path, digest) of the head version."""
        inventory = self.inventory(identifier)
        manifest = inventory["manifest"]
        state = inventory["versions"][inventory["head"]]["state"]
        return {
            logical: (manifest[digest][0], digest) for digest, paths in state.items() for logical in paths
        }

    def copy_out(self, identifier: str, logical_path: str, target: Path) -> None:
        """Write the head's ``logical_path`` to ``target`` (via a temporary file), its digest checked."""
        inventory = self.inventory(identifier)
        state = self.head_state(identifier)
        if logical_path not in state:
            raise PreservationStoreError(f"{identifier}: no file {logical_path} in {self.path}")
        content, digest = state[logical_path]
        source = self.object_dir(identifier) / content
        algorithm = inventory.get("digestAlgorithm", "sha512")
        try:
            if file_digest(source, algorithm) != digest:
                raise PreservationStoreError(f"{identifier}: {content} is damaged in {self.path}")
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".restore-{uuid.uuid4().hex}")
            shutil.copyfile(source, temporary)
            if file_digest(temporary, algorithm) != digest:
                temporary.unlink()
                raise PreservationStoreError(f"{identifier}: {content} changed while copied")
            os.replace(temporary, target)
        except FileNotFoundError:
            raise PreservationStoreError(f"{identifier}: {content} is missing in {self.path}") from None

    def repair_from(self, other: Root, identifier: str, fixity: Fixity) -> list[str]:
        """Put back the changed and missing content files of this root's object from ``other``'s (each
        checked against the inventory digest first) and move unexpected files out to ``<root>.staging``.
        The paths repaired."""
        folder = self.object_dir(identifier)
        expected = {
            path: digest for digest, paths in self.inventory(identifier)["manifest"].items() for path in paths
        }
        repaired = []
        for path in fixity.changed + fixity.missing:
            good = other.object_dir(identifier) / path
            if not good.is_file() or file_digest(good) != expected[path]:
                raise PreservationStoreError(f"{identifier}: {path} is not sound in {other.path} either")
            temporary = (folder / path).with_name(f".repair-{uuid.uuid4().hex}")
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(good, temporary)
            os.replace(temporary, folder / path)
            repaired.append(path)
        if fixity.unexpected:
            quarantine = self.staging / "unexpected" / uuid.uuid4().hex
            for path in fixity.unexpected:
                (quarantine / path).parent.mkdir(parents=True, exist_ok=True)
                shutil.move(folder / path, quarantine / path)
                repaired.append(path)
        return repaired

    def validate(self) -> tuple[bool, int, int, list]:
        """ocfl-py's validation of the whole storage root, digests included: (all valid, objects, valid
        objects, errors)."""
        import ocfl

        root = ocfl.StorageRoot(str(self.path))
        structure_ok = root.validate(check_digests=True, log_errors=False)
        return (
            structure_ok and root.good_objects == root.num_objects,
            root.num_objects,
            root.good_objects,
            root.errors,
        )


def _object_files(folder: Path) -> list[str]:
    found = []
    for directory, _dirs, files in os.walk(folder):
        for name in files:
            found.append(Path(directory, name).relative_to(folder).as_posix())
    return found


def _bookkeeping(folder: Path) -> set[str]:
    """The files of an object that are not content: declaration, inventories and their sidecars."""
    names = {path.name for path in folder.glob("0=ocfl_object_*")}
    for base in [""] + [f"{d.name}/" for d in folder.iterdir() if d.is_dir() and _VERSION_DIR.match(d.name)]:
        names |= {f"{base}{INVENTORY}"} | {f"{base}{p.name}" for p in (folder / base).glob(f"{INVENTORY}.*")}
    return names

"""EPUBs that must be refused, built from a real one: each names what it is and the reason expected.

Path traversal (``..``, absolute path, backslash, drive letter, NUL), a symbolic link, a name not in UTF-8,
a duplicate entry, and zip bombs (by compression ratio, by a stated size that lies either way, by the
total stated size, by the number of entries).
"""

from __future__ import annotations

import struct
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from khizana.digital.ingest.tests.ingest_support import RTL_EPUB

MAX_ENTRY = 512 * 1024 * 1024  # formats.ZipLimits defaults
MAX_TOTAL = 2 * 1024 * 1024 * 1024
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class BadArchive:
    kind: str
    build: Callable[[Path], Path]  # writes the archive at the path given, returns it
    reason: str  # the refusal, in English


def epub_entries() -> list[tuple[str | zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(RTL_EPUB) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist() if not info.is_dir()]


def write_zip(path: Path, extra: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    """The real EPUB's entries (mimetype first, stored), then ``extra``, deflated."""
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": wanted here
        for name, content in [*epub_entries(), *extra]:
            stored = isinstance(name, str) and name == "mimetype"
            archive.writestr(name, content, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return path


def with_raw_name(path: Path, placeholder: str, raw: bytes) -> Path:
    """Write an entry under ``placeholder`` (ASCII), then put bytes of the same length in its place in
    the local header and the central directory: a name zipfile itself would never write."""
    assert len(placeholder.encode()) == len(raw)
    write_zip(path, [(placeholder, b"x")])
    data = path.read_bytes()
    assert data.count(placeholder.encode()) == 2
    path.write_bytes(data.replace(placeholder.encode(), raw))
    return path


def with_stated_sizes(
    path: Path, names: list[str], *, file_size: int, compress_size: int | None = None
) -> Path:
    """Rewrite what the central directory says of these entries' sizes."""
    data = bytearray(path.read_bytes())
    for name in names:
        encoded = name.encode()
        central = data.rindex(b"PK\x01\x02", 0, data.rindex(encoded))
        if compress_size is not None:
            struct.pack_into("<I", data, central + 20, compress_size)
        struct.pack_into("<I", data, central + 24, file_size)
    path.write_bytes(bytes(data))
    return path


def _entry(name: str) -> Callable[[Path], Path]:
    return lambda path: write_zip(path, [(name, b"x")])


def _symlink(path: Path) -> Path:
    link = zipfile.ZipInfo("EPUB/link.xhtml")
    link.create_system = 3  # Unix
    link.external_attr = 0o120777 << 16  # S_IFLNK
    return write_zip(path, [(link, b"/etc/passwd")])


def _duplicate(path: Path) -> Path:
    return write_zip(path, [("EPUB/content_001.xhtml", b"<html/>")])


def _ratio_bomb(path: Path) -> Path:
    return write_zip(path, [("EPUB/filler.xhtml", b"\0" * (20 * 1024 * 1024))])


def _stated_too_small(path: Path) -> Path:
    return with_stated_sizes(write_zip(path, []), ["EPUB/content_001.xhtml"], file_size=10)


def _stated_too_big(path: Path) -> Path:
    return with_stated_sizes(write_zip(path, []), ["EPUB/content_001.xhtml"], file_size=MAX_ENTRY + 1)


def _stated_total(path: Path) -> Path:
    names = [f"EPUB/part-{n}.xhtml" for n in range(5)]
    write_zip(path, [(name, b"x") for name in names])
    # Each entry says 500 MB from 10 MB: under the bounds one by one, over 2 GiB together.
    return with_stated_sizes(path, names, file_size=500_000_000, compress_size=10_000_000)


def _many_entries(path: Path) -> Path:
    return write_zip(path, [(f"EPUB/{n}.css", b"") for n in range(MAX_ENTRIES)])


def _unsafe(name: str, problem: str) -> str:
    return f"unsafe entry name {name!r} in the ZIP archive: {problem} (path traversal)"


BAD_ARCHIVES = [
    BadArchive("parent-folder", _entry("../x"), _unsafe("../x", "parent folder (..) in the path")),
    BadArchive(
        "parent-folder-inside",
        _entry("EPUB/../../evil.xhtml"),
        _unsafe("EPUB/../../evil.xhtml", "parent folder (..) in the path"),
    ),
    BadArchive("absolute-path", _entry("/etc/passwd"), _unsafe("/etc/passwd", "absolute path")),
    BadArchive(
        "backslash", _entry("EPUB\\..\\evil.xhtml"), _unsafe("EPUB\\..\\evil.xhtml", "backslash in the name")
    ),
    BadArchive("drive-letter", _entry("C:/Windows/evil.dll"), _unsafe("C:/Windows/evil.dll", "drive letter")),
    BadArchive(
        "nul-in-name",
        lambda path: with_raw_name(path, "EPUB/evil.xhtml_png", b"EPUB/evil.xhtml\0png"),
        _unsafe("EPUB/evil.xhtml", "NUL character in the name"),
    ),
    BadArchive("symlink", _symlink, "symbolic link 'EPUB/link.xhtml' in the ZIP archive"),
    BadArchive(
        "not-utf8-name",  # Latin-1 "café", flag bit 11 clear: zipfile reads it as cp437
        lambda path: with_raw_name(path, "EPUB/cafe.xhtml", b"EPUB/caf\xe9.xhtml"),
        "entry name 'EPUB/caf\u0398.xhtml' in the ZIP archive is not UTF-8",
    ),
    BadArchive("duplicate", _duplicate, "entry 'EPUB/content_001.xhtml' appears twice in the ZIP archive"),
    BadArchive(
        "bomb-ratio",
        _ratio_bomb,
        "entry 'EPUB/filler.xhtml' is compressed 1028 times, over the limit of 100 (zip bomb)",
    ),
    BadArchive(
        "bomb-stated-size-too-small",
        _stated_too_small,
        # zipfile never yields more than the stated size: the bytes cut there fail their CRC
        "entry 'EPUB/content_001.xhtml' of the ZIP archive cannot be read: "
        "Bad CRC-32 for file 'EPUB/content_001.xhtml'",
    ),
    BadArchive(
        "bomb-stated-size-too-big",
        _stated_too_big,
        f"entry 'EPUB/content_001.xhtml' unpacks to {MAX_ENTRY + 1:,} bytes, "
        f"over the limit of {MAX_ENTRY:,} (zip bomb)",
    ),
    BadArchive(
        "bomb-total-size",
        _stated_total,
        f"ZIP archive unpacks to more than {MAX_TOTAL:,} bytes (zip bomb)",
    ),
    BadArchive(
        "too-many-entries",
        _many_entries,
        f"ZIP archive of {MAX_ENTRIES + 5} entries, over the limit of {MAX_ENTRIES}",
    ),
]

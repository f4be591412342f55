"""What a digital file is, read from its bytes (never its name), and whether it may be kept (no Django).

:func:`identify_file` recognises a PDF, an EPUB or a page image (JPEG, PNG, TIFF, JPEG 2000), checks it and
returns its technical metadata, or raises :class:`RefusedFile` with the reason. Decisions:

- PDF: opened with pypdf (non-strict, so a damaged cross-reference table that readers repair is accepted,
  with a note). Any encryption is refused, even one that opens with an empty password (the file would be
  served as it is, with its restrictions). JavaScript, Launch actions and rich-media annotations are
  *active content* and refused; embedded files are only counted. "Text layer" means pages with fonts.
- EPUB: a ZIP is checked before anything reads it for bombs (entry count, sizes, compression ratio, every
  entry decompressed with a bound) and for path traversal (``..``, absolute paths, backslashes, drive letters,
  symlinks, names not in UTF-8, duplicates). Then its OCF structure (``mimetype`` first, stored, exactly
  ``application/epub+zip``; ``META-INF/container.xml``; the package document) is read, then Debian's
  ``epubcheck`` validates it: errors and fatals refuse the file, warnings are kept. Without epubcheck the
  structural checks decide and the metadata says so. Direction: the spine's ``page-progression-direction``;
  when it is "default", right-to-left for a book whose first language is written right to left.
- Page images: Pillow, with a pixel bound (image bombs) and ``verify()``; one frame per page.

Messages are English templates marked for translation (``gettext_noop``); the Django side translates them.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import stat
import subprocess
import threading
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree

from khizana.catalog.formats.dublin_core import normalise_language


class Msgid(str):
    """A message marked for translation: a parameter of this type is translated when it is shown, any
    other (a file or entry name, a parser's words) is shown as it is."""


def gettext_noop(message: str) -> Msgid:
    """Marks a message for translation (the Django side translates it when it shows it)."""
    return Msgid(message)


class RefusedFile(Exception):
    """The file cannot become a digital item. ``template % params`` is the reason, in English.

    ``template`` is positional-only, so that any name (``name``, ``template``...) can be a parameter."""

    def __init__(self, template: str, /, **params: object) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


@dataclass
class Identified:
    """A checked file: which kind of item it makes and what was learnt from it."""

    kind: str  # "pdf", "epub" or "image"
    media_type: str
    extension: str
    page_count: int = 0
    language: str = ""  # ISO 639-2/B, e.g. "ara"
    direction: str = "ltr"
    width: int = 0
    height: int = 0
    technical: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 10_000
    max_entry_bytes: int = 512 * 1024 * 1024
    max_total_bytes: int = 2 * 1024 * 1024 * 1024
    max_ratio: int = 100  # uncompressed / compressed, for entries past ``ratio_floor``
    ratio_floor: int = 1024 * 1024


# Page images are bounded by Pillow's own bound (Image.MAX_IMAGE_PIXELS, 89 M pixels by default: a 600 dpi
# A3 scan is 70 M); past it Pillow's warning is an error here. This is the bound when Pillow has none.
MAX_PAGE_PIXELS = 89_478_485
MAX_PDF_PAGES = 20_000
EPUBCHECK_TIMEOUT = 300
EPUB_MIMETYPE = b"application/epub+zip"
RTL_LANGUAGES = frozenset({"ara", "per", "heb", "urd", "pus", "syr", "yid", "div", "snd", "uig", "kur"})


def direction_for(language: str, progression: str = "default") -> str:
    """The reading direction: an explicit page progression ("ltr" or "rtl") wins, else the language's."""
    if progression in ("ltr", "rtl"):
        return progression
    return "rtl" if language in RTL_LANGUAGES else "ltr"


_IMAGE_FORMATS = {  # sniffed kind -> (Pillow format, media type, extension)
    "jpeg": ("JPEG", "image/jpeg", "jpg"),
    "png": ("PNG", "image/png", "png"),
    "tiff": ("TIFF", "image/tiff", "tif"),
    "jp2": ("JPEG2000", "image/jp2", "jp2"),
}


# --- identification ---------------------------------------------------------------------------------


def sniff(head: bytes) -> str:
    """The kind of file the first bytes announce: pdf, zip, jpeg, png, tiff, jp2, or "" when none of them."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or head.startswith(b"\xff\x4f\xff\x51"):
        return "jp2"
    return ""


_LOOKS_LIKE = [
    (b"GIF8", gettext_noop("a GIF image")),
    (b"BM", gettext_noop("a BMP image")),
    (b"\x1f\x8b", gettext_noop("a gzip archive")),
    (b"7z\xbc\xaf\x27\x1c", gettext_noop("a 7-Zip archive")),
    (b"Rar!", gettext_noop("a RAR archive")),
    (b"\xd0\xcf\x11\xe0", gettext_noop("an old Microsoft Office document")),
    (b"{\\rtf", gettext_noop("an RTF document")),
    (b"ID3", gettext_noop("an MP3 file")),
    (b"\x7fELF", gettext_noop("a program")),
    (b"MZ", gettext_noop("a Windows program")),
]


def looks_like(head: bytes) -> str:
    """A short description of unsupported content, for the refusal message."""
    if not head:
        return gettext_noop("an empty file")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return gettext_noop("a WebP image")
    for magic, description in _LOOKS_LIKE:
        if head.startswith(magic):
            return description
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return gettext_noop("an HTML page")
    if start.startswith(b"<?xml") or start.startswith(b"<"):
        return gettext_noop("an XML document")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and sum(ch.isprintable() or ch in "\r\n\t" for ch in text) >= 0.95 * len(text):
        return gettext_noop("plain text")
    return gettext_noop("binary data of an unknown kind")


def identify_file(
    path: Path, *, epubcheck: list[str] | None = None, limits: ZipLimits = ZipLimits()
) -> Identified:
    """Check the file at ``path`` and describe it; raises :class:`RefusedFile`.

    ``epubcheck``: the command that runs EPUBCheck (see :func:`find_epubcheck`); None when not installed.
    """
    with open(path, "rb") as handle:
        head = handle.read(2048)
    kind = sniff(head)
    if kind == "pdf":
        return check_pdf(path)
    if kind == "zip":
        return check_epub(path, epubcheck=epubcheck, limits=limits)
    if kind in _IMAGE_FORMATS:
        return check_image(path, kind)
    raise RefusedFile(gettext_noop("unsupported format (%(what)s)"), what=looks_like(head))


# --- PDF --------------------------------------------------------------------------------------------

_ACTIVE_ACTIONS = {"/JavaScript": "JavaScript", "/Launch": "Launch action", "/Rendition": "rendition action"}


# pypdf's warnings while it rebuilds a damaged cross-reference table, in the words its strict mode uses
_PYPDF_REPAIRS = (
    ("incorrect startxref pointer", "Broken xref table"),
    ("parsing for Object Streams", "Broken xref table"),
)


class _PdfRepairs(logging.Handler):
    """pypdf's WARNING records of this thread while a PDF is read: the repairs it made, as notes."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.notes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        message = record.getMessage()
        what = next((words for start, words in _PYPDF_REPAIRS if message.startswith(start)), message)
        note = f"repaired on reading: {what}"
        if note not in self.notes:
            self.notes.append(note)


def check_pdf(path: Path) -> Identified:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    repairs, pypdf_log = _PdfRepairs(), logging.getLogger("pypdf")
    pypdf_log.addHandler(repairs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(path, strict=False)
            if reader.is_encrypted:
                raise RefusedFile(gettext_noop("encrypted PDF"))
            pages = list(reader.pages)
            if not pages:
                raise RefusedFile(gettext_noop("unreadable PDF: %(reason)s"), reason="no pages")
            if len(pages) > MAX_PDF_PAGES:
                raise RefusedFile(
                    gettext_noop("PDF of %(pages)s pages, over the limit of %(limit)s"),
                    pages=len(pages),
                    limit=MAX_PDF_PAGES,
                )
            active = _active_content(reader.trailer["/Root"], pages)
            with_fonts = sum(1 for page in pages if _has_fonts(page))
            metadata = reader.metadata or {}
            producer = str(metadata.get("/Producer") or "")
            creator = str(metadata.get("/Creator") or "")
            embedded = _embedded_file_count(reader.trailer["/Root"])
            version = reader.pdf_header.replace("%PDF-", "")
    except RefusedFile:
        raise
    except (PdfReadError, Exception) as error:
        raise RefusedFile(
            gettext_noop("unreadable PDF: %(reason)s"), reason=str(error) or type(error).__name__
        ) from None
    finally:
        pypdf_log.removeHandler(repairs)
    notes = repairs.notes
    if active:
        raise RefusedFile(
            gettext_noop("active content in the PDF (%(what)s)"), what=", ".join(sorted(active))
        )
    text_layer = "none" if with_fonts == 0 else ("full" if with_fonts == len(pages) else "partial")
    technical = {
        "format": "PDF",
        "version": version,
        "pages": len(pages),
        "producer": producer[:255],
        "creator": creator[:255],
        "text_layer": text_layer,
        "pages_with_text": with_fonts,
        "embedded_files": embedded,
    }
    if notes:
        technical["notes"] = notes
    return Identified(
        kind="pdf", media_type="application/pdf", extension="pdf", page_count=len(pages), technical=technical
    )


def _resolve(value):
    return value.get_object() if hasattr(value, "get_object") else value


def _has_fonts(page) -> bool:
    resources = _resolve(page.get("/Resources")) or {}
    fonts = _resolve(resources.get("/Font")) if hasattr(resources, "get") else None
    return bool(fonts)


def _actions_in(action, found: set[str], depth: int = 0) -> None:
    """Action dictionaries (and their /Next chains) of a kind we refuse."""
    action = _resolve(action)
    if depth > 8 or not hasattr(action, "get"):
        if isinstance(action, list) and depth <= 8:
            for each in action:
                _actions_in(each, found, depth + 1)
        return
    kind = action.get("/S")
    if kind in _ACTIVE_ACTIONS:
        found.add(_ACTIVE_ACTIONS[kind])
    if "/JS" in action:
        found.add("JavaScript")
    if "/Next" in action:
        _actions_in(action["/Next"], found, depth + 1)


def _additional_actions(holder, found: set[str]) -> None:
    holder = _resolve(holder)
    if not hasattr(holder, "get"):
        return
    additional = _resolve(holder.get("/AA"))
    if hasattr(additional, "values"):
        for action in additional.values():
            _actions_in(action, found)


def _active_content(root, pages) -> set[str]:
    root = _resolve(root)
    found: set[str] = set()
    if "/OpenAction" in root:
        _actions_in(root["/OpenAction"], found)
    _additional_actions(root, found)
    names = _resolve(root.get("/Names"))
    if hasattr(names, "get") and "/JavaScript" in names:
        found.add("JavaScript")
    for page in pages:
        _additional_actions(page, found)
        for annotation in _resolve(page.get("/Annots")) or []:
            annotation = _resolve(annotation)
            if not hasattr(annotation, "get"):
                continue
            if annotation.get("/Subtype") in ("/RichMedia", "/Screen", "/Movie"):
                found.add(f"{str(annotation.get('/Subtype'))[1:]} annotation")
            if "/A" in annotation:
                _actions_in(annotation["/A"], found)
            _additional_actions(annotation, found)
    form = _resolve(root.get("/AcroForm"))
    if hasattr(form, "get") and "/XFA" in form:
        found.add("XFA form")
    return found


def _embedded_file_count(root) -> int:
    names = _resolve(_resolve(root).get("/Names"))
    if not hasattr(names, "get"):
        return 0
    tree = _resolve(names.get("/EmbeddedFiles"))
    if not hasattr(tree, "get"):
        return 0
    listed = _resolve(tree.get("/Names")) or []
    return len(listed) // 2 or (1 if "/Kids" in tree else 0)


# --- ZIP and EPUB -----------------------------------------------------------------------------------

_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name(name: str) -> str:
    """Why an entry name could write outside a folder when unpacked, or "" when it is safe."""
    if "\\" in name:
        return gettext_noop("backslash in the name")
    if name.startswith("/"):
        return gettext_noop("absolute path")
    if _DRIVE.match(name):
        return gettext_noop("drive letter")
    if "\x00" in name:
        return gettext_noop("NUL character in the name")
    if ".." in PurePosixPath(name).parts:
        return gettext_noop("parent folder (..) in the path")
    return ""


def check_zip(path: Path, limits: ZipLimits = ZipLimits()) -> list[zipfile.ZipInfo]:
    """Refuse ZIP bombs and path traversal before anything unpacks the archive; returns its entries."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise RefusedFile(gettext_noop("unreadable ZIP archive: %(reason)s"), reason=str(error)) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise RefusedFile(
                gettext_noop("ZIP archive of %(count)s entries, over the limit of %(limit)s"),
                count=len(entries),
                limit=limits.max_entries,
            )
        seen: set[str] = set()
        total = 0
        for entry in entries:
            _check_entry_name(entry, seen)
            _check_entry_size(entry, limits)
            total += entry.file_size
            if total > limits.max_total_bytes:
                raise RefusedFile(
                    gettext_noop("ZIP archive unpacks to more than %(limit)s bytes (zip bomb)"),
                    limit=f"{limits.max_total_bytes:,}",
                )
        for entry in entries:
            _read_bounded(archive, entry, limits)
    return entries


def _check_entry_name(entry: zipfile.ZipInfo, seen: set[str]) -> None:
    name = entry.filename
    problem = unsafe_name(entry.orig_filename) or unsafe_name(name)
    if problem:
        raise RefusedFile(
            gettext_noop("unsafe entry name %(name)r in the ZIP archive: %(problem)s (path traversal)"),
            name=name,
            problem=problem,
        )
    if entry.create_system == 3 and stat.S_ISLNK(entry.external_attr >> 16):
        raise RefusedFile(gettext_noop("symbolic link %(name)r in the ZIP archive"), name=name)
    if not entry.flag_bits & 0x800 and any(ord(ch) > 127 for ch in name):
        raise RefusedFile(gettext_noop("entry name %(name)r in the ZIP archive is not UTF-8"), name=name)
    if name in seen:
        raise RefusedFile(gettext_noop("entry %(name)r appears twice in the ZIP archive"), name=name)
    seen.add(name)


def _check_entry_size(entry: zipfile.ZipInfo, limits: ZipLimits) -> None:
    if entry.file_size > limits.max_entry_bytes:
        raise RefusedFile(
            gettext_noop("entry %(name)r unpacks to %(size)s bytes, over the limit of %(limit)s (zip bomb)"),
            name=entry.filename,
            size=f"{entry.file_size:,}",
            limit=f"{limits.max_entry_bytes:,}",
        )
    if entry.file_size > limits.ratio_floor and entry.file_size > limits.max_ratio * max(
        entry.compress_size, 1
    ):
        raise RefusedFile(
            gettext_noop(
                "entry %(name)r is compressed %(ratio)s times, over the limit of %(limit)s (zip bomb)"
            ),
            name=entry.filename,
            ratio=entry.file_size // max(entry.compress_size, 1),
            limit=limits.max_ratio,
        )


def _read_bounded(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limits: ZipLimits) -> None:
    """Decompress one entry, counting: sizes in the headers may lie, and the CRC must match."""
    read = 0
    try:
        with archive.open(entry) as stream:
            while chunk := stream.read(1024 * 1024):
                read += len(chunk)
                if read > min(entry.file_size, limits.max_entry_bytes):
                    raise RefusedFile(
                        gettext_noop("entry %(name)r unpacks to more than its stated size (zip bomb)"),
                        name=entry.filename,
                    )
    except RefusedFile:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
        raise RefusedFile(
            gettext_noop("entry %(name)r of the ZIP archive cannot be read: %(reason)s"),
            name=entry.filename,
            reason=str(error),
        ) from None


_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"


def check_epub(path: Path, *, epubcheck: list[str] | None, limits: ZipLimits = ZipLimits()) -> Identified:
    entries = check_zip(path, limits)
    with zipfile.ZipFile(path) as archive:
        _check_mimetype(archive, entries)
        package_path, package = package_document(archive)
    technical = {"format": "EPUB", **_package_metadata(package)}
    technical["entries"] = len(entries)
    technical["unpacked_bytes"] = sum(entry.file_size for entry in entries)
    technical["package_document"] = package_path
    spine = package.find(f"{_OPF}spine")
    itemrefs = [] if spine is None else spine.findall(f"{_OPF}itemref")
    if not itemrefs:
        raise RefusedFile(gettext_noop("invalid EPUB: %(reason)s"), reason="the spine lists no content")
    technical.update(run_epubcheck(path, epubcheck))
    language = normalise_language(technical.get("language", ""))
    direction = direction_for(language, technical.get("page_progression_direction", "default"))
    return Identified(
        kind="epub",
        media_type="application/epub+zip",
        extension="epub",
        page_count=len(itemrefs),
        language=language,
        direction=direction,
        technical=technical,
    )


def _check_mimetype(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    names = {entry.filename for entry in entries}
    if not entries or entries[0].filename != "mimetype":
        if "META-INF/container.xml" in names or "mimetype" in names:
            raise RefusedFile(
                gettext_noop("invalid EPUB: %(reason)s"),
                reason="the mimetype file is missing or not the first entry of the archive",
            )
        raise RefusedFile(gettext_noop("unsupported format (%(what)s)"), what=_zip_kind(names))
    first = entries[0]
    content = archive.read(first)
    if content != EPUB_MIMETYPE:
        raise RefusedFile(
            gettext_noop("wrong mimetype %(found)r: an EPUB says %(expected)r"),
            found=content[:60].decode("utf-8", "replace"),
            expected=EPUB_MIMETYPE.decode(),
        )
    if first.compress_type != zipfile.ZIP_STORED or first.extra:
        raise RefusedFile(
            gettext_noop("invalid EPUB: %(reason)s"),
            reason="the mimetype entry must be stored uncompressed, without extra field",
        )


def _zip_kind(names: set[str]) -> str:
    if "[Content_Types].xml" in names:
        return gettext_noop("a ZIP archive holding an Office document, not an EPUB")
    return gettext_noop("a ZIP archive that is not an EPUB")


def _xml(archive: zipfile.ZipFile, name: str):
    try:
        return ElementTree.fromstring(archive.read(name))
    except KeyError:
        raise RefusedFile(gettext_noop("invalid EPUB: %(reason)s"), reason=f"{name} is missing") from None
    except Exception as error:
        raise RefusedFile(
            gettext_noop("invalid EPUB: %(reason)s"), reason=f"{name} is not well-formed XML ({error})"
        ) from None


def package_document(archive: zipfile.ZipFile):
    container = _xml(archive, "META-INF/container.xml")
    rootfile = container.find(f"{_CONTAINER}rootfiles/{_CONTAINER}rootfile")
    package_path = "" if rootfile is None else rootfile.get("full-path", "")
    if not package_path:
        raise RefusedFile(
            gettext_noop("invalid EPUB: %(reason)s"),
            reason="META-INF/container.xml names no package document",
        )
    package = _xml(archive, package_path)
    if package.tag != f"{_OPF}package":
        raise RefusedFile(
            gettext_noop("invalid EPUB: %(reason)s"), reason=f"{package_path} is not an OPF package document"
        )
    return package_path, package


def _package_metadata(package) -> dict:
    metadata = package.find(f"{_OPF}metadata")
    found: dict = {"version": package.get("version", "")}
    if metadata is not None:
        title = metadata.find(f"{_DC}title")
        language = metadata.find(f"{_DC}language")
        identifier = metadata.find(f"{_DC}identifier")
        found["title"] = (title.text or "").strip()[:500] if title is not None else ""
        found["language"] = (language.text or "").strip() if language is not None else ""
        found["identifier"] = (identifier.text or "").strip()[:255] if identifier is not None else ""
    spine = package.find(f"{_OPF}spine")
    if spine is not None:
        found["page_progression_direction"] = spine.get("page-progression-direction", "default")
    if package.get("dir"):
        found["metadata_direction"] = package.get("dir")
    return found


def find_epubcheck() -> list[str] | None:
    """The command that runs EPUBCheck: Debian ships it as a jar (``/usr/bin/epubcheck`` is a link to it,
    runnable only with binfmt support), so ``java -jar`` is preferred. None when it is not installed."""
    jar = Path("/usr/share/java/epubcheck.jar")
    java = shutil.which("java")
    if java and jar.exists():
        return [java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss4m", "-jar", str(jar)]
    found = shutil.which("epubcheck")
    if found and not Path(found).resolve().name.endswith(".jar"):
        return [found]
    return None


def run_epubcheck(path: Path, command: list[str] | None, timeout: float = EPUBCHECK_TIMEOUT) -> dict:
    """EPUBCheck's verdict: raises RefusedFile on errors; returns what to keep in the technical metadata."""
    if not command:
        return {"epubcheck": "not installed: structural checks only (ZIP safety, OCF container, package)"}
    named = path if path.suffix == ".epub" else path.with_name(path.name + ".epub")
    try:
        if named != path:  # EPUBCheck 4 decides what to check by the file's extension
            named.unlink(missing_ok=True)
            os.link(path, named)
        done = subprocess.run(
            [*command, "--json", "-", str(named)],
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        return {"epubcheck": "not installed: structural checks only (ZIP safety, OCF container, package)"}
    except subprocess.TimeoutExpired:
        raise RefusedFile(
            gettext_noop("epubcheck did not finish within %(seconds)s seconds"), seconds=timeout
        ) from None
    finally:
        if named != path:
            named.unlink(missing_ok=True)
    report = _epubcheck_json(done.stdout)
    if report is None:
        reason = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()[-1:] or [
            "no output"
        ]
        raise RefusedFile(
            gettext_noop("epubcheck could not check the file: %(reason)s"), reason=reason[0][:300]
        )
    messages = report.get("messages") or []
    errors = [m for m in messages if m.get("severity") in ("FATAL", "ERROR")]
    if errors:
        raise RefusedFile(
            gettext_noop("invalid EPUB (epubcheck: %(count)s errors): %(first)s"),
            count=len(errors),
            first="; ".join(_epubcheck_message(m) for m in errors[:3]),
        )
    checker = report.get("checker") or {}
    warnings_kept = [_epubcheck_message(m) for m in messages if m.get("severity") == "WARNING"]
    return {
        "epubcheck": f"valid (EPUBCheck {checker.get('checkerVersion', '?')})",
        "epubcheck_warnings": warnings_kept[:50],
        "epub_version_checked": (report.get("publication") or {}).get("ePubVersion"),
    }


def _epubcheck_json(output: bytes) -> dict | None:
    """EPUBCheck 4 prints a line or two before its JSON report on stdout."""
    text = output.decode("utf-8", "replace")
    start = 0 if text.startswith("{") else text.find("\n{") + 1
    if start == 0 and not text.startswith("{"):
        return None
    try:
        return json.loads(text[start:])
    except ValueError:
        return None


def _epubcheck_message(message: dict) -> str:
    where = ""
    locations = message.get("locations") or []
    if locations and locations[0].get("path"):
        where = f" ({locations[0]['path']})"
    return f"{message.get('ID', '')} {message.get('message', '')}".strip() + where


# --- page images ------------------------------------------------------------------------------------


def check_image(path: Path, kind: str | None = None) -> Identified:
    from PIL import Image, UnidentifiedImageError

    if kind is None:
        with open(path, "rb") as handle:
            kind = sniff(handle.read(64))
    if kind not in _IMAGE_FORMATS:
        raise RefusedFile(gettext_noop("not a page image (JPEG, PNG, TIFF or JPEG 2000)"))
    pillow_format, media_type, extension = _IMAGE_FORMATS[kind]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[pillow_format]) as image:
                width, height = image.size
                _check_pixels(width, height, Image.MAX_IMAGE_PIXELS or MAX_PAGE_PIXELS)
                frames = getattr(image, "n_frames", 1)
                mode = image.mode
                dpi = image.info.get("dpi")
                image.verify()
    except RefusedFile:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RefusedFile(
            gettext_noop("image larger than %(limit)s pixels (image bomb)"),
            limit=f"{Image.MAX_IMAGE_PIXELS or MAX_PAGE_PIXELS:,}",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise RefusedFile(
            gettext_noop("unreadable %(format)s image: %(reason)s"), format=pillow_format, reason=str(error)
        ) from None
    if frames > 1:
        raise RefusedFile(gettext_noop("image of %(frames)s frames: send one image per page"), frames=frames)
    technical = {"format": pillow_format, "mode": mode, "width": width, "height": height}
    if dpi:
        technical["dpi"] = [round(float(value), 1) for value in dpi][:2]
    return Identified(
        kind="image",
        media_type=media_type,
        extension=extension,
        page_count=1,
        width=width,
        height=height,
        technical=technical,
    )


def _check_pixels(width: int, height: int, limit: int) -> None:
    if width <= 0 or height <= 0:
        raise RefusedFile(
            gettext_noop("image without pixels (%(width)sx%(height)s)"), width=width, height=height
        )
    if width * height > limit:
        raise RefusedFile(
            gettext_noop("image of %(width)sx%(height)s pixels, over the limit of %(limit)s (image bomb)"),
            width=width,
            height=height,
            limit=f"{limit:,}",
        )

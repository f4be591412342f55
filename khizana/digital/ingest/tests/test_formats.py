"""Format identification and safety checks (khizana.digital.ingest.formats), on real malformed files."""

from __future__ import annotations

import io
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from khizana.digital.ingest import formats
from khizana.digital.ingest.formats import RefusedFile, ZipLimits, identify_file
from khizana.digital.ingest.tests.ingest_support import (
    DATA,
    ENCRYPTED_PDF,
    PDF,
    PNG,
    RTL_EPUB,
    SHARED,
    needs_shared,
)


def refusal(path: Path, **options) -> str:
    with pytest.raises(RefusedFile) as refused:
        identify_file(path, **options)
    return str(refused.value)


def write_zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in entries:
            if isinstance(name, str) and name == "mimetype":
                archive.writestr(name, content, compress_type=zipfile.ZIP_STORED)
            else:
                archive.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def epub_entries(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist() if not info.is_dir()]


# --- PDF -------------------------------------------------------------------------------------------


def test_encrypted_pdf_is_refused():
    assert refusal(ENCRYPTED_PDF) == "encrypted PDF"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("ocrmypdf_invalid.pdf", "startxref not found"),
        ("pdfjs_bug1250079.pdf", "Stream has ended unexpectedly"),
    ],
)
def test_broken_pdf_is_refused_with_the_parsers_reason(name, reason):
    assert refusal(DATA / name) == f"unreadable PDF: {reason}"


def test_pdf_with_javascript_is_refused_as_active_content():
    # A real file: its /OpenAction runs app.alert(...).
    assert refusal(DATA / "pypdf_issue-297.pdf") == "active content in the PDF (JavaScript)"


def test_pdf_with_a_launch_action_on_a_page_is_refused(tmp_path):
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(PDF))
    launch = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
    )
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): launch})
    target = tmp_path / "launch.pdf"
    writer.write(target)
    assert refusal(target) == "active content in the PDF (Launch action)"


def test_born_digital_pdf_is_described():
    found = identify_file(PDF)
    assert (found.kind, found.media_type, found.extension, found.page_count) == (
        "pdf",
        "application/pdf",
        "pdf",
        1,
    )
    assert found.technical["version"] == "1.7"
    assert found.technical["producer"] == "WeasyPrint 54.1"
    assert found.technical["text_layer"] == "full"


@needs_shared
@pytest.mark.shared_data
def test_image_only_pdf_has_no_text_layer_and_a_repairable_one_is_kept_with_a_note():
    assert identify_file(SHARED / "pdf" / "ocrmypdf_francais.pdf").technical["text_layer"] == "none"
    repaired = identify_file(SHARED / "pdf" / "broken" / "pdfjs_xref_command_missing.pdf")
    assert repaired.technical["notes"] == ["repaired on reading: Broken xref table"]


@needs_shared
@pytest.mark.shared_data
@pytest.mark.parametrize(
    "name",
    [
        "pypdf_r4-aes-user-password.pdf",
        "pypdf_r6-user-password.pdf",
        "samplefiles_libreoffice-writer-password.pdf",
    ],
)
def test_every_encrypted_sample_is_refused_even_one_readers_open_without_password(name):
    assert refusal(SHARED / "pdf" / "encrypted" / name) == "encrypted PDF"


# --- ZIP safety and EPUB structure --------------------------------------------------------------------


def test_zip_bomb_is_refused_before_anything_unpacks_it(tmp_path):
    bomb = write_zip(
        tmp_path / "bomb.epub",
        [*epub_entries(RTL_EPUB), ("EPUB/filler.xhtml", b"\0" * (20 * 1024 * 1024))],
    )
    assert bomb.stat().st_size < 100_000
    assert (
        refusal(bomb)
        == "entry 'EPUB/filler.xhtml' is compressed 1028 times, over the limit of 100 (zip bomb)"
    )


def test_zip_entry_count_and_total_size_are_bounded(tmp_path):
    many = write_zip(
        tmp_path / "many.epub", [*epub_entries(RTL_EPUB), *((f"EPUB/{n}.css", b"") for n in range(20))]
    )
    assert "ZIP archive of 25 entries, over the limit of 10" in refusal(
        many, limits=ZipLimits(max_entries=10)
    )
    assert "unpacks to more than 1,000 bytes (zip bomb)" in refusal(
        RTL_EPUB, limits=ZipLimits(max_total_bytes=1000)
    )


def test_a_zip_that_lies_about_an_entry_size_is_refused(tmp_path):
    good = write_zip(tmp_path / "good.epub", epub_entries(RTL_EPUB))
    data = bytearray(good.read_bytes())
    # Shrink the stated size of the content document in the central directory: it unpacks to more.
    name = b"EPUB/content_001.xhtml"
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(name))
    struct.pack_into("<I", data, central + 24, 10)
    lying = tmp_path / "lying.epub"
    lying.write_bytes(bytes(data))
    assert "EPUB/content_001.xhtml" in refusal(lying)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../../etc/cron.d/evil", "parent folder (..) in the path"),
        ("EPUB/../../evil.xhtml", "parent folder (..) in the path"),
        ("/etc/passwd", "absolute path"),
        ("EPUB\\..\\evil.xhtml", "backslash in the name"),
        ("C:/Windows/evil.dll", "drive letter"),
    ],
)
def test_path_traversal_entry_is_refused(tmp_path, name, problem):
    archive = write_zip(tmp_path / "traversal.epub", [*epub_entries(RTL_EPUB), (name, b"x")])
    assert refusal(archive) == f"unsafe entry name {name!r} in the ZIP archive: {problem} (path traversal)"


def test_symbolic_link_entry_is_refused(tmp_path):
    link = zipfile.ZipInfo("EPUB/link.xhtml")
    link.create_system = 3
    link.external_attr = 0o120777 << 16
    archive = write_zip(tmp_path / "symlink.epub", [*epub_entries(RTL_EPUB), (link, b"/etc/passwd")])
    assert refusal(archive) == "symbolic link 'EPUB/link.xhtml' in the ZIP archive"


def test_wrong_mimetype_is_refused(tmp_path):
    entries = [("mimetype", b"application/zip"), *epub_entries(RTL_EPUB)[1:]]
    assert refusal(write_zip(tmp_path / "x.epub", entries)) == (
        "wrong mimetype 'application/zip': an EPUB says 'application/epub+zip'"
    )


def test_epub_without_mimetype_first_is_refused():
    assert refusal(DATA / "epubcheck_ocf-mimetype-file-missing-error.epub") == (
        "invalid EPUB: the mimetype file is missing or not the first entry of the archive"
    )


def test_non_epub_zips_are_unsupported(tmp_path):
    assert refusal(DATA / "epubcheck_ocf-container-not-ocf-error.epub") == (
        "unsupported format (a ZIP archive holding an Office document, not an EPUB)"
    )
    plain = write_zip(tmp_path / "book.epub", [("chapter1.txt", b"Il etait une fois")])
    assert refusal(plain) == "unsupported format (a ZIP archive that is not an EPUB)"


def test_truncated_zip_is_refused():
    assert refusal(DATA / "epubcheck_ocf-zip-unreadable-no-end-header-fatal.epub") == (
        "unreadable ZIP archive: File is not a zip file"
    )


def test_arabic_epub_reads_right_to_left_without_epubcheck():
    found = identify_file(RTL_EPUB, epubcheck=None)
    assert (found.kind, found.media_type, found.page_count) == ("epub", "application/epub+zip", 1)
    assert (found.language, found.direction) == ("ara", "rtl")
    assert found.technical["version"] == "3.0"
    assert found.technical["title"] == "CSS: مغامرة جديدة!"
    assert found.technical["epubcheck"].startswith("not installed: structural checks only")


@needs_shared
@pytest.mark.shared_data
def test_spine_progression_decides_the_direction_of_an_english_book():
    found = identify_file(SHARED / "epub" / "epubtests_pkg-spine-progression_rtl.epub", epubcheck=None)
    assert (found.language, found.direction, found.page_count) == ("eng", "rtl", 4)
    french = identify_file(
        SHARED / "epub" / "cops_Les louanges de la Folie _ Trai - Anonymous.epub", epubcheck=None
    )
    assert (french.language, french.direction, french.technical["version"]) == ("fre", "ltr", "2.0")


epubcheck = formats.find_epubcheck()
needs_epubcheck = pytest.mark.skipif(epubcheck is None, reason="epubcheck is not installed")


@needs_epubcheck
@pytest.mark.slow
def test_epubcheck_passes_a_valid_epub_and_refuses_a_forbidden_file_name(tmp_path):
    copy = tmp_path / "upload-without-extension"  # as an upload is kept: EPUBCheck still sees an .epub
    shutil.copy(RTL_EPUB, copy)
    found = identify_file(copy, epubcheck=epubcheck)
    assert found.technical["epubcheck"].startswith("valid (EPUBCheck ")
    assert found.direction == "rtl"
    assert list(tmp_path.iterdir()) == [copy]
    reason = refusal(DATA / "epubcheck_ocf-filename-character-forbidden-error.epub", epubcheck=epubcheck)
    assert reason.startswith("invalid EPUB (epubcheck: 1 errors): PKG-009 ")
    assert "(EPUB/content_|.xhtml)" in reason


def test_a_missing_epubcheck_command_falls_back_and_says_so():
    found = identify_file(RTL_EPUB, epubcheck=["/nonexistent/epubcheck"])
    assert found.technical["epubcheck"].startswith("not installed")


# --- page images and the rest -----------------------------------------------------------------------


def png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def test_image_bomb_header_is_refused(tmp_path):
    bomb = tmp_path / "page.png"
    bomb.write_bytes(png_header(100_000, 100_000))
    assert "image bomb" in refusal(bomb)


def test_damaged_image_is_refused(tmp_path):
    truncated = tmp_path / "page.png"
    truncated.write_bytes(PNG.read_bytes()[:2000])
    assert refusal(truncated).startswith("unreadable PNG image: ")


def test_page_image_is_described_whatever_its_name(tmp_path):
    renamed = tmp_path / "book.epub"
    shutil.copy(PNG, renamed)
    found = identify_file(renamed)
    assert (found.kind, found.media_type, found.extension) == ("image", "image/png", "png")
    assert (found.width, found.height) == (1000, 1000)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"", "an empty file"),
        (b"<!DOCTYPE html><html><body>Livre</body></html>", "an HTML page"),
        (b"GIF89a\x01\x00\x01\x00", "a GIF image"),
        (b"Kitab al-Kamil, texte brut\n", "plain text"),
        (bytes(range(256)), "binary data of an unknown kind"),
    ],
)
def test_anything_else_is_unsupported_and_says_what_it_looks_like(tmp_path, content, what):
    path = tmp_path / "book.pdf"
    path.write_bytes(content)
    assert refusal(path) == f"unsupported format ({what})"


@needs_shared
@pytest.mark.shared_data
def test_every_malformed_shared_epub_is_refused_or_named_for_what_it_is():
    folder = SHARED / "epub" / "invalid"
    outcomes = {}
    for path in sorted(folder.glob("*.epub")):
        try:
            outcomes[path.name] = identify_file(path, epubcheck=None).kind
        except RefusedFile as error:
            outcomes[path.name] = str(error)
    # The image renamed .epub is an image (the name is never trusted); the forbidden character needs
    # EPUBCheck (tested above); every other one is refused by the structural checks alone.
    assert outcomes.pop("epubcheck_ocf-zip-unreadable-image-with-epub-extension-fatal.epub") == "image"
    assert outcomes.pop("epubcheck_ocf-filename-character-forbidden-error.epub") == "epub"
    expected = {
        "container-not-ocf-error": (
            "unsupported format (a ZIP archive holding an Office document, not an EPUB)"
        ),
        "filename-duplicate-zip-entry-error": (
            "entry 'OPS/content_001.xhtml' appears twice in the ZIP archive"
        ),
        "filename-not-utf8-error": "entry name 'EPUB/content_é.xhtml' in the ZIP archive is not UTF-8",
        "mimetype-file-missing-error": (
            "invalid EPUB: the mimetype file is missing or not the first entry of the archive"
        ),
        "zip-mimetype-entry-extra-field-error": (
            "invalid EPUB: the mimetype entry must be stored uncompressed, without extra field"
        ),
        "zip-unreadable-empty-fatal": "unsupported format (an empty file)",
        "zip-unreadable-no-end-header-fatal": "unreadable ZIP archive: File is not a zip file",
    }
    assert outcomes == {f"epubcheck_ocf-{name}.epub": reason for name, reason in expected.items()}


def test_sniff_reads_magic_numbers():
    assert formats.sniff(b"%PDF-1.7") == "pdf"
    assert formats.sniff(b"\x00\x00\x00\x0cjP  \r\n\x87\n") == "jp2"
    assert formats.sniff(b"II*\x00") == formats.sniff(b"MM\x00*") == "tiff"
    assert formats.sniff(io.BytesIO(b"PK\x03\x04").read()) == "zip"

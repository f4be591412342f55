"""The documents of events, built from plain data (no Django import): the iCalendar feed (RFC 5545), the
QR code of a ticket (SVG) and the certificate of attendance (PDF)."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import segno
from icalendar import Calendar, Event

if TYPE_CHECKING:
    from fpdf import FPDF

# DejaVu (Debian's fonts-dejavu-core) covers Latin and Arabic; fpdf2 embeds it in the certificate.
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
FONT_FILE = "DejaVuSans.ttf"
BOLD_FONT_FILE = "DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    title: str
    description: str
    starts_at: datetime  # aware
    ends_at: datetime
    location: str
    url: str
    categories: tuple[str, ...] = ()


def calendar_feed(entries: Iterable[CalendarEntry], *, name: str, product: str) -> bytes:
    """An iCalendar document with one VEVENT per entry (times in UTC)."""
    calendar = Calendar()
    calendar.add("prodid", product)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = datetime.now().astimezone()
    for entry in entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.starts_at)
        event.add("dtend", entry.ends_at)
        event.add("summary", entry.title)
        if entry.description:
            event.add("description", entry.description)
        if entry.location:
            event.add("location", entry.location)
        event.add("url", entry.url)
        if entry.categories:
            event.add("categories", list(entry.categories))
        calendar.add_component(event)
    return calendar.to_ical()


def qr_svg(text: str, *, title: str) -> bytes:
    """A QR code of ``text`` as an SVG image named ``title`` (error correction M, a quiet zone of 4)."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="svg", scale=6, border=4, title=title)
    return buffer.getvalue()


def font_path(name: str = FONT_FILE) -> Path | None:
    for directory in FONT_DIRS:
        if (directory / name).is_file():
            return directory / name
    return None


def _can_shape() -> bool:
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class CertificateText:
    """Every text of a certificate, already translated by the caller."""

    heading: str
    statement: str  # "… attended …"
    name: str
    event_title: str
    details: str  # kind, date, provider
    issued: str  # "Issued on … — Khizana"
    reference: str


@cache
def _blank_certificate() -> tuple[FPDF, dict[str, bytes]]:
    """A document with DejaVu loaded, and each font's file: parsing the two fonts costs several times what
    the rest of a certificate does, so each certificate starts from a copy of this one
    (bench/events_bench.py)."""
    regular, bold = font_path(), font_path(BOLD_FONT_FILE)
    if regular is None or bold is None:
        raise FileNotFoundError(f"{FONT_FILE} not found in {', '.join(map(str, FONT_DIRS))}")
    # (fpdf2 and fontTools imported here: they cost a quarter of a second at every start of the web and
    # queue workers)
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_creator("Khizana")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    if _can_shape():
        pdf.set_text_shaping(True)
    font_files = {}
    for key, font in pdf.fonts.items():
        saved = io.BytesIO()
        font.ttfont.save(saved)
        font_files[key] = saved.getvalue()
    return pdf, font_files


def _copy_of_blank_certificate() -> FPDF:
    """A copy of the blank certificate with fonts of its own: fpdf2's copy shares the fontTools font,
    which writing a document subsets in place (the next copy would then miss glyphs)."""
    from fontTools.ttLib import TTFont

    blank, font_files = _blank_certificate()
    pdf = copy.deepcopy(blank)
    for key, font in pdf.fonts.items():
        font.ttfont = TTFont(io.BytesIO(font_files[key]), recalcTimestamp=False, lazy=True)
    return pdf


def certificate_pdf(text: CertificateText) -> bytes:
    """A one-page A4 landscape certificate. Arabic is shaped and laid out right to left when uharfbuzz is
    installed (fpdf2's text shaping); DejaVu must be there (the certificate names people in any script)."""
    pdf = _copy_of_blank_certificate()
    pdf.set_title(text.heading)
    pdf.add_page()
    pdf.set_line_width(1.2)
    pdf.rect(12, 12, pdf.w - 24, pdf.h - 24)
    width = pdf.w - 2 * pdf.l_margin
    pdf.set_y(38)
    pdf.set_font("DejaVu", "B", 30)
    pdf.multi_cell(width, 14, text.heading, align="C")
    pdf.ln(8)
    pdf.set_font("DejaVu", "", 15)
    pdf.multi_cell(width, 9, text.statement, align="C")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 24)
    pdf.multi_cell(width, 12, text.name, align="C")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(width, 10, text.event_title, align="C")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 13)
    pdf.multi_cell(width, 8, text.details, align="C")
    pdf.set_y(pdf.h - 40)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(width, 6, text.issued, align="C")
    pdf.multi_cell(width, 6, text.reference, align="C")
    return bytes(pdf.output())

"""The documents built from plain data: the iCalendar feed read back by icalendar, the QR code, the PDF
certificate read back by pypdf; and the tallies of the figures."""

import io
from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from khizana.programmes.events import audiences, documents


def entry(uid="e1@khizana", title="Atelier numérique", **extra):
    values = {
        "uid": uid,
        "title": title,
        "description": "Pour les femmes de plus de 55 ans",
        "starts_at": datetime(2027, 3, 4, 9, 30, tzinfo=UTC),
        "ends_at": datetime(2027, 3, 4, 12, 0, tzinfo=UTC),
        "location": "Bibliothèque nationale, Rabat",
        "url": "https://khizana.example/network/events/1/",
        "categories": ("workshop", "women over 55"),
    }
    return documents.CalendarEntry(**{**values, **extra})


def test_the_feed_parses_back_with_every_event():
    body = documents.calendar_feed(
        [entry(), entry(uid="e2@khizana", title="ندوة المكتبات", location="")],
        name="Events",
        product="-//t//EN",
    )
    calendar = Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    assert [str(event["summary"]) for event in events] == ["Atelier numérique", "ندوة المكتبات"]
    first = events[0]
    assert first.decoded("dtstart") == datetime(2027, 3, 4, 9, 30, tzinfo=UTC)
    assert first.decoded("dtend") == datetime(2027, 3, 4, 12, 0, tzinfo=UTC)
    assert str(first["location"]) == "Bibliothèque nationale, Rabat"
    assert [str(c) for c in first["categories"].cats] == ["workshop", "women over 55"]
    assert "location" not in events[1]
    assert str(calendar["version"]) == "2.0"


def test_the_qr_code_is_an_svg_image_with_a_title():
    svg = documents.qr_svg("token:abc", title="Ticket")
    assert svg.startswith(b"<?xml") and b"<svg" in svg and b"<title>Ticket</title>" in svg
    assert b"style=" not in svg  # the Content-Security-Policy forbids inline styles


@pytest.mark.skipif(documents.font_path() is None, reason="DejaVu fonts (fonts-dejavu-core) not installed")
def test_the_certificate_embeds_its_font_and_holds_every_text():
    text = documents.CertificateText(
        heading="Certificate of attendance",
        statement="This is to certify that",
        name="Salma Idrissi سلمى الإدريسي",
        event_title="attended “Découvrir Scopus”",
        details="webinar on March 4, 2027, given by Elsevier",
        issued="Issued on March 5, 2027",
        reference="Reference: EV1-R2",
    )
    reader = PdfReader(io.BytesIO(documents.certificate_pdf(text)))
    assert len(reader.pages) == 1
    page_text = reader.pages[0].extract_text()
    for part in ("Certificate of attendance", "Salma Idrissi", "Découvrir Scopus", "EV1-R2"):
        assert part in page_text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert any("DejaVu" in str(font.get_object()["/BaseFont"]) for font in fonts.values())


@pytest.mark.skipif(documents.font_path() is None, reason="DejaVu fonts (fonts-dejavu-core) not installed")
def test_certificates_made_one_after_another_each_hold_their_own_text():
    # each certificate starts from a copy of one document; writing one must not spoil the next one's fonts
    for name, details in [("Ali", "a"), ("Salma Idrissi", "webinar on March 4, 2027"), ("Zoé", "5 M")]:
        text = documents.CertificateText("Attestation", "x", name, "Scopus", details, "Issued", "R1")
        page_text = PdfReader(io.BytesIO(documents.certificate_pdf(text))).pages[0].extract_text()
        assert name in page_text and details in page_text


def test_audiences_are_normalised_once_each():
    assert audiences.parse_audiences(" Women over 55 ; doctoral  students,\nwomen OVER 55,, ") == [
        "women over 55",
        "doctoral students",
    ]
    assert audiences.parse_audiences("") == []


def test_tallies_per_key_and_the_reach_by_audience():
    sessions = [
        audiences.Session("Elsevier", "Scopus", "2027-02", 120, 150),
        audiences.Session("Elsevier", "ScienceDirect", "2027-01", 80, 90),
        audiences.Session("Cairn", "Scopus", "2027-01", 30, 40),
        audiences.Session("BNRM", "Internet", "2027-01", 12, 15, ("women over 55",), True),
        audiences.Session("BNRM", "Internet", "2027-02", 9, 10, ("women over 55", "retirees"), True),
        audiences.Session("BNRM", "Phones", "2027-02", 5, 5, (), True),
    ]
    providers = audiences.tally(sessions, "provider")
    assert [(r.label, r.sessions, r.participants, r.registered) for r in providers] == [
        ("Elsevier", 2, 200, 240),
        ("Cairn", 1, 30, 40),
        ("BNRM", 3, 26, 30),
    ]
    assert [(r.label, r.sessions, r.participants) for r in audiences.tally(sessions, "month")] == [
        ("2027-01", 3, 122),
        ("2027-02", 3, 134),
    ]
    reach = audiences.inclusion_reach(sessions)
    assert [(r.label, r.sessions, r.participants) for r in reach] == [
        ("women over 55", 2, 21),
        ("retirees", 1, 9),
        ("", 1, 5),
    ]

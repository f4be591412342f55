"""Certificates of attendance and the events' iCalendar feed, timed (issue 20).

    .venv/bin/python bench/events_bench.py [--certificates N] [--events N] [--runs R]

A webinar with publishers reaches thousands (IMIST's: about 12,000 participants in 8 sessions): whoever
came downloads a PDF certificate (``programmes.events.documents.certificate_pdf``, fpdf2 with DejaVu
embedded). Medians of R runs of N certificates, per certificate, against a baseline in the same process:
the same page in fpdf2's built-in Helvetica (no font embedded, Latin only). Then the iCalendar feed
(``documents.calendar_feed``) of N events, median per run. Pure modules: no database.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fpdf import FPDF

from khizana.programmes.events import documents

TEXT = documents.CertificateText(
    heading="Certificate of attendance",
    statement="This is to certify that",
    name="Salma Idrissi",
    event_title="attended “Scopus: searching and analysing research output”",
    details="webinar on March 4, 2027, given by Elsevier",
    issued="Issued on March 5, 2027 by the Khizana library network",
    reference="Reference: EV12-R3456",
)


def helvetica_pdf(text: documents.CertificateText) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.add_page()
    pdf.rect(12, 12, pdf.w - 24, pdf.h - 24)
    width = pdf.w - 2 * pdf.l_margin
    pdf.set_y(38)
    for size, line in ((30, text.heading), (15, text.statement), (24, text.name), (18, text.event_title)):
        pdf.set_font("Helvetica", "B", size)
        pdf.multi_cell(width, 12, line.replace("“", '"').replace("”", '"'), align="C")
    pdf.set_font("Helvetica", "", 13)
    for line in (text.details, text.issued, text.reference):
        pdf.multi_cell(width, 8, line, align="C")
    return bytes(pdf.output())


def per_item(make, count: int, runs: int) -> tuple[float, int]:
    times = []
    size = 0
    for _run in range(runs):
        start = time.perf_counter()
        for _ in range(count):
            size = len(make())
        times.append((time.perf_counter() - start) / count)
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=50)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    if documents.font_path() is None:
        sys.exit("DejaVu fonts not found (Debian: fonts-dejavu-core)")
    base, base_size = per_item(lambda: helvetica_pdf(TEXT), options.certificates, options.runs)
    real, real_size = per_item(lambda: documents.certificate_pdf(TEXT), options.certificates, options.runs)
    print(f"baseline Helvetica certificate: {base * 1000:.1f} ms, {base_size:,} bytes (1.00x)")
    print(f"DejaVu certificate: {real * 1000:.1f} ms, {real_size:,} bytes ({real / base:.2f}x)")
    start = datetime(2027, 1, 4, 9, tzinfo=UTC)
    entries = [
        documents.CalendarEntry(
            uid=f"event-{n}@khizana",
            title=f"Webinaire {n}",
            description="Découvrir une plateforme",
            starts_at=start + timedelta(days=n),
            ends_at=start + timedelta(days=n, hours=2),
            location="https://webinar.example.org/",
            url=f"https://khizana.example/network/events/{n}/",
            categories=("webinar", "bibliometrics"),
        )
        for n in range(options.events)
    ]
    feed, feed_size = per_item(
        lambda: documents.calendar_feed(entries, name="E", product="-//b//EN"), 1, options.runs
    )
    print(f"iCalendar feed of {options.events:,} events: {feed * 1000:.0f} ms, {feed_size:,} bytes")


if __name__ == "__main__":
    main()

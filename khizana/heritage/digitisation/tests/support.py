"""Records, rounds and batches for the digitisation tests: MARC records imported through the catalog's own
import, page images from ../shared/data/digital/scans (Ibn al-Athir, al-Kamil: printed Arabic lines) when
present, else the IIIF validator's CC0 image of demo/digital."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path
from xml.sax.saxutils import escape

from khizana.catalog import services as catalog
from khizana.catalog.models import SourceRecord
from khizana.catalog.records import RecordFormat
from khizana.heritage.digitisation import chain, services
from khizana.heritage.digitisation.models import Candidate, Item, Round
from khizana.testing import DEMO, shared_data_dir

DEMO_IMAGES = DEMO / "digital" / "imagevalidator_cc0"


def marc21(
    local_id: str,
    title: str,
    *,
    author: str = "",
    dates: str = "",
    year: int = 1900,
    lang: str = "ara",
    added: list[tuple[str, str]] = (),
) -> str:
    """One MARC 21 record (MARCXML) with a main entry 100 $a $d and added entries 700."""
    names = ""
    if author:
        names += _name("100", "d", author, dates)
    for name, more in added:
        names += _name("700", "d", name, more)
    return (
        '<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam a2200000 a 4500</leader>'
        f'<controlfield tag="001">{escape(local_id)}</controlfield>'
        f'<controlfield tag="008">000101s{year}    mr            000 0 {lang} d</controlfield>'
        f"{names}"
        f'<datafield tag="245" ind1="1" ind2="0"><subfield code="a">{escape(title)}</subfield></datafield>'
        f'<datafield tag="264" ind1=" " ind2="1"><subfield code="c">{year}</subfield></datafield>'
        "</record>"
    )


def _name(tag: str, code: str, name: str, dates: str) -> str:
    dated = f'<subfield code="{code}">{escape(dates)}</subfield>' if dates else ""
    named = f'<subfield code="a">{escape(name)}</subfield>'
    return f'<datafield tag="{tag}" ind1="1" ind2=" ">{named}{dated}</datafield>'


def import_records(library, *records: str) -> list[SourceRecord]:
    data = (
        '<collection xmlns="http://www.loc.gov/MARC21/slim">' + "".join(records) + "</collection>"
    ).encode()
    catalog.import_bytes(library, data, "records.xml", format_hint=RecordFormat.MARC21)
    return list(SourceRecord.objects.filter(library=library).order_by("id"))


def ibn_athir(library) -> SourceRecord:
    """Ibn al-Athir's al-Kamil (died 1233): public domain everywhere."""
    (record,) = [
        r
        for r in import_records(
            library,
            marc21("KAMIL-1", "al-Kāmil fī al-taʾrīkh", author="Ibn al-Athīr", dates="1160-1233", year=1965),
        )
        if r.local_id == "KAMIL-1"
    ]
    return record


def make_round(name: str = "2026-A", quota: int | None = None) -> Round:
    return Round.objects.create(
        name=name, starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 12, 31), quota=quota
    )


def prepared_item(record: SourceRecord, chosen: Round, user=None) -> Item:
    candidate = Candidate.objects.filter(record=record).first() or services.propose(
        user, f"local:{record.local_id}", record.library
    )
    item = services.select(user, chosen.pk, candidate.pk)
    return services.move(user, item.pk, chain.PREPARED)


def page_images(count: int = 3) -> list[Path]:
    """Real page images: the Arabic lines of ../shared when present, else the demo CC0 image (png, jp2)."""
    shared = shared_data_dir()
    if shared is not None:
        found = sorted((shared / "digital" / "scans" / "arabic").glob("ocrgs_book_IbnAthir.Kamil_*.png"))
        if len(found) >= count:
            return found[:count]
    demo = sorted(DEMO_IMAGES.glob("*.png"))
    return (demo * count)[:count]


def write_batch(folder: Path, rows: dict[str, list[Path]], *, key: str = "item", labels: bool = True) -> Path:
    """A delivered batch: one folder per item (named by its key) with its pages and manifest.csv, one line
    per page (``key`` is the manifest's item column: item or record)."""
    lines = [f"{key},folder,file,order,label"]
    for ident, pages in rows.items():
        target = folder / f"f-{ident.replace(':', '-')}"
        target.mkdir(parents=True, exist_ok=True)
        for number, page in enumerate(pages, start=1):
            name = f"page-{number:03d}{page.suffix}"
            shutil.copy(page, target / name)
            label = f"p. {number}" if labels else ""
            lines.append(f"{ident},{target.name},{name},{number},{label}")
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder

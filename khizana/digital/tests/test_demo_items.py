"""The demo's digital items, as `make run` loads them: each attached to the catalogue record written for it
(demo/records/*/khizana_digital_demo.xml), rights from the controlled list, the digitised book's pages and
IIIF manifest valid against the Presentation 3 schema, and its pages read back by the OCR."""

from __future__ import annotations

import io
import json
import shutil
import unicodedata

import jsonschema
import pytest
from django.core.management import call_command

from khizana.catalog.clustering import recluster_dirty
from khizana.catalog.services import import_file
from khizana.digital.fulltext import ocr
from khizana.digital.models import DigitalItem
from khizana.digital.tests.iiif_support import PRESENTATION_SCHEMA
from khizana.libraries.services import save_library
from khizana.testing import DEMO

pytestmark = pytest.mark.django_db

BOOK = DEMO / "digital" / "lafontaine_fables_livre1"
EXPECTED = {  # local id: (library, kind, words of the work's title, pages or None, rights)
    "KHZ-DIG-0001": (
        "BNA",
        "images",
        "Fables choisies",
        5,
        "http://creativecommons.org/publicdomain/mark/1.0/",
    ),
    "KHZ-DIG-0002": (
        "BNRM",
        "epub",
        "louanges de la Folie",
        None,
        "http://rightsstatements.org/vocab/NoC-US/1.0/",
    ),
    "KHZ-DIG-0003": ("UM5", "epub", "Jean-Christophe", None, "http://rightsstatements.org/vocab/NoC-US/1.0/"),
    "KHZ-DIG-0004": (
        "BPLPO",
        "pdf",
        "Huckleberry Finn",
        1,
        "http://creativecommons.org/publicdomain/mark/1.0/",
    ),
}


@pytest.fixture
def demo_items(settings, tmp_path):
    settings.KHIZANA_DIGITAL_STORE = tmp_path / "store"
    settings.KHIZANA_IIIF_CACHE = tmp_path / "cache"
    settings.KHIZANA_EPUBCHECK = ""
    network = json.loads((DEMO / "network.json").read_text(encoding="utf-8"))
    codes = {library for library, *_ in EXPECTED.values()}
    libraries = {
        entry["code"]: save_library(entry) for entry in network["libraries"] if entry["code"] in codes
    }
    files = [entry for entry in network["imports"] if entry["file"].endswith("khizana_digital_demo.xml")]
    assert {entry["library"] for entry in files} == codes  # the records are loaded by `khizana demo`
    for entry in files:
        import_file(libraries[entry["library"]], DEMO / entry["file"], cluster=False)
    recluster_dirty()
    out = io.StringIO()
    call_command(
        "digital",
        "import",
        str(DEMO / "digital"),
        "--map",
        str(DEMO / "digital" / "map.csv"),
        "--no-progress",
        stdout=out,
    )
    return out.getvalue()


def test_every_demo_item_is_on_the_record_that_describes_it(demo_items):
    assert "4 added, 0 skipped (already there), 0 refused" in demo_items
    items = DigitalItem.objects.select_related("record__work", "library")
    assert items.count() == len(EXPECTED)
    for item in items:
        library, kind, title, pages, rights = EXPECTED[item.record.local_id]
        assert (item.library.code, item.kind, item.rights) == (library, kind, rights)
        assert title in item.record.work.title
        if pages:
            assert item.page_count == pages


def test_the_digitised_book_has_its_pages_a_valid_manifest_and_the_rights_shown(client, demo_items):
    book = DigitalItem.objects.get(record__local_id="KHZ-DIG-0001")
    assert [page.filename for page in book.pages.all()] == [f"page-{n}.png" for n in range(1, 6)]
    manifest = client.get(f"/iiif/manifest/{book.pk}.json").json()
    schema = json.loads(PRESENTATION_SCHEMA.read_text())
    errors = [
        f"{list(e.path)}: {e.message}" for e in jsonschema.Draft7Validator(schema).iter_errors(manifest)
    ]
    assert not errors, errors[:5]
    assert manifest["rights"] == "http://creativecommons.org/publicdomain/mark/1.0/"
    assert len(manifest["items"]) == 5
    page = client.get(f"/digital/{book.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="http://creativecommons.org/publicdomain/mark/1.0/"' in page and "PDM" in page
    work = client.get(f"/work/{book.record.work_id}/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert (
        'href="http://creativecommons.org/publicdomain/mark/1.0/" rel="license noopener"'
        in work.content.decode()
    )


def _folded(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).replace("’", "'")
    return [word.strip(".,;:!?«»—-") for word in text.split() if word.strip(".,;:!?«»—-")]


@pytest.mark.skipif(
    not shutil.which("tesseract"), reason="tesseract is not installed (make test installs it)"
)
def test_the_ocr_reads_the_pages_of_the_digitised_book():
    """What the digital library's OCR reads on each page is the text the page was set from (the ground
    truth beside it), nearly word for word."""
    for number in (2, 5):
        truth = _folded((BOOK / f"page-{number}.gt.txt").read_text(encoding="utf-8"))
        read = _folded(ocr.ocr_file(BOOK / f"page-{number}.png", ocr.tesseract_languages("fre")).text)
        same = sum(1 for word in truth if word in set(read))
        assert same / len(truth) > 0.95, (number, same, len(truth))

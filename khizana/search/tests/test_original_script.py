"""The original-script forms of a record (MARC 21 880 fields) are searchable: a name written in Arabic
only in an 880 $c (statement of responsibility) finds the work, with any words and as an author."""

from __future__ import annotations

import pymarc
import pytest

from khizana.catalog.models import SourceRecord
from khizana.catalog.services import import_bytes
from khizana.search import services
from khizana.search.documents import work_document
from khizana.testing import make_library, shared_data_dir

DATA = shared_data_dir()
LEBAU = "arabic/marc21/aco_LeBAU_20170605_0_orig_recs.mrc"
LOCAL_ID = "b1233246x"  # Ibn Taymīyah, Majmūʻat al-rasāʼil al-kubrá (Cairo, 1905)
# Words of its 880 $c ("... بن تيمية الحراني الدمشقي المتوفى سنة 728"), in no other field of the record.
ONLY_IN_880_C = "الحراني الدمشقي"

pytestmark = [
    pytest.mark.skipif(DATA is None, reason="../shared/data is not here"),
    pytest.mark.shared_data,
    pytest.mark.django_db,
]


def _record_bytes() -> bytes:
    data = (DATA / LEBAU).read_bytes()
    for chunk in data.split(b"\x1d"):
        if b"\x1e" + LOCAL_ID.encode() + b"\x1e" in chunk:
            return chunk + b"\x1d"
    raise AssertionError(f"{LOCAL_ID} is not in {LEBAU}")


def _ids(query: str) -> list[int]:
    return [hit.work_id for hit in services.search(query, page_size=50).hits]


def test_the_record_has_those_words_only_in_its_880_c():
    record = pymarc.Record(data=_record_bytes(), to_unicode=True, force_utf8=True)
    holders = [f for f in record.get_fields() if ONLY_IN_880_C.split()[0] in f.value()]
    assert [(f.tag, f["6"][:3]) for f in holders] == [("880", "245")]
    assert ONLY_IN_880_C in holders[0]["c"]


def test_a_name_only_in_an_880_c_finds_the_work():
    library = make_library("LEBAU")
    import_bytes(library, (DATA / LEBAU).read_bytes(), LEBAU.rsplit("/", 1)[-1])  # imports and clusters
    services.rebuild_index()
    record = SourceRecord.objects.get(library=library, local_id=LOCAL_ID)
    assert record.work_id is not None
    assert ONLY_IN_880_C.split()[0] in " ".join(record.fields["original_script"]["responsibility"])

    for query in (ONLY_IN_880_C, ONLY_IN_880_C.split()[0], f'author:"{ONLY_IN_880_C}"'):
        assert record.work_id in _ids(query)[:3], query
    assert record.work_id in _ids(f"author:{ONLY_IN_880_C.split()[1]}")  # a common nisba: among others
    # The other 880 texts too: its publisher in Arabic (المطبعة العامرة الشرفية).
    assert record.work_id in _ids("العامرة الشرفية")[:3]


def test_every_member_record_of_a_work_is_searched_and_updates_are_indexed(
    django_capture_on_commit_callbacks,
):
    """A work takes its display fields from its fullest record; the 880 texts come from all of them,
    and the incremental index updates (after an import's commit) carry them too."""
    one, other = make_library("LEBAU"), make_library("BNRM")
    raw = _record_bytes()
    romanised = pymarc.Record(data=raw, to_unicode=True, force_utf8=True)
    romanised.remove_fields("880")
    romanised.add_ordered_field(
        pymarc.Field(tag="500", indicators=[" ", " "], subfields=[pymarc.Subfield("a", "Note.")])
    )
    import_bytes(other, romanised.as_marc(), "romanised.mrc")
    services.rebuild_index()
    assert not _ids(ONLY_IN_880_C)

    with django_capture_on_commit_callbacks(execute=True):
        import_bytes(one, raw, "lebau.mrc")  # joins the work; the index is updated after the commit
    work_id = SourceRecord.objects.get(library=other, local_id=LOCAL_ID).work_id
    assert SourceRecord.objects.get(library=one, local_id=LOCAL_ID).work_id == work_id
    assert work_id in _ids(ONLY_IN_880_C)[:3]
    assert work_id in _ids(f'author:"{ONLY_IN_880_C}"')[:3]


def test_work_document_puts_names_with_the_authors_and_every_text_in_the_notes():
    work = {
        "id": 1,
        "title": "Majmūʻat al-rasāʼil al-kubrá",
        "subtitle": "",
        "parallel_titles": [],
        "authors": ["Ibn Taymīyah, Aḥmad ibn ʻAbd al-Ḥalīm"],
        "subjects": [],
        "publisher": "",
        "place": "",
        "year": 1905,
        "edition": "",
        "languages": ["ara"],
        "material_type": "book",
        "scripts": ["Latin"],
        "identifiers": {},
        "libraries": ["LEBAU"],
        "availability": [],
        "library_count": 1,
        "classification": [],
        "original_script": {
            "responsibility": ["تأليف الحراني"],
            "names": ["البنا، احمد"],
            "series": ["المسيحية والإسلام"],
        },
    }
    document = work_document(work)
    plain = work_document({**work, "original_script": None})
    assert document["author"] != plain["author"] and document["author"].startswith(plain["author"])
    assert len(document["author"].split()) > len(plain["author"].split())
    assert len(document["notes"].split()) > len(plain["notes"].split())
    assert not plain["notes"]

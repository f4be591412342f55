"""Dublin Core / OAI-PMH and CSV readers, and format detection (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from khizana.catalog.formats import DetectedFormat, UnreadableFileError, detect_format, read_records
from khizana.catalog.formats.csv_records import read_csv
from khizana.catalog.formats.dublin_core import (
    add_dc_identifier,
    material_type_of,
    normalise_language,
    read_oai_dc,
)
from khizana.catalog.records import (
    HoldingStatus,
    MaterialType,
    ParsedRecord,
    RecordFormat,
    RejectedRecord,
    Serialisation,
)

try:
    from khizana.testing import shared_data_dir
except ImportError:  # pragma: no cover - the helper module is written by another change
    import os

    def shared_data_dir() -> Path | None:
        configured = os.environ.get("KHIZANA_SHARED_DATA")
        candidate = (
            Path(configured) if configured else Path(__file__).resolve().parents[3].parent / "shared" / "data"
        )
        return candidate if candidate.is_dir() else None


DATA = Path(__file__).parent / "data"
SAMPLE_CSV = DATA / "bibliotheque_exemplaires.csv"
SHARED = shared_data_dir()
needs_shared = pytest.mark.skipif(
    SHARED is None, reason="shared test data (../shared/data or $KHIZANA_SHARED_DATA) absent"
)

# OAI-PMH files that are errors or not XML: reading them raises UnreadableFileError.
OAI_UNREADABLE = {
    "phpoaipmh_BadResponseInvalidRecord.xml": "idDoesNotExist",
    "phpoaipmh_BadResponseNonExistentVerb.xml": "badVerb",
    "sickle_ListRecordsBroken.xml": "line 1, column 1",
    "sickle_badArgument.xml": "badArgument",
    "sickle_badResumptionToken.xml": "badResumptionToken",
    "sickle_cannotDisseminateFormat.xml": "cannotDisseminateFormat",
    "sickle_idDoesNotExist.xml": "idDoesNotExist",
    "sickle_noRecordsMatch.xml": "noRecordsMatch",
    "sickle_noSetHierarchy.xml": "noSetHierarchy",
    "sickle_undefinedError.xml": "undefinedError",
}
# Records per file, as counted in PROVENANCE.md (ListRecords/GetRecord only): (records, deleted).
OAI_RECORDS = {
    "medialab_oaipmh_didl.xml": (100, 0),
    "medialab_oaipmh_oai_dc.xml": (100, 0),
    "phpoaipmh_GoodResponseSinglePage.xml": (162, 0),
    "phpoaipmh_GoodResponseSingleRecord.xml": (1, 0),
    "phpoaipmh_NamespacedSample.xml": (1, 0),
    "pyoai_fake1_00004.xml": (1, 0),
    "pyoai_fake1_00005.xml": (16, 0),
    "pyoai_fake2_00000.xml": (1, 1),
    "pyoai_fake2_00001.xml": (1, 0),
    "pyoai_fake2_00002.xml": (81, 2),
    "sickle_GetRecord.xml": (1, 0),
    "sickle_GetRecord_utf8test.xml": (1, 0),
    "sickle_ListRecords.xml": (2, 1),
    "sickle_ListRecords2.xml": (2, 1),
    "sickle_ListRecords3.xml": (2, 1),
    "sickle_ListRecords4.xml": (2, 1),
    "traject_oai-pmh-one-record-2.xml": (1, 0),
    "traject_oai-pmh-one-record-first.xml": (1, 0),
    "traject_sample-oai-no-namespace.xml": (10, 0),
    "traject_sample-oai-pmh.xml": (10, 0),
    "xbib_zdb-oai-bib.xml": (50, 0),
}


def oai_path(name: str) -> Path:
    assert SHARED is not None
    return SHARED / "oai" / name


def read_oai(name: str) -> list[ParsedRecord | RejectedRecord]:
    return list(read_oai_dc(oai_path(name).read_bytes()))


def parsed(records) -> list[ParsedRecord]:
    return [r for r in records if isinstance(r, ParsedRecord)]


# --------------------------------------------------------------------------- OAI-PMH, real files


def _oai_files() -> list[str]:
    if SHARED is None:
        return []
    return sorted(p.name for p in (SHARED / "oai").glob("*.xml"))


@needs_shared
@pytest.mark.shared_data
@pytest.mark.parametrize("name", _oai_files())
def test_every_oai_file_is_handled(name):
    data = oai_path(name).read_bytes()
    if name in OAI_UNREADABLE:
        with pytest.raises(UnreadableFileError, match=OAI_UNREADABLE[name]):
            detected, records = read_records(data, name)
            list(records)
        with pytest.raises(UnreadableFileError, match=OAI_UNREADABLE[name]):
            read_oai_dc(data)
        return
    detected, records = read_records(data, name)
    records = list(records)
    assert detected.serialisation == Serialisation.XML
    expected, deleted = OAI_RECORDS.get(name, (0, 0))
    assert len(records) == expected
    flagged = [r for r in records if isinstance(r, ParsedRecord) and r.deleted]
    assert len(flagged) == deleted - (
        name == "sickle_ListRecords4.xml"
    )  # one deleted header has no identifier
    for record in records:
        assert record.raw.startswith(b"<") and record.number >= 1
        assert data[record.offset : record.offset + 1] == b"<"
        assert etree.QName(etree.fromstring(record.raw)).localname == "record"
    assert [r.number for r in records] == list(range(1, len(records) + 1))


@needs_shared
@pytest.mark.shared_data
def test_oai_totals_match_provenance():
    total = deleted = 0
    deleted_without_id = 0
    for name in _oai_files():
        if name in OAI_UNREADABLE:
            continue
        records = read_oai(name)
        total += len(records)
        deleted += sum(1 for r in parsed(records) if r.deleted)
        deleted_without_id += sum(
            1
            for r in records
            if isinstance(r, RejectedRecord) and r.reason == "deleted record without an identifier"
        )
    assert total == 546
    # 7 deleted records; one of them (sickle_ListRecords4) has no identifier and cannot be applied.
    assert (deleted, deleted_without_id) == (6, 1)
    assert sum(d for _, d in OAI_RECORDS.values()) == deleted + deleted_without_id


@needs_shared
@pytest.mark.shared_data
def test_deleted_record_is_flagged_with_empty_fields():
    (record,) = read_oai("pyoai_fake2_00000.xml")
    assert isinstance(record, ParsedRecord)
    assert record.deleted and record.local_id == "hdl:1765/1160"
    assert record.fields.title == "" and record.fields.authors == []
    assert record.format == RecordFormat.DUBLIN_CORE


@needs_shared
@pytest.mark.shared_data
def test_cjk_and_french_accents_survive():
    (record,) = read_oai("sickle_GetRecord_utf8test.xml")
    assert record.fields.authors == ["某人"]
    assert record.fields.scripts == ["Han", "Latin"]
    assert "某人".encode() in record.raw
    first = read_oai("medialab_oaipmh_oai_dc.xml")[0]
    assert first.local_id == "oai:spire.sciences-po.fr:2441/dambferfb7dfprc9m263lgtsl"
    assert first.fields.title == "Penser l'Union européenne en tant que Tiers statégique"
    assert first.fields.authors == ["Dagand, Sophie", "Deroche-Gurcel, Liliane", "Ramel, Frédéric"]
    assert first.fields.year == 2011 and first.fields.languages == ["fre"]
    assert first.fields.material_type == MaterialType.ARTICLE  # Text + report + reportPart


@needs_shared
@pytest.mark.shared_data
def test_didl_packages_give_the_same_records_as_oai_dc():
    didl = parsed(read_oai("medialab_oaipmh_didl.xml"))
    plain = parsed(read_oai("medialab_oaipmh_oai_dc.xml"))
    assert [r.local_id for r in didl] == [r.local_id for r in plain]
    assert [r.fields for r in didl] == [r.fields for r in plain]


@needs_shared
@pytest.mark.shared_data
def test_non_namespaced_oai_dc_reads_like_the_namespaced_one():
    bare = parsed(read_oai("traject_sample-oai-no-namespace.xml"))
    namespaced = parsed(read_oai("traject_sample-oai-pmh.xml"))
    assert [r.fields.title for r in bare] == [r.fields.title for r in namespaced]
    assert bare[1].fields.title == "Spice Storage"
    assert bare[1].fields.authors == ["Norda Essential Oil and Chemical Company"]
    assert bare[1].fields.material_type == MaterialType.IMAGE
    assert bare[1].fields.year == 1950


@needs_shared
@pytest.mark.shared_data
def test_nsdl_dc_and_gallica():
    records = parsed(read_oai("phpoaipmh_GoodResponseSinglePage.xml"))
    assert all(r.fields.languages == ["eng"] for r in records)  # dc:language "English"
    assert records[0].fields.title == "Molecular Structure of Dinitrophenol"
    (gallica,) = parsed(read_oai("phpoaipmh_NamespacedSample.xml"))
    assert gallica.fields.material_type == MaterialType.SERIAL
    assert gallica.fields.year == 1889


@needs_shared
@pytest.mark.shared_data
def test_repository_dates_and_languages():
    records = {r.local_id: r for r in parsed(read_oai("pyoai_fake2_00002.xml"))}
    # dc:date "2003-07-14T10:28:26Z" (accession timestamp) then "1997": the publication year wins.
    assert records["hdl:1765/633"].fields.year == 1997
    assert records["hdl:1765/633"].fields.languages == []  # "other"
    assert records["hdl:1765/9"].fields.authors == ["Jong, G. de", "Nooteboom, B."]  # creator = contributor


@needs_shared
@pytest.mark.shared_data
def test_pica_library_directory_records_are_rejected():
    records = read_oai("xbib_zdb-oai-bib.xml")
    assert len(records) == 50
    assert all(isinstance(r, RejectedRecord) for r in records)
    assert records[0].local_id == "oai:d-nb.de/bib/1024436012"
    assert "PICA+ record type Tw" in records[0].reason
    assert detect_format(oai_path("xbib_zdb-oai-bib.xml").read_bytes()).dialect == "oai-pica"


# --------------------------------------------------------------------------- OAI-PMH, synthetic

OAI_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">\n'
    '<request verb="ListRecords" metadataPrefix="{prefix}">http://example.org/oai</request>\n'
    "<ListRecords>\n"
)
OAI_TAIL = "</ListRecords>\n</OAI-PMH>\n"


def oai(body: str, prefix: str = "oai_dc") -> bytes:
    return (OAI_HEAD.format(prefix=prefix) + body + OAI_TAIL).encode("utf-8")


def test_pica_bibliographic_record_is_mapped():
    body = """<record><header><identifier>oai:d-nb.de/dnb/123</identifier></header><metadata>
<ppxml:record xmlns:ppxml="http://www.oclcpica.org/xmlns/ppxml-1.0"><ppxml:global>
<ppxml:tag id="002@"><ppxml:subf id="0">Aa</ppxml:subf></ppxml:tag>
<ppxml:tag id="003@"><ppxml:subf id="0">123</ppxml:subf></ppxml:tag>
<ppxml:tag id="004A"><ppxml:subf id="0">978-2-07-036002-4</ppxml:subf></ppxml:tag>
<ppxml:tag id="010@"><ppxml:subf id="a">fre</ppxml:subf></ppxml:tag>
<ppxml:tag id="011@"><ppxml:subf id="a">1972</ppxml:subf></ppxml:tag>
<ppxml:tag id="021A"><ppxml:subf id="a">L'@étranger</ppxml:subf>
  <ppxml:subf id="d">roman</ppxml:subf></ppxml:tag>
<ppxml:tag id="028A"><ppxml:subf id="a">Camus</ppxml:subf>
  <ppxml:subf id="d">Albert</ppxml:subf></ppxml:tag>
<ppxml:tag id="033A"><ppxml:subf id="p">Paris</ppxml:subf>
  <ppxml:subf id="n">Gallimard</ppxml:subf></ppxml:tag>
</ppxml:global></ppxml:record></metadata></record>
"""
    (record,) = read_oai_dc(oai(body, "PicaPlus-xml"))
    assert isinstance(record, ParsedRecord)
    f = record.fields
    assert (f.title, f.subtitle, f.authors) == ("L'étranger", "roman", ["Camus, Albert"])
    assert (f.year, f.publisher, f.place, f.languages) == (1972, "Gallimard", "Paris", ["fre"])
    assert f.identifiers == {"isbn": ["9782070360024"]} and f.material_type == MaterialType.BOOK


def test_metadata_without_dublin_core_is_rejected_per_record():
    body = """<record><header><identifier>oai:x:1</identifier></header><metadata>
<mods xmlns="http://www.loc.gov/mods/v3"><titleInfo><title>T</title></titleInfo></mods></metadata></record>
"""
    (record,) = read_oai_dc(oai(body, "mods"))
    assert isinstance(record, RejectedRecord)
    assert record.reason == "metadata format mods has no Dublin Core and is not supported"
    assert record.local_id == "oai:x:1"


def test_dc_field_mapping():
    body = """<record><header><identifier>oai:x:2</identifier></header><metadata>
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>Le désert : roman</dc:title><dc:title>الصحراء</dc:title>
<dc:creator>Le Clézio, J.-M. G.</dc:creator><dc:contributor>Traducteur, Un</dc:contributor>
<dc:subject>Maroc ; Sahara</dc:subject><dc:subject>Nomades</dc:subject>
<dc:date>c1980</dc:date><dc:publisher>Gallimard</dc:publisher>
<dc:language>français</dc:language><dc:language>ar</dc:language><dc:language>other</dc:language>
<dc:type>info:eu-repo/semantics/book</dc:type>
<dc:identifier>urn:isbn:2-07-021375-7</dc:identifier><dc:identifier>doi:10.1000/xyz123</dc:identifier>
<dc:identifier>https://example.org/notice/2</dc:identifier>
<dc:description>Un.</dc:description><dc:description>Deux.</dc:description><dc:description>Trois.</dc:description>
</oai_dc:dc></metadata></record>
"""
    (record,) = read_oai_dc(oai(body))
    f = record.fields
    assert (f.title, f.subtitle, f.parallel_titles) == ("Le désert", "roman", ["الصحراء"])
    assert f.authors == ["Le Clézio, J.-M. G.", "Traducteur, Un"]
    assert f.subjects == ["Maroc", "Sahara", "Nomades"]
    assert (f.year, f.publisher, f.languages) == (1980, "Gallimard", ["fre", "ara"])
    assert f.material_type == MaterialType.BOOK
    assert f.identifiers == {
        "isbn": ["9782070213757"],
        "doi": ["10.1000/xyz123"],
        "url": ["https://example.org/notice/2"],
    }
    assert f.notes == ["Un.", "Deux."]
    assert f.scripts == ["Arabic", "Latin"]


def test_plain_oai_dc_document_without_header():
    data = (
        b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        b"<dc:identifier>ark:/12148/cb1</dc:identifier><dc:title>Seul</dc:title></oai_dc:dc>"
    )
    assert detect_format(data) == DetectedFormat(RecordFormat.DUBLIN_CORE, Serialisation.XML, "oai_dc")
    (record,) = read_oai_dc(data)
    assert record.local_id == "ark:/12148/cb1" and record.fields.title == "Seul"
    assert record.offset == 0


def test_long_description_is_truncated():
    body = (
        '<record><header><identifier>oai:x:3</identifier></header><metadata><dc xmlns="">'
        f"<title>T</title><description>{'a' * 800}</description></dc></metadata></record>"
    )
    (record,) = read_oai_dc(oai(body))
    assert len(record.fields.notes[0]) == 500 and record.fields.notes[0].endswith("…")


def test_oai_error_and_broken_bodies():
    error = (
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        b'<error code="badVerb">Illegal verb</error></OAI-PMH>'
    )
    with pytest.raises(UnreadableFileError, match="badVerb: Illegal verb"):
        read_oai_dc(error)
    assert detect_format(error).dialect == "oai-error"
    with pytest.raises(UnreadableFileError, match=r"not well-formed XML: .*\(line 2, column \d+\)"):
        read_oai_dc(b"<OAI-PMH>\n<record></OAI-PMH>")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("fr", "fre"), ("fre", "fre"), ("fra", "fre"), ("French", "fre"), ("français", "fre"),
        ("fr-FR", "fre"), ("en", "eng"), ("en_US", "eng"), ("English", "eng"), ("ar", "ara"),
        ("ara", "ara"), ("العربية", "ara"), ("nl", "dut"), ("ger", "ger"), ("deu", "ger"),
        ("ber", "ber"), ("other", ""), ("und", ""), ("", ""), ("xx", ""),
    ],
)  # fmt: skip
def test_normalise_language(value, code):
    assert normalise_language(value) == code


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["Text"], MaterialType.BOOK),
        (["Text", "article", "info:eu-repo/semantics/article"], MaterialType.ARTICLE),
        (["info:eu-repo/semantics/doctoralThesis"], MaterialType.THESIS),
        (["info:eu-repo/semantics/bookPart"], MaterialType.ARTICLE),
        (["Dataset", "Text"], MaterialType.ELECTRONIC),
        (["Image", "photographs"], MaterialType.IMAGE),
        (["MovingImage"], MaterialType.VIDEO),
        (["Sound"], MaterialType.SOUND),
        (["texte", "publication en série imprimée"], MaterialType.SERIAL),
        (["Périodique"], MaterialType.SERIAL),
        (["partition"], MaterialType.SCORE),
        (["info:eu-repo/semantics/other"], MaterialType.OTHER),
        ([], MaterialType.OTHER),
    ],
)
def test_material_type(values, expected):
    assert material_type_of(values) == expected


def test_dc_identifiers():
    ids: dict[str, list[str]] = {}
    for value in (
        "urn:ISSN:0181009X",
        "1566-7294",
        "90 - 5892 - 032 - 1",
        "urn:ISBN:978275210088788",
        "http://hdl.handle.net/1765/9",
        "https://doi.org/10.1234/ABC.5",
        "urn:nbn:de:101:1-2012",
        "Steijn, A.J. (2001). A title. Journal, 18(1-2), 251-266.",
    ):
        add_dc_identifier(ids, value)
    assert ids == {
        "issn": ["0181-009X", "1566-7294"],
        "isbn": ["9789058920324"],
        "isbn_invalid": ["978275210088788"],
        "handle": ["1765/9"],
        "doi": ["10.1234/ABC.5"],
        "nbn": ["urn:nbn:de:101:1-2012"],
    }


# --------------------------------------------------------------------------- CSV


def test_sample_csv_loads_with_holdings():
    data = SAMPLE_CSV.read_bytes()
    detected, records = read_records(data, SAMPLE_CSV.name)
    assert detected == DetectedFormat(RecordFormat.CSV, Serialisation.CSV, "csv")
    records = list(records)
    assert [(type(r).__name__, r.number) for r in records] == [
        ("ParsedRecord", 1),
        ("ParsedRecord", 2),
        ("ParsedRecord", 4),
        ("RejectedRecord", 5),
        ("ParsedRecord", 6),
        ("ParsedRecord", 7),
    ]
    etranger, arabic, prince, bad, revue, maroc = records

    assert etranger.local_id == "B0001" and etranger.fields.title == "L'Étranger"
    assert etranger.fields.identifiers == {"isbn": ["9782070360024"]}
    assert [(h.barcode, h.location, h.status) for h in etranger.holdings] == [
        ("0001234567", "Salle de lecture", HoldingStatus.AVAILABLE),
        ("0001234568", "Réserve", HoldingStatus.ON_LOAN),
    ]
    assert etranger.warnings == ["columns ignored (not recognised): Prix"]
    assert etranger.raw.count(b"B0001;") == 2
    assert data[etranger.offset :].startswith(b"B0001;")

    assert arabic.fields.title == "موسم الهجرة إلى الشمال" and arabic.fields.subtitle == "رواية"
    assert arabic.fields.scripts == ["Arabic"] and arabic.fields.languages == ["ara"]
    assert arabic.holdings[0].status == HoldingStatus.NOT_FOR_LOAN

    assert (prince.fields.title, prince.fields.subtitle) == (
        "Le Petit Prince",
        "avec des aquarelles de l'auteur",
    )
    assert prince.fields.subjects == ["Contes", "Littérature jeunesse"] and prince.fields.languages == ["fre"]

    assert isinstance(bad, RejectedRecord) and "row 5 has neither an id nor a title" in bad.reason
    assert data[bad.offset :].startswith(b";;;Anonyme")

    assert revue.fields.material_type == MaterialType.SERIAL
    assert revue.fields.identifiers == {"issn": ["0035-1474"]}

    # A quoted cell spanning two lines: raw keeps both lines, the next record's offset is right.
    assert maroc.fields.subjects == ["Maroc -- Histoire", "Maroc -- Civilisation"]
    assert maroc.raw.count(b"\r\n") == 2 and maroc.holdings[0].status == HoldingStatus.LOST
    assert maroc.fields.year == 1949
    assert all(r.offset + len(r.raw) <= len(data) for r in records if r is not etranger)


def test_csv_utf16_and_cp1252():
    text = (
        "id,title,author,year,cote,statut\n"
        "A1,Éloge de l'ombre,\"Tanizaki, Jun'ichirō\",1933,895.6 TAN,emprunté\n"
    )
    utf16 = read_csv(b"\xff\xfe" + text.encode("utf-16-le"))
    (record,) = list(utf16)
    assert record.fields.authors == ["Tanizaki, Jun'ichirō"]
    assert record.offset == 2 + len(text.split("\n")[0].encode("utf-16-le")) + 2
    latin = text.replace("ō", "o")
    (record,) = list(read_csv(latin.encode("cp1252")))
    assert record.fields.title == "Éloge de l'ombre"
    assert any("Windows-1252" in w for w in record.warnings)
    assert record.holdings[0].status == HoldingStatus.ON_LOAN


def test_csv_tab_delimiter_and_row_without_id():
    data = "Titre\tAuteurs\tAnnée\tLangues\nSans numéro\tA, B | C, D\t2020\tfre;ara\n".encode()
    (record,) = list(read_csv(data))
    assert record.local_id.startswith("sha1:") and record.fields.authors == ["A, B", "C, D"]
    assert record.fields.languages == ["fre", "ara"]
    assert any("has no id" in w for w in record.warnings)


def test_csv_without_header_is_unreadable():
    with pytest.raises(UnreadableFileError, match=r"Expected columns: id \(identifiant"):
        read_csv(b"1;2;3\n4;5;6\n")


# --------------------------------------------------------------------------- detection


def _shared(relative: str) -> bytes:
    assert SHARED is not None
    return (SHARED / relative).read_bytes()


@needs_shared
@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("marc21/evergreen_lul_fre_500.mrc", (RecordFormat.MARC21, Serialisation.ISO2709, "iso2709")),
        ("marc21/evergreen_auth-1066.mrc", (RecordFormat.MARC21, Serialisation.ISO2709, "iso2709")),
        ("marcxml/rero_documents_small.xml", (RecordFormat.MARC21, Serialisation.XML, "marcxml")),
        ("marcxml/evergreen_serials_mfhd.xml", (RecordFormat.MARC21, Serialisation.XML, "marcxml")),
        ("marcxml/rero_sru_dnb_samuelson.xml", (RecordFormat.MARC21, Serialisation.XML, "sru-marc")),
        ("unimarc/medialab_periouni.mrc", (RecordFormat.UNIMARC, Serialisation.ISO2709, "iso2709")),
        ("unimarc/pymarc_testunimarc.dat", (RecordFormat.UNIMARC, Serialisation.ISO2709, "iso2709")),
        ("unimarc/marcjs_bib.xml", (RecordFormat.UNIMARC, Serialisation.XML, "marcxml")),
        (
            "unimarc/rero_sru_bnf_anywhere_all_peter.xml",
            (RecordFormat.UNIMARC, Serialisation.XML, "sru-marc"),
        ),
        ("oai/medialab_oaipmh_oai_dc.xml", (RecordFormat.DUBLIN_CORE, Serialisation.XML, "oai_dc")),
        ("oai/medialab_oaipmh_didl.xml", (RecordFormat.DUBLIN_CORE, Serialisation.XML, "oai_dc")),
        ("oai/traject_sample-oai-no-namespace.xml", (RecordFormat.DUBLIN_CORE, Serialisation.XML, "oai_dc")),
        ("oai/sickle_badArgument.xml", (None, Serialisation.XML, "oai-error")),
        ("oai/sickle_Identify.xml", (None, Serialisation.XML, "oai-identify")),
    ],
)
def test_detect_shared_formats(relative, expected):
    assert detect_format(_shared(relative), relative) == DetectedFormat(*expected)


@needs_shared
@pytest.mark.shared_data
def test_detect_every_marc_file_family():
    for folder, fmt in (
        ("marc21", RecordFormat.MARC21),
        ("marcxml", RecordFormat.MARC21),
        ("unimarc", RecordFormat.UNIMARC),
    ):
        for path in sorted((SHARED / folder).rglob("*")):
            # unimarc/bad: CP866 records with an all-zero leader and no telling tag (read with a hint).
            if path.is_file() and not (folder == "unimarc" and path.parent.name == "bad"):
                assert detect_format(path.read_bytes(), path.name).format == fmt, path


def test_detect_oai_marc_payload():
    body = """<record><header><identifier>oai:x:1</identifier></header><metadata>
<marc:record xmlns:marc="http://www.loc.gov/MARC21/slim"><marc:leader>00000nam a2200000 a 4500</marc:leader>
<marc:controlfield tag="008">850101s1985    fr            000 0 fre d</marc:controlfield>
<marc:datafield tag="245" ind1="1" ind2="0"><marc:subfield code="a">Titre</marc:subfield></marc:datafield>
</marc:record></metadata></record>
"""
    assert detect_format(oai(body, "marc21")) == DetectedFormat(
        RecordFormat.MARC21, Serialisation.XML, "oai-marc"
    )


def test_detect_csv_sample():
    assert detect_format(SAMPLE_CSV.read_bytes(), SAMPLE_CSV.name).dialect == "csv"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP"),
        (bytes(range(256)) * 4, "binary"),
        (b'{"title": "x"}', "JSON"),
        (b"Bonjour,\nceci n'est pas un catalogue.\n", "expected columns"),
        (b"<html><body>x</body></html>", "neither MARCXML"),
        (b"<record><unclosed>", "not well-formed XML"),
    ],
)
def test_detect_junk(data, message):
    with pytest.raises(UnreadableFileError, match=message):
        detect_format(data, "envoi.dat")


def test_format_hint_only_decides_marc_flavour():
    data = SAMPLE_CSV.read_bytes()
    detected, _ = read_records(data, format_hint=RecordFormat.UNIMARC)
    assert detected.format == RecordFormat.CSV


@needs_shared
@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("relative", "fmt"),
    [
        ("marc21/evergreen_lul_fre_500.mrc", RecordFormat.MARC21),
        ("unimarc/medialab_cotesD.mrc", RecordFormat.UNIMARC),
    ],
)
def test_read_records_dispatches_marc(relative, fmt):
    pytest.importorskip("khizana.catalog.formats.iso2709")
    detected, records = read_records(_shared(relative), relative)
    first = next(iter(records))
    assert detected.format == fmt and isinstance(first, ParsedRecord) and first.format == fmt

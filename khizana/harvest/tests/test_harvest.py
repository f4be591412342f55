"""Harvesting into the catalog from real OAI-PMH responses served over loopback HTTP."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from khizana.catalog.models import ImportReject, SourceRecord
from khizana.harvest.models import HarvestedIdentifier, HarvestRun
from khizana.harvest.services import configure, harvest, harvest_all
from khizana.testing import DEMO, make_library

from .server import DATA, OaiTestServer, body, xml

SHARED_OAI = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "oai"
OAI = "http://www.openarchives.org/OAI/2.0/"


@pytest.fixture(autouse=True)
def _quick_retries(settings):
    settings.KHIZANA_HARVEST_TIMEOUT = 5
    settings.KHIZANA_HARVEST_ATTEMPTS = 3
    settings.KHIZANA_HARVEST_BACKOFF = 0.01
    settings.KHIZANA_HARVEST_RETRY_BUDGET = 1


@pytest.fixture
def library(db):
    return make_library("EUR")


def pyoai_repository(list_records):
    """The Erasmus DSpace repository of pyoai's fake1 set; ``list_records`` answers ListRecords."""
    fixed = {"Identify": "pyoai_fake1_00001.xml", "ListMetadataFormats": "pyoai_fake1_00002.xml"}

    def answer(query):
        if query["verb"] in fixed:
            return xml(fixed[query["verb"]])
        return list_records(query)

    return answer


def deleted_page(*identifiers: str, response_date: str = "2004-02-17T13:44:55Z") -> bytes:
    """A ListRecords page of deleted headers, shaped like pyoai's fake2/00000.xml (a deleted record)."""
    records = "".join(
        f'<record><header status="deleted"><identifier>{i}</identifier>'
        f"<datestamp>2004-02-16T13:29:54Z</datestamp></header></record>"
        for i in identifiers
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" ?><OAI-PMH xmlns="{OAI}"><responseDate>{response_date}'
        f'</responseDate><request verb="ListRecords">http://dspace.ubib.eur.nl/oai/</request>'
        f"<ListRecords>{records}</ListRecords></OAI-PMH>"
    ).encode()


def test_pyoai_set_then_an_incremental_harvest_with_a_deletion(library):
    pages = [xml("pyoai_fake1_00005.xml"), body(deleted_page("hdl:1765/308"))]
    with OaiTestServer(pyoai_repository(lambda q: pages.pop(0))) as server:
        configure(library, server.url)
        first = harvest(library)
        assert first.status == HarvestRun.Status.FINISHED, first.errors
        assert (first.metadata_prefix, first.pages, first.records_harvested) == ("oai_dc", 1, 16)
        assert first.records_added == 16 and first.records_rejected == 0
        record = SourceRecord.objects.get(library=library, local_id="hdl:1765/308")
        assert record.format == "dc" and not record.deleted and record.work_id is not None
        harvested = bytes(record.raw)
        library.harvest_source.refresh_from_db()
        # The next "from" is the responseDate of the run's first response (Identify), at seconds granularity.
        assert library.harvest_source.last_datestamp == "2003-04-30T16:08:01Z"

        second = harvest(library)
    assert second.status == HarvestRun.Status.FINISHED, second.errors
    list_records = [q for q in server.requests if q["verb"] == "ListRecords"]
    assert list_records[0] == {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    assert list_records[1] == {
        "verb": "ListRecords",
        "metadataPrefix": "oai_dc",
        "from": "2003-04-30T16:08:01Z",
    }
    assert second.requested_from == "2003-04-30T16:08:01Z" and second.records_deleted == 1
    record.refresh_from_db()
    assert record.deleted and record.work_id is None
    assert record.versions.count() == 1  # the live state went to the history
    assert bytes(record.raw) == harvested  # the deleted header did not replace the record
    assert SourceRecord.objects.filter(library=library).count() == 16  # the header is not a record
    assert SourceRecord.objects.filter(library=library, deleted=False).count() == 15


def test_sickle_pages_follow_tokens_and_a_bad_record_is_a_reject(library):
    pages = {
        "": "sickle_ListRecords.xml",
        "ListRecords2.xml": "sickle_ListRecords2.xml",
        "ListRecords3.xml": "sickle_ListRecords3.xml",
        "ListRecords4.xml": "sickle_ListRecords4.xml",
    }
    fixed = {"Identify": "sickle_Identify.xml", "ListMetadataFormats": "sickle_ListMetadataFormats.xml"}

    def answer(query):
        return xml(fixed.get(query["verb"]) or pages[query.get("resumptionToken", "")])

    with OaiTestServer(answer) as server:
        configure(library, server.url)
        run = harvest(library)
    assert run.status == HarvestRun.Status.FINISHED, run.errors
    assert (run.pages, run.records_harvested, run.import_runs.count()) == (4, 8, 4)
    assert run.metadata_prefix == "oai_dc"  # offered, unlike MARC; epicur, mods ... are not read
    assert SourceRecord.objects.get(library=library, local_id="oai:test.example.com:1585322").title
    # The deleted header without an identifier (page 4) is a reject with its reason; the run went on.
    reject = ImportReject.objects.get(run__harvest_runs=run)
    assert reject.reason == "deleted record without an identifier"
    assert run.records_rejected == 1
    library.harvest_source.refresh_from_db()
    assert library.harvest_source.last_datestamp == "2013-02-27"  # day granularity in Identify


def test_an_oai_error_fails_the_run_with_its_code_and_keeps_the_datestamp(library):
    with OaiTestServer(pyoai_repository(lambda q: xml("phpoaipmh_BadResponseInvalidRecord.xml"))) as server:
        source = configure(library, server.url)
        source.last_datestamp = "2003-01-01"
        source.save()
        run = harvest(library)
    assert run.status == HarvestRun.Status.FAILED
    assert "idDoesNotExist: The value of the identifier argument is unknown or illegal" in run.error_texts[0]
    source.refresh_from_db()
    assert source.last_datestamp == "2003-01-01"


def test_a_server_that_does_not_know_the_verbs_fails_clearly(library):
    with OaiTestServer(lambda q: xml("phpoaipmh_BadResponseNonExistentVerb.xml")) as server:
        configure(library, server.url)
        run = harvest(library)
    assert run.status == HarvestRun.Status.FAILED
    assert run.error_texts == [
        f"{server.url}?verb=Identify: the OAI-PMH server answered with an error: "
        "badVerb: The verb 'NotExist' is illegal"
    ]


def test_no_records_match_is_a_successful_empty_harvest(library):
    with OaiTestServer(pyoai_repository(lambda q: xml("sickle_noRecordsMatch.xml"))) as server:
        configure(library, server.url)
        run = harvest(library)
    assert run.status == HarvestRun.Status.FINISHED and run.records_harvested == 0 and not run.errors
    library.harvest_source.refresh_from_db()
    assert library.harvest_source.last_datestamp == "2003-04-30T16:08:01Z"


def test_a_503_then_200_is_retried_within_the_harvest(library):
    answers = [body(b"", 503, **{"Retry-After": "0"}), xml("pyoai_fake1_00005.xml")]
    with OaiTestServer(pyoai_repository(lambda q: answers.pop(0))) as server:
        configure(library, server.url)
        run = harvest(library)
    assert run.status == HarvestRun.Status.FINISHED, run.errors
    assert run.records_added == 16
    assert server.verbs().count("ListRecords") == 2


def test_a_page_that_fails_for_good_stops_the_run_but_keeps_what_came_before(library):
    pages = {"": "sickle_ListRecords.xml", "ListRecords2.xml": None}
    fixed = {"Identify": "sickle_Identify.xml", "ListMetadataFormats": "sickle_ListMetadataFormats.xml"}

    def answer(query):
        if query["verb"] in fixed:
            return xml(fixed[query["verb"]])
        name = pages[query.get("resumptionToken", "")]
        return xml(name) if name else body(b"broken xml", 200)

    with OaiTestServer(answer) as server:
        configure(library, server.url)
        run = harvest(library)
    assert run.status == HarvestRun.Status.FAILED and run.pages == 1
    assert "resumptionToken=ListRecords2.xml: not well-formed XML" in run.error_texts[0]
    assert SourceRecord.objects.filter(library=library, local_id="oai:test.example.com:1585322").exists()
    library.harvest_source.refresh_from_db()
    assert library.harvest_source.last_datestamp == ""  # the next harvest starts again from the start


def marc_page(records: list[etree._Element], identifiers: list[str], deleted: tuple[str, ...] = ()) -> bytes:
    """A ListRecords page with MARCXML metadata, as Koha or Khizana's provider sends one."""
    root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI})
    etree.SubElement(root, f"{{{OAI}}}responseDate").text = "2026-01-02T03:04:05Z"
    listing = etree.SubElement(root, f"{{{OAI}}}ListRecords")
    for identifier in deleted:
        header = etree.SubElement(etree.SubElement(listing, f"{{{OAI}}}record"), f"{{{OAI}}}header")
        header.set("status", "deleted")
        etree.SubElement(header, f"{{{OAI}}}identifier").text = identifier
        etree.SubElement(header, f"{{{OAI}}}datestamp").text = "2026-01-02T00:00:00Z"
    for record, identifier in zip(records, identifiers, strict=True):
        item = etree.SubElement(listing, f"{{{OAI}}}record")
        header = etree.SubElement(item, f"{{{OAI}}}header")
        etree.SubElement(header, f"{{{OAI}}}identifier").text = identifier
        etree.SubElement(header, f"{{{OAI}}}datestamp").text = "2026-01-01T00:00:00Z"
        etree.SubElement(item, f"{{{OAI}}}metadata").append(record)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def test_marc_records_are_keyed_by_001_and_deleted_through_their_oai_identifier(library):
    collection = etree.parse(str(DEMO / "records" / "BNRM" / "traject_test_data.utf8.marc.xml")).getroot()
    records = list(collection)[:3]
    identifiers = [f"oai:koha.example.org:biblio-{n}" for n in (1, 2, 3)]
    pages = [marc_page(records, identifiers), marc_page([], [], deleted=(identifiers[1],))]
    identify = (DATA / "phpoaipmh_GoodResponseIdentify.xml").read_bytes()
    formats = (
        b'<OAI-PMH xmlns="%s"><responseDate>2026-01-01T00:00:00Z</responseDate><ListMetadataFormats>'
        % (OAI.encode())
        + b"<metadataFormat><metadataPrefix>oai_dc</metadataPrefix></metadataFormat><metadataFormat>"
        + (b"<metadataPrefix>marc21</metadataPrefix></metadataFormat></ListMetadataFormats></OAI-PMH>")
    )

    def answer(query):
        if query["verb"] == "Identify":
            return body(identify)
        if query["verb"] == "ListMetadataFormats":
            return body(formats)
        return body(pages.pop(0))

    with OaiTestServer(answer) as server:
        configure(library, server.url)
        first = harvest(library)
        assert first.status == HarvestRun.Status.FINISHED, first.errors
        assert first.metadata_prefix == "marc21" and first.records_added == 3
        stored = dict(HarvestedIdentifier.objects.values_list("identifier", "local_id"))
        assert stored[identifiers[0]] == "00282214"
        harvested = bytes(SourceRecord.objects.get(library=library, local_id=stored[identifiers[1]]).raw)
        second = harvest(library)
    assert second.status == HarvestRun.Status.FINISHED, second.errors
    assert second.records_deleted == 1
    gone = SourceRecord.objects.get(library=library, local_id=stored[identifiers[1]])
    assert gone.deleted and gone.format == "marc21" and gone.work_id is None
    assert bytes(gone.raw) == harvested and gone.versions.count() == 1  # the bytes harvested, kept
    assert SourceRecord.objects.filter(library=library, deleted=False).count() == 2
    assert server.requests[-1]["from"] == "2012-08-06T21:35:46Z"


def test_deleted_headers_twice_or_for_unknown_records_change_nothing(library):
    pages = [
        xml("pyoai_fake1_00005.xml"),
        body(deleted_page("hdl:1765/308", "hdl:never-harvested")),
        body(deleted_page("hdl:1765/308")),
    ]
    with OaiTestServer(pyoai_repository(lambda q: pages.pop(0))) as server:
        configure(library, server.url)
        harvest(library)
        second = harvest(library)
        record = SourceRecord.objects.get(library=library, local_id="hdl:1765/308")
        deleted_at = record.deleted_at
        third = harvest(library, full=True)
    assert (second.records_deleted, second.records_harvested) == (1, 2)
    assert not SourceRecord.objects.filter(library=library, local_id="hdl:never-harvested").exists()
    assert third.status == HarvestRun.Status.FINISHED, third.errors
    assert (third.records_deleted, third.records_unchanged) == (0, 1)
    record.refresh_from_db()
    assert record.deleted and record.deleted_at == deleted_at and record.versions.count() == 1


def test_the_command_harvests_one_library_or_all_and_refuses_unknown_ones(library, capsys):
    with OaiTestServer(pyoai_repository(lambda q: xml("pyoai_fake1_00005.xml"))) as server:
        call_command("harvest", "EUR", "--url", server.url)
        assert "16 record(s) harvested" in capsys.readouterr().out
        other = make_library("EUR2", oai_endpoint=server.url)
        runs = harvest_all()
        assert sorted(run.source.library.code for run in runs) == ["EUR", "EUR2"]
        assert all(run.status == HarvestRun.Status.FINISHED for run in runs)
        assert SourceRecord.objects.filter(library=other).count() == 16
        call_command("harvest", "--all")
    with pytest.raises(CommandError, match=r"'ftp://example\.org/oai' is not an http:// or https:// URL"):
        call_command("harvest", "EUR", "--url", "ftp://example.org/oai")
    with pytest.raises(CommandError, match="no library with code 'NOPE'"):
        call_command("harvest", "NOPE")
    with pytest.raises(CommandError, match="NOEP has no OAI-PMH endpoint"):
        make_library("NOEP")
        call_command("harvest", "NOEP")


@pytest.mark.shared_data
def test_the_shared_copies_are_the_ones_tested():
    if not SHARED_OAI.is_dir():
        pytest.skip("../shared/data/oai is absent")
    for copy in DATA.glob("*.xml"):
        assert copy.read_bytes() == (SHARED_OAI / copy.name).read_bytes(), copy.name


def formats_response(*prefixes: str) -> bytes:
    offered = "".join(
        f"<metadataFormat><metadataPrefix>{p}</metadataPrefix></metadataFormat>" for p in prefixes
    )
    return (
        f'<OAI-PMH xmlns="{OAI}"><responseDate>2026-01-01T00:00:00Z</responseDate>'
        f"<ListMetadataFormats>{offered}</ListMetadataFormats></OAI-PMH>"
    ).encode()


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        (("oai_dc", "marc21", "unimarc"), "marc21,unimarc"),  # Khizana keeps UNIMARC apart
        (("oai_dc", "marcxml"), "marcxml"),
        (("oai_dc", "unimarc"), "unimarc"),
        (("oai_dc", "mods", "epicur"), "oai_dc"),
    ],
)
def test_the_metadata_format_is_marc_when_offered(offered, chosen):
    from khizana.harvest.client import OaiClient
    from khizana.harvest.services import choose_prefix

    with OaiTestServer(lambda q: body(formats_response(*offered))) as server:
        assert choose_prefix(OaiClient(server.url)) == chosen


def test_a_deleted_header_finds_a_record_sent_as_a_file_by_the_last_part_of_its_identifier(library):
    call_command(
        "import", "--library", "EUR", "--no-progress", str(DEMO / "records" / "BNRM" / "marc4j_azdoud.xml")
    )
    local_id = SourceRecord.objects.get(library=library).local_id
    pages = [marc_page([], [], deleted=(f"oai:koha.example.org:{local_id}",))]
    with OaiTestServer(pyoai_repository(lambda q: body(pages.pop(0)))) as server:
        configure(library, server.url, metadata_prefix="marc21")
        run = harvest(library)
    assert run.status == HarvestRun.Status.FINISHED, run.errors
    assert run.records_deleted == 1 and SourceRecord.objects.get(library=library).deleted


def test_the_schedule_setting_is_five_crontab_fields(settings):
    from django.core.exceptions import ImproperlyConfigured

    from khizana.harvest.tasks import harvest_schedule

    settings.KHIZANA_HARVEST_SCHEDULE = "30 2 * * *"
    assert harvest_schedule() == ["30", "2", "*", "*", "*"]
    settings.KHIZANA_HARVEST_SCHEDULE = "every night"
    with pytest.raises(ImproperlyConfigured, match="expected five crontab fields"):
        harvest_schedule()


def test_a_new_metadata_format_starts_from_the_beginning(library):
    with OaiTestServer(pyoai_repository(lambda q: xml("pyoai_fake1_00005.xml"))) as server:
        source = configure(library, server.url)
        source.last_datestamp, source.last_metadata_prefix = "2003-04-01", "marc21"
        source.save()
        run = harvest(library)
    assert run.status == HarvestRun.Status.FINISHED and run.metadata_prefix == "oai_dc"
    assert "from" not in server.requests[-1] and run.requested_from == ""

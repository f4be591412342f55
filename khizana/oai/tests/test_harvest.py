"""End to end: the demo network in a private installation, served by gunicorn, harvested over real HTTP
by two OAI-PMH clients (Sickle with GET, pyoai with POST) and by plain requests that validate every
response against the schemas. Every item must come back exactly once and agree with the database.

The catalog is changed only by the tests at the end of the module (deletion, changes during a
harvest); the others compare with the database as it is when they run.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
from lxml import etree
from sickle import Sickle

from khizana.oai.protocol import make_identifier
from khizana.oai.responses import xml_text
from khizana.oai.tests.schemas import MARC, MARCXCHANGE, OAI, validate
from tests.support import PrivateInstallation, demo_installation, migrated_installation

pytestmark = pytest.mark.slow
REPOSITORY = "khizana.local"
ADMIN = "catalogue@khizana.example"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    empty = migrated_installation(tmp_path_factory.mktemp("oai-empty"))
    empty.env["KHIZANA_OAI_ADMIN_EMAIL"] = ADMIN
    try:
        empty.serve()
        responses = {  # the repository before any library joined
            verb: requests.get(empty.base_url + "/oai", params={"verb": verb, **more}, timeout=30).content
            for verb, more in [
                ("Identify", {}),
                ("ListSets", {}),
                ("ListRecords", {"metadataPrefix": "oai_dc"}),
            ]
        }
    finally:
        empty.close()
    installation = demo_installation(tmp_path_factory.mktemp("oai-site"))
    installation.env["KHIZANA_OAI_ADMIN_EMAIL"] = ADMIN
    try:
        installation.serve()
        installation.oai = installation.base_url + "/oai"
        installation.empty = responses
        yield installation
    finally:
        installation.close()


class ValidatingSickle(Sickle):
    """Sickle, checking every response it receives: HTTP 200, text/xml in UTF-8, valid against the
    schemas; the parsed pages are kept in ``pages``."""

    def __init__(self, endpoint: str, **options):
        super().__init__(endpoint, **options)
        self.pages: list[etree._Element] = []

    def harvest(self, **kwargs):
        response = super().harvest(**kwargs)
        assert response.http_response.headers["Content-Type"] == "text/xml; charset=utf-8"
        self.pages.append(validate(response.http_response.content))
        return response


def assert_tokens_count(pages: list[etree._Element], total: int) -> None:
    """cursor and completeListSize right on every page; the last page closes the list."""
    assert len(pages) == -(-total // 100) > 1
    seen = 0
    for page in pages:
        token = page.find(f".//{{{OAI}}}resumptionToken")
        assert (int(token.get("cursor")), int(token.get("completeListSize"))) == (seen, total)
        seen += len(page.findall(f".//{{{OAI}}}header"))
    assert seen == total and not token.text


def db_items(site: PrivateInstallation, where: str = "1=1") -> dict[str, dict]:
    """The repository's items as the database has them: identifier -> item."""
    rows = site.query(
        "SELECT l.code, r.local_id, r.format, r.serialisation, r.deleted, r.updated_at, r.fields, r.raw "
        "FROM catalog_sourcerecord r JOIN libraries_library l ON l.id = r.library_id "
        f"WHERE r.kind = 'bibliographic' AND {where}"
    )
    items = {}
    for code, local_id, record_format, serialisation, deleted, updated_at, fields, raw in rows:
        if isinstance(updated_at, str):
            updated_at = datetime.fromisoformat(updated_at).replace(tzinfo=UTC)
        fields = json.loads(fields) if isinstance(fields, str) else fields
        items[make_identifier(REPOSITORY, code, local_id)] = {
            "library": code,
            "local_id": local_id,
            "format": record_format,
            "serialisation": serialisation,
            "deleted": bool(deleted),
            "datestamp": updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "sets": [f"library:{code}", f"type:{fields.get('material_type') or 'other'}"],
            "fields": fields,
            "raw": bytes(raw),
        }
    return items


def harvest_ids(records) -> list[str]:
    """Identifiers of Sickle records or headers."""
    return [getattr(record, "header", record).identifier for record in records]


def oai_get(site: PrivateInstallation, method: str = "GET", **arguments: str) -> etree._Element:
    """One request, checked: HTTP 200, text/xml in UTF-8, valid against the schemas."""
    if method == "GET":
        response = requests.get(site.oai, params=arguments, timeout=60)
    else:
        response = requests.post(site.oai, data=arguments, timeout=60)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    return validate(response.content)


def error_code(root: etree._Element) -> str | None:
    error = root.find(f"{{{OAI}}}error")
    return None if error is None else error.get("code")


# --------------------------------------------------------------------------- whole harvests


def test_sickle_harvests_every_record_once_as_oai_dc(site):
    sickle = ValidatingSickle(site.oai)
    records = list(sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    expected = db_items(site)
    assert_tokens_count(sickle.pages, len(expected))
    ids = harvest_ids(records)
    assert len(ids) == len(set(ids)) == len(expected) > 2000
    assert set(ids) == set(expected)
    assert sum(r.header.deleted for r in records) == sum(i["deleted"] for i in expected.values()) >= 2
    for record in records:
        item = expected[record.header.identifier]
        assert record.header.deleted == item["deleted"]
        assert record.header.datestamp == item["datestamp"]
        assert record.header.setSpecs == item["sets"]
        if item["deleted"]:
            assert record.xml.find(f".//{{{OAI}}}metadata") is None
            continue
        fields = item["fields"]
        if fields.get("title"):
            assert record.metadata["title"][0].startswith(xml_text(fields["title"]).strip())
        if fields.get("authors"):
            assert record.metadata["creator"] == [xml_text(fields["authors"][0]).strip()]
        if fields.get("year"):
            assert record.metadata["date"] == [str(fields["year"])]


@pytest.mark.parametrize(
    "prefix, namespace, method", [("marc21", MARC, "POST"), ("unimarc", MARCXCHANGE, "GET")]
)
def test_sickle_harvests_every_marc_record_once(site, prefix, namespace, method):
    sickle = ValidatingSickle(site.oai, http_method=method)
    records = list(sickle.ListRecords(metadataPrefix=prefix, ignore_deleted=False))
    expected = db_items(site, f"r.format = '{prefix}'")
    assert_tokens_count(sickle.pages, len(expected))
    ids = harvest_ids(records)
    assert len(ids) == len(set(ids)) == len(expected) > 700
    assert set(ids) == set(expected)
    for record in records:
        item = expected[record.header.identifier]
        assert record.header.deleted == item["deleted"]
        if item["deleted"]:
            continue
        marc = record.xml.find(f".//{{{namespace}}}record")
        leader = marc.findtext(f"{{{namespace}}}leader")
        if item["serialisation"] == "iso2709":  # record status, type, level and control as sent
            assert leader[5:9] == item["raw"][5:9].decode("ascii")
        assert marc.findall(f"{{{namespace}}}datafield")


class _LxmlForPyoai:
    """lxml as pyoai 2.5 expects it: lxml 6 dropped ``XPathEvaluator.evaluate`` (an alias of calling the
    evaluator), which pyoai still calls. Everything else is lxml itself."""

    def __getattr__(self, name: str):
        return getattr(etree, name)

    @staticmethod
    def XPathEvaluator(*args, **kwargs):
        evaluator = etree.XPathEvaluator(*args, **kwargs)
        return type("Evaluator", (), {"evaluate": staticmethod(evaluator)})()


def test_pyoai_harvests_everything_by_post(site, monkeypatch):
    import oaipmh.client
    import oaipmh.metadata
    from oaipmh.client import Client
    from oaipmh.metadata import MetadataRegistry, oai_dc_reader

    monkeypatch.setattr(oaipmh.client, "etree", _LxmlForPyoai())
    monkeypatch.setattr(oaipmh.metadata, "etree", _LxmlForPyoai())

    registry = MetadataRegistry()
    registry.registerReader("oai_dc", oai_dc_reader)
    client = Client(site.oai, registry)  # pyoai sends POST requests
    identify = client.identify()
    assert identify.repositoryName() == "Khizana" and identify.adminEmails() == [ADMIN]
    assert identify.deletedRecord() == "persistent" and identify.granularity() == "YYYY-MM-DDThh:mm:ssZ"
    expected = db_items(site)
    records = list(client.listRecords(metadataPrefix="oai_dc"))
    ids = [header.identifier() for header, _, _ in records]
    assert len(ids) == len(set(ids)) == len(expected) and set(ids) == set(expected)
    for header, metadata, _ in records:
        item = expected[header.identifier()]
        assert header.isDeleted() == item["deleted"] and (metadata is None) == item["deleted"]
        assert header.setSpec() == item["sets"]
        if metadata is not None and item["fields"].get("title"):
            assert metadata.getField("title")[0].startswith(xml_text(item["fields"]["title"]).strip())
    marc_ids = [header.identifier() for header in client.listIdentifiers(metadataPrefix="marc21")]
    assert sorted(marc_ids) == sorted(db_items(site, "r.format = 'marc21'"))
    sets = {spec for spec, _, _ in client.listSets()}
    assert {"library", "type", "library:BNRM", "library:BULAC", "type:serial"} <= sets
    identifier = next(i for i, item in expected.items() if item["format"] == "dc" and not item["deleted"])
    header, metadata, _ = client.getRecord(identifier=identifier, metadataPrefix="oai_dc")
    assert header.identifier() == identifier and metadata.getField("title")
    formats = [prefix for prefix, _, _ in client.listMetadataFormats(identifier=identifier)]
    assert formats == ["oai_dc"]


# --------------------------------------------------------------------------- the other verbs


def test_identify(site):
    identify = Sickle(site.oai).Identify()
    assert identify.baseURL == site.oai and identify.protocolVersion == "2.0"
    assert identify.adminEmail == ADMIN and identify.deletedRecord == "persistent"
    assert identify.earliestDatestamp == min(item["datestamp"] for item in db_items(site).values())
    assert identify.repositoryIdentifier == REPOSITORY and identify.sampleIdentifier.startswith(
        "oai:khizana.local:"
    )


def test_sets_and_selective_harvests(site):
    sickle = ValidatingSickle(site.oai, http_method="POST")
    specs = {s.setSpec for s in sickle.ListSets()}
    codes = {code for (code,) in site.query("SELECT code FROM libraries_library")}
    assert {f"library:{code}" for code in codes} | {"library", "type", "type:book", "type:serial"} <= specs
    for code in sorted(codes):
        headers = list(
            sickle.ListIdentifiers(metadataPrefix="oai_dc", set=f"library:{code}", ignore_deleted=False)
        )
        assert sorted(harvest_ids(headers)) == sorted(db_items(site, f"l.code = '{code}'"))
    serials = [h.identifier for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", set="type:serial")]
    expected = {i for i, item in db_items(site).items() if item["sets"][1] == "type:serial"}
    assert len(serials) == len(expected) > 100 and set(serials) == expected
    sickle.pages.clear()
    everything = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", set="library", ignore_deleted=False))
    assert len(everything) == len(db_items(site))
    assert_tokens_count(sickle.pages, len(everything))


def test_from_and_until(site):
    items = db_items(site)
    datestamps = sorted({item["datestamp"] for item in items.values()})
    first, last = datestamps[0], datestamps[-1]
    sickle = Sickle(site.oai)
    since = [
        h.identifier
        for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False, **{"from": last})
    ]
    assert sorted(since) == sorted(i for i, item in items.items() if item["datestamp"] >= last)
    before = [
        h.identifier
        for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", until=first, ignore_deleted=False)
    ]
    assert sorted(before) == sorted(i for i, item in items.items() if item["datestamp"] <= first)
    day = first[:10]
    same_day = list(
        sickle.ListIdentifiers(metadataPrefix="oai_dc", until=day, ignore_deleted=False, **{"from": day})
    )
    assert len(same_day) == sum(item["datestamp"][:10] == day for item in items.values())


def test_get_record_and_metadata_formats_per_item(site):
    items = db_items(site)
    sickle = Sickle(site.oai)
    offered = {
        "marc21": ["oai_dc", "marc21"],
        "unimarc": ["oai_dc", "unimarc"],
        "dc": ["oai_dc"],
        "csv": ["oai_dc"],
    }
    for record_format, prefixes in offered.items():
        identifier = next(
            i for i, item in items.items() if item["format"] == record_format and not item["deleted"]
        )
        formats = [f.metadataPrefix for f in sickle.ListMetadataFormats(identifier=identifier)]
        assert formats == prefixes
        for prefix in prefixes:
            record = sickle.GetRecord(identifier=identifier, metadataPrefix=prefix)
            assert record.header.identifier == identifier and not record.deleted and record.metadata
    offered_anywhere = ["oai_dc", "marc21", "unimarc", "oai_etdms"]  # oai_etdms: the theses (heritage.theses)
    assert [f.metadataPrefix for f in sickle.ListMetadataFormats()] == offered_anywhere
    deleted = next(i for i, item in items.items() if item["deleted"] and item["format"] == "marc21")
    record = sickle.GetRecord(identifier=deleted, metadataPrefix="marc21")
    assert record.deleted and record.xml.find(f".//{{{OAI}}}metadata") is None


# --------------------------------------------------------------------------- validity, paging, errors


def test_the_single_answers_are_valid(site):
    identifier = next(iter(db_items(site)))
    for arguments in [
        {"verb": "Identify"},
        {"verb": "ListSets"},
        {"verb": "ListMetadataFormats"},
        {"verb": "ListMetadataFormats", "identifier": identifier},
        {"verb": "GetRecord", "identifier": identifier, "metadataPrefix": "oai_dc"},
    ]:
        for method in ("GET", "POST"):
            assert error_code(oai_get(site, method, **arguments)) is None, arguments


MIXED_GRANULARITY = {"from": "2020-01-01", "until": "2021-01-01T00:00:00Z"}
UNKNOWN = "oai:khizana.local:BNRM:no-such-record"
ERRORS = [
    ("badVerb", {}),
    ("badVerb", {"verb": "Harvest"}),
    ("badArgument", {"verb": "Identify", "metadataPrefix": "oai_dc"}),
    ("badArgument", {"verb": "ListRecords"}),
    ("badArgument", {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}),
    ("badArgument", {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020", "until": "2021"}),
    ("badArgument", {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", **MIXED_GRANULARITY}),
    ("badArgument", {"verb": "GetRecord", "identifier": UNKNOWN}),
    ("cannotDisseminateFormat", {"verb": "ListRecords", "metadataPrefix": "mods"}),
    ("cannotDisseminateFormat", {"verb": "GetRecord", "identifier": UNKNOWN, "metadataPrefix": "mods"}),
    ("cannotDisseminateFormat", {"verb": "ListIdentifiers", "metadataPrefix": "marc"}),
    ("idDoesNotExist", {"verb": "GetRecord", "identifier": UNKNOWN, "metadataPrefix": "oai_dc"}),
    ("idDoesNotExist", {"verb": "ListMetadataFormats", "identifier": "oai:elsewhere.org:BNRM:1"}),
    ("noRecordsMatch", {"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "1990-01-01"}),
    ("noRecordsMatch", {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "library:NOWHERE"}),
    ("noRecordsMatch", {"verb": "ListIdentifiers", "metadataPrefix": "unimarc", "from": "2999-01-01"}),
    ("badResumptionToken", {"verb": "ListRecords", "resumptionToken": "not-a-token"}),
    ("badResumptionToken", {"verb": "ListSets", "resumptionToken": "x.y"}),
]  # fmt: skip


@pytest.mark.parametrize("code, arguments", ERRORS)
def test_every_error_code(site, code, arguments):
    for method in ("GET", "POST"):
        root = oai_get(site, method, **arguments)
        assert error_code(root) == code, (method, arguments)
        echoed = root.find(f"{{{OAI}}}request").attrib
        assert dict(echoed) == ({} if code in {"badVerb", "badArgument"} else arguments)
        assert root.findtext(f"{{{OAI}}}error").strip()


def test_repeated_arguments_and_other_methods(site):
    response = requests.get(
        site.oai + "?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=marc21", timeout=30
    )
    assert error_code(validate(response.content)) == "badArgument"
    response = requests.get(site.oai + "?verb=Identify&verb=Identify", timeout=30)
    assert error_code(validate(response.content)) == "badVerb"
    assert requests.put(site.oai, data={"verb": "Identify"}, timeout=30).status_code == 405


def test_a_tampered_token_is_refused(site):
    token = oai_get(site, verb="ListIdentifiers", metadataPrefix="oai_dc").findtext(
        f".//{{{OAI}}}resumptionToken"
    )
    body, _, signature = token.partition(".")
    tampered = body[:-3] + ("AAA" if body[-3:] != "AAA" else "BBB") + "." + signature
    assert error_code(oai_get(site, verb="ListIdentifiers", resumptionToken=tampered)) == "badResumptionToken"
    assert error_code(oai_get(site, verb="ListRecords", resumptionToken=token)) == "badResumptionToken"


def test_an_empty_repository_has_no_sets(site):
    for verb, document in site.empty.items():
        root = validate(document)
        expected = {"Identify": None, "ListSets": "noSetHierarchy", "ListRecords": "noRecordsMatch"}[verb]
        assert error_code(root) == expected


# --------------------------------------------------------------------------- changes (last: they change data)


def iso2709_marc21(items: dict[str, dict]) -> list[str]:
    return [
        identifier
        for identifier, item in items.items()
        if (item["format"], item["serialisation"], item["deleted"]) == ("marc21", "iso2709", False)
    ]


def test_changes_during_a_harvest_and_deleted_records(site, tmp_path):
    """A token taken before the catalog changes completes the harvest: the library sends a file that
    deletes one record already harvested and one not yet (leader/05 'd') and adds a new one."""
    before = db_items(site)
    first = oai_get(site, verb="ListIdentifiers", metadataPrefix="oai_dc")
    seen = [e.text for e in first.iter(f"{{{OAI}}}identifier")]
    candidates = iso2709_marc21(before)
    harvested = next(i for i in candidates if i in seen)
    library = before[harvested]["library"]
    waiting = next(i for i in reversed(candidates) if i not in seen and before[i]["library"] == library)
    local_ids = {item["local_id"] for item in before.values() if item["library"] == library}
    new = next(i for i in candidates if before[i]["local_id"] not in local_ids)
    sent = tmp_path / "changes.mrc"
    sent.write_bytes(
        b"".join([deleted(before[harvested]["raw"]), deleted(before[waiting]["raw"]), before[new]["raw"]])
    )
    site.khizana("import", "--library", library, str(sent))
    added = make_identifier(REPOSITORY, library, before[new]["local_id"])

    token = first.find(f".//{{{OAI}}}resumptionToken").text
    headers = []
    while token:
        page = oai_get(site, verb="ListIdentifiers", resumptionToken=token)
        headers += page.findall(f".//{{{OAI}}}header")
        token = page.findtext(f".//{{{OAI}}}resumptionToken")
    ids = seen + [h.findtext(f"{{{OAI}}}identifier") for h in headers]
    after = db_items(site)
    assert set(ids) == set(after) == set(before) | {added}
    assert ids.count(harvested) == 2 and all(ids.count(i) == 1 for i in after if i != harvested)
    deleted_late = {h.findtext(f"{{{OAI}}}identifier") for h in headers if h.get("status") == "deleted"}
    assert {harvested, waiting} <= deleted_late and added not in deleted_late

    sickle = ValidatingSickle(site.oai)
    for prefix in ("oai_dc", "marc21"):  # a deleted record stays, as a header without metadata
        record = sickle.GetRecord(identifier=waiting, metadataPrefix=prefix)
        assert record.deleted and record.xml.find(f".//{{{OAI}}}metadata") is None
    assert after[waiting]["deleted"] and after[waiting]["datestamp"] >= before[waiting]["datestamp"]
    since = {"from": after[waiting]["datestamp"]}
    recent = list(sickle.ListIdentifiers(metadataPrefix="marc21", ignore_deleted=False, **since))
    assert {h.identifier: h.deleted for h in recent if h.identifier in {harvested, waiting, added}} == {
        harvested: True, waiting: True, added: False
    }  # fmt: skip


def deleted(raw: bytes) -> bytes:
    """The same ISO 2709 record marked deleted (leader/05 'd')."""
    return raw[:5] + b"d" + raw[6:]

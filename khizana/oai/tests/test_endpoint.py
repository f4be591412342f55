"""The /oai view and its service in process, on small catalogs made for each case (quick; the whole
demo network is harvested over HTTP in test_harvest.py)."""

from __future__ import annotations

import hashlib

import pytest
from lxml import etree

from khizana.catalog.models import SourceRecord
from khizana.catalog.services import import_file
from khizana.oai.protocol import split_identifier
from khizana.oai.tests.schemas import MARC, OAI, validate
from khizana.testing import DEMO, make_library

AUSTEN = DEMO / "records" / "UM5" / "marc4j_pride-and-prejudice-subset.mrc"


def oai(client, method: str = "get", **arguments: str) -> etree._Element:
    response = getattr(client, method)("/oai", arguments)
    assert response.status_code == 200 and response["Content-Type"] == "text/xml; charset=utf-8"
    return validate(response.content)


def error_code(root: etree._Element) -> str | None:
    error = root.find(f"{{{OAI}}}error")
    return None if error is None else error.get("code")


def broken_record(library, local_id: str) -> SourceRecord:
    """A MARCXML record whose stored bytes no longer parse (as if damaged on disk)."""
    raw = b"<record><leader>broken"
    return SourceRecord.objects.create(
        library=library,
        local_id=local_id,
        format="marc21",
        serialisation="xml",
        raw=raw,
        checksum=hashlib.sha256(raw).hexdigest(),
        title="Broken",
        fields={"title": "Broken", "material_type": "book"},
    )


@pytest.mark.django_db
def test_a_record_that_cannot_be_converted_is_left_out_not_a_500(client, settings):
    settings.KHIZANA_OAI_PAGE_SIZE = 1000
    library = make_library("OAIBROKEN")
    import_file(library, AUSTEN)
    broken = broken_record(library, "BROKEN-1")
    root = oai(client, verb="ListRecords", metadataPrefix="marc21", set="library:OAIBROKEN")
    identifiers = [e.text for e in root.iter(f"{{{OAI}}}identifier")]
    marc_count = SourceRecord.objects.filter(library=library, format="marc21").count()
    assert len(identifiers) == marc_count - 1 and len(root.findall(f".//{{{MARC}}}record")) == marc_count - 1
    assert not any(i.endswith(":BROKEN-1") for i in identifiers)
    identifier = f"oai:khizana.local:OAIBROKEN:{broken.local_id}"
    root = oai(client, verb="GetRecord", identifier=identifier, metadataPrefix="marc21")
    assert error_code(root) == "cannotDisseminateFormat" and "MARCXML" in root.findtext(f"{{{OAI}}}error")
    root = oai(client, "post", verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc")
    assert (
        error_code(root) is None and root.findtext(".//{http://purl.org/dc/elements/1.1/}title") == "Broken"
    )


@pytest.mark.django_db
def test_page_size_setting_and_type_sets(client, settings):
    settings.KHIZANA_OAI_PAGE_SIZE = 7
    library = make_library("OAIPAGES")
    import_file(library, AUSTEN)
    expected = set(SourceRecord.objects.filter(library=library).values_list("local_id", flat=True))
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="library:OAIPAGES")
    seen = []
    while True:
        seen += [split_identifier("khizana.local", e.text)[1] for e in root.iter(f"{{{OAI}}}identifier")]
        token = root.find(f".//{{{OAI}}}resumptionToken")
        if token is None or not token.text:
            break
        assert len(root.findall(f".//{{{OAI}}}header")) == 7
        root = oai(client, "post", verb="ListIdentifiers", resumptionToken=token.text)
    assert sorted(seen) == sorted(expected) and len(seen) > 7
    types = set(SourceRecord.objects.filter(library=library).values_list("fields__material_type", flat=True))
    for material_type in types:
        root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set=f"type:{material_type}")
        assert {s.text for s in root.iter(f"{{{OAI}}}setSpec")} >= {f"type:{material_type}"}
        assert all(
            f"type:{material_type}" in [s.text for s in h.iter(f"{{{OAI}}}setSpec")]
            for h in root.iter(f"{{{OAI}}}header")
        )


@pytest.mark.django_db
def test_other_methods_are_refused(client):
    assert client.put("/oai", "verb=Identify").status_code == 405
    assert client.delete("/oai").status_code == 405

"""OAI-PMH: the theses set and the oai_etdms format, harvested by Sickle from a live server; every
response valid against OAI-PMH.xsd, every ETD-MS payload against the ETD-MS schema (with ../shared)."""

from __future__ import annotations

from datetime import date

import pymarc
import pytest
from lxml import etree
from sickle import Sickle
from sickle.oaiexceptions import CannotDisseminateFormat

from khizana.catalog.services import import_bytes
from khizana.heritage.theses.etdms import ETDMS_11
from khizana.heritage.theses.marc import collection_xml
from khizana.oai.tests.schemas import OAI, schema
from khizana.testing import shared_data_dir

from .support import as_etdms_10, deposit, etdms_schema, make_school

pytestmark = pytest.mark.django_db(transaction=True)
E = f"{{{ETDMS_11}}}"


@pytest.fixture
def repository(live_server, settings):
    settings.KHIZANA_OAI_PAGE_SIZE = 1  # every list pages through resumption tokens
    school, staff, _ = make_school("ECOLE-A")
    open_thesis = deposit(staff, school, title="Une thèse ouverte")
    closed = deposit(staff, school, title="Une thèse sous embargo", embargo_until=date(2031, 3, 15))
    book = pymarc.Record(leader="     nam a22     4i 4500", force_utf8=True)
    book.add_field(pymarc.Field(tag="001", data="book-1"))
    book.add_field(pymarc.Field(tag="245", indicators=pymarc.Indicators("0", "0"),
                                subfields=[pymarc.Subfield("a", "Un livre, pas une thèse")]))  # fmt: skip
    import_bytes(school, collection_xml([book]), "book.xml")
    return live_server.url + "/oai", open_thesis, closed


class CheckedSickle(Sickle):
    """Sickle, checking each response against OAI-PMH.xsd and each ETD-MS payload against its schema."""

    def harvest(self, **kwargs):
        response = super().harvest(**kwargs)
        root = etree.fromstring(response.http_response.content)
        assert schema("OAI-PMH.xsd").validate(root), schema("OAI-PMH.xsd").error_log
        if shared_data_dir() is not None and (shared_data_dir() / "theses").is_dir():
            etdms = etdms_schema()
            for thesis in root.iter(f"{E}thesis"):
                assert etdms.validate(as_etdms_10(thesis)), etdms.error_log
        return response


def test_sickle_harvests_the_theses_in_etdms(repository):
    endpoint, open_thesis, _ = repository
    sickle = CheckedSickle(endpoint)
    formats = {f.metadataPrefix: f.metadataNamespace for f in sickle.ListMetadataFormats()}
    assert formats["oai_etdms"] == ETDMS_11 and "oai_dc" in formats
    assert "theses" in {s.setSpec for s in sickle.ListSets()}
    records = list(sickle.ListRecords(metadataPrefix="oai_etdms", set="theses"))
    assert len(records) == 2  # the book is not a thesis; two pages, one token
    by_title = {}
    for record in records:
        assert "theses" in record.header.setSpecs
        thesis = record.xml.find(f".//{E}thesis")
        by_title[thesis.findtext(f"{E}title")] = thesis
    opened, embargoed = by_title["Une thèse ouverte"], by_title["Une thèse sous embargo"]
    degree = opened.find(f"{E}degree")
    assert [child.text for child in degree] == [
        "Doctorat en histoire", "Doctoral", "Histoire des sciences", "Université Mohammed V de Rabat"
    ]  # fmt: skip
    assert opened.findtext(f"{E}date") == "2025-06-20"
    roles = [c.get("role") for c in opened.iter(f"{E}contributor")]
    assert roles == ["advisor", "committeemember", "committeemember"]
    assert opened.findtext(f"{E}identifier").endswith(f"/heritage/theses/{open_thesis.pk}/")
    assert opened.findtext(f"{E}format") == "application/pdf"
    assert opened.find(f"{E}rights") is None
    assert [r.text for r in embargoed.iter(f"{E}rights")][:2] == [
        "info:eu-repo/semantics/embargoedAccess", "info:eu-repo/date/embargoEnd/2031-03-15"
    ]  # fmt: skip
    assert len(list(sickle.ListRecords(metadataPrefix="oai_dc", set="theses"))) == 2
    assert len(list(sickle.ListIdentifiers(metadataPrefix="oai_dc"))) == 3


def test_the_format_is_only_for_theses(repository):
    endpoint, open_thesis, _ = repository
    sickle = CheckedSickle(endpoint)
    book = "oai:khizana.local:ECOLE-A:book-1"
    thesis = f"oai:khizana.local:ECOLE-A:thesis-{open_thesis.pk}"
    assert "oai_etdms" not in {f.metadataPrefix for f in sickle.ListMetadataFormats(identifier=book)}
    assert "oai_etdms" in {f.metadataPrefix for f in sickle.ListMetadataFormats(identifier=thesis)}
    with pytest.raises(CannotDisseminateFormat):
        sickle.GetRecord(identifier=book, metadataPrefix="oai_etdms")
    record = sickle.GetRecord(identifier=thesis, metadataPrefix="oai_etdms")
    assert record.xml.find(f".//{{{OAI}}}metadata/{E}thesis") is not None

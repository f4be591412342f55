"""Accepted headings go out with the library's MARCXML export, marked as suggestions; the record as sent
is unchanged, and pending or rejected ones never go out."""

from __future__ import annotations

import pytest
from lxml import etree

from khizana.ai.models import SubjectSuggestion
from khizana.catalog.models import SourceRecord
from khizana.catalog.services import import_file
from khizana.testing import DEMO, make_library, make_user

pytestmark = pytest.mark.django_db
MARC = {"m": "http://www.loc.gov/MARC21/slim"}


def test_accepted_heading_in_the_work_export(client):
    library = make_library("BNRM")
    import_file(library, DEMO / "records" / "BNRM" / "yaz_marc9.marc")
    record = SourceRecord.objects.filter(library=library, work__isnull=False).first()
    raw = bytes(record.raw)
    for heading, status in (("Maroc -- Histoire", "accepted"), ("Jazz", "rejected"), ("Paris", "suggested")):
        SubjectSuggestion.objects.create(
            record=record,
            heading=heading,
            uri=heading,
            score=0.5,
            project="p",
            language="fre",
            status=status,
            decided_by=make_user(f"u-{status}") if status != "suggested" else None,
        )
    response = client.get(f"/work/{record.work_id}/marc.xml")
    assert response.status_code == 200
    tree = etree.fromstring(response.content)
    added = tree.xpath("//m:datafield[m:subfield[@code='2']='khizana-suggested']", namespaces=MARC)
    assert len(added) == 1
    assert added[0].get("tag") == "650"
    assert added[0].xpath("m:subfield[@code='a']/text()", namespaces=MARC) == ["Maroc -- Histoire"]
    assert added[0].xpath("m:subfield[@code='5']/text()", namespaces=MARC) == ["BNRM"]
    record.refresh_from_db()
    assert bytes(record.raw) == raw

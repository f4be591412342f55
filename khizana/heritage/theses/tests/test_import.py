"""``khizana theses import``: the 500 real ERA theses (ETD-MS 1.0, oai_etdms ListRecords) loaded into a
school, catalogued as theses; loading again updates them; bad input is named."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from khizana.catalog.models import SourceRecord
from khizana.heritage.theses.models import Thesis
from khizana.testing import make_library

from .support import theses_data

pytestmark = pytest.mark.django_db


@pytest.mark.shared_data
@pytest.mark.slow
def test_loads_the_era_theses_and_updates_them_on_a_second_run(capsys):
    school = make_library("UALBERTA")
    path = theses_data() / "era_oai_etdms_listrecords.xml"
    call_command("theses", "import", str(path), "--library", "UALBERTA")
    assert "500 theses added, 0 updated in UALBERTA" in capsys.readouterr().out
    assert Thesis.objects.filter(library=school).count() == 500
    records = SourceRecord.objects.filter(library=school)
    assert records.count() == 500 and not Thesis.objects.filter(record__isnull=True).exists()
    assert {r.fields["material_type"] for r in records} == {"thesis"}
    first = Thesis.objects.get(source_identifier="oai:era.library.ualberta.ca:ark:/54379/t71g05fc41f")
    assert first.record.local_id == first.source_identifier
    assert (first.degree_level, first.grantor, first.language) == ("masters", "University of Alberta", "eng")
    assert Thesis.objects.filter(degree_level="doctoral").count() == 215
    call_command(
        "theses", "import", str(theses_data() / "era_oai_etdms_getrecord.xml"), "--library", "UALBERTA"
    )
    assert "0 theses added, 1 updated" in capsys.readouterr().out
    assert Thesis.objects.count() == 500 and SourceRecord.objects.count() == 500


def test_bad_input_is_named(tmp_path):
    make_library("ECOLE-A")
    with pytest.raises(CommandError, match="No library with the code 'NOPE'"):
        call_command("theses", "import", str(tmp_path / "x.xml"), "--library", "NOPE")
    with pytest.raises(CommandError, match=r"x\.xml"):
        call_command("theses", "import", str(tmp_path / "x.xml"), "--library", "ECOLE-A")
    html = tmp_path / "page.xml"
    html.write_bytes(b"<html><body>not OAI</body></html>")
    with pytest.raises(CommandError, match=r"page\.xml: not an OAI-PMH response"):
        call_command("theses", "import", str(html), "--library", "ECOLE-A")
    assert not Thesis.objects.exists() and not SourceRecord.objects.exists()

"""The staff space (Django admin) over HTTP: pages render, reports download, readers are kept out."""

import base64
import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from khizana.catalog.models import ImportRun, SourceRecord, Work
from khizana.catalog.services import import_bytes, import_file
from khizana.testing import DEMO


@pytest.fixture
def staff_client(client, db):
    admin = get_user_model().objects.create_superuser("chef", "chef@example.org", "un mot de passe long")
    client.force_login(admin)
    return client


def test_rejects_report_downloads_as_csv_with_the_bytes(staff_client, library_a):
    good = (DEMO / "records" / "BNRM" / "yaz_marc9.marc").read_bytes()
    broken = b"00026nam  2200025   4500\x1e\x1d"  # a leader and nothing else
    run = import_bytes(library_a, good + broken, "lot.mrc")
    assert (run.records_added, run.records_rejected) == (1, 1)
    response = staff_client.get(reverse("staff:import-rejects-csv", args=[run.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert (rows[0]["file"], rows[0]["record"], rows[0]["byte_offset"]) == ("lot.mrc", "2", str(len(good)))
    assert base64.b64decode(rows[0]["raw_base64"]) == broken
    assert rows[0]["reason"]


def test_staff_pages_render(staff_client, library_a):
    import_file(library_a, DEMO / "records" / "BNRM" / "xbib_IRMARC8.mrc")
    record = SourceRecord.objects.first()
    work = Work.objects.first()
    run = ImportRun.objects.first()
    for url in [
        reverse("admin:catalog_sourcerecord_changelist"),
        reverse("admin:catalog_sourcerecord_change", args=[record.pk]),
        reverse("admin:catalog_work_change", args=[work.pk]),
        reverse("admin:catalog_importrun_change", args=[run.pk]),
        reverse("admin:libraries_library_changelist"),
        reverse("web:home"),
    ]:
        assert staff_client.get(url).status_code == 200, url
    raw = staff_client.get(reverse("source-record-raw", args=[record.pk]))
    assert raw.content == bytes(record.raw)


def test_readers_cannot_download_staff_reports(client, library_a):
    run = import_bytes(library_a, b"00026nam  2200025   4500\x1e\x1d", "x.mrc")
    response = client.get(reverse("staff:import-rejects-csv", args=[run.pk]))
    assert response.status_code == 302 and "/account/login/" in response["Location"]

"""The staff pages at /staff/digital/: who may upload and edit, refusals on the page, size limits."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from khizana.accounts.models import AuditEntry, Role
from khizana.digital.ingest import services as ingest
from khizana.digital.ingest.tests.ingest_support import ENCRYPTED_PDF, ISBN, PDF, make_catalog, stored_files
from khizana.digital.models import DigitalItem
from khizana.testing import make_user

URL = "/staff/digital/"


@pytest.fixture
def catalog(db, settings, tmp_path):
    settings.KHIZANA_DIGITAL_STORE = tmp_path / "store"
    settings.KHIZANA_EPUBCHECK = ""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield make_catalog()


BY_SA = "http://creativecommons.org/licenses/by-sa/4.0/"
IN_COPYRIGHT = "http://rightsstatements.org/vocab/InC/1.0/"


def upload(client, library, path, name=None, **fields):
    data = {"library": library.pk, "record": ISBN, "access": "members", "label": "", "rights": "", **fields}
    data["files"] = SimpleUploadedFile(name or path.name, path.read_bytes())
    return client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en")


def test_anonymous_is_sent_to_sign_in_and_a_reader_is_refused(client, catalog):
    assert client.get(URL).status_code == 302
    client.force_login(make_user("reader", Role.READER, catalog.library_a))
    assert client.get(URL).status_code == 403
    assert upload(client, catalog.library_a, PDF).status_code == 403
    assert not DigitalItem.objects.exists()


def test_staff_of_another_library_cannot_upload_or_edit(client, catalog):
    item = ingest.add_digital_item(catalog.record_a, PDF, "habibi.pdf", access="members")
    client.force_login(make_user("other", Role.CATALOGUER, catalog.library_b))
    assert upload(client, catalog.library_a, PDF, name="again.pdf").status_code == 403
    assert client.get(f"{URL}{item.pk}/").status_code == 403
    assert client.post(f"{URL}{item.pk}/", {"access": "open", "rights": "x", "label": ""}).status_code == 403
    item.refresh_from_db()
    assert item.access == "members" and DigitalItem.objects.count() == 1
    assert "habibi.pdf" not in client.get(URL).content.decode()  # not in their list either


def test_staff_upload_lists_and_edits_an_item(client, catalog):
    client.force_login(make_user("cat", Role.CATALOGUER, catalog.library_a))
    response = upload(client, catalog.library_a, PDF, rights=BY_SA)
    assert response.status_code == 302
    item = DigitalItem.objects.get()
    assert (item.record, item.created_by.username, item.rights) == (catalog.record_a, "cat", BY_SA)
    page = client.get(URL).content.decode()
    assert f'href="{URL}{item.pk}/"' in page and "Added digital item" in page
    detail = client.get(f"{URL}{item.pk}/").content.decode()
    assert "WeasyPrint 54.1" in detail
    # rights outside the controlled list are refused, naming the field; nothing is saved
    response = client.post(
        f"{URL}{item.pk}/", {"access": "licensed", "rights": "Licence PNB", "label": "t. 1"}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    item.refresh_from_db()
    assert (item.access, item.rights) == ("members", BY_SA)
    item.rights, item.rights_to_review = "", "Licence PNB (old text)"
    item.save()
    assert "Licence PNB (old text)" in client.get(f"{URL}{item.pk}/").content.decode()  # flagged
    response = client.post(
        f"{URL}{item.pk}/", {"access": "licensed", "rights": IN_COPYRIGHT, "label": "t. 1"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.access, item.rights, item.label) == ("licensed", IN_COPYRIGHT, "t. 1")
    assert item.rights_to_review == ""
    edit = AuditEntry.objects.get(action="digital-edit")
    assert edit.details["access"] == ["members", "licensed"] and edit.library_id == catalog.library_a.pk
    assert AuditEntry.objects.filter(action="digital-add", user__username="cat").count() == 1


def test_a_refused_file_is_explained_on_the_page(client, catalog, settings):
    client.force_login(make_user("cat", Role.CATALOGUER, catalog.library_a))
    response = upload(client, catalog.library_a, ENCRYPTED_PDF, name="locked.pdf")
    assert response.status_code == 400
    assert "locked.pdf: encrypted PDF" in response.content.decode()
    response = upload(client, catalog.library_a, PDF, record="isbn:9780000000002")
    assert "9780000000002: no record has this ISBN (LIBA)" in response.content.decode()
    assert not DigitalItem.objects.exists() and stored_files(settings.KHIZANA_DIGITAL_STORE) == []


def test_uploads_over_the_limit_are_refused(client, catalog, settings, tmp_path):
    client.force_login(make_user("cat", Role.CATALOGUER, catalog.library_a))
    settings.KHIZANA_MAX_DIGITAL_BYTES = 10_000
    response = upload(client, catalog.library_a, PDF)  # 15 kB: past our check while it is copied
    assert response.status_code == 400
    assert "samplefiles_habibi.pdf: file larger than the limit of 10,000 bytes" in response.content.decode()
    big = tmp_path / "big.pdf"
    big.write_bytes(PDF.read_bytes() + b"\0" * (1024 * 1024 + 20_000))  # the request itself is too long
    response = upload(client, catalog.library_a, big)
    assert response.status_code == 413
    assert "larger than the limit of 10,000 bytes per file" in response.content.decode()
    assert not DigitalItem.objects.exists()


def test_the_upload_still_needs_its_csrf_token(catalog):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("cat", Role.CATALOGUER, catalog.library_a))
    assert upload(client, catalog.library_a, PDF).status_code == 403
    assert not DigitalItem.objects.exists()


def test_upload_with_rights_outside_the_list_is_refused(client, catalog, settings):
    client.force_login(make_user("cat", Role.CATALOGUER, catalog.library_a))
    response = upload(client, catalog.library_a, PDF, rights="https://creativecommons.org/licenses/by/4.0/")
    assert response.status_code == 400  # a forged value: only the list's canonical URIs are offered
    assert "Select a valid choice" in response.content.decode()
    assert not DigitalItem.objects.exists() and stored_files(settings.KHIZANA_DIGITAL_STORE) == []

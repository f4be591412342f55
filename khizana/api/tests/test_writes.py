"""Writes through the API: holdings (PATCH) and imports (POST), with tokens and the staff role rules."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from khizana.accounts.models import AuditEntry
from khizana.api import services as api_services
from khizana.catalog.models import Holding, ImportJob, SourceRecord
from khizana.testing import DEMO

from .conftest import bearer

CSV = "id;title;year;call_number\nNEW-1;Un livre envoyé par l'API;2001;API 1\n"


def holding_of(local_id: str) -> Holding:
    return Holding.objects.get(record__local_id=local_id)


def patch(client, holding_id, body, key=None, content_type="application/json"):
    extra = bearer(key) if key else {}
    return client.patch(f"/api/holdings/{holding_id}", body, content_type=content_type, **extra)


# ---------------------------------------------------------------- holdings


def test_cataloguer_changes_a_holding_of_their_library_and_it_is_audited(api, catalog):
    copy = holding_of("A-1")
    response = patch(
        api, copy.id, {"call_number": "961.1 LAR", "status": "on_loan"}, catalog["keys"]["cataloguer_a"]
    )
    assert response.status_code == 200, response.content
    assert response.json()["call_number"] == "961.1 LAR" and response.json()["status"] == "on_loan"
    copy.refresh_from_db()
    assert (copy.call_number, copy.location, copy.status) == ("961.1 LAR", "Magasin", "on_loan")
    entry = AuditEntry.objects.get(action="holding-edit")
    assert entry.user == catalog["users"]["cataloguer_a"] and entry.library.code == "APIA"
    assert entry.details["before"] == {"call_number": "961 LAR", "status": "available"}
    assert entry.details["via"] == "api"


@pytest.mark.parametrize("who", ["library_admin_a", "network_admin"])
def test_library_admin_and_network_admin_may_change_it_too(api, catalog, who):
    response = patch(api, holding_of("A-1").id, {"location": "Réserve"}, catalog["keys"][who])
    assert response.status_code == 200, response.content
    assert holding_of("A-1").location == "Réserve"


@pytest.mark.parametrize("who", ["cataloguer_b", "reader"])
def test_another_library_or_a_reader_gets_403_and_nothing_changes(api, catalog, who):
    response = patch(api, holding_of("A-1").id, {"call_number": "FORGED"}, catalog["keys"][who])
    assert response.status_code == 403
    assert response.json()["detail"]
    assert holding_of("A-1").call_number == "961 LAR"
    assert not AuditEntry.objects.exists()


def test_the_holding_of_the_other_library_in_a_shared_work_is_refused(api, catalog):
    """Cataloguer of A writing B's copy of the work both hold: 403."""
    response = patch(api, holding_of("B-1").id, {"status": "lost"}, catalog["keys"]["cataloguer_a"])
    assert response.status_code == 403
    assert holding_of("B-1").status == "available"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer khz_" + "x" * 43,
        "Bearer not-a-token",
        "Token abc",
    ],
)
def test_writes_without_a_valid_token_are_401(api, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = api.patch(
        f"/api/holdings/{holding_of('A-1').id}", {"status": "lost"}, content_type="application/json", **extra
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "token" in response.json()["detail"]
    assert holding_of("A-1").status == "available"


def test_a_revoked_token_is_401(api, catalog):
    token, key = api_services.create_token(catalog["users"]["cataloguer_a"], "to revoke")
    assert patch(api, holding_of("A-1").id, {"location": "X"}, key).status_code == 200
    api_services.revoke_token(token)
    response = patch(api, holding_of("A-1").id, {"location": "Y"}, key)
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    assert holding_of("A-1").location == "X"


def test_the_token_of_an_inactive_user_is_401(api, catalog):
    user = catalog["users"]["cataloguer_a"]
    user.is_active = False
    user.save()
    assert (
        patch(api, holding_of("A-1").id, {"location": "X"}, catalog["keys"]["cataloguer_a"]).status_code
        == 401
    )


def test_forged_or_unknown_holding_ids(api, catalog):
    key = catalog["keys"]["cataloguer_a"]
    assert patch(api, 999999999, {"status": "lost"}, key).status_code == 404
    assert patch(api, "abc", {"status": "lost"}, key).status_code == 422
    assert patch(api, -1, {"status": "lost"}, key).status_code == 422


@pytest.mark.parametrize(
    ("body", "content_type", "where"),
    [
        ({"status": "stolen"}, "application/json", "status"),
        ({"call_number": "x" * 256}, "application/json", "call_number"),
        ({"call_number": "a\x00b"}, "application/json", "call_number"),
        ({"call_number": None}, "application/json", "call_number"),
        ({"barcode": "123"}, "application/json", "barcode"),
        ({"library": 2}, "application/json", "library"),
        ({}, "application/json", "Nothing to change"),  # the schema says minProperties: 1
        ("[1, 2]", "application/json", "body"),
    ],
)
def test_bad_holding_changes_are_422_naming_the_field(api, catalog, body, content_type, where):
    response = patch(api, holding_of("A-1").id, body, catalog["keys"]["cataloguer_a"], content_type)
    assert response.status_code == 422, response.content
    assert where in response.json()["detail"]
    assert holding_of("A-1").call_number == "961 LAR"


def test_a_body_that_is_not_json_is_400(api, catalog):
    response = patch(api, holding_of("A-1").id, "{not json", catalog["keys"]["cataloguer_a"])
    assert response.status_code == 400 and response.json()["detail"]


def test_token_writes_need_no_csrf_token(catalog, db):
    strict = Client(enforce_csrf_checks=True)
    response = patch(strict, holding_of("A-1").id, {"location": "Annexe"}, catalog["keys"]["cataloguer_a"])
    assert response.status_code == 200


def test_a_session_cookie_is_not_a_token(catalog, db):
    browser = Client()
    browser.force_login(catalog["users"]["cataloguer_a"])
    assert patch(browser, holding_of("A-1").id, {"location": "X"}).status_code == 401


# ---------------------------------------------------------------- imports


def post_file(client, code, name, data, key=None):
    extra = bearer(key) if key else {}
    return client.post(f"/api/libraries/{code}/imports", {"file": SimpleUploadedFile(name, data)}, **extra)


def test_cataloguer_imports_a_file_and_follows_the_job(api, catalog):
    response = post_file(api, "APIA", "nouveau.csv", CSV.encode(), catalog["keys"]["cataloguer_a"])
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["library"] == "APIA" and job["filename"] == "nouveau.csv"
    assert response["Location"] == job["url"]  # where to follow it
    assert job["status"] == "finished"  # huey runs jobs at once in the tests
    assert job["run"]["records_added"] == 1 and job["run"]["records_rejected"] == 0
    assert SourceRecord.objects.filter(library__code="APIA", local_id="NEW-1").exists()
    stored = ImportJob.objects.get(pk=job["id"])
    assert stored.uploaded_by == catalog["users"]["cataloguer_a"] and stored.stored_name != "nouveau.csv"
    assert AuditEntry.objects.filter(action="import", library__code="APIA").count() == 1
    status = api.get(job["url"], **bearer(catalog["keys"]["cataloguer_a"]))
    assert status.status_code == 200 and status.json()["run"]["id"] == job["run"]["id"]
    assert api.get(job["url"], **bearer(catalog["keys"]["cataloguer_b"])).status_code == 403
    assert api.get(job["url"]).status_code == 401


def test_an_iso2709_file_is_imported_like_the_staff_upload(api, catalog):
    data = (DEMO / "records" / "BNRM" / "yaz_marc9.marc").read_bytes()
    response = post_file(api, "apib", "marc9.mrc", data, catalog["keys"]["network_admin"])
    assert response.status_code == 202, response.content
    assert response.json()["run"]["records_read"] >= 1


def test_importing_into_another_library_is_403(api, catalog):
    response = post_file(api, "APIB", "x.csv", CSV.encode(), catalog["keys"]["cataloguer_a"])
    assert response.status_code == 403
    assert not ImportJob.objects.exists()
    assert not SourceRecord.objects.filter(local_id="NEW-1").exists()


def test_import_without_a_token_is_401(api):
    assert post_file(api, "APIA", "x.csv", CSV.encode()).status_code == 401


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("empty.csv", b"", "empty.csv"),
        ("doc.pdf", b"%PDF-1.4 not a catalogue", "doc.pdf"),
        ("broken.xml", b"<collection><record>", "broken.xml"),
    ],
)
def test_unreadable_files_are_422_naming_the_file(api, catalog, name, data, words):
    response = post_file(api, "APIA", name, data, catalog["keys"]["cataloguer_a"])
    assert response.status_code == 422, response.content
    assert words in response.json()["detail"]
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_422(api, catalog, settings):
    settings.KHIZANA_MAX_IMPORT_BYTES = 10
    response = post_file(api, "APIA", "big.csv", CSV.encode(), catalog["keys"]["cataloguer_a"])
    assert response.status_code == 422 and "limit" in response.json()["detail"]


def test_import_needs_the_file_field_and_a_known_library(api, catalog):
    key = catalog["keys"]["network_admin"]
    response = api.post("/api/libraries/APIA/imports", {}, **bearer(key))
    assert response.status_code == 422 and "file" in response.json()["detail"]
    assert post_file(api, "NOPE", "x.csv", CSV.encode(), key).status_code == 404
    assert api.get("/api/imports/999999999", **bearer(key)).status_code == 404

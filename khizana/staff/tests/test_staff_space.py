"""The staff space over HTTP: each role against each write, forged requests, uploads, background imports."""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from khizana.accounts.models import AuditEntry, Membership
from khizana.catalog.models import Holding, ImportJob, ImportRun, MatchDecision, SourceRecord, Work
from khizana.catalog.services import import_bytes
from khizana.catalog.tasks import incoming_dir, run_import_job_now
from khizana.testing import DEMO, PASSWORD

UPLOAD = DEMO / "records" / "BNRM" / "marc4j_azdoud.xml"


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- the writes, each returning (response, did the database change) -----------------------------------


def write_upload(client, catalog):
    before = ImportRun.objects.count()
    upload = SimpleUploadedFile("azdoud.xml", UPLOAD.read_bytes(), content_type="application/xml")
    response = client.post(reverse("staff:import-upload"), {"library": catalog["a"].pk, "file": upload})
    return response, ImportRun.objects.count() != before


def write_holding(client, catalog):
    holding = Holding.objects.filter(library=catalog["a"]).order_by("id").first()
    data = {"call_number": "NEW 123", "barcode": "B-1", "location": "Salle 2", "status": "on_loan"}
    response = client.post(reverse("staff:holding-edit", args=[holding.pk]), data)
    holding.refresh_from_db()
    return response, holding.call_number == "NEW 123"


def write_split(client, catalog):
    record = SourceRecord.objects.get(library=catalog["a"], source_file="yaz_marc9.marc")
    assert SourceRecord.objects.filter(work_id=record.work_id).count() == 2  # shared with B
    response = client.post(reverse("staff:work-split"), {"record": record.pk})
    record.refresh_from_db()
    return response, SourceRecord.objects.filter(work_id=record.work_id).count() == 1


def _two_works_of_a(catalog):
    works = (
        Work.objects.filter(records__library=catalog["a"], records__source_file="xbib_IRMARC8.mrc")
        .distinct()
        .order_by("id")
    )
    return works[0], works[1]


def write_join(client, catalog):
    work_a, work_b = _two_works_of_a(catalog)
    records = list(SourceRecord.objects.filter(work__in=[work_a, work_b]).values_list("id", flat=True))
    response = client.post(reverse("staff:work-join"), {"work_a": work_a.pk, "work_b": work_b.pk})
    joined = len(set(SourceRecord.objects.filter(id__in=records).values_list("work_id", flat=True))) == 1
    return response, joined


def write_create_cataloguer(client, catalog):
    data = {
        "username": "nouveau",
        "email": "nouveau@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "library": catalog["a"].pk,
        "role": "cataloguer",
    }
    response = client.post(reverse("staff:user-create"), data)
    return response, get_user_model().objects.filter(username="nouveau").exists()


WRITES = {
    "upload": write_upload,
    "holding": write_holding,
    "split": write_split,
    "join": write_join,
    "create_cataloguer": write_create_cataloguer,
}

# role -> the writes on library A it may do
ALLOWED = {
    "anonymous": set(),
    "reader": set(),
    "cataloguer_a": {"upload", "holding", "split", "join"},
    "library_admin_a": {"upload", "holding", "split", "join", "create_cataloguer"},
    "cataloguer_b": set(),
    "network_admin": {"upload", "holding", "split", "join", "create_cataloguer"},
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_against_each_write(role, write, users, catalog):
    client = client_for(users[role])
    audit_before = AuditEntry.objects.count()
    response, changed = WRITES[write](client, catalog)
    if write in ALLOWED[role]:
        assert response.status_code == 302, response.content[:500]
        assert changed
        entry = AuditEntry.objects.latest("id")
        assert entry.user == users[role] and entry.library == catalog["a"]
    else:
        assert not changed
        assert AuditEntry.objects.count() == audit_before
        if role == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
        else:
            assert response.status_code == 403
            assert b"Traceback" not in response.content


def test_manual_decisions_name_the_user(users, catalog):
    write_split(client_for(users["cataloguer_a"]), catalog)
    decision = MatchDecision.objects.filter(manual=True).latest("id")
    assert decision.created_by == users["cataloguer_a"] and decision.verdict == "different"
    write_join(client_for(users["library_admin_a"]), catalog)
    decision = MatchDecision.objects.filter(manual=True).latest("id")
    assert decision.created_by == users["library_admin_a"] and decision.verdict == "same"


def _snapshot():
    return (
        list(Holding.objects.order_by("id").values()),
        list(SourceRecord.objects.order_by("id").values_list("id", "work_id")),
        ImportRun.objects.count(),
        ImportJob.objects.count(),
        MatchDecision.objects.filter(manual=True).count(),
        Membership.objects.count(),
    )


def test_forged_holding_id_of_another_library(users, catalog):
    holding = Holding.objects.filter(library=catalog["a"]).first()
    before = _snapshot()
    client = client_for(users["cataloguer_b"])
    data = {"call_number": "FORGED", "barcode": "X", "location": "X", "status": "lost"}
    response = client.post(reverse("staff:holding-edit", args=[holding.pk]), data)
    assert response.status_code == 403
    assert client.get(reverse("staff:holding-edit", args=[holding.pk])).status_code == 403
    assert client.get(reverse("staff:record", args=[holding.record_id])).status_code == 403
    assert _snapshot() == before


def test_forged_library_id_in_the_import_form(users, catalog):
    before = _snapshot()
    client = client_for(users["cataloguer_b"])
    upload = SimpleUploadedFile("azdoud.xml", UPLOAD.read_bytes())
    response = client.post(reverse("staff:import-upload"), {"library": catalog["a"].pk, "file": upload})
    assert response.status_code == 403
    assert _snapshot() == before
    assert not (incoming_dir().exists() and any(incoming_dir().iterdir()))
    # a library id that does not exist, or is not a number
    for value in ["999999", "x"]:
        upload = SimpleUploadedFile("azdoud.xml", UPLOAD.read_bytes())
        response = client.post(reverse("staff:import-upload"), {"library": value, "file": upload})
        assert response.status_code == 404
    assert _snapshot() == before


def test_forged_split_and_join_of_another_librarys_records(users, catalog):
    before = _snapshot()
    client = client_for(users["cataloguer_b"])
    work_a, work_b = _two_works_of_a(catalog)
    assert (
        client.post(reverse("staff:work-join"), {"work_a": work_a.pk, "work_b": work_b.pk}).status_code == 403
    )
    record = SourceRecord.objects.filter(library=catalog["a"]).first()
    assert client.post(reverse("staff:work-split"), {"record": record.pk}).status_code == 403
    # joining a work of B with a work of A alone: A's work holds no record of B
    work_of_b = Work.objects.filter(
        records__library=catalog["b"], records__source_file="medialab_cotesBR.mrc"
    )[0]
    response = client.post(reverse("staff:work-join"), {"work_a": work_of_b.pk, "work_b": work_a.pk})
    assert response.status_code == 403
    assert _snapshot() == before


def test_library_admin_cannot_create_accounts_elsewhere_or_above_their_role(users, catalog):
    client = client_for(users["library_admin_a"])
    data = {
        "username": "intrus",
        "email": "intrus@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "library": catalog["b"].pk,
        "role": "cataloguer",
    }
    assert client.post(reverse("staff:user-create"), data).status_code == 403
    data.update(library=catalog["a"].pk, role="network_admin")
    assert client.post(reverse("staff:user-create"), data).status_code == 403
    data.update(role="library_admin")
    assert client.post(reverse("staff:user-create"), data).status_code == 403
    assert not get_user_model().objects.filter(username="intrus").exists()


def test_other_librarys_import_runs_are_refused(users, catalog):
    run_b = ImportRun.objects.filter(library=catalog["b"]).first()
    client = client_for(users["cataloguer_a"])
    assert client.get(reverse("staff:import-run", args=[run_b.pk])).status_code == 403
    assert client.get(reverse("staff:import-rejects-csv", args=[run_b.pk])).status_code == 403
    listing = client.get(reverse("staff:imports")).content.decode()
    assert "medialab_cotesBR.mrc" not in listing and "xbib_IRMARC8.mrc" in listing


def test_writes_are_post_only_and_csrf_protected(users, catalog):
    client = client_for(users["cataloguer_a"])
    assert client.get(reverse("staff:work-split")).status_code == 405
    assert client.get(reverse("staff:work-join")).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(users["cataloguer_a"])
    holding = Holding.objects.filter(library=catalog["a"]).first()
    page = strict.get(reverse("staff:holding-edit", args=[holding.pk]))
    assert b"csrfmiddlewaretoken" in page.content
    data = {"call_number": "NO TOKEN", "barcode": "", "location": "", "status": "lost"}
    assert strict.post(reverse("staff:holding-edit", args=[holding.pk]), data).status_code == 403
    holding.refresh_from_db()
    assert holding.call_number != "NO TOKEN"


def test_staff_pages_need_a_staff_role(users, catalog):
    pages = [
        reverse("staff:home"),
        reverse("staff:imports"),
        reverse("staff:import-upload"),
        reverse("staff:works"),
    ]
    for url in pages:
        anonymous = client_for(None).get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))
        assert client_for(users["reader"]).get(url).status_code == 403
        assert client_for(users["cataloguer_a"]).get(url).status_code == 200
    assert client_for(users["cataloguer_a"]).get(reverse("staff:users")).status_code == 403
    assert client_for(users["library_admin_a"]).get(reverse("staff:users")).status_code == 200
    staff = client_for(users["cataloguer_a"])
    found = staff.get(reverse("staff:records"), {"q": "a"})
    assert found.status_code == 200
    record = SourceRecord.objects.filter(library=catalog["a"]).first()
    assert staff.get(reverse("staff:record", args=[record.pk])).status_code == 200


def test_holding_edit_updates_the_work_availability(users, catalog):
    holding = Holding.objects.filter(library=catalog["a"]).order_by("id").first()
    client = client_for(users["cataloguer_a"])
    data = {"call_number": holding.call_number, "barcode": "", "location": "Magasin", "status": "available"}
    assert client.post(reverse("staff:holding-edit", args=[holding.pk]), data).status_code == 302
    holding.record.refresh_from_db()
    assert not holding.record.cluster_dirty
    assert "on_shelf" in holding.record.work.availability
    data["status"] = "lost"
    client.post(reverse("staff:holding-edit", args=[holding.pk]), data)
    work = Work.objects.get(pk=SourceRecord.objects.get(pk=holding.record_id).work_id)
    if not Holding.objects.filter(record__work=work, status="available").exists():
        assert "on_shelf" not in work.availability
    invalid = client.post(reverse("staff:holding-edit", args=[holding.pk]), {**data, "status": "stolen"})
    assert invalid.status_code == 200 and invalid.context["form"].errors


# --- uploads ----------------------------------------------------------------------------------------


def upload(client, library, name, data):
    return client.post(
        reverse("staff:import-upload"), {"library": library.pk, "file": SimpleUploadedFile(name, data)}
    )


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("rapport.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
        ("catalogue.xlsx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + b"\x00" * 200, "ZIP"),
        ("vide.mrc", b"", "empty"),
        ("bruit.mrc", os.urandom(2000).replace(b"0", b"x"), "ISO 2709"),
        ("notes.txt", b"Ceci n'est pas un catalogue.\nJuste du texte.\n", "CSV"),
    ],
)
def test_upload_rejects_files_that_are_not_catalogues(users, lib_a, name, data, problem):
    response = upload(client_for(users["cataloguer_a"]), lib_a, name, data)
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert name in errors[0] and problem in errors[0], errors
    assert not ImportJob.objects.exists() and not ImportRun.objects.exists()


def test_upload_over_the_size_limit(users, lib_a, settings):
    settings.KHIZANA_MAX_IMPORT_BYTES = 1000
    response = upload(client_for(users["cataloguer_a"]), lib_a, "gros.xml", UPLOAD.read_bytes())
    error = response.context["form"].errors["file"][0]
    assert "gros.xml" in error and "1,000" in error
    assert not ImportJob.objects.exists()


def _multipart(boundary, fields, filename, content):
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


@pytest.mark.parametrize("filename", ["../../etc/passwd.mrc", "..\\..\\etc\\passwd.mrc", "/etc/passwd.mrc"])
def test_a_path_in_the_uploaded_name_is_never_used(users, lib_a, filename, tmp_path):
    data = (DEMO / "records" / "BNRM" / "yaz_marc9.marc").read_bytes()
    body = _multipart("XyZ", {"library": lib_a.pk}, filename, data)
    client = client_for(users["cataloguer_a"])
    response = client.post(
        reverse("staff:import-upload"), data=body, content_type="multipart/form-data; boundary=XyZ"
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.filename == "passwd.mrc" and job.status == "finished"
    assert "/" not in job.stored_name and ".." not in job.stored_name and "passwd" not in job.stored_name
    assert job.run.filename == "passwd.mrc" and job.run.records_added == 1
    data_dir = Path(django_settings.DATA_DIR)
    assert not [p for p in data_dir.rglob("*passwd*")]
    assert not (data_dir.parent / "etc").exists()


# --- the background import --------------------------------------------------------------------------


def test_upload_runs_the_import_in_the_background_job_and_the_run_page_shows_counts(users, lib_a):
    client = client_for(users["cataloguer_a"])
    data = (DEMO / "records" / "BNRM" / "xbib_IRMARC8.mrc").read_bytes()
    broken = b"00026nam  2200025   4500\x1e\x1d"
    response = upload(client, lib_a, "lot.mrc", data + broken)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("staff:import-job", args=[job.pk])
    assert job.status == "finished" and job.uploaded_by == users["cataloguer_a"]
    run = job.run
    assert (run.status, run.records_read, run.records_added, run.records_rejected) == ("finished", 11, 10, 1)
    assert run.started_by == users["cataloguer_a"] and run.library == lib_a
    assert not (incoming_dir() / job.stored_name).exists()  # the kept copy is the content-addressed one
    page = client.get(response["Location"], follow=True)
    assert page.redirect_chain[-1][0] == reverse("staff:import-run", args=[run.pk])
    html = page.content.decode()
    assert 'class="count-read">11<' in html and 'class="count-added">10<' in html
    assert 'class="count-rejected">1<' in html and 'http-equiv="refresh"' not in html
    assert reverse("staff:import-rejects-csv", args=[run.pk]) in html
    csv = client.get(reverse("staff:import-rejects-csv", args=[run.pk]))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv") and b"lot.mrc" in csv.content
    assert "lot.mrc" in client.get(reverse("staff:imports")).content.decode()


def test_a_queued_job_and_a_running_import_refresh_their_page(users, lib_a):
    from huey.contrib.djhuey import HUEY

    client = client_for(users["cataloguer_a"])
    HUEY.immediate = False
    try:
        HUEY.flush()
        response = upload(client, lib_a, "azdoud.xml", UPLOAD.read_bytes())
        job = ImportJob.objects.get()
        assert job.status == "queued" and job.run is None and len(HUEY) == 1
        page = client.get(response["Location"])
        assert page.status_code == 200 and 'http-equiv="refresh"' in page.content.decode()
        HUEY.flush()
    finally:
        HUEY.immediate = True
    run_import_job_now(job.pk)
    job.refresh_from_db()
    assert job.status == "finished" and job.run.records_added > 0
    run = import_bytes(lib_a, UPLOAD.read_bytes(), "encore.xml")
    ImportRun.objects.filter(pk=run.pk).update(status="running", records_read=7)
    html = client.get(reverse("staff:import-run", args=[run.pk])).content.decode()
    assert 'http-equiv="refresh"' in html and "7" in html


def test_a_failed_import_job_says_why(users, lib_a, monkeypatch):
    from khizana.catalog import tasks

    def broken(*args, **kwargs):
        raise tasks.ImportFileError("azdoud.xml: the disk is full")

    monkeypatch.setattr(tasks, "import_bytes", broken)
    client = client_for(users["cataloguer_a"])
    response = upload(client, lib_a, "azdoud.xml", UPLOAD.read_bytes())
    job = ImportJob.objects.get()
    assert job.status == "failed" and "disk is full" in job.error
    assert "disk is full" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("reader", 403), ("cataloguer_b", 200), ("network_admin", 200)],
)
def test_a_record_as_sent_is_for_staff_roles(who, expected, users, catalog):
    record = SourceRecord.objects.filter(library__code="LIBA").first()
    client = Client()
    if users[who]:
        client.force_login(users[who])
    response = client.get(reverse("source-record-raw", args=[record.pk]))
    assert response.status_code == expected
    if expected == 200:
        assert response.content == bytes(record.raw)

"""Preservation end to end on real items: OCFL objects checked by ocfl-py's own validator, versions,
the second copy, audits catching damage made on purpose, restore, PREMIS XML, BagIt export, the command."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import bagit
import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import timezone
from lxml import etree

from khizana.digital.storage import default_store
from khizana.heritage.preservation import services
from khizana.heritage.preservation.mets import METS_NS
from khizana.heritage.preservation.models import AuditRun, PreservationEvent, PreservedObject
from khizana.heritage.preservation.premis import PREMIS_NS

from .support import add_ocr, ocr_text, staff_of

pytestmark = pytest.mark.django_db
Event = PreservationEvent


def assert_valid(root) -> None:
    """ocfl-py's validator over the whole storage root, digests included."""
    valid, objects, good, errors = root.validate()
    assert valid and objects == good and objects > 0, errors


def cli_valid(root, obj: PreservedObject) -> bool:
    """ocfl-py's own command line validator on one object (its storage-root mode exits 0 even when an
    object inside is invalid, hence per object)."""
    script = Path(sys.executable).parent / "ocfl-validate.py"
    if not script.exists():
        pytest.skip("ocfl-py's ocfl-validate.py is not installed beside this Python")
    folder = root.object_dir(obj.identifier)
    return subprocess.run([sys.executable, script, str(folder)], capture_output=True).returncode == 0


def content(root, obj: PreservedObject, logical: str):
    """The file holding ``logical`` in the head version of the object in ``root``."""
    path, _digest = root.head_state(obj.identifier)[logical]
    return root.object_dir(obj.identifier) / path


def test_items_are_preserved_as_valid_ocfl_objects_in_both_roots(setting):
    for item in (setting.pdf, setting.book):
        services.preserve_item(item.pk)
    primary, second = services.primary_root(), services.copy_root()
    assert_valid(primary)
    assert_valid(second)
    book = PreservedObject.objects.get(item=setting.book)
    assert book.identifier == f"khizana:khizana.local:digital-item:{setting.book.pk}"
    assert (book.head, book.copy_head, book.library) == ("v1", "v1", setting.library)
    inventory = primary.inventory(book.identifier)
    assert inventory["digestAlgorithm"] == "sha512" and inventory["id"] == book.identifier
    state = primary.head_state(book.identifier)
    assert {"pages/0001.png", "pages/0002.png", "metadata/item.json", "metadata/record.marcxml"} <= set(state)
    page = setting.book.pages.get(sequence=1)
    assert (
        content(primary, book, "pages/0001.png").read_bytes()
        == default_store().path(page.file_key).read_bytes()
    )
    description = json.loads(content(primary, book, "metadata/item.json").read_text())
    assert description["record"]["local_id"] == "REROILS:93" and len(description["pages"]) == 3
    marcxml = etree.parse(str(content(primary, book, "metadata/record.marcxml")))
    assert marcxml.getroot().tag == "{http://www.loc.gov/MARC21/slim}collection"
    mets = etree.parse(str(content(primary, book, "metadata/mets.xml"))).getroot()
    ns = {"m": METS_NS}
    assert mets.tag == f"{{{METS_NS}}}mets" and mets.get("OBJID") == book.identifier
    images = mets.xpath("//m:fileGrp[@USE='IMAGES']/m:file", namespaces=ns)
    assert [f.get("CHECKSUM") for f in images] == [p.sha256 for p in setting.book.pages.all()]
    assert mets.xpath("//m:structMap/m:div/m:div[@TYPE='page']/@ORDER", namespaces=ns) == ["1", "2", "3"]
    pdf = PreservedObject.objects.get(item=setting.pdf)
    assert "file/item.pdf" in primary.head_state(pdf.identifier)
    assert second.inventory(pdf.identifier) == primary.inventory(pdf.identifier)
    events = {(e.type, e.copy, e.outcome) for e in book.events.all()}
    assert events == {
        (Event.Type.INGESTION, "primary", "success"),
        (Event.Type.REPLICATION, "second", "success"),
    }


def test_a_changed_item_gets_a_new_version_and_an_unchanged_one_none(setting):
    obj = services.preserve_item(setting.book.pk)
    assert services.items_to_preserve() == [setting.pdf.pk]
    add_ocr(setting.book)  # OCR text arrives (bulk-written: no signal; the sweep finds it)
    assert services.items_to_preserve() == [setting.pdf.pk, setting.book.pk]
    obj = services.preserve_item(setting.book.pk)
    assert (obj.head, obj.copy_head) == ("v2", "v2")
    ingest = obj.events.filter(type=Event.Type.INGESTION).first()
    assert ingest.version == "v2"
    assert ingest.outcome_detail["added"] == ["text/0001.txt", "text/0002.txt", "text/0003.txt"]
    assert ingest.outcome_detail["changed"] == ["metadata/item.json", "metadata/mets.xml"]
    services.preserve_item(setting.book.pk)
    obj.refresh_from_db()
    assert obj.head == "v2" and obj.events.filter(type=Event.Type.INGESTION).count() == 2
    assert services.items_to_preserve() == [setting.pdf.pk]
    assert_valid(services.primary_root())
    assert_valid(services.copy_root())
    text = content(services.copy_root(), obj, "text/0002.txt").read_text(encoding="utf-8")
    assert text == ocr_text(2) and "La Cigale et la Fourmi" in text


def test_the_audit_catches_changed_missing_and_unexpected_files_and_restore_repairs_them(setting):
    staff_of(setting.library, "keeper")
    staff_of(setting.other, "stranger")
    book = services.preserve_item(setting.book.pk)
    pdf = services.preserve_item(setting.pdf.pk)
    primary, second = services.primary_root(), services.copy_root()
    changed = content(primary, book, "pages/0001.png")
    changed.write_bytes(changed.read_bytes()[:-10] + b"0123456789")  # bit rot, same size
    content(primary, book, "metadata/item.json").unlink()
    (primary.object_dir(book.identifier) / "v1" / "content" / "stray.txt").write_text("not mine")
    content(second, pdf, "file/item.pdf").write_bytes(b"%PDF-1.4 truncated")  # the second copy too

    run, reports = services.audit(limit=10)

    assert (run.object_count, run.failures) == (2, 2)
    found = {(r.obj.pk, copy): result for r in reports for copy, result in r.fixity.items()}
    primary_book = found[(book.pk, "primary")]
    assert primary_book.changed == ["v1/content/pages/0001.png"]
    assert primary_book.missing == ["v1/content/metadata/item.json"]
    assert primary_book.unexpected == ["v1/content/stray.txt"]
    assert found[(book.pk, "second")].ok
    assert found[(pdf.pk, "second")].changed == ["v1/content/file/item.pdf"]
    assert found[(pdf.pk, "primary")].ok
    event = book.events.filter(type=Event.Type.FIXITY, copy="primary").get()
    assert event.outcome == "failure" and event.outcome_detail["unexpected"] == ["v1/content/stray.txt"]
    assert not primary.validate()[0]  # ocfl-py's validator agrees
    assert not cli_valid(primary, book) and cli_valid(second, book)
    assert cli_valid(primary, pdf) and not cli_valid(second, pdf)
    book.refresh_from_db()
    assert book.audit_ok is False and book.last_audit_at is not None
    assert len(mail.outbox) == 1  # one summary for the library owning both items, none for the other
    message = mail.outbox[0]
    assert message.to == ["keeper@example.org"]
    assert "2 with problems" in message.subject
    assert "changed: v1/content/pages/0001.png" in message.body and "missing" in message.body

    for obj in (book, pdf):
        report = services.restore_item(obj.item_id)
        assert not report.problems
    assert_valid(primary)
    assert_valid(second)
    assert all(cli_valid(root, obj) for root in (primary, second) for obj in (book, pdf))
    recovery = book.events.filter(type=Event.Type.RECOVERY).get()
    assert recovery.copy == "primary" and recovery.outcome == "success"
    assert sorted(recovery.outcome_detail["repaired"]) == sorted(
        ["v1/content/pages/0001.png", "v1/content/metadata/item.json", "v1/content/stray.txt"]
    )
    run, reports = services.audit(limit=10)
    assert run.failures == 0 and all(report.ok for report in reports)


def test_a_corrupted_live_file_is_not_preserved_and_is_restored_from_the_copy(setting):
    obj = services.preserve_item(setting.pdf.pk)
    live = default_store().path(setting.pdf.file_key)
    original = live.read_bytes()
    live.write_bytes(original[:1000])
    services.preserve_item(setting.pdf.pk)  # the damage is not preserved as a new version
    obj.refresh_from_db()
    assert obj.head == "v1"
    refused = obj.events.first()
    assert (refused.type, refused.copy, refused.outcome) == (Event.Type.INGESTION, "live", "failure")
    assert "file/item.pdf does not match its checksum" in refused.outcome_detail["problems"][0]
    # the primary copy is damaged as well: the second copy serves
    content(services.primary_root(), obj, "file/item.pdf").unlink()
    report = services.restore_item(setting.pdf.pk, source="second")
    assert report.live_restored == ["file/item.pdf"] and not report.problems
    assert live.read_bytes() == original
    restored = obj.events.filter(type=Event.Type.RECOVERY, copy="live").get()
    assert restored.outcome == "success" and "second copy" in restored.detail
    assert_valid(services.primary_root())  # repaired from the second copy on the way
    assert services.restore_item(setting.pdf.pk).nothing_done


def test_the_least_recently_checked_objects_come_first(setting):
    pdf = services.preserve_item(setting.pdf.pk)
    book = services.preserve_item(setting.book.pk)
    PreservedObject.objects.filter(pk=pdf.pk).update(last_audit_at=timezone.now() - timedelta(days=3))
    PreservedObject.objects.filter(pk=book.pk).update(last_audit_at=timezone.now() - timedelta(days=9))
    _run, reports = services.audit(limit=1)
    assert [r.obj.pk for r in reports] == [book.pk]
    _run, reports = services.audit(limit=1)
    assert [r.obj.pk for r in reports] == [pdf.pk]
    assert book.events.filter(type=Event.Type.FIXITY).count() == 2  # both copies


def test_a_missing_second_copy_is_reported_and_replicated_again(setting):
    import shutil

    obj = services.preserve_item(setting.pdf.pk)
    shutil.rmtree(services.copy_root().object_dir(obj.identifier))
    _run, reports = services.audit()
    assert reports[0].fixity["second"].found is False
    assert (
        "missing from this storage root"
        in obj.events.filter(copy="second", type=Event.Type.FIXITY).get().detail
    )
    services.restore_item(setting.pdf.pk)
    assert_valid(services.copy_root())


def test_premis_xml_is_well_formed_premis_3(setting):
    obj = services.preserve_item(setting.book.pk)
    services.audit()
    document = etree.fromstring(services.premis_document(obj))
    assert document.tag == f"{{{PREMIS_NS}}}premis" and document.get("version") == "3.0"
    ns = {"p": PREMIS_NS}
    types = document.xpath("//p:event/p:eventType/@valueURI", namespaces=ns)
    assert sorted(t.rsplit("/", 1)[1] for t in types) == ["fix", "fix", "ing", "rep"]
    assert (
        document.xpath("//p:event/p:eventOutcomeInformation/p:eventOutcome/text()", namespaces=ns)
        == ["success"] * 4
    )
    digests = document.xpath(
        "//p:object/p:objectCharacteristics/p:fixity/p:messageDigest/text()", namespaces=ns
    )
    inventory = services.primary_root().inventory(obj.identifier)
    assert set(digests) == set(inventory["manifest"])


def test_export_bag_is_a_valid_bag_with_sha512_manifests(setting, tmp_path):
    services.preserve_item(setting.book.pk)
    target = tmp_path / "bag"
    call_command("preservation", "export-bag", str(setting.book.pk), str(target))
    bag = bagit.Bag(str(target))
    bag.validate()
    assert "sha512" in bag.algorithms
    assert "data/pages/0002.png" in set(bag.payload_files())
    assert bag.info["External-Identifier"] == f"khizana:khizana.local:digital-item:{setting.book.pk}"
    with pytest.raises(CommandError, match="not empty"):
        call_command("preservation", "export-bag", str(setting.book.pk), str(target))
    with pytest.raises(CommandError, match="no preservation copy"):
        call_command("preservation", "export-bag", str(setting.pdf.pk), str(tmp_path / "other"))


def test_the_command(setting, capsys):
    call_command("preservation", "ingest")
    out = capsys.readouterr().out
    assert "2 items looked at" in out and PreservedObject.objects.count() == 2
    call_command("preservation", "validate")
    assert "2 of 2 objects valid" in capsys.readouterr().out
    call_command("preservation", "audit", "--limit", "1")
    assert "1 objects checked, 0 with problems" in capsys.readouterr().out
    obj = PreservedObject.objects.get(item=setting.pdf)
    content(services.primary_root(), obj, "file/item.pdf").write_bytes(b"rot")
    with pytest.raises(CommandError, match="1 objects with problems"):
        call_command("preservation", "audit")
    with pytest.raises(CommandError, match="invalid storage root"):
        call_command("preservation", "validate")
    call_command("preservation", "restore", str(setting.pdf.pk))
    assert "primary copy repaired: v1/content/file/item.pdf" in capsys.readouterr().out
    call_command("preservation", "validate")
    with pytest.raises(CommandError, match="No digital item 999"):
        call_command("preservation", "restore", "999")
    capsys.readouterr()
    call_command("preservation", "premis", str(setting.pdf.pk))
    assert etree.fromstring(capsys.readouterr().out.encode()).tag == f"{{{PREMIS_NS}}}premis"


def test_an_item_saved_is_preserved_once_committed(stores, db, settings, django_capture_on_commit_callbacks):
    from .support import make_setting

    settings.KHIZANA_PRESERVATION_ON_SAVE = True
    with django_capture_on_commit_callbacks(execute=True):
        made = make_setting()
    assert set(PreservedObject.objects.values_list("item_id", flat=True)) == {made.pdf.pk, made.book.pk}
    assert_valid(services.primary_root())


def test_the_hourly_sweep_and_the_scheduled_audit(setting, settings):
    from khizana.heritage.preservation import tasks

    staff_of(setting.library, "keeper")
    tasks.preserve_pending()  # huey runs it at once in the tests
    assert PreservedObject.objects.filter(head="v1", copy_head="v1").count() == 2
    add_ocr(setting.book)
    tasks.preserve_pending()
    assert PreservedObject.objects.get(item=setting.book).head == "v2"
    assert tasks.audit_schedule() == ["40", "3", "*", "*", "*"]
    tasks.scheduled_audit()
    assert AuditRun.objects.get().trigger == "schedule"
    assert len(mail.outbox) == 1 and "2 objects checked, 0 with problems" in mail.outbox[0].subject
    settings.KHIZANA_PRESERVATION_AUDIT_SCHEDULE = "off"
    assert tasks.audit_schedule() is None
    settings.KHIZANA_PRESERVATION_AUDIT_SCHEDULE = "every night"
    with pytest.raises(ImproperlyConfigured, match="expected five crontab fields"):
        tasks.audit_schedule()


def test_a_damaged_inventory_is_reported_and_the_object_replaced_from_the_sound_copy(setting):
    obj = services.preserve_item(setting.book.pk)
    primary = services.primary_root()
    (primary.object_dir(obj.identifier) / "inventory.json").write_text("{not json")
    add_ocr(setting.book)
    services.preserve_item(setting.book.pk)  # refused, recorded, no traceback
    refused = obj.events.filter(type=Event.Type.INGESTION, outcome="failure").get()
    assert "cannot be read" in refused.detail
    _run, reports = services.audit()
    assert reports[0].fixity["primary"].validator_errors and reports[0].fixity["second"].ok
    report = services.restore_item(setting.book.pk)
    assert report.repaired["primary"] == ["the whole object"] and not report.problems
    assert_valid(primary)
    assert cli_valid(primary, obj)
    assert services.preserve_item(setting.book.pk).head == "v2"  # and life goes on
    assert_valid(services.copy_root())

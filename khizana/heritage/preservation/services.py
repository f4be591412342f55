"""Digital preservation of the digital library's items: each item (its file or page images, its text, its
record as MARCXML and as sent, a JSON description) kept as an OCFL object in a primary storage root and a
second copy, PREMIS events for what happens to it, fixity audits of the least recently checked objects
(summaries e-mailed to the owning libraries' staff), restoring the live files and repairing a damaged copy
from the sound one, BagIt export.

Files are written outside any database transaction; the rows saying what was done are written after, in
one transaction. ``user=None`` is the system (scheduled tasks, the ``khizana preservation`` command)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import bagit
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from khizana.accounts import permissions
from khizana.accounts.models import Membership, Role
from khizana.catalog.serializers.marcxml import MARC_FORMATS, marcxml_collection
from khizana.digital.models import DigitalItem
from khizana.digital.storage import StorageError, default_store

from . import mets, premis
from .models import AuditRun, PreservationEvent, PreservedObject
from .ocfl_store import Fixity, PreservationStoreError, Root, file_digest

Event = PreservationEvent
SOFTWARE_AGENT = "Khizana"


class PreservationError(Exception):
    """A preservation action could not be done; the message names the item and the reason."""


def object_identifier(item_id: int) -> str:
    """The stable OCFL identifier of a digital item's object."""
    return f"khizana:{settings.KHIZANA_OAI_REPOSITORY_IDENTIFIER}:digital-item:{item_id}"


def primary_root() -> Root:
    return Root(settings.KHIZANA_PRESERVATION_ROOT, workers=settings.KHIZANA_PRESERVATION_WORKERS)


def copy_root() -> Root:
    return Root(settings.KHIZANA_PRESERVATION_COPY_ROOT, workers=settings.KHIZANA_PRESERVATION_WORKERS)


def roots() -> list[tuple[str, Root]]:
    return [(Event.Copy.PRIMARY, primary_root()), (Event.Copy.SECOND, copy_root())]


def may_see(user, library_id: int | None) -> bool:
    """The owning library's staff and network administrators."""
    return permissions.can_write(user, library_id)


def _check(user, library_id: int | None) -> None:
    if user is not None and not may_see(user, library_id):
        raise PermissionDenied


def _agent(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# ----------------------------------------------------------------------------------------------- package


@dataclass(frozen=True)
class LiveFile:
    logical: str  # path in the OCFL object
    key: str  # key in the digital library's store
    sha256: str


def live_files(item: DigitalItem) -> list[LiveFile]:
    """The item's files in the digital library, with their path in the object."""
    if item.kind != DigitalItem.Kind.IMAGES:
        return [LiveFile(f"file/item{_extension(item.file_key)}", item.file_key, item.sha256)]
    return [
        LiveFile(f"pages/{page.sequence:04d}{_extension(page.file_key)}", page.file_key, page.sha256)
        for page in item.pages.all()
    ]


def _extension(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[1] if "." in name else ""


def _description(item: DigitalItem) -> dict:
    """The item as JSON (metadata/item.json): what it is and what its files are, nothing that changes
    without the item changing (no timestamps), so an unchanged item makes no new version."""
    record = item.record
    return {
        "identifier": object_identifier(item.pk),
        "digital_item": item.pk,
        "library": item.library.code,
        "record": {
            "library": record.library.code,
            "local_id": record.local_id,
            "format": record.format,
            "checksum_sha256": record.checksum,
        },
        "title": item.display_title,
        "kind": item.kind,
        "label": item.label,
        "language": item.language,
        "direction": item.direction,
        "filename": item.filename,
        "media_type": item.media_type,
        "size": item.size,
        "sha256": item.sha256,
        "technical": item.technical,
        "page_count": item.page_count,
        "access": item.access,
        "rights": item.rights,
        "pages": [
            {
                "sequence": page.sequence,
                "label": page.label,
                "filename": page.filename,
                "media_type": page.media_type,
                "width": page.width,
                "height": page.height,
                "sha256": page.sha256,
            }
            for page in item.pages.all()
        ],
        "text_pages": sorted(item.texts.values_list("page", flat=True)),
    }


def item_stamp(item: DigitalItem) -> str:
    """A digest of what the object of ``item`` would hold: when it differs from the object's, the item
    changed (new pages, new OCR, new metadata) and needs a new version."""
    texts = list(item.texts.order_by("page").values_list("id", "page", "confidence"))
    payload = json.dumps([_description(item), texts], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


_METS_TYPES = {"pdf": "document", "epub": "book", "images": "book"}


def _build_package(item: DigitalItem, folder: Path) -> list[str]:
    """Write the object's content into ``folder``; the problems of the live files (a file missing or not
    matching its checksum is never preserved: it must be restored first)."""
    store = default_store()
    problems = []
    for live in live_files(item):
        target = folder / live.logical
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            source = store.path(live.key)
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
        except (OSError, StorageError) as error:
            problems.append(
                _("%(file)s is missing from the digital library (%(error)s)")
                % {"file": live.logical, "error": getattr(error, "strerror", None) or error}
            )
            continue
        if file_digest(target, "sha256") != live.sha256:
            problems.append(
                _("%(file)s does not match its checksum in the digital library") % {"file": live.logical}
            )
    for text in item.texts.all():
        (folder / "text").mkdir(exist_ok=True)
        (folder / "text" / f"{text.page:04d}.txt").write_text(text.text, encoding="utf-8")
        if text.layout:
            suffix = ".hocr.html" if "ocr_page" in text.layout else ".alto.xml"
            (folder / "text" / f"{text.page:04d}{suffix}").write_text(text.layout, encoding="utf-8")
    metadata = folder / "metadata"
    metadata.mkdir()
    record = item.record
    raw_suffix = {"xml": ".xml", "iso2709": ".mrc", "csv": ".csv"}.get(record.serialisation, ".dat")
    (metadata / f"record-as-sent{raw_suffix}").write_bytes(bytes(record.raw))
    if record.format in MARC_FORMATS:
        (metadata / "record.marcxml").write_bytes(marcxml_collection([record]))
    description = _description(item)
    (metadata / "item.json").write_text(
        json.dumps(description, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (metadata / "mets.xml").write_bytes(
        mets.mets_xml(
            folder, description["identifier"], description["title"], _METS_TYPES.get(item.kind, "item")
        )
    )
    return problems


# --------------------------------------------------------------------------------------------- preserve


def _object_for(item: DigitalItem) -> PreservedObject:
    found, _created = PreservedObject.objects.get_or_create(
        item=item, defaults={"library_id": item.library_id, "identifier": object_identifier(item.pk)}
    )
    return found


def _event(obj, type_, copy, outcome, *, version="", detail="", outcome_detail=None, user=None) -> Event:
    return Event.objects.create(
        object=obj,
        type=type_,
        copy=copy,
        occurred_at=timezone.now(),
        outcome=outcome,
        version=version,
        detail=detail,
        outcome_detail=outcome_detail or {},
        agent=_agent(user),
    )


def _changes(before: dict, after: dict) -> dict:
    return {
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "changed": sorted(p for p in set(before) & set(after) if before[p][1] != after[p][1]),
    }


def preserve_item(item_id: int, *, user=None) -> PreservedObject | None:
    """Preserve the item's current state: a first version, or a new one when it changed, in the primary
    root, then replicated to the second copy. None when there is no such item."""
    item = (
        DigitalItem.objects.select_related("record__library", "library", "record__work")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        return None
    _check(user, item.library_id)
    obj = _object_for(item)
    primary, second = primary_root(), copy_root()
    stamp = item_stamp(item)
    primary.ensure()
    with primary.lock(obj.identifier):
        try:
            before = primary.head_state(obj.identifier) if primary.has(obj.identifier) else {}
        except (PreservationStoreError, KeyError) as error:
            _event(
                obj,
                Event.Type.INGESTION,
                Event.Copy.PRIMARY,
                Event.Outcome.FAILURE,
                user=user,
                detail=_("The object's inventory cannot be read: %(error)s") % {"error": error},
            )
            return obj
        with tempfile.TemporaryDirectory(dir=primary.staging, prefix="package-") as folder:
            problems = _build_package(item, Path(folder))
            if problems:
                _event(
                    obj,
                    Event.Type.INGESTION,
                    Event.Copy.LIVE,
                    Event.Outcome.FAILURE,
                    user=user,
                    detail=_("Not preserved: the live files must be restored first."),
                    outcome_detail={"problems": problems},
                )
                return obj
            try:
                version = primary.write_version(
                    obj.identifier,
                    Path(folder),
                    message=_("Preserved from the digital library"),
                    user_name=getattr(user, "username", "") or SOFTWARE_AGENT,
                )
            except PreservationStoreError as error:
                _event(
                    obj,
                    Event.Type.INGESTION,
                    Event.Copy.PRIMARY,
                    Event.Outcome.FAILURE,
                    user=user,
                    detail=str(error),
                )
                return obj
        inventory = primary.inventory(obj.identifier)
        state = primary.head_state(obj.identifier)
        with transaction.atomic():
            if version:
                detail = _("First version") if version == "v1" else _("New version")
                _event(
                    obj,
                    Event.Type.INGESTION,
                    Event.Copy.PRIMARY,
                    Event.Outcome.SUCCESS,
                    user=user,
                    version=version,
                    detail=detail,
                    outcome_detail=_changes(before, state),
                )
            obj.head = inventory["head"]
            obj.stamp = stamp
            obj.preserved_at = timezone.now()
            obj.file_count = len(state)
            obj.size = _head_size(primary, obj.identifier, state)
            obj.save()
        _replicate(obj, primary, second, user)
    return obj


def _head_size(root: Root, identifier: str, state: dict) -> int:
    folder = root.object_dir(identifier)
    return sum(
        (folder / content).stat().st_size
        for content, _digest in state.values()
        if (folder / content).exists()
    )


def _replicate(obj: PreservedObject, primary: Root, second: Root, user) -> None:
    """Bring the second copy to the primary's head; the copied files are checked there."""
    try:
        in_step = second.has(obj.identifier) and second.inventory(obj.identifier).get("head") == obj.head
    except PreservationStoreError:
        in_step = False  # an unreadable inventory there: copied again below
    if in_step:
        if obj.copy_head != obj.head:
            PreservedObject.objects.filter(pk=obj.pk).update(copy_head=obj.head)
        return
    with second.lock(obj.identifier):
        try:
            copied = primary.replicate_to(second, obj.identifier)
            fixity = second.check(obj.identifier, only=copied)
        except PreservationStoreError as error:
            _event(
                obj,
                Event.Type.REPLICATION,
                Event.Copy.SECOND,
                Event.Outcome.FAILURE,
                user=user,
                version=obj.head,
                detail=str(error),
            )
            return
    outcome = Event.Outcome.SUCCESS if fixity.ok else Event.Outcome.FAILURE
    with transaction.atomic():
        _event(
            obj,
            Event.Type.REPLICATION,
            Event.Copy.SECOND,
            outcome,
            user=user,
            version=obj.head,
            detail=_("%(count)s files copied to the second copy") % {"count": len(copied)},
            outcome_detail=fixity.as_dict(),
        )
        if fixity.ok:
            obj.copy_head = obj.head
            PreservedObject.objects.filter(pk=obj.pk).update(copy_head=obj.head)


def items_to_preserve(limit: int | None = None) -> list[int]:
    """The items never preserved or changed since (by their stamp), oldest first."""
    pending = []
    known = dict(PreservedObject.objects.filter(item__isnull=False).values_list("item_id", "stamp"))
    for item in DigitalItem.objects.select_related("record__library", "library", "record__work").order_by(
        "id"
    ):
        if known.get(item.pk) != item_stamp(item):
            pending.append(item.pk)
            if limit and len(pending) >= limit:
                break
    return pending


# ------------------------------------------------------------------------------------------------ audit


@dataclass
class ObjectReport:
    obj: PreservedObject
    fixity: dict[str, Fixity] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.fixity.values())


def audit(
    *, limit: int | None = None, user=None, trigger: str = "command"
) -> tuple[AuditRun, list[ObjectReport]]:
    """Check the ``limit`` least recently checked objects in both roots (ocfl-py's validator and a
    fixity pass), record a fixity event per object and copy, e-mail each owning library's staff a summary.
    Network administrators (or the system) only: it spans every library."""
    if user is not None and not permissions.is_network_admin(user):
        raise PermissionDenied
    chosen = PreservedObject.objects.select_related("item", "library").order_by(
        F("last_audit_at").asc(nulls_first=True), "id"
    )
    return _audit(list(chosen[:limit] if limit else chosen), user, trigger)


def audit_item(item_id: int, *, user=None) -> tuple[AuditRun, list[ObjectReport]]:
    """Check one item's object now (the owning library's staff or a network administrator)."""
    obj = PreservedObject.objects.select_related("item", "library").filter(item_id=item_id).first()
    if obj is None:
        raise PreservationError(_("Digital item %(id)s has no preservation copy yet.") % {"id": item_id})
    _check(user, obj.library_id)
    return _audit([obj], user, "staff")


def _audit(chosen: list[PreservedObject], user, trigger: str) -> tuple[AuditRun, list[ObjectReport]]:
    run = AuditRun.objects.create(started_at=timezone.now(), trigger=trigger)
    reports = []
    for obj in chosen:
        report = ObjectReport(obj)
        for copy, root in roots():
            report.fixity[copy] = root.check(obj.identifier)
        with transaction.atomic():
            for copy, result in report.fixity.items():
                _event(
                    obj,
                    Event.Type.FIXITY,
                    copy,
                    Event.Outcome.SUCCESS if result.ok else Event.Outcome.FAILURE,
                    user=user,
                    version=obj.head,
                    detail=fixity_text(result),
                    outcome_detail=result.as_dict(),
                )
            obj.last_audit_at = timezone.now()
            obj.audit_ok = report.ok
            obj.save(update_fields=["last_audit_at", "audit_ok"])
        run.object_count += 1
        run.failures += 0 if report.ok else 1
        run.bytes += sum(result.bytes for result in report.fixity.values())
        reports.append(report)
    run.finished_at = timezone.now()
    run.save()
    _mail_summaries(run, reports)
    return run, reports


def fixity_text(result: Fixity) -> str:
    if not result.found:
        return _("The object is missing from this storage root.")
    if result.ok:
        return _("%(files)s files checked, all sound.") % {"files": result.files}
    parts = []
    for label, paths in (
        (_("changed"), result.changed),
        (_("missing"), result.missing),
        (_("unexpected"), result.unexpected),
    ):
        if paths:
            parts.append(f"{label}: {', '.join(paths)}")
    if result.validator_errors:
        parts.append(_("%(count)s validator errors") % {"count": len(result.validator_errors)})
    return "; ".join(parts)


def staff_addresses(library_id: int) -> list[str]:
    """The e-mail addresses of a library's staff (cataloguers and library administrators)."""
    return sorted(
        Membership.objects.filter(
            library_id=library_id, role__in=[Role.CATALOGUER, Role.LIBRARY_ADMIN], user__is_active=True
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def _mail_summaries(run: AuditRun, reports: list[ObjectReport]) -> None:
    by_library: dict[int, list[ObjectReport]] = {}
    for report in reports:
        by_library.setdefault(report.obj.library_id, []).append(report)
    for library_id, own in by_library.items():
        recipients = staff_addresses(library_id)
        if not recipients:
            continue
        failed = [report for report in own if not report.ok]
        subject = _("Preservation audit: %(checked)s objects checked, %(failed)s with problems") % {
            "checked": len(own),
            "failed": len(failed),
        }
        lines = [_("Fixity audit of %(date)s.") % {"date": f"{run.started_at:%Y-%m-%d %H:%M} UTC"}, ""]
        for report in own:
            title = report.obj.item.display_title if report.obj.item else report.obj.identifier
            lines.append(f"{'OK ' if report.ok else '!! '} {report.obj.identifier} — {title}")
            for copy, result in report.fixity.items():
                if not result.ok:
                    lines.append(f"    {Event.Copy(copy).label}: {fixity_text(result)}")
        send_mail(f"[Khizana] {subject}", "\n".join(lines), None, recipients)


# ---------------------------------------------------------------------------------------------- restore


@dataclass
class RestoreReport:
    live_restored: list[str] = field(default_factory=list)
    repaired: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def nothing_done(self) -> bool:
        return not self.live_restored and not any(self.repaired.values())


def restore_item(item_id: int, *, user=None, source: str = "auto") -> RestoreReport:
    """Repair a damaged preservation copy from the sound one, then put back the item's live files that
    are missing or changed from the preservation copy (``source``: primary, second or auto = the first
    sound one). Each repair and restore is a recovery event."""
    item = DigitalItem.objects.select_related("library").filter(pk=item_id).first()
    if item is None:
        raise PreservationError(_("No digital item %(id)s.") % {"id": item_id})
    _check(user, item.library_id)
    obj = PreservedObject.objects.filter(item=item).first()
    if obj is None or not obj.head:
        raise PreservationError(_("Digital item %(id)s has no preservation copy yet.") % {"id": item_id})
    report = RestoreReport()
    _repair_copies(obj, report, user)
    order = {"primary": [Event.Copy.PRIMARY], "second": [Event.Copy.SECOND]}.get(
        source, [Event.Copy.PRIMARY, Event.Copy.SECOND]
    )
    by_copy = dict(roots())
    store = default_store()
    used = ""
    for live in live_files(item):
        target = store.path(live.key)
        if target.is_file() and file_digest(target, "sha256") == live.sha256:
            continue
        for copy in order:
            try:
                by_copy[copy].copy_out(obj.identifier, live.logical, target)
            except PreservationStoreError as error:
                report.problems.append(str(error))
                continue
            if file_digest(target, "sha256") == live.sha256:
                report.live_restored.append(live.logical)
                used = copy
                break
            report.problems.append(
                _("%(file)s of the preservation copy is not the item's file") % {"file": live.logical}
            )
    live_missing = [
        live.logical
        for live in live_files(item)
        if not store.path(live.key).is_file() or file_digest(store.path(live.key), "sha256") != live.sha256
    ]
    if report.live_restored or live_missing:
        _event(
            obj,
            Event.Type.RECOVERY,
            Event.Copy.LIVE,
            Event.Outcome.FAILURE if live_missing else Event.Outcome.SUCCESS,
            user=user,
            version=obj.head,
            detail=_("Live files restored from the %(copy)s") % {"copy": Event.Copy(used or order[0]).label},
            outcome_detail={
                "restored": report.live_restored,
                "not_restored": live_missing,
                "problems": report.problems,
            },
        )
    return report


def _repair_copies(obj: PreservedObject, report: RestoreReport, user) -> None:
    checked = [(copy, root, root.check(obj.identifier)) for copy, root in roots()]
    sound = [(copy, root) for copy, root, fixity in checked if fixity.ok]
    for copy, root, fixity in checked:
        if fixity.ok:
            continue
        if not sound:
            report.problems.append(
                _("No sound preservation copy to repair the %(copy)s from.")
                % {"copy": Event.Copy(copy).label}
            )
            continue
        source_copy, source = sound[0]
        try:
            with root.lock(obj.identifier):
                file_level = fixity.found and (fixity.changed or fixity.missing or fixity.unexpected)
                repaired = root.repair_from(source, obj.identifier, fixity) if file_level else []
                after = root.check(obj.identifier)
                if not after.ok:  # the object itself (inventory, declaration) is damaged or gone
                    root.replace_from(source, obj.identifier)
                    repaired.append(_("the whole object"))
                    after = root.check(obj.identifier)
        except PreservationStoreError as error:
            report.problems.append(str(error))
            _event(obj, Event.Type.RECOVERY, copy, Event.Outcome.FAILURE, user=user, detail=str(error))
            continue
        report.repaired[copy] = repaired
        _event(
            obj,
            Event.Type.RECOVERY,
            copy,
            Event.Outcome.SUCCESS if after.ok else Event.Outcome.FAILURE,
            user=user,
            version=obj.head,
            detail=_("Repaired from the %(copy)s") % {"copy": Event.Copy(source_copy).label},
            outcome_detail={"repaired": repaired, "after": after.as_dict()},
        )


# ----------------------------------------------------------------------------------------- export, PREMIS


def export_bag(item_id: int, target: Path, *, user=None, source: str = "primary") -> bagit.Bag:
    """The head version of the item's object as a BagIt bag (sha512 manifests) in ``target`` (a new
    folder), validated before it is returned."""
    obj = PreservedObject.objects.select_related("library").filter(item_id=item_id).first()
    if obj is None:
        raise PreservationError(_("Digital item %(id)s has no preservation copy yet.") % {"id": item_id})
    _check(user, obj.library_id)
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise PreservationError(_("%(path)s exists and is not empty.") % {"path": target})
    root = dict(roots())[Event.Copy.SECOND if source == "second" else Event.Copy.PRIMARY]
    try:
        for logical in root.head_state(obj.identifier):
            root.copy_out(obj.identifier, logical, target / logical)
    except PreservationStoreError as error:
        shutil.rmtree(target, ignore_errors=True)
        raise PreservationError(str(error)) from None
    bag = bagit.make_bag(
        str(target),
        bag_info={
            "Source-Organization": obj.library.name_fr or obj.library.code,
            "External-Identifier": obj.identifier,
            "External-Description": f"OCFL {obj.head}",
        },
        checksums=["sha512"],
    )
    bag.validate()
    return bag


def premis_document(obj: PreservedObject) -> bytes:
    root = primary_root()
    files = []
    if root.has(obj.identifier):
        folder = root.object_dir(obj.identifier)
        for logical, (content, digest) in sorted(root.head_state(obj.identifier).items()):
            size = (folder / content).stat().st_size if (folder / content).exists() else 0
            files.append(premis.PremisFile(logical, digest, size))
    events = [
        premis.PremisEvent(
            identifier=str(event.identifier),
            type_code=event.type,
            occurred_at=event.occurred_at,
            outcome=event.outcome,
            detail=" ".join(filter(None, [str(event.get_copy_display()), event.version, event.detail])),
            outcome_note=json.dumps(event.outcome_detail, ensure_ascii=False) if event.outcome_detail else "",
            agent=event.agent.username if event.agent else "",
        )
        for event in obj.events.select_related("agent").order_by("occurred_at", "id")
    ]
    return premis.premis_xml(obj.identifier, files, events)


def visible_objects(user):
    """The preserved objects the user may see (None: all)."""
    if user is None or permissions.is_network_admin(user):
        return PreservedObject.objects.all()
    return PreservedObject.objects.filter(library__in=permissions.libraries_managed(user))

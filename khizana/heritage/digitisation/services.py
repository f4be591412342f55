"""The digitisation programme's services: one permission check and one transaction per call.

``user=None`` is the command line (trusted, as in the other apps' commands). A library's staff act on
their library's candidates and items, network administrators on all; rounds are the network's, opened by
its administrators. Every refusal is a :class:`DigitisationError` whose message names the input and the
problem, translated; nothing is written when one is raised.

The chain of an item (:mod:`.chain`): "scanned" is reached by importing a batch (:func:`import_batch`), "OCR"
by running the digital library's OCR on the delivered pages (:func:`run_ocr`), "published" by
:func:`publish`, which gives the pages to the digital library's ingest (``add_page_images``) so the item
appears in the digital library with its IIIF manifest.
"""

from __future__ import annotations

import datetime
import logging
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from khizana.accounts import permissions
from khizana.accounts.audit import audit
from khizana.catalog.models import SourceRecord
from khizana.catalog.records import RecordFormat
from khizana.catalog.serializers.marcxml import record_element
from khizana.digital.fulltext import ocr
from khizana.digital.ingest import services as ingest
from khizana.digital.models import DigitalItem
from khizana.libraries.models import Library

from . import chain, copyright, manifest
from .models import Candidate, Event, Item, Round, ScanPage

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.csv"
MARC_NS = "http://www.loc.gov/MARC21/slim"
# The rights statement written on a published item (IIIF Presentation 3 wants the http:// form).
RIGHTS = {
    Candidate.Copyright.PUBLIC_DOMAIN: "http://creativecommons.org/publicdomain/mark/1.0/",
    Candidate.Copyright.CLEARED: "http://rightsstatements.org/vocab/InC/1.0/",
}


class DigitisationError(Exception):
    """Bad input or a move the programme does not allow; the message is for the user (translated)."""


@dataclass
class BatchResult:
    items: list[Item] = field(default_factory=list)
    pages: int = 0


class BatchRefused(DigitisationError):
    """A batch with errors: ``errors`` lists them all (line or item, problem); nothing was imported."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(_("The batch was not imported (%(count)s problems).") % {"count": len(errors)})


# --- permissions ------------------------------------------------------------------------------------


def _require(user, library: Library | int | None) -> None:
    if user is not None and not permissions.can_write(user, library):
        raise PermissionDenied(_("Only the staff of the responsible library may do this."))


def _require_admin(user) -> None:
    if user is not None and not permissions.is_network_admin(user):
        raise PermissionDenied(_("Only network administrators may do this."))


def _user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def visible_items(user):
    """The items the user may see and act on: their library's, or all for network administrators."""
    items = Item.objects.select_related("round", "candidate__record", "library", "digital_item")
    if user is None or permissions.is_network_admin(user):
        return items
    return items.filter(library__in=permissions.libraries_managed(user))


# --- copyright --------------------------------------------------------------------------------------


def author_dates(record: SourceRecord) -> list[str]:
    """The dates of the record's personal authors: MARC 21 100/700 $d, UNIMARC 700/701 $f (an author
    without dates gives an empty string, so the status is "unknown" rather than wrongly free)."""
    if record.serialisation not in ("xml", "iso2709") or record.format not in (
        RecordFormat.MARC21,
        RecordFormat.UNIMARC,
    ):
        return []
    try:
        element = record_element(bytes(record.raw), record.serialisation, RecordFormat(record.format))
    except Exception:  # an unreadable record: no dates, the status says "unknown"
        logger.warning("digitisation: record %s cannot be read for its author dates", record.pk)
        return []
    tags, code = (("700", "701"), "f") if record.format == RecordFormat.UNIMARC else (("100", "700"), "d")
    dates = []
    for datafield in element.iter(f"{{{MARC_NS}}}datafield"):
        if datafield.get("tag") not in tags:
            continue
        values = [sub.text or "" for sub in datafield if sub.get("code") == code]
        dates.append(" ".join(values).strip())
    return dates


def copyright_status(
    record: SourceRecord, country: str, today: datetime.date | None = None
) -> copyright.Status:
    dates = author_dates(record)
    fields = record.fields or {}
    anonymous = not dates and not fields.get("authors")
    return copyright.compute_status(
        dates,
        anonymous=anonymous,
        publication_year=fields.get("year"),
        country=country,
        current_year=(today or timezone.localdate()).year,
        terms=copyright.terms_table(settings.KHIZANA_COPYRIGHT_TERMS),
    )


def _apply_status(candidate: Candidate) -> None:
    status = copyright_status(candidate.record, candidate.library.country)
    candidate.copyright = status.status
    candidate.free_from = status.free_from
    candidate.copyright_reason = (status.reason % status.params)[:255]


def reason_text(candidate: Candidate) -> str:
    """The copyright reason in the reader's language (kept in English in the database)."""
    if candidate.copyright == Candidate.Copyright.CLEARED:
        return candidate.cleared_note
    return candidate.copyright_reason


# --- candidates -------------------------------------------------------------------------------------


def propose(user, key: str, library: Library, note: str = "") -> Candidate:
    """A staff proposal: the record of ``library`` named by ``key`` (work id, ISBN or local id)."""
    _require(user, library)
    try:
        record = ingest.resolve_record(key, library=library)
    except ingest.IngestError as error:
        raise DigitisationError(error.message()) from None
    return _add_candidate(user, record, library, Candidate.Source.STAFF, note)


def propose_from_conservation(record: SourceRecord, library: Library, note: str = "") -> Candidate:
    """The hook for the conservation plans: a title a plan commits ``library`` to keep becomes a
    candidate (called by the conservation app; an existing candidate is returned as it is)."""
    found = Candidate.objects.filter(record=record).first()
    return found or _add_candidate(None, record, library, Candidate.Source.CONSERVATION, note)


@dataclass
class Drawn:
    added: list[Candidate] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why a title of the plan gave no candidate


def draw_from_plan(user, plan_id: int, library: Library) -> Drawn:
    """Candidates from a shared conservation plan: every title ``library`` is committed to keep (as
    conservation pole, associated library or contributor), through the library's own record of it."""
    from khizana.heritage.conservation.models import Commitment, Plan

    _require(user, library)
    plan = _get(Plan.objects.all(), plan_id)
    commitments = (
        Commitment.objects.filter(title__plan=plan, library=library)
        .select_related("title__record", "title__work")
        .order_by("title__title", "id")
    )
    drawn = Drawn()
    with transaction.atomic():
        for commitment in commitments:
            title = commitment.title
            record = title.record if title.record and title.record.library_id == library.pk else None
            if record is None and title.work_id:
                record = (
                    SourceRecord.objects.filter(work_id=title.work_id, library=library, deleted=False)
                    .order_by("id")
                    .first()
                )
            if record is None:
                drawn.skipped.append(_("%(title)s: no record of this library") % {"title": title})
                continue
            if Candidate.objects.filter(record=record).exists():
                drawn.skipped.append(_("%(title)s: already a candidate") % {"title": title})
                continue
            note = _("conservation plan %(plan)s, %(role)s") % {
                "plan": plan.programme,
                "role": commitment.get_role_display(),
            }
            drawn.added.append(_add_candidate(user, record, library, Candidate.Source.CONSERVATION, note))
    return drawn


def conservation_plans():
    from khizana.heritage.conservation.models import Plan

    return Plan.objects.order_by("name")


def _add_candidate(user, record: SourceRecord, library: Library, source: str, note: str) -> Candidate:
    if Candidate.objects.filter(record=record).exists():
        raise DigitisationError(_("%(record)s: already a candidate") % {"record": record})
    candidate = Candidate(
        record=record, library=library, source=source, note=note.strip(), proposed_by=_user(user)
    )
    _apply_status(candidate)
    with transaction.atomic():
        candidate.save()
        audit(_user(user), library, "digitisation-propose", str(record), copyright=candidate.copyright)
    return candidate


def clear_copyright(user, candidate_id: int, note: str) -> Candidate:
    """Staff cleared the rights of a candidate (a licence, the heirs' permission): the note says how."""
    candidate = _get(Candidate.objects.select_related("library", "record"), candidate_id)
    _require(user, candidate.library)
    if not note.strip():
        raise DigitisationError(_("Say how the rights were cleared (a note is required)."))
    with transaction.atomic():
        candidate.copyright = Candidate.Copyright.CLEARED
        candidate.cleared_note = note.strip()
        candidate.save(update_fields=["copyright", "cleared_note"])
        audit(_user(user), candidate.library, "digitisation-clear", str(candidate.record), note=note.strip())
    return candidate


def _get(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (TypeError, ValueError, queryset.model.DoesNotExist):
        raise DigitisationError(
            _("No %(what)s has the number %(number)s.")
            % {"what": queryset.model._meta.verbose_name, "number": pk}
        ) from None


# --- rounds and selection ---------------------------------------------------------------------------


def _date(value: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        raise DigitisationError(
            _("%(name)s: %(value)r is not a date (YYYY-MM-DD)") % {"name": name, "value": value}
        ) from None


def create_round(user, name: str, starts_on: str, ends_on: str, budget: str = "", quota: str = "") -> Round:
    _require_admin(user)
    name = (name or "").strip()
    if not name:
        raise DigitisationError(_("A round needs a name."))
    if Round.objects.filter(name=name).exists():
        raise DigitisationError(_("%(name)s: a round already has this name") % {"name": name})
    start, end = _date(starts_on, _("start")), _date(ends_on, _("end"))
    if end < start:
        raise DigitisationError(_("The round ends before it starts."))
    try:
        amount = Decimal(budget.strip()) if (budget or "").strip() else None
    except InvalidOperation:
        raise DigitisationError(_("budget: %(value)r is not an amount") % {"value": budget}) from None
    if amount is not None and (amount < 0 or amount >= Decimal("1e10")):
        raise DigitisationError(_("budget: %(value)r is out of range") % {"value": budget})
    quota = (quota or "").strip()
    if quota and not quota.isdigit():
        raise DigitisationError(_("quota: %(value)r is not a whole number") % {"value": quota})
    with transaction.atomic():
        made = Round.objects.create(
            name=name, starts_on=start, ends_on=end, budget=amount, quota=int(quota) if quota else None
        )
        audit(_user(user), None, "digitisation-round", name)
    return made


def select(user, round_id: int, candidate_id: int, library_code: str = "") -> Item:
    """Select a candidate in a round, digitised by ``library_code`` (default: the proposing library).
    Library staff select for their own library; the candidate must be free of rights (public domain or
    cleared), and the round's quota not reached."""
    chosen = _get(Round.objects.all(), round_id)
    candidate = _get(Candidate.objects.select_related("library", "record"), candidate_id)
    library = candidate.library
    if library_code:
        library = Library.objects.filter(code=library_code.strip()).first()
        if library is None:
            raise DigitisationError(_("%(code)s: no library has this code") % {"code": library_code})
    _require(user, library)
    if not candidate.may_be_digitised:
        raise DigitisationError(
            _("%(title)s: copyright status %(status)s; only public-domain or cleared titles are selected")
            % {"title": candidate, "status": candidate.get_copyright_display()}
        )
    with transaction.atomic():
        Round.objects.select_for_update().get(pk=chosen.pk)  # two selections cannot both take the last place
        if chosen.quota is not None and chosen.items.count() >= chosen.quota:
            raise DigitisationError(
                _("%(round)s: its quota of %(quota)s items is reached")
                % {"round": chosen, "quota": chosen.quota}
            )
        if chosen.items.filter(candidate=candidate).exists():
            raise DigitisationError(_("%(title)s: already selected in this round") % {"title": candidate})
        now = timezone.now()
        item = Item.objects.create(
            round=chosen, candidate=candidate, library=library, step=chain.SELECTED, step_at=now
        )
        Event.objects.create(item=item, step=chain.SELECTED, at=now, library=library, user=_user(user))
    return item


# --- moves along the chain --------------------------------------------------------------------------


def _record_move(item: Item, target: str, user, note: str = "", back: bool = False) -> None:
    now = timezone.now()
    Event.objects.create(
        item=item,
        from_step=item.step,
        step=target,
        back=back,
        at=now,
        library=item.library,
        user=_user(user),
        note=note,
    )
    item.step, item.step_at = target, now
    item.save(update_fields=["step", "step_at", "digital_item"])


def _check(item: Item, target: str, reason: str = "") -> str:
    try:
        return chain.check_move(item.step, target, reason)
    except chain.MoveError as error:
        steps = dict(Item.STEP_CHOICES)
        params = {key: steps.get(value, value) for key, value in error.params.items()}
        raise DigitisationError(f"#{item.pk}: " + _(error.template) % params) from None


def move(user, item_id: int, target: str, reason: str = "") -> Item:
    """Move an item one step on (prepared, quality-checked) or back with a reason (quality check refused:
    back to "prepared" to be scanned again). Scanning, OCR and publication have their own services."""
    item = _get(visible_items(None), item_id)
    _require(user, item.library)
    kind = _check(item, target, reason)
    if kind == chain.FORWARD and target in (chain.SCANNED, chain.OCR, chain.PUBLISHED):
        raise DigitisationError(
            _("#%(item)s: %(step)s is reached by importing a batch, running the OCR or publishing")
            % {"item": item.pk, "step": dict(Item.STEP_CHOICES)[target]}
        )
    with transaction.atomic():
        _record_move(item, target, user, reason.strip(), back=kind == chain.BACK)
    return item


# --- scans: a batch of page images with its manifest -------------------------------------------------


def staging_root() -> Path:
    root = Path(settings.KHIZANA_DIGITISATION_STAGING)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _inside(root: Path, name: str) -> Path | None:
    path = (root / name).resolve()
    return path if path.is_relative_to(root.resolve()) else None


def _find_item(entry: manifest.ManifestItem, chosen: Round, library: Library) -> Item:
    if entry.key.startswith("item:"):
        item = Item.objects.filter(pk=int(entry.key[5:]), round=chosen).first()
        if item is None:
            raise DigitisationError(
                _("item %(item)s is not in the round %(round)s") % {"item": entry.key[5:], "round": chosen}
            )
    else:
        try:
            record = ingest.resolve_record(entry.key, library=library)
        except ingest.IngestError as error:
            raise DigitisationError(error.message()) from None
        item = Item.objects.filter(round=chosen, candidate__record=record).first()
        if item is None:
            raise DigitisationError(
                _("%(key)s: this record is not selected in the round %(round)s")
                % {"key": entry.key, "round": chosen}
            )
    if item.library_id != library.pk:
        raise DigitisationError(_("item %(item)s is digitised by another library") % {"item": item.pk})
    if item.step != chain.PREPARED:
        raise DigitisationError(
            _("item %(item)s is at step %(step)s; a batch is imported for prepared items")
            % {"item": item.pk, "step": item.get_step_display()}
        )
    return item


def _page_paths(folder: Path, entry: manifest.ManifestItem, errors: list[str]) -> list[tuple[Path, str]]:
    """(path, label) of the pages of one manifest item, in reading order; a missing folder or file is
    added to ``errors``."""
    base = _inside(folder, entry.folder)
    if base is None or not base.is_dir():
        errors.append(_("%(folder)s: no such folder in the batch") % {"folder": entry.folder})
        return []
    if entry.whole_folder:
        try:
            return [(path, "") for path in ingest.page_files(base)]
        except ingest.IngestError as error:
            errors.append(error.message())
            return []
    pages = []
    for page in entry.pages:
        path = _inside(base, page.file)
        if path is None or not path.is_file():
            errors.append(
                _("line %(line)s: %(file)s: no such file in %(folder)s")
                % {"line": page.line, "file": page.file, "folder": entry.folder}
            )
            continue
        pages.append((path, page.label))
    return pages


def import_batch(user, folder: Path, round_id: int, library: Library, batch_name: str = "") -> BatchResult:
    """Import a delivered batch: ``folder`` holds ``manifest.csv`` and a folder of page images per item.
    Every line, item and image is checked first (the images with the digital library's checks); the
    first problem does not stop the checking, and if there is any, nothing is imported
    (:class:`BatchRefused` lists them all). The items go to "scanned"; the pages wait in the staging
    folder until publication."""
    _require(user, library)
    chosen = _get(Round.objects.all(), round_id)
    folder = Path(folder)
    try:
        text = (folder / MANIFEST_NAME).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise DigitisationError(
            _("%(name)s: cannot be read (%(reason)s)")
            % {"name": MANIFEST_NAME, "reason": getattr(error, "strerror", None) or error}
        ) from None
    entries, line_errors = manifest.read_manifest(text)
    errors = [
        _("line %(line)s: %(problem)s") % {"line": e.line, "problem": _(e.template) % e.params}
        for e in line_errors
    ]
    if not entries and not errors:
        errors.append(_("%(name)s: no items in the manifest") % {"name": MANIFEST_NAME})
    work = tempfile.TemporaryDirectory(dir=staging_root(), prefix=".batch-")
    with work:
        checked: list[tuple[Item, list[tuple[ingest.Checked, str]]]] = []
        seen: set[int] = set()
        for entry in entries:
            try:
                item = _find_item(entry, chosen, library)
                if item.pk in seen:
                    raise DigitisationError(_("item %(item)s is named twice") % {"item": item.pk})
                seen.add(item.pk)
            except DigitisationError as error:
                errors.append(f"{entry.folder}: {error}")
                item = None
            pages = []
            for path, label in _page_paths(folder, entry, errors):
                name = f"{entry.folder}/{path.name}"
                try:
                    pages.append((ingest.check_file(path, name, Path(work.name), images_only=True), label))
                except ingest.IngestError as error:
                    errors.append(error.message())
            if item is not None:
                checked.append((item, pages))
        if errors:
            raise BatchRefused(errors)
        return _stage(user, checked, batch_name or folder.name)


def _stage(user, checked, batch_name: str) -> BatchResult:
    root = staging_root()
    written: list[Path] = []
    replaced: list[Path] = []
    result = BatchResult()
    try:
        with transaction.atomic():
            for item, pages in checked:
                target = root / str(item.pk) / uuid.uuid4().hex
                target.mkdir(parents=True)
                written.append(target)
                rows = []
                for sequence, (page, label) in enumerate(pages, start=1):
                    name = f"{sequence:05d}.{page.identified.extension}"
                    shutil.move(page.path, target / name)
                    rows.append(
                        ScanPage(
                            item=item,
                            sequence=sequence,
                            label=label[:64] or str(sequence),
                            filename=Path(page.name).name[:255],
                            staged=str((target / name).relative_to(root)),
                            sha256=page.sha256,
                            width=page.identified.width,
                            height=page.identified.height,
                        )
                    )
                replaced.extend(
                    {root / Path(old).parent for old in item.scan_pages.values_list("staged", flat=True)}
                )
                item.scan_pages.all().delete()
                ScanPage.objects.bulk_create(rows)
                note = _("batch %(batch)s: %(count)s pages") % {"batch": batch_name, "count": len(rows)}
                _check(item, chain.SCANNED)
                _record_move(item, chain.SCANNED, user, note)
                result.items.append(item)
                result.pages += len(rows)
            transaction.on_commit(lambda: [shutil.rmtree(path, ignore_errors=True) for path in replaced])
    except BaseException:
        for path in written:
            shutil.rmtree(path, ignore_errors=True)
        raise
    return result


def import_zip(user, upload, round_id: int, library: Library) -> BatchResult:
    """A batch sent as a ZIP file (the manifest at its top or in one top folder)."""
    _require(user, library)
    limit = settings.KHIZANA_MAX_DIGITAL_BYTES
    with tempfile.TemporaryDirectory(dir=staging_root(), prefix=".zip-") as unpacked:
        root = Path(unpacked)
        name = getattr(upload, "name", "batch.zip")
        try:
            with zipfile.ZipFile(upload) as archive:
                members = archive.infolist()
                if sum(member.file_size for member in members) > limit:
                    raise DigitisationError(
                        _("%(name)s: larger than the limit of %(limit)s bytes once unpacked")
                        % {"name": name, "limit": f"{limit:,}"}
                    )
                for member in members:
                    target = _inside(root, member.filename)
                    if target is None or member.filename.startswith("/"):
                        raise DigitisationError(
                            _("%(name)s: the entry %(entry)s points outside the batch")
                            % {"name": name, "entry": member.filename}
                        )
                    if member.is_dir():
                        target.mkdir(parents=True, exist_ok=True)
                        continue
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(member) as source, open(target, "wb") as out:
                        shutil.copyfileobj(source, out)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
            raise DigitisationError(
                _("%(name)s: not a readable ZIP file (%(reason)s)") % {"name": name, "reason": error}
            ) from None
        folder = root
        if not (root / MANIFEST_NAME).exists():
            tops = [path for path in root.iterdir() if path.is_dir() and not path.name.startswith("__MACOSX")]
            if len(tops) == 1:
                folder = tops[0]
        return import_batch(user, folder, round_id, library, batch_name=Path(name).stem)


# --- OCR and publication ----------------------------------------------------------------------------


def _staged_path(page: ScanPage) -> Path:
    return staging_root() / page.staged


def run_ocr(user, item_id: int, recognise: Callable[[Path, str], ocr.OcrPage] | None = None) -> Item:
    """The OCR step: the digital library's OCR (Tesseract) on each delivered page, its text kept with the
    page; where Tesseract is not installed the step is recorded with a note and the digital library runs
    its OCR once the item is published."""
    item = _get(visible_items(None), item_id)
    _require(user, item.library)
    _check(item, chain.OCR)
    languages = ocr.tesseract_languages(_record_language(item.candidate.record))
    pages = list(item.scan_pages.all())
    texts: dict[int, ocr.OcrPage] = {}
    if recognise is None and not ocr.tesseract_available():
        note = _("no OCR engine on this server: the digital library will read the pages once published")
    else:
        recognise = recognise or ocr.ocr_file
        try:
            for page in pages:
                texts[page.pk] = recognise(_staged_path(page), languages)
        except (ocr.OcrError, OSError) as error:
            raise DigitisationError(
                _("#%(item)s: OCR failed: %(reason)s") % {"item": item.pk, "reason": error}
            ) from None
        note = _("OCR of %(count)s pages (%(languages)s)") % {"count": len(texts), "languages": languages}
    with transaction.atomic():
        for page in pages:
            if page.pk in texts:
                page.text, page.confidence = texts[page.pk].text, texts[page.pk].confidence
                page.save(update_fields=["text", "confidence"])
        _record_move(item, chain.OCR, user, note)
    return item


def publish(user, item_id: int) -> Item:
    """Publish an item: its pages become a digital item (open access, the rights statement of its
    copyright status) of the candidate's record, through the digital library's ingest; the staged copies
    are removed once it is committed."""
    item = _get(visible_items(None), item_id)
    _require(user, item.library)
    _check(item, chain.PUBLISHED)
    candidate = item.candidate
    if not candidate.may_be_digitised:
        raise DigitisationError(
            _("#%(item)s: its copyright status no longer allows publication") % {"item": item.pk}
        )
    pages = list(item.scan_pages.all())
    if not pages:
        raise DigitisationError(_("#%(item)s: no delivered pages to publish") % {"item": item.pk})
    staged_folders = {_staged_path(page).parent for page in pages}
    with transaction.atomic():
        try:
            digital = ingest.add_page_images(
                candidate.record,
                [(_staged_path(page), page.filename) for page in pages],
                access=DigitalItem.Access.OPEN,
                user=_user(user),
                label=str(item.round)[:255],
                rights=RIGHTS[candidate.copyright],
            )
        except ingest.AlreadyIngested as error:
            digital = error.item
        except ingest.IngestError as error:
            raise DigitisationError(error.message()) from None
        _label_pages(digital, pages)
        item.digital_item = digital
        _record_move(item, chain.PUBLISHED, user, _("digital item #%(id)s") % {"id": digital.pk})
        transaction.on_commit(lambda: [shutil.rmtree(path, ignore_errors=True) for path in staged_folders])
    return item


def _record_language(record: SourceRecord) -> str:
    languages = (record.fields or {}).get("languages") or []
    return languages[0][:3] if languages else ""


def _label_pages(digital: DigitalItem, pages: list[ScanPage]) -> None:
    """The printed page numbers from the manifest on the digital item's pages (ingest numbers them)."""
    labels = {page.sequence: page.label for page in pages if page.label}
    for image in digital.pages.filter(sequence__in=list(labels)):
        if image.label != labels[image.sequence]:
            image.label = labels[image.sequence][:64]
            image.save(update_fields=["label"])


# --- dashboard --------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    steps: list[tuple[str, str, int]]  # (step, label, count)
    rounds: list[dict]  # {"round": Round, "counts": [int per step], "total": int}
    months: list[tuple[str, int, int]]  # (YYYY-MM, scanned, published)


def dashboard(user, library: Library | None = None) -> Dashboard:
    """Counts per step and per round, and items scanned and published per month: of ``library``, or of
    the whole network (network administrators only)."""
    if library is None:
        _require_admin(user)
    elif user is not None and not permissions.can_write(user, library):
        raise PermissionDenied(_("Only the staff of the library may see its dashboard."))
    items = Item.objects.all() if library is None else Item.objects.filter(library=library)
    labels = {step: str(label) for step, label in Item.STEP_CHOICES}  # in the reader's language, now
    per_step = dict(items.values_list("step").annotate(n=Count("id")))
    steps = [(step, labels[step], per_step.get(step, 0)) for step in chain.STEPS]
    cells: dict[tuple[int, str], int] = {
        (round_id, step): n
        for round_id, step, n in items.values_list("round", "step").annotate(n=Count("id"))
    }
    rounds = []
    for each in Round.objects.filter(pk__in={key[0] for key in cells}):
        counts = [cells.get((each.pk, step), 0) for step in chain.STEPS]
        rounds.append({"round": each, "counts": counts, "total": sum(counts)})
    events = Event.objects.filter(item__in=items, back=False, step__in=[chain.SCANNED, chain.PUBLISHED])
    monthly: dict[str, list[int]] = {}
    for month, step, n in (
        events.annotate(month=TruncMonth("at"))
        .values_list("month", "step")
        .annotate(n=Count("id"))
        .order_by("month")
    ):
        monthly.setdefault(f"{month:%Y-%m}", [0, 0])[0 if step == chain.SCANNED else 1] += n
    months = [(month, scanned, published) for month, (scanned, published) in sorted(monthly.items())]
    return Dashboard(steps=steps, rounds=rounds, months=months)


def published_items():
    """The programme's published items that everyone may read (the public page)."""
    return (
        Item.objects.filter(step=chain.PUBLISHED, digital_item__access=DigitalItem.Access.OPEN)
        .select_related("round", "library", "candidate__record__work", "digital_item")
        .order_by("-step_at", "-id")
    )

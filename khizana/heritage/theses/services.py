"""Theses: deposit by the doctoral school's staff, embargo, import of ETD-MS records, the digital library's
embargo restriction. One permission check and one transaction per call.

A thesis is catalogued like any record a library sends: its description is written as a MARC 21 record
(:mod:`.marc`) and imported into the school's library through the catalog's import, so it is clustered
into a work and indexed. Its PDF is checked and stored by the digital library's ingest
(:func:`khizana.digital.ingest.services.add_digital_item`); while the embargo runs the digital library
serves it only to the school's staff (:func:`embargo_restriction`, registered in ``apps.py``).
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from khizana.accounts import permissions
from khizana.accounts.audit import audit
from khizana.catalog.models import SourceRecord
from khizana.catalog.services import ImportFileError, import_bytes
from khizana.catalog.signals import works_changed
from khizana.digital.ingest.services import (
    FileLike,
    IngestError,
    add_digital_item,
    check_file,
)
from khizana.digital.models import DigitalItem
from khizana.libraries.models import Library

from . import marc
from .etdms import EtdmsError, EtdRecord, read_oai_response
from .models import Thesis

logger = logging.getLogger(__name__)
_MAX_TEXT = {"title": 1000, "author": 255, "doctoral_school": 500, "grantor": 500, "discipline": 500,
             "degree_name": 255}  # fmt: skip


class ThesisError(Exception):
    """A deposit, an embargo or an import that cannot be done; the message names the input and the problem."""


@dataclass
class Description:
    """What the school's staff (or an imported record) says about a thesis."""

    title: str
    author: str
    alternative_titles: list[str] = field(default_factory=list)
    supervisors: list[str] = field(default_factory=list)
    committee: list[str] = field(default_factory=list)
    doctoral_school: str = ""
    institution_id: int | None = None
    grantor: str = ""
    discipline: str = ""
    degree_name: str = ""
    degree_level: str = ""
    defence_date: date | None = None
    year: int | None = None
    embargo_until: date | None = None
    language: str = ""
    abstract: str = ""
    subjects: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    rights: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- reading


def theses_of(user) -> QuerySet[Thesis]:
    """The theses whose deposits the user manages (their library's; every one for a network admin)."""
    return Thesis.objects.filter(library__in=permissions.libraries_managed(user)).select_related(
        "library", "item", "record", "institution"
    )


def etd_record(thesis: Thesis, *, url: str = "") -> EtdRecord:
    """The thesis as an ETD-MS record; ``url`` (its public page) is its identifier when it has none."""
    grantor_uri = ""
    if thesis.institution and thesis.institution.ror_id:
        ror = thesis.institution.ror_id
        grantor_uri = ror if ror.startswith("http") else f"https://ror.org/{ror}"
    return EtdRecord(
        title=thesis.title,
        creator=thesis.author,
        alternative_titles=list(thesis.alternative_titles),
        identifier=thesis.source_identifier,
        subjects=list(thesis.subjects),
        abstract=thesis.abstract,
        supervisors=list(thesis.supervisors),
        committee=list(thesis.committee),
        date=thesis.defence_date,
        year=thesis.year or (thesis.defence_date.year if thesis.defence_date else None),
        language=thesis.language,
        identifiers=list(thesis.identifiers) or ([url] if url else []),
        rights=list(thesis.rights),
        publisher=thesis.doctoral_school or thesis.library.name,
        degree_name=thesis.degree_name,
        degree_level=thesis.degree_level,
        discipline=thesis.discipline,
        grantor=thesis.grantor_name,
        grantor_uri=grantor_uri,
        embargo_until=thesis.embargo_until,
        formats=[thesis.item.media_type] if thesis.item_id and thesis.item.media_type else [],
    )


def embargo_restriction(item: DigitalItem) -> str | None:
    """Why ``item`` is closed: the thesis it belongs to is under embargo (registered with the digital
    library in ``apps.py``)."""
    thesis = Thesis.objects.filter(item_id=item.pk).only("embargo_until").first()
    if thesis is None or not thesis.is_embargoed():
        return None
    return embargo_sentence(thesis.embargo_until)


def reindex_ended_embargoes(today: date | None = None, days: int = 7) -> int:
    """Send the works of the theses whose embargo ended in the last ``days`` days (a missed daily run is
    caught up) to the search index again: their text may be found now. Returns how many works."""
    today = today or timezone.localdate()
    work_ids = set(
        Thesis.objects.filter(
            embargo_until__gt=today - timedelta(days=days),
            embargo_until__lte=today,
            record__work_id__isnull=False,
        ).values_list("record__work_id", flat=True)
    )
    if work_ids:
        with transaction.atomic():
            works_changed.send(sender=Thesis, work_ids=work_ids)
    return len(work_ids)


def embargo_sentence(until: date) -> str:
    return _("Under embargo until %(date)s.") % {"date": formats.date_format(until, "DATE_FORMAT")}


# --------------------------------------------------------------------------- writing


def check_description(description: Description) -> None:
    """:class:`ThesisError` naming the first field that is missing or too long."""
    if not description.title.strip():
        raise ThesisError(_("The title is missing."))
    if not description.author.strip():
        raise ThesisError(_("The author is missing."))
    if description.defence_date is None and description.year is None:
        raise ThesisError(_("The defence date is missing."))
    for name, limit in _MAX_TEXT.items():
        if len(getattr(description, name)) > limit:
            raise ThesisError(
                _("%(field)s is longer than %(limit)s characters.") % {"field": name, "limit": limit}
            )
    if description.degree_level and description.degree_level not in Thesis.Level.values:
        raise ThesisError(
            _("Unknown degree level %(level)r (one of: %(choices)s).")
            % {"level": description.degree_level, "choices": ", ".join(Thesis.Level.values)}
        )


def deposit(
    user,
    library: Library,
    description: Description,
    pdf: FileLike,
    filename: str,
    *,
    access: str = DigitalItem.Access.OPEN,
) -> Thesis:
    """Deposit a thesis and its PDF for ``library`` (the doctoral school): a catalog record, a digital
    item, the thesis. The PDF is checked before anything is written; nothing is left of a refused deposit."""
    if not permissions.can_write(user, library):
        raise PermissionDenied(
            _("Only the staff of %(library)s may deposit its theses.") % {"library": library}
        )
    check_description(description)
    _check_pdf(pdf, filename)
    with transaction.atomic():
        thesis = Thesis.objects.create(library=library, created_by=_user(user), **_columns(description))
        _catalogue(thesis, user)
        try:
            item = add_digital_item(thesis.record, pdf, filename, access=access, user=user, label=_("Thesis"))
        except IngestError as error:
            raise ThesisError(error.message()) from None
        thesis.item = item
        thesis.save(update_fields=["item", "updated_at"])
        audit(_user(user), library, "thesis-deposit", str(thesis)[:255], thesis=thesis.pk, item=item.pk)
    return thesis


def _check_pdf(pdf: FileLike, filename: str) -> None:
    """The digital library's ingest checks, and a PDF it must be."""
    try:
        with tempfile.TemporaryDirectory(prefix="khizana-thesis-") as folder:
            checked = check_file(pdf, filename, Path(folder))
    except IngestError as error:
        raise ThesisError(error.message()) from None
    if checked.identified.kind != "pdf":
        raise ThesisError(
            _("%(name)s: a thesis is deposited as a PDF, this file is %(kind)s.")
            % {"name": filename, "kind": checked.identified.media_type or checked.identified.kind}
        )


def set_embargo(user, thesis: Thesis, until: date | None) -> Thesis:
    """Set (or lift, with None) the embargo of ``thesis``; its catalog record is updated too, so OAI-PMH
    harvesters see the change."""
    if not permissions.can_write(user, thesis.library_id):
        raise PermissionDenied(_("Only the staff of the depositing library may change this embargo."))
    with transaction.atomic():
        previous = thesis.embargo_until
        thesis.embargo_until = until
        thesis.save(update_fields=["embargo_until", "updated_at"])
        _catalogue(thesis, user)
        before, after = (day.isoformat() if day else "" for day in (previous, until))
        audit(_user(user), thesis.library_id, "thesis-embargo", str(thesis)[:255], thesis=thesis.pk,
              before=before, after=after)  # fmt: skip
    return thesis


def _columns(description: Description) -> dict:
    values = {name: getattr(description, name) for name in Description.__dataclass_fields__}
    values["year"] = description.year or (description.defence_date.year if description.defence_date else None)
    return values


def _user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def local_id(thesis: Thesis) -> str:
    """The catalog record id: the OAI identifier of an imported thesis, ``thesis-<id>`` for a deposit."""
    return thesis.source_identifier or f"thesis-{thesis.pk}"


def _catalogue(thesis: Thesis, user) -> None:
    """Write the thesis as a MARC record into its library's catalog and link it."""
    _import_records([thesis], user)


def _import_records(theses: list[Thesis], user) -> None:
    today = timezone.localdate()
    records = [marc.thesis_record(etd_record(thesis), local_id(thesis), today=today) for thesis in theses]
    library = theses[0].library
    try:
        import_bytes(library, marc.collection_xml(records), "theses.xml", user=_user(user))
    except ImportFileError as error:
        raise ThesisError(str(error)) from error
    found = dict(
        SourceRecord.objects.filter(library=library, local_id__in=[local_id(t) for t in theses]).values_list(
            "local_id", "pk"
        )
    )
    for thesis in theses:
        record_id = found.get(local_id(thesis))
        if record_id is None:
            raise ThesisError(_("%(thesis)s: the catalog refused its record.") % {"thesis": thesis})
        if thesis.record_id != record_id:
            Thesis.objects.filter(pk=thesis.pk).update(record_id=record_id)
            thesis.record_id = record_id


# --------------------------------------------------------------------------- import


@dataclass
class ImportSummary:
    added: int = 0
    updated: int = 0


def import_etdms(user, library: Library, data: bytes, name: str = "") -> ImportSummary:
    """Load the theses of an OAI-PMH ``oai_etdms`` response (ListRecords or GetRecord) into ``library``,
    keyed by their OAI identifiers (loading the same file again updates them). ``user`` None: the command
    line, trusted."""
    if user is not None and not permissions.can_import(user, library):
        raise PermissionDenied(
            _("Only the staff of %(library)s may import its theses.") % {"library": library}
        )
    try:
        records = read_oai_response(data)
    except EtdmsError as error:
        raise ThesisError(f"{name or 'file'}: {error}") from None
    if not records:
        raise ThesisError(_("%(name)s: no thesis in this response.") % {"name": name or "file"})
    summary = ImportSummary()
    with transaction.atomic():
        existing = {
            t.source_identifier: t
            for t in Thesis.objects.filter(
                library=library, source_identifier__in=[r.identifier for r in records]
            )
        }
        theses = []
        for record in records:
            if not record.identifier:
                raise ThesisError(_("%(name)s: a record has no OAI identifier.") % {"name": name or "file"})
            if record.date is None and record.year is None:
                raise ThesisError(f"{record.identifier}: " + _("The defence date is missing."))
            columns = _columns(_description(record))
            thesis = existing.get(record.identifier)
            if thesis is None:
                thesis = Thesis.objects.create(
                    library=library, source_identifier=record.identifier, **columns
                )
                summary.added += 1
            else:
                for key, value in columns.items():
                    setattr(thesis, key, value)
                thesis.save()
                summary.updated += 1
            theses.append(thesis)
        _import_records(theses, user)
    return summary


def _description(record: EtdRecord) -> Description:
    return Description(
        title=record.title[:1000],
        author=record.creator[:255],
        alternative_titles=record.alternative_titles,
        supervisors=record.supervisors,
        committee=record.committee,
        doctoral_school=record.publisher[:500],
        grantor=record.grantor[:500],
        discipline=record.discipline[:500],
        degree_name=record.degree_name[:255],
        degree_level=record.degree_level,
        defence_date=record.date,
        year=record.year,
        embargo_until=record.embargo_until,
        language=record.language,
        abstract=record.abstract,
        subjects=record.subjects,
        identifiers=record.identifiers,
        rights=record.rights,
    )

"""Harvesting member libraries over OAI-PMH into the union catalog.

A harvest asks Identify (for the granularity), chooses the metadata format (the source's, else MARC 21
when offered, else ``oai_dc``), then pages through ListRecords from the ``from`` of the last successful
harvest, following resumption tokens. Each page goes, as sent, through the ordinary import
(:func:`khizana.catalog.services.import_bytes`): records are kept, versioned, clustered and indexed
like any import, and bad records become rejects of that page while the harvest goes on.

Deletions (``status="deleted"`` headers) are notices, not records: the page is imported without them,
then :func:`khizana.catalog.services.delete_records` marks the records they name deleted, keeping the
bytes the library sent. A Dublin Core record's local id is its OAI identifier; MARC records are keyed
by their 001, so the harvester remembers which local id each OAI identifier was stored under
(:class:`HarvestedIdentifier`).

The next harvest starts ``from`` the ``responseDate`` of the first response of the last successful
one (its Identify: the repository's clock, not ours), cut to the repository's granularity.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from lxml import etree

from khizana.catalog import clustering
from khizana.catalog.formats.marcxml import read_marcxml
from khizana.catalog.models import ImportRun, SourceRecord
from khizana.catalog.records import ParsedRecord, RecordFormat
from khizana.catalog.services import ImportFileError, delete_records, import_bytes, process_alive
from khizana.core.outgoing.conf import check_url_to_save, outgoing_session
from khizana.core.outgoing.policy import OutgoingRequestRefused
from khizana.libraries.models import Library

from .client import HarvestError, OaiClient, OaiProtocolError, Page, RetryPolicy, refusal_message
from .models import HarvestedIdentifier, HarvestRun, HarvestSource
from .oai import Message, OaiItem, datestamp_for_from, gettext_noop

logger = logging.getLogger(__name__)

MARC_PREFIXES = ("marc21", "marcxml", "MARC21", "marc")


class HarvestConfigError(ValueError):
    """A library cannot be harvested as asked (no endpoint ...); the message says why (in English;
    ``message`` is the :class:`Message` to translate)."""

    def __init__(self, message: Message):
        self.message = message
        super().__init__(str(message))


def retry_policy() -> RetryPolicy:
    """From settings: ``KHIZANA_HARVEST_TIMEOUT``, ``_ATTEMPTS``, ``_BACKOFF``, ``_RETRY_BUDGET``."""
    return RetryPolicy(
        timeout=float(settings.KHIZANA_HARVEST_TIMEOUT),
        max_attempts=int(settings.KHIZANA_HARVEST_ATTEMPTS),
        backoff=float(settings.KHIZANA_HARVEST_BACKOFF),
        retry_budget=float(settings.KHIZANA_HARVEST_RETRY_BUDGET),
    )


# --- sources ------------------------------------------------------------------------------------------


def source_for(library: Library) -> HarvestSource:
    """The library's source; created from ``Library.oai_endpoint`` when it has one and no source yet."""
    source = HarvestSource.objects.filter(library=library).first()
    if source is not None:
        return source
    if not library.oai_endpoint:
        text = gettext_noop("%(library)s has no OAI-PMH endpoint: set one in the staff space or with --url")
        raise HarvestConfigError(Message(text, {"library": library.code}))
    return HarvestSource.objects.create(library=library, base_url=library.oai_endpoint)


def configure(
    library: Library,
    base_url: str,
    *,
    metadata_prefix: str | None = None,
    set_spec: str | None = None,
    enabled: bool | None = None,
) -> HarvestSource:
    """Set the endpoint (and what is given of the rest). A changed URL, format or set starts the next
    harvest from the beginning, since the last datestamp belonged to another list. A URL that leads to
    a loopback, private or reserved address is refused (unless KHIZANA_OUTGOING_ALLOWED_HOSTS allows it)."""
    base_url = base_url.strip()
    try:
        URLValidator(schemes=["http", "https"])(base_url)
    except ValidationError:
        text = gettext_noop("%(url)s is not an http:// or https:// URL")
        raise HarvestConfigError(Message(text, {"url": repr(base_url)})) from None
    try:
        check_url_to_save(base_url)
    except OutgoingRequestRefused as refused:  # loopback, private ... (server-side request forgery)
        raise HarvestConfigError(refusal_message(refused)) from None
    source, _ = HarvestSource.objects.get_or_create(library=library, defaults={"base_url": base_url})
    before = (source.base_url, source.metadata_prefix, source.set_spec)
    source.base_url = base_url
    if metadata_prefix is not None:
        source.metadata_prefix = metadata_prefix.strip()
    if set_spec is not None:
        source.set_spec = set_spec.strip()
    if enabled is not None:
        source.enabled = enabled
    if (source.base_url, source.metadata_prefix, source.set_spec) != before:
        source.last_datestamp = ""
    source.save()
    return source


def scheduled_sources() -> list[HarvestSource]:
    """Every enabled source, and a new one for each library with an endpoint but no source yet."""
    for library in Library.objects.exclude(oai_endpoint="").filter(harvest_source__isnull=True):
        source_for(library)
    return list(HarvestSource.objects.filter(enabled=True).select_related("library"))


# --- runs ---------------------------------------------------------------------------------------------


def queue_harvest(
    source: HarvestSource, *, user=None, trigger: str = "cli", full: bool = False
) -> HarvestRun:
    """A queued run; ``full`` ignores the last datestamp and harvests everything."""
    return HarvestRun.objects.create(
        source=source,
        trigger=trigger,
        started_by=user if user is not None and user.is_authenticated else None,
        base_url=source.base_url,
        metadata_prefix=source.metadata_prefix,
        set_spec=source.set_spec,
        requested_from="" if full else source.last_datestamp,
    )


def harvest(library: Library, *, user=None, trigger: str = "cli", full: bool = False) -> HarvestRun:
    """Harvest ``library`` now; returns the finished (or failed) run. Raises HarvestConfigError only."""
    return run_harvest(queue_harvest(source_for(library), user=user, trigger=trigger, full=full))


def harvest_all(trigger: str = "schedule") -> list[HarvestRun]:
    """Harvest every scheduled source, one after the other; one failing source does not stop the others."""
    return [run_harvest(queue_harvest(source, trigger=trigger)) for source in scheduled_sources()]


def run_harvest(run: HarvestRun, *, client: OaiClient | None = None) -> HarvestRun:
    """Run a queued harvest to its end. Failures are recorded on the run, never raised."""
    if run.status != HarvestRun.Status.QUEUED:
        return run
    mark_interrupted_runs()
    run.status, run.started_at, run.pid = HarvestRun.Status.RUNNING, timezone.now(), os.getpid()
    run.save(update_fields=["status", "started_at", "pid"])
    other = HarvestRun.objects.filter(source_id=run.source_id, status=HarvestRun.Status.RUNNING)
    other = other.exclude(pk=run.pk).order_by("id").first()
    if other is not None:
        text = gettext_noop("another harvest of %(library)s is running (harvest %(run)s)")
        _fail(run, Message(text, {"library": run.source.library.code, "run": other.pk}))
        _finish(run, None)
        return run
    client = client or OaiClient(run.base_url, retry_policy(), session=outgoing_session())
    try:
        next_from = _harvest_lists(run, client)
    except HarvestError as error:
        next_from = _fail(run, error.message)
    except Exception as error:  # a bug must leave a failed run behind, not a run stuck "running"
        logger.exception("harvest %s failed", run.pk)
        text = gettext_noop("%(url)s: internal error: %(error)s")
        next_from = _fail(
            run, Message(text, {"url": run.base_url, "error": f"{type(error).__name__}: {error}"})
        )
    clustering.recluster_dirty()
    _finish(run, next_from)
    return run


def _harvest_lists(run: HarvestRun, client: OaiClient) -> str | None:
    """Identify, then one ListRecords list per metadata prefix of the run ("marc21,unimarc" when a
    repository keeps both); returns the next harvest's ``from``."""
    identify = client.identify()
    run.granularity = identify.granularity
    run.response_date = identify.response_date  # the first response: the next harvest's "from"
    if not run.metadata_prefix:
        run.metadata_prefix = choose_prefix(client)
    previous = run.source.last_metadata_prefix
    if previous and previous != run.metadata_prefix:
        run.requested_from = ""  # the last datestamp belonged to other lists: start from the beginning
    run.save(update_fields=["metadata_prefix", "granularity", "requested_from"])
    for prefix in run.metadata_prefix.split(","):
        params = {"metadataPrefix": prefix, "set": run.set_spec, "from": run.requested_from}
        try:
            for page in client.pages("ListRecords", **params):
                _apply_page(run, page, prefix)
                _save_counts(run)
        except OaiProtocolError as error:
            if error.response.error_codes != ["noRecordsMatch"]:  # noRecordsMatch: nothing new
                raise
    return _next_from(run)


def choose_prefix(client: OaiClient) -> str:
    """MARC when the repository offers it (MARC 21, plus UNIMARC when it also keeps UNIMARC records
    apart, as Khizana does), else oai_dc (which every repository must offer)."""
    try:
        offered = client.metadata_prefixes()
    except HarvestError:
        return "oai_dc"
    marc = next((prefix for prefix in MARC_PREFIXES if prefix in offered), "")
    if not marc:
        return "unimarc" if "unimarc" in offered else "oai_dc"
    return f"{marc},unimarc" if "unimarc" in offered else marc


def _next_from(run: HarvestRun) -> str | None:
    try:
        return datestamp_for_from(run.response_date, run.granularity)
    except ValueError:
        text = gettext_noop(
            "%(url)s: responseDate %(date)s is not a UTC datestamp (YYYY-MM-DDThh:mm:ssZ); "
            "the next harvest will start from the beginning"
        )
        _error(run, Message(text, {"url": run.base_url, "date": repr(run.response_date)}))
        return ""


def _error(run: HarvestRun, message: Message | str) -> None:
    """Note an error on the run: a message is kept as msgid and parameters, translated when shown."""
    run.errors.append(message.as_json() if isinstance(message, Message) else message)


def _fail(run: HarvestRun, message: Message) -> None:  # the source keeps its datestamp
    run.status = HarvestRun.Status.FAILED
    _error(run, message)
    return None


def _finish(run: HarvestRun, next_from: str | None) -> None:
    """Close the run; a successful one moves the source's ``from`` (None: leave it where it was)."""
    if run.status == HarvestRun.Status.RUNNING:
        run.status = HarvestRun.Status.FINISHED
    run.finished_at = timezone.now()
    _save_counts(run)
    run.save(update_fields=["status", "finished_at", "errors", "response_date", "metadata_prefix"])
    if run.status == HarvestRun.Status.FINISHED and next_from is not None:
        HarvestSource.objects.filter(pk=run.source_id).update(
            last_datestamp=next_from, last_metadata_prefix=run.metadata_prefix, updated_at=timezone.now()
        )


def _save_counts(run: HarvestRun) -> None:
    totals = {name: 0 for name in ("added", "updated", "unchanged", "deleted", "rejected")}
    for imported in run.import_runs.all():
        for name in totals:
            totals[name] += getattr(imported, f"records_{name}")
    for name, value in totals.items():
        setattr(run, f"records_{name}", value)
    run.save(update_fields=["pages", "records_harvested", "errors", *(f"records_{name}" for name in totals)])


# --- one page -----------------------------------------------------------------------------------------


def _apply_page(run: HarvestRun, page: Page, prefix: str) -> None:
    """Import the page as sent (its deleted headers are not records: they are left out of the import),
    then delete the records its deleted headers name."""
    items = page.response.items
    run.pages += 1
    run.records_harvested += len(items)
    if not items:
        return
    filename = f"oai-{run.source.library.code}-harvest{run.pk}-page{run.pages:04d}.xml"
    imported = _import(run, page.data, filename)
    if "marc" in prefix.lower() or any(item.is_marc for item in items):
        _remember_local_ids(run.source, [item for item in items if not item.deleted])
    deleted = [item for item in items if item.deleted and item.identifier]
    if deleted:
        _delete_items(run, deleted, imported)
    nameless = sum(1 for item in items if item.deleted and not item.identifier)
    if nameless and (imported is None or imported.format != RecordFormat.DUBLIN_CORE):
        # (the Dublin Core reader makes such a header a reject of the page; the MARC reader skips it)
        text = gettext_noop("%(file)s: a deleted header without an identifier cannot name a record")
        _error(run, Message(text, {"file": filename}))


def _import(run: HarvestRun, data: bytes, filename: str) -> ImportRun | None:
    """The page's import run (a failed one too: the page's deletions are counted on it)."""
    library = run.source.library
    try:
        imported = import_bytes(
            library, data, filename, user=run.started_by, cluster=False, skip_deleted_headers=True
        )
    except ImportFileError as error:  # this page is lost, the next ones may be fine
        _error(run, str(error))  # the catalog's import errors are in English, on the import run too
        failed = ImportRun.objects.filter(library=library, filename=filename).order_by("-id").first()
        if failed is not None:
            run.import_runs.add(failed)
        return failed
    run.import_runs.add(imported)
    return imported


def _remember_local_ids(source: HarvestSource, items: Iterable[OaiItem]) -> None:
    rows = []
    for item in items:
        local_id = _marc_local_id(item)
        if item.identifier and local_id:
            rows.append(HarvestedIdentifier(source=source, identifier=item.identifier, local_id=local_id))
    HarvestedIdentifier.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["source", "identifier"], update_fields=["local_id"]
    )


def _marc_local_id(item: OaiItem) -> str:
    """The local id the MARC reader gives the item's record (its 001, 035 $a ...)."""
    if item.metadata is None:
        return ""
    data = etree.tostring(item.metadata, encoding="utf-8")
    found = next((r for r in read_marcxml(data) if isinstance(r, ParsedRecord)), None)
    return found.local_id[:255] if found else ""


def _delete_items(run: HarvestRun, items: list[OaiItem], imported: ImportRun | None) -> None:
    """Delete the records named by deleted headers (Dublin Core and MARC alike), keeping their bytes."""
    library = run.source.library
    known = dict(
        HarvestedIdentifier.objects.filter(
            source=run.source, identifier__in=[item.identifier for item in items]
        ).values_list("identifier", "local_id")
    )
    candidates = {item.identifier: _candidate_local_ids(item.identifier, known) for item in items}
    existing = set(
        SourceRecord.objects.filter(
            library=library, local_id__in={c for names in candidates.values() for c in names}
        ).values_list("local_id", flat=True)
    )  # one query for the page
    local_ids = []
    for names in candidates.values():
        local_id = next((c for c in names if c in existing), None)
        if local_id is not None:  # else never harvested: nothing to delete
            local_ids.append(local_id)
    reason = f"deleted in the OAI-PMH repository (harvest {run.pk})"
    # cluster=False: the harvest re-clusters once, at its end (run_harvest's recluster_dirty)
    delete_records(library, local_ids, reason=reason, run=imported, cluster=False)


def _candidate_local_ids(identifier: str, known: dict[str, str]) -> list[str]:
    """The local ids a deleted header may name, best first: the one harvested under that identifier,
    else the identifier itself, then its last part (``oai:<repository>:<local id>``, as sent by a
    repository whose records this library also sent as files)."""
    if identifier in known:
        return [known[identifier]]
    candidates = [identifier]
    if identifier.startswith("oai:") and ":" in identifier[4:]:
        candidates.append(unquote(identifier.rsplit(":", 1)[1]))
    return candidates


def mark_interrupted_runs() -> int:
    """Runs left "running" by a process that died: failed, with the reason."""
    count = 0
    for run in HarvestRun.objects.filter(status=HarvestRun.Status.RUNNING):
        if run.pid == os.getpid() or (run.pid and process_alive(run.pid)):
            continue  # still at work (this process runs harvests on several threads)
        with transaction.atomic():
            run.status = HarvestRun.Status.FAILED
            _error(run, Message(gettext_noop("the harvesting process ended before finishing")))
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "errors", "finished_at"])
        count += 1
    return count

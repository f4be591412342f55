"""Keep works in step with source records: the database side of :mod:`khizana.catalog.matching`.

Records that an import added, changed or deleted carry ``cluster_dirty``. :func:`recluster_dirty`
takes them, their former work-mates, and every record reachable from those through shared blocking
keys or manual decisions (the closure), clusters that closure with the pure matcher, and writes the
result: works keep their id when most of their records stay together, automatic match decisions are
rewritten, manual ones are kept. A killed run leaves the dirty flags in place, so the next run
redoes the work; running :func:`recluster_all` gives the same works as any sequence of
incremental runs.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from khizana.libraries.models import Library

from . import extensions
from .matching import MAX_BLOCK_FOR_FUZZY, Clustering, block_keys, cluster, match_record
from .models import Holding, MatchDecision, MatchKey, MatchReview, SourceRecord, Work
from .records import BibFields, HoldingStatus, RecordKind
from .signals import works_changed

logger = logging.getLogger(__name__)

_CHUNK = 5000
FULL_RECLUSTER_SHARE = 0.4  # past this share of the catalog, load everything instead of walking keys

DESCRIPTION_FIELDS = (  # what a work's description is made of, from its records
    "title",
    "subtitle",
    "parallel_titles",
    "authors",
    "identifiers",
    "publisher",
    "place",
    "year",
    "edition",
    "languages",
    "material_type",
    "subjects",
    "classification",
    "scripts",
)


@dataclass
class ClusterStats:
    records: int = 0
    works_created: int = 0
    works_updated: int = 0
    works_deleted: int = 0
    full: bool = False


def recluster_dirty() -> ClusterStats:
    dirty = set(SourceRecord.objects.filter(cluster_dirty=True).values_list("id", flat=True))
    if not dirty:
        return ClusterStats()
    return recluster(dirty)


def recluster_all(*, rekey: bool = False) -> ClusterStats:
    """Re-cluster the whole catalog; ``rekey`` first recomputes every record's blocking keys (after
    an upgrade that changed them)."""
    if rekey:
        rebuild_match_keys()
    return recluster(None)


@transaction.atomic
def rebuild_match_keys() -> int:
    """Recompute the blocking keys of every active bibliographic record; returns how many were written."""
    MatchKey.objects.all().delete()
    active = SourceRecord.objects.filter(kind=RecordKind.BIBLIOGRAPHIC, deleted=False)
    written = 0
    rows: list[tuple[int, str]] = []
    sql = f"INSERT INTO {MatchKey._meta.db_table} (record_id, key) VALUES (%s, %s)"
    with connection.cursor() as cursor:
        for rid, fields in active.values_list("id", "fields").iterator(chunk_size=_CHUNK):
            bib = BibFields(**{k: v for k, v in fields.items() if k in _BIB_FIELD_NAMES})
            rows.extend((rid, key) for key in block_keys(match_record(str(rid), bib)))
            if len(rows) >= _CHUNK:
                cursor.executemany(sql, rows)
                written += len(rows)
                rows = []
        cursor.executemany(sql, rows)
    return written + len(rows)


@transaction.atomic
def recluster(record_ids: set[int] | None) -> ClusterStats:
    """Re-cluster ``record_ids`` and their neighbourhood (every record when None)."""
    active = SourceRecord.objects.filter(kind=RecordKind.BIBLIOGRAPHIC, deleted=False)
    total = active.count()
    closure: set[int] | None = None
    if record_ids is not None:
        seeds = set(record_ids)
        former_works = _work_ids_of(seeds)
        for chunk in _chunks(former_works):
            seeds.update(SourceRecord.objects.filter(work_id__in=chunk).values_list("id", flat=True))
        closure = _closure(seeds, limit=int(total * FULL_RECLUSTER_SHARE))
    stats = ClusterStats(full=closure is None)

    scope = active if closure is None else active.filter(id__in=closure)
    rows = _load(scope, closure)
    fields = {rid: BibFields(**{k: v for k, v in f.items() if k in _BIB_FIELD_NAMES}) for rid, f, _ in rows}
    current_work = {rid: work_id for rid, _, work_id in rows}
    keys = {rid: _key(rid) for rid in fields}
    same, different = _manual_pairs(None if closure is None else set(fields), keys)
    result = cluster([match_record(keys[rid], fields[rid]) for rid in fields], same, different)
    stats.records = len(fields)

    written = _write_works(result, fields, current_work, stats)
    _write_decisions(result, None if closure is None else set(fields))
    _write_review(result, None if closure is None else set(fields))
    # Records that left the active set (deleted, or no longer bibliographic) leave their work.
    touched = set(record_ids) if record_ids is not None else None
    gone = SourceRecord.objects.filter(
        ~Q(kind=RecordKind.BIBLIOGRAPHIC) | Q(deleted=True), work__isnull=False
    )
    if touched is not None:
        gone = gone.filter(id__in=touched)
    gone_works = set(gone.values_list("work_id", flat=True))
    gone.update(work=None)
    stats.works_deleted += _delete_empty_works(gone_works | set(current_work.values()))
    changed = (written | gone_works | set(current_work.values())) - {None}
    if changed:
        works_changed.send(sender=Work, work_ids=changed)
    dirty = SourceRecord.objects.filter(cluster_dirty=True)
    if closure is not None:
        for chunk in _chunks(closure | (touched or set())):
            dirty.filter(id__in=chunk).update(cluster_dirty=False)
    else:
        dirty.update(cluster_dirty=False)
    return stats


_BIB_FIELD_NAMES = {f for f in BibFields.__dataclass_fields__}


def _key(record_id: int) -> str:
    return f"{record_id:012d}"


def _id(key: str) -> int:
    return int(key)


def _chunks(ids: Iterable, size: int = _CHUNK) -> Iterator[list]:
    items = list(ids)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _work_ids_of(record_ids: set[int]) -> set[int]:
    works: set[int] = set()
    for chunk in _chunks(record_ids):
        works.update(
            SourceRecord.objects.filter(id__in=chunk, work__isnull=False).values_list("work_id", flat=True)
        )
    return works


def _closure(seeds: set[int], limit: int) -> set[int] | None:
    """Records reachable from ``seeds`` by shared keys and manual decisions; None past ``limit``."""
    seen = set(seeds)
    seen_keys: set[str] = set()
    frontier = set(seeds)
    while frontier:
        if len(seen) > max(limit, 1000):
            return None
        new_keys: set[str] = set()
        for chunk in _chunks(frontier):
            new_keys.update(MatchKey.objects.filter(record_id__in=chunk).values_list("key", flat=True))
        new_keys -= seen_keys
        seen_keys |= new_keys
        reached: set[int] = set()
        for chunk in _chunks(new_keys):
            followed = set(chunk) - _common_keys(chunk)
            reached.update(MatchKey.objects.filter(key__in=followed).values_list("record_id", flat=True))
        for chunk in _chunks(frontier):
            for a, b in MatchDecision.objects.filter(
                Q(record_a_id__in=chunk) | Q(record_b_id__in=chunk), manual=True
            ).values_list("record_a_id", "record_b_id"):
                reached.update((a, b))
        frontier = reached - seen
        seen |= frontier
    return seen


def _common_keys(keys: list[str]) -> set[str]:
    """Keys shared by more records than a block compares pair by pair: the closure does not follow
    them (such blocks are only compared between neighbours in title order)."""
    counts = (
        MatchKey.objects.filter(key__in=keys)
        .values("key")
        .annotate(n=Count("id"))
        .filter(n__gt=MAX_BLOCK_FOR_FUZZY)
        .values_list("key", flat=True)
    )
    return set(counts)


def _load(scope, closure: set[int] | None) -> list[tuple[int, dict, int | None]]:
    if closure is None:
        return list(scope.values_list("id", "fields", "work_id").iterator(chunk_size=_CHUNK))
    rows = []
    for chunk in _chunks(closure):
        rows.extend(scope.filter(id__in=chunk).values_list("id", "fields", "work_id"))
    return rows


def _manual_pairs(
    scope: set[int] | None, keys: dict[int, str]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    same, different = [], []
    decisions = MatchDecision.objects.filter(manual=True).order_by("created_at", "id")
    for a, b, verdict in decisions.values_list("record_a_id", "record_b_id", "verdict"):
        if a not in keys or b not in keys:
            continue
        pair = (keys[a], keys[b])
        (same if verdict == MatchDecision.Verdict.SAME else different).append(pair)
    return same, different


def _write_works(
    result: Clustering, fields: dict[int, BibFields], current_work: dict[int, int | None], stats: ClusterStats
) -> set[int]:
    """Create, keep or update the works of ``result``; returns the ids of the works written."""
    libraries = dict(_library_of(list(fields)))
    codes = dict(Library.objects.values_list("id", "code"))
    on_shelf = _records_with_available_copies(list(fields))
    other = extensions.records_available(list(fields))
    claimed: set[int] = set()
    new_works: list[tuple[Work, list[int]]] = []
    kept_works: list[tuple[int, list[int]]] = []
    for members in sorted(result.clusters, key=lambda m: (-len(m), m[0])):
        ids = [_id(k) for k in members]
        votes = Counter(w for w in (current_work[i] for i in ids) if w is not None and w not in claimed)
        if votes:
            work_id = min(votes, key=lambda w: (-votes[w], w))
            claimed.add(work_id)
            kept_works.append((work_id, ids))
        else:
            work = Work()
            _fill_work(work, ids, fields, libraries, codes, on_shelf, other)
            new_works.append((work, ids))
    _insert_works([work for work, _ in new_works])
    stats.works_created += len(new_works)

    rows = []
    for work_id, ids in kept_works:
        work = Work(id=work_id)
        _fill_work(work, ids, fields, libraries, codes, on_shelf, other)
        rows.append(work)
    _update_works(rows)
    stats.works_updated += len(rows)

    assignment = [(work.id, rid) for work, ids in new_works for rid in ids]
    assignment += [(work_id, rid) for work_id, ids in kept_works for rid in ids]
    moved = [(wid, rid) for wid, rid in assignment if current_work[rid] != wid]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {SourceRecord._meta.db_table} SET work_id = %s WHERE id = %s", moved)
    return {work.id for work, _ in new_works} | {work_id for work_id, _ in kept_works}


def _fill_work(
    work: Work,
    ids: list[int],
    fields: dict[int, BibFields],
    libraries: dict[int, int],
    codes: dict[int, str],
    on_shelf: set[int],
    other: dict[str, set[int]],
) -> None:
    _fill_display(work, [fields[r] for r in ids])
    work.record_count = len(ids)
    work.libraries = sorted({codes[libraries[r]] for r in ids})
    work.library_count = len(work.libraries)
    work.availability = ["on_shelf"] if on_shelf.intersection(ids) else []
    work.availability += [name for name, records in other.items() if records.intersection(ids)]


def _records_with_available_copies(record_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(record_ids):
        found.update(
            Holding.objects.filter(record_id__in=chunk, status=HoldingStatus.AVAILABLE).values_list(
                "record_id", flat=True
            )
        )
    return found


# The Work columns clustering computes from the records (the description, counts and availability).
COMPUTED_COLUMNS = [*DESCRIPTION_FIELDS, "record_count", "library_count", "libraries", "availability"]


_JSON_COLUMNS = frozenset(f.name for f in Work._meta.fields if f.get_internal_type() == "JSONField")


def _column_values(work: Work) -> list:
    return [
        json.dumps(getattr(work, n)) if n in _JSON_COLUMNS else getattr(work, n) for n in COMPUTED_COLUMNS
    ]


def _update_works(works: list[Work]) -> None:
    """One UPDATE per work through executemany: Django's bulk_update builds a CASE per row and value."""
    if not works:
        return
    assignments = ", ".join(f"{name} = %s" for name in COMPUTED_COLUMNS)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [[*_column_values(work), now, work.id] for work in works]
    sql = f"UPDATE {Work._meta.db_table} SET {assignments}, updated_at = %s WHERE id = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _insert_works(works: list[Work]) -> None:
    """Insert new works with executemany, ids allocated beforehand (bulk_create spends more time
    building SQL than the database spends writing, and executemany cannot return ids)."""
    if not works:
        return
    for work, work_id in zip(works, _allocate_work_ids(len(works)), strict=True):
        work.id = work_id
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = ["id", *COMPUTED_COLUMNS, "created_at", "updated_at"]
    sql = (
        f"INSERT INTO {Work._meta.db_table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[work.id, *_column_values(work), now, now] for work in works])


def _allocate_work_ids(count: int) -> list[int]:
    table = Work._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: this transaction holds the write lock. Ids of deleted works are never reused
        # (AUTOINCREMENT keeps the highest id ever given in sqlite_sequence).
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
        return list(range(start, start + count))


def _library_of(record_ids: list[int]) -> Iterator[tuple[int, int]]:
    for chunk in _chunks(record_ids):
        yield from SourceRecord.objects.filter(id__in=chunk).values_list("id", "library_id")


def richness(fields: BibFields) -> tuple:
    """How full a record is: the fullest record of a work gives its display fields first."""
    filled = sum(bool(getattr(fields, name)) for name in DESCRIPTION_FIELDS)
    return (filled, len(fields.authors) + len(fields.subjects) + len(fields.identifiers), len(fields.title))


def _fill_display(work: Work, members: list[BibFields]) -> None:
    ordered = sorted(members, key=richness, reverse=True)
    for name in DESCRIPTION_FIELDS:
        value = next((getattr(m, name) for m in ordered if getattr(m, name)), None)
        if value is None:
            value = (
                None
                if name == "year"
                else ({} if name == "identifiers" else [] if name in _LIST_FIELDS else "")
            )
        if name == "material_type":
            value = str(value or "other")
        setattr(work, name, value)
    # Identifiers and languages of every member, so any of them finds the work.
    identifiers: dict[str, list[str]] = {}
    for member in ordered:
        for scheme, values in member.identifiers.items():
            bucket = identifiers.setdefault(scheme, [])
            bucket.extend(v for v in values if v not in bucket)
    work.identifiers = identifiers
    work.languages = sorted({lang for m in ordered for lang in m.languages})
    work.scripts = sorted({s for m in ordered for s in m.scripts})


_LIST_FIELDS = {"parallel_titles", "authors", "languages", "subjects", "classification", "scripts"}


def _write_decisions(result: Clustering, scope: set[int] | None) -> None:
    automatic = MatchDecision.objects.filter(manual=False)
    if scope is None:
        automatic.delete()
    else:
        for chunk in _chunks(scope):
            automatic.filter(Q(record_a_id__in=chunk) | Q(record_b_id__in=chunk)).delete()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (_id(edge.a), _id(edge.b), MatchDecision.Verdict.SAME.value, edge.rule, edge.score, False, "", now)
        for edge in result.edges
        if edge.rule != "manual"
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {MatchDecision._meta.db_table} "
            "(record_a_id, record_b_id, verdict, rule, score, manual, note, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )


def _write_review(result: Clustering, scope: set[int] | None) -> None:
    """Replace the review queue of the re-clustered records by the pairs this run left to staff."""
    queued = MatchReview.objects.all()
    if scope is None:
        queued.delete()
    else:
        for chunk in _chunks(scope):
            queued.filter(Q(record_a_id__in=chunk) | Q(record_b_id__in=chunk)).delete()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (*sorted((_id(item.a), _id(item.b))), item.kind, item.score, json.dumps(list(item.reasons)), now)
        for item in result.review
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {MatchReview._meta.db_table} "
            "(record_a_id, record_b_id, kind, score, reasons, created_at) VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )


def _delete_empty_works(work_ids: set) -> int:
    candidates = {w for w in work_ids if w is not None}
    deleted = 0
    for chunk in _chunks(candidates):
        deleted += Work.objects.filter(id__in=chunk, records__isnull=True).delete()[0]
    return deleted

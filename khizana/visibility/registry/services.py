"""Institution registry services: load ROR extracts and Khizana exports into the database, add local
institutions and name variants (validated), walk the hierarchy, export.

Loading is idempotent: institutions are keyed by ROR id or local key, re-loading updates them in
place (their primary keys, and so every link to them, stay), ROR names are replaced by the file's,
names added by staff (source ``local``) and local institutions are never touched by a ROR file.
A fuller record outranks a poorer one: a names-index row does not overwrite a full ROR record.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from khizana.accounts import permissions
from khizana.accounts.audit import audit as accounts_audit
from khizana.accounts.models import Role
from khizana.core.textnorm import normalise
from khizana.visibility.models import Institution, InstitutionName, Source

from .data import RegistryInstitution
from .files import DETAIL_RANK, LOCAL_KEY, LineError, NameRecord, Progress, RegistryRow, read_rows

ROR_EXTRACT_FILES = (
    "ror_MA_DZ_TN.jsonl",
    "ror_FR.jsonl",
    "ror_referenced_missing_MA_DZ_TN_FR.jsonl",
)
NAMES_INDEX_FILE = "ror_names_index_all.tsv"
BATCH_SIZE = 500
LANGUAGES = ("fr", "ar", "en")
FORMULA_START = ("=", "+", "-", "@")
ROR_SHORT_ID = re.compile(r"0[a-z0-9]{6}[0-9]{2}")  # the last part of https://ror.org/0...


class RegistryError(ValueError):
    """A change of the registry refused; the message says what and why (shown to staff)."""


def name_key(value: str) -> str:
    """The folded form of a name used for lookups (case, accents, Arabic letter forms, punctuation)."""
    return normalise(value)[:500]


# --- loading --------------------------------------------------------------------------------------------


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # rows not applied because the database has a fuller record
    linked: int = 0  # parent links set or changed
    errors: list[LineError] = field(default_factory=list)

    @property
    def read(self) -> int:
        return self.created + self.updated + self.unchanged + self.kept

    def summary(self) -> str:
        return (
            f"{self.read} institutions read: {self.created} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.kept} kept (fuller record loaded), "
            f"{self.linked} parent links set; {len(self.errors)} bad lines"
        )


def shared_ror_dir() -> Path:
    """``settings.KHIZANA_SHARED_DATA``/ror, else ``../shared/data/ror`` next to the repository."""
    configured = settings.KHIZANA_SHARED_DATA
    data = Path(configured) if configured else Path(settings.BASE_DIR).parent / "shared" / "data"
    return data / "ror"


def default_ror_files(shared_ror_dir: Path, names_index: bool = False) -> list[Path]:
    """The extract files of ``shared/data/ror`` that ``khizana registry load`` reads by default: the
    detailed Maghreb and French records and the ids they point to; the global names index (rows with
    fewer details, read after them so that it never replaces them) when ``names_index``."""
    names = [*ROR_EXTRACT_FILES, NAMES_INDEX_FILE] if names_index else ROR_EXTRACT_FILES
    return [shared_ror_dir / name for name in names if (shared_ror_dir / name).is_file()]


def load_registry(paths: Iterable[Path], progress: Callable[[Path], Progress] | None = None) -> LoadReport:
    """Load registry files (any of the kinds :mod:`.files` reads), then link parents.

    ``progress(path)`` gives a callback told how many bytes of that file were read.
    """
    report = LoadReport()
    local_parents: dict[str, tuple[str, LineError]] = {}
    for path in paths:
        batch: list[RegistryRow] = []
        for item in read_rows(Path(path), progress(Path(path)) if progress else None):
            if isinstance(item, LineError):
                report.errors.append(item)
                continue
            batch.append(item)
            if item.source == Source.LOCAL and item.parent_ids:
                where = LineError(str(path), item.line, "")
                local_parents[item.id] = (item.parent_ids[0], where)
            if len(batch) >= BATCH_SIZE:
                _store_batch(batch, str(path), report)
                batch = []
        if batch:
            _store_batch(batch, str(path), report)
    with transaction.atomic():
        report.linked += link_ror_parents()
        report.linked += _link_local_parents(local_parents, report)
    return report


@transaction.atomic
def _store_batch(rows: list[RegistryRow], source_file: str, report: LoadReport) -> None:
    rows = list({row.id: row for row in rows}.values())  # the last line wins within a batch
    ror_ids = [row.id for row in rows if row.source == Source.ROR]
    ror_ids += [row.ror_id for row in rows if row.source == Source.LOCAL and row.ror_id]
    local_keys = [row.id for row in rows if row.source == Source.LOCAL]
    found = Institution.objects.filter(Q(ror_id__in=ror_ids) | Q(local_key__in=local_keys))
    by_ror = {inst.ror_id: inst for inst in found if inst.ror_id}
    by_key = {inst.local_key: inst for inst in found if inst.local_key}
    new: list[tuple[Institution, RegistryRow]] = []
    name_sets: dict[int, tuple[NameRecord, ...]] = {}
    unchanged: set[int] = set()
    claimed: set[str] = set()  # ROR ids given to new local institutions of this batch
    for row in rows:
        if row.source == Source.LOCAL:
            institution = _local_target(row, by_key, by_ror, claimed, source_file, report)
            if institution is False:
                continue
        else:
            institution = by_ror.get(row.id)
            if institution is not None and institution.is_local and row.detail == "full":
                institution.source = Source.ROR  # ROR's own record takes over a local copy of it
        if institution is None:
            new.append((_new_institution(row, source_file), row))
            claimed.add(row.ror_id)
            continue
        if institution.source != row.source or DETAIL_RANK[row.detail] < DETAIL_RANK[institution.detail]:
            report.kept += 1
            continue
        if not _update_institution(institution, row, source_file):
            unchanged.add(institution.pk)
        name_sets[institution.pk] = row.names
    Institution.objects.bulk_create([pair[0] for pair in new])
    name_sets.update((institution.pk, row.names) for institution, row in new)
    renamed = _sync_names(name_sets)
    report.created += len(new)
    report.unchanged += len(unchanged - renamed)
    report.updated += len(name_sets) - len(new) - len(unchanged - renamed)


def _local_target(row, by_key, by_ror, claimed, source_file, report) -> Institution | bool | None:
    """The institution a local row updates (None: a new one; False: none, the row is not applied).

    A local institution may carry the ROR id of a record the loaded extract lacks. When the registry
    already holds that id: a poorer ROR row (an id only referenced, a names-index row) is taken over
    by the local institution; ROR's full record is kept, and answers to the local key too (so that
    the local institutions under it still find their parent); another local institution's id is an
    error.
    """
    institution = by_key.get(row.id)
    holder = by_ror.get(row.ror_id) if row.ror_id else None
    if row.ror_id and (row.ror_id in claimed or (holder is not None and holder != institution)):
        if holder is not None and holder.source == Source.ROR and institution is None:
            if holder.detail != Institution.Detail.FULL:
                holder.source, holder.local_key = Source.LOCAL, row.id
                return holder
            if not holder.local_key:
                holder.local_key = row.id
                holder.save(update_fields=["local_key", "updated_at"])
            report.kept += 1
            return False
        owner = holder.identifier if holder is not None else "another line"
        report.errors.append(
            LineError(source_file, row.line, f"{row.id}: {row.ror_id} is already the ROR id of {owner}")
        )
        return False
    return institution


def _row_values(row: RegistryRow) -> dict:
    local = row.source == Source.LOCAL
    return {
        **({"ror_id": row.ror_id or None, "local_key": row.id} if local else {"ror_id": row.id}),
        "source": row.source,
        "name": row.name[:500],
        "sort_key": name_key(row.name),
        "kind": row.kind if row.kind in Institution.Kind.values else "",
        "country_code": row.country_code[:2],
        "city": row.city[:200],
        "types": list(row.types),
        "status": row.status[:16],
        "detail": row.detail,
        "ror_parent_ids": list(row.parent_ids) if row.source == Source.ROR else [],
        "ror_child_ids": list(row.child_ids) if row.source == Source.ROR else [],
        "ror_related_ids": list(row.related_ids),
    }


def _new_institution(row: RegistryRow, source_file: str) -> Institution:
    return Institution(source_file=source_file[-255:], **_row_values(row))


def _update_institution(institution: Institution, row: RegistryRow, source_file: str) -> bool:
    """Apply the row; False when it changes nothing (then nothing is written)."""
    values = _row_values(row)
    if all(getattr(institution, name) == value for name, value in values.items()):
        return False
    for name, value in values.items():
        setattr(institution, name, value)
    institution.source_file = source_file[-255:]
    institution.save()
    return True


def _sync_names(name_sets: dict[int, tuple[NameRecord, ...]]) -> set[int]:
    """Each institution's ROR names become those of its row; local names (added by staff) are only
    ever added, so a reload never loses a variant staff typed. Returns the institutions whose names
    changed.
    """
    if not name_sets:
        return set()
    current: dict[int, dict[tuple, int]] = {pk: {} for pk in name_sets}
    for pk, inst_id, value, language, kind, source in InstitutionName.objects.filter(
        institution_id__in=name_sets
    ).values_list("pk", "institution_id", "value", "language", "kind", "source"):
        current[inst_id][(value, language, kind, source)] = pk
    stale: list[int] = []
    stale_owners: set[int] = set()
    new: list[InstitutionName] = []
    for inst_id, names in name_sets.items():
        wanted = {(n.value[:500], n.language[:8], n.kind, n.source) for n in names}
        gone = [pk for key, pk in current[inst_id].items() if key[3] == Source.ROR and key not in wanted]
        if gone:
            stale += gone
            stale_owners.add(inst_id)
        taken = {key[:3] for key in current[inst_id] if key[3] != Source.ROR or key in wanted}
        for value, language, kind, source in sorted(wanted - set(current[inst_id])):
            if (value, language, kind) not in taken:
                taken.add((value, language, kind))
                new.append(_name(inst_id, value, language, kind, source))
    InstitutionName.objects.filter(pk__in=stale).delete()
    InstitutionName.objects.bulk_create(new, batch_size=1000)
    return {name.institution_id for name in new} | stale_owners


def _name(
    institution_id: int, value: str, language: str, kind: str, source: str, user=None
) -> InstitutionName:
    return InstitutionName(
        institution_id=institution_id,
        value=value,
        language=language,
        kind=kind,
        source=source,
        key=name_key(value),
        created_by=user,
    )


def link_ror_parents() -> int:
    """Set the parent of every ROR institution from ROR's links (both directions); returns the changes.

    Of several parents, a university (ROR type ``education``) is preferred, then one in the same city,
    then the order ROR gives; a link that would close a cycle is not made. Local institutions keep the
    parent staff gave them.
    """
    rows = list(
        Institution.objects.values_list(
            "pk", "ror_id", "parent_id", "source", "types", "city", "ror_parent_ids", "ror_child_ids"
        )
    )
    pk_of = {row[1]: row[0] for row in rows if row[1]}
    city_of = {row[0]: row[5] for row in rows}
    is_education = {row[0]: "education" in (row[4] or []) for row in rows}
    declared_by_parent: dict[int, list[int]] = {}
    for row in rows:
        for child_id in row[7] or []:
            if child_id in pk_of:
                declared_by_parent.setdefault(pk_of[child_id], []).append(row[0])
    parent_of = {row[0]: row[2] for row in rows if row[3] == Source.LOCAL}
    for pk, _ror_id, _parent, source, _types, city, parent_ids, _children in sorted(
        rows, key=lambda r: r[1] or ""
    ):
        if source != Source.ROR:
            continue
        candidates = [pk_of[p] for p in parent_ids or [] if p in pk_of] + declared_by_parent.get(pk, [])
        candidates = sorted(
            dict.fromkeys(candidates), key=lambda c: (not is_education[c], city_of[c] != city)
        )
        parent_of[pk] = next((c for c in candidates if not _reaches(parent_of, c, pk)), None)
    changed = [
        (parent_of[row[0]], row[0]) for row in rows if row[3] == Source.ROR and parent_of[row[0]] != row[2]
    ]
    _set_parents(changed)
    return len(changed)


def _set_parents(changes: list[tuple[int | None, int]]) -> None:
    """(parent id, institution id) pairs, written in one statement per batch (bulk_update's CASE
    expressions are slow for tens of thousands of rows)."""
    table = connection.ops.quote_name(Institution._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(changes), 5000):
            cursor.executemany(
                f"UPDATE {table} SET parent_id = %s WHERE id = %s", changes[start : start + 5000]
            )


def _reaches(parent_of: dict[int, int | None], start: int, target: int) -> bool:
    """Walking up from ``start`` meets ``target`` (so target -> start would close a cycle)."""
    seen: set[int] = set()
    node: int | None = start
    while node is not None and node not in seen:
        if node == target:
            return True
        seen.add(node)
        node = parent_of.get(node)
    return False


def _link_local_parents(wanted: dict[str, tuple[str, LineError]], report: LoadReport) -> int:
    changed = 0
    for local_key, (parent_id, where) in wanted.items():
        institution = Institution.objects.get(local_key=local_key)
        if not institution.is_local:
            continue  # ROR's record of it is loaded: its parent comes from ROR
        parent = find_institution(parent_id)
        if parent is None:
            report.errors.append(
                LineError(where.path, where.line, f"{local_key}: parent {parent_id} is not in the registry")
            )
            continue
        if institution.parent_id == parent.pk:
            continue
        try:
            set_parent(institution, parent)
        except RegistryError as error:
            report.errors.append(LineError(where.path, where.line, f"{local_key}: {error}"))
            continue
        changed += 1
    return changed


# --- the hierarchy --------------------------------------------------------------------------------------


def find_institution(identifier: str) -> Institution | None:
    """By ROR id (full or its last part), local key, or database id."""
    identifier = identifier.strip()
    if identifier.startswith("local:"):
        return Institution.objects.filter(local_key=identifier).first()
    if ROR_SHORT_ID.fullmatch(identifier):
        identifier = f"https://ror.org/{identifier}"
    if identifier.startswith("https://ror.org/"):
        return Institution.objects.filter(ror_id=identifier).first()
    if identifier.isdigit():
        return Institution.objects.filter(pk=int(identifier)).first()
    return None


def parent_chain(institution: Institution) -> list[Institution]:
    """The parent, its parent, ... up to the top (a cycle in the data stops the walk)."""
    chain: list[Institution] = []
    seen = {institution.pk}
    current = institution.parent
    while current is not None and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = current.parent
    return chain


def roll_up(institution: Institution) -> Institution:
    """The top of the institution's hierarchy: a lab's university (itself when it has no parent)."""
    chain = parent_chain(institution)
    return chain[-1] if chain else institution


def parent_from_identifier(identifier: str) -> Institution | None:
    """The institution an identifier typed by staff names; None for an empty one; else RegistryError."""
    if not identifier.strip():
        return None
    found = find_institution(identifier)
    if found is None:
        raise RegistryError(
            _("The parent “%(parent)s” is not in the registry (give a ROR id, a local key or a number).")
            % {"parent": identifier.strip()}
        )
    return found


def set_parent(institution: Institution, parent: Institution | None) -> None:
    """Give a local institution a parent; refused for ROR institutions and when it closes a cycle."""
    if not institution.is_local:
        raise RegistryError(_("The parent of a ROR institution comes from ROR; it cannot be changed here."))
    if parent is not None and (parent.pk == institution.pk or institution in parent_chain(parent)):
        raise RegistryError(
            _("%(parent)s (%(id)s) is under %(name)s: it cannot be its parent.")
            % {"parent": parent.name, "id": parent.identifier, "name": institution.name}
        )
    institution.parent = parent
    institution.save(update_fields=["parent", "updated_at"])


# --- local institutions and names ---------------------------------------------------------------------


def _check_name(value: str, what: str | None = None) -> str:
    """The name with its spaces tidied; ``what`` names the field in the error ("The name")."""
    what = what or _("The name")
    value = " ".join((value or "").split())
    if not value:
        raise RegistryError(_("%(what)s is empty.") % {"what": what})
    if len(value) > 500:
        raise RegistryError(_("%(what)s is longer than 500 characters.") % {"what": what})
    if value.startswith(FORMULA_START):
        raise RegistryError(
            _("%(what)s “%(value)s” starts with “%(char)s”, which spreadsheets read as a formula.")
            % {"what": what, "value": value, "char": value[0]}
        )
    if not name_key(value):
        raise RegistryError(
            _("%(what)s “%(value)s” has no letter or digit.") % {"what": what, "value": value}
        )
    return value


def _new_local_key(name: str, country_code: str) -> str:
    slug = "-".join(re.sub(r"[^a-z0-9]+", " ", normalise(name)).split())[:40].strip("-") or "institution"
    base = f"local:{country_code.lower()}-{slug}" if country_code else f"local:{slug}"
    key, number = base, 1
    while Institution.objects.filter(local_key=key).exists():
        number += 1
        key = f"{base}-{number}"
    return key


ROR_ID = re.compile(r"https://ror\.org/0[a-z0-9]{6}[0-9]{2}")


def ror_id_from(value: str) -> str:
    """A ROR id typed by staff (the full https://ror.org/… form or its last part), checked; "" for none."""
    value = (value or "").strip().lower()
    if not value:
        return ""
    if ROR_SHORT_ID.fullmatch(value):
        value = f"https://ror.org/{value}"
    if not ROR_ID.fullmatch(value):
        raise RegistryError(
            _("“%(id)s” is not a ROR id (https://ror.org/ followed by nine letters and digits).")
            % {"id": value}
        )
    taken = Institution.objects.filter(ror_id=value).first()
    if taken is not None:
        raise RegistryError(
            _("The ROR id %(id)s is already that of %(name)s.") % {"id": value, "name": taken.name}
        )
    return value


@transaction.atomic
def add_local_institution(
    name: str,
    *,
    kind: str,
    parent: Institution | str | None = None,
    country_code: str = "",
    city: str = "",
    names: dict[str, str] | None = None,
    variants: Iterable[str] = (),
    acronyms: Iterable[str] = (),
    local_key: str = "",
    ror_id: str = "",
    created_by=None,
) -> Institution:
    """A faculty, school or laboratory that ROR lacks, under its ``parent`` (an Institution or an id).

    The parent must exist; country and city default to the parent's; ``names`` are the names in French,
    Arabic and English; the same name under the same parent is refused. ``ror_id`` when ROR knows the
    institution but the loaded extract lacks it: reports then name it by its ROR id.
    """
    name = _check_name(name)
    ror_id = ror_id_from(ror_id)
    if kind not in Institution.Kind.values:
        raise RegistryError(
            _("The kind “%(kind)s” is not one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(Institution.Kind.values)}
        )
    if isinstance(parent, str):
        parent = parent_from_identifier(parent)
    country_code = (country_code or (parent.country_code if parent else "")).strip().upper()
    if country_code and not re.fullmatch(r"[A-Z]{2}", country_code):
        raise RegistryError(
            _("The country “%(country)s” is not a two-letter ISO code (MA, DZ, TN, FR…).")
            % {"country": country_code}
        )
    city = " ".join((city or (parent.city if parent else "")).split())[:200]
    name_records = _local_names(name, names or {}, variants, acronyms)
    _refuse_same_name_under(parent, name_records)
    if local_key:
        if not LOCAL_KEY.match(local_key):
            raise RegistryError(
                _("The local key “%(key)s” must look like local:ma-faculte-sciences-rabat.")
                % {"key": local_key}
            )
        if Institution.objects.filter(local_key=local_key).exists():
            raise RegistryError(_("The local key “%(key)s” is taken.") % {"key": local_key})
    institution = Institution.objects.create(
        local_key=local_key or _new_local_key(name, country_code),
        ror_id=ror_id or None,
        source=Source.LOCAL,
        detail=Institution.Detail.LOCAL,
        name=name,
        sort_key=name_key(name),
        kind=kind,
        country_code=country_code,
        city=city,
        parent=parent,
        created_by=created_by,
    )
    InstitutionName.objects.bulk_create(
        [_name(institution.pk, *record, Source.LOCAL, created_by) for record in name_records]
    )
    return institution


def _local_names(
    name: str, names: dict[str, str], variants: Iterable[str], acronyms: Iterable[str]
) -> list[tuple[str, str, str]]:
    records: list[tuple[str, str, str]] = []
    for language, value in names.items():
        _check_language(language)
        if value and value.strip():
            what = _("The name in %(language)s") % {"language": language}
            records.append((_check_name(value, what), language, "label"))
    if not any(record[0] == name for record in records):
        records.insert(0, (name, "", "label"))
    records += [(_check_name(v, _("A variant")), "", "variant") for v in variants if v and v.strip()]
    records += [(_check_name(v, _("An acronym")), "", "acronym") for v in acronyms if v and v.strip()]
    return list(dict.fromkeys(records))


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise RegistryError(
            _("The language “%(language)s” is not one of %(languages)s.")
            % {"language": language, "languages": ", ".join(LANGUAGES)}
        )


def _refuse_same_name_under(parent: Institution | None, records: list[tuple[str, str, str]]) -> None:
    keys = {name_key(value) for value, _language, kind in records if kind == "label"}
    clash = (
        InstitutionName.objects.filter(key__in=keys, kind="label", institution__parent=parent)
        .select_related("institution")
        .first()
    )
    if clash is not None:
        raise RegistryError(
            _("%(name)s (%(id)s), under the same parent, already has the name “%(value)s”.")
            % {"name": clash.institution.name, "id": clash.institution.identifier, "value": clash.value}
        )


def add_name(
    institution: Institution, value: str, *, language: str = "", kind: str = "variant", created_by=None
):
    """A name staff know the institution by (a variant spelling, an acronym, a name in fr/ar/en)."""
    value = _check_name(value)
    if language:
        _check_language(language)
    if kind not in InstitutionName.Kind.values:
        raise RegistryError(
            _("The kind “%(kind)s” is not one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(InstitutionName.Kind.values)}
        )
    if institution.names.filter(value=value, language=language, kind=kind).exists():
        raise RegistryError(
            _("%(name)s already has the name “%(value)s”.") % {"name": institution.name, "value": value}
        )
    name = _name(institution.pk, value, language, kind, Source.LOCAL, created_by)
    name.save()
    institution.save(update_fields=["updated_at"])
    return name


# --- reading for pages and the matcher ---------------------------------------------------------------


def search_institutions(query: str = "", country: str = "", city: str = "") -> QuerySet[Institution]:
    """Institutions whose names contain the folded words of ``query`` (or whose id is it)."""
    found = Institution.objects.all()
    if country.strip():
        found = found.filter(country_code=country.strip().upper())
    if city.strip():
        found = found.filter(city__iexact=city.strip())
    query = query.strip()
    if query:
        by_id = query.startswith(("local:", "https://ror.org/")) or ROR_SHORT_ID.fullmatch(query)
        direct = find_institution(query) if by_id else None
        if direct is not None:
            return found.filter(pk=direct.pk)
        key = name_key(query)
        if not key:
            return found.none()
        matching = InstitutionName.objects.filter(key__contains=key).values("institution_id")
        found = found.filter(Q(pk__in=matching) | Q(sort_key__contains=key))
    return found


def registry_countries() -> list[tuple[str, int]]:
    """(country code, institutions) for the list page's filter, most institutions first."""
    counts = (
        Institution.objects.exclude(country_code="")
        .values_list("country_code")
        .annotate(total=Count("id"))
        .order_by("-total", "country_code")
    )
    return list(counts)


def names_by_kind(institution: Institution) -> dict[str, list[InstitutionName]]:
    """Labels by language (fr, ar, en, other) and the aliases, acronyms and variants."""
    groups: dict[str, list[InstitutionName]] = {
        key: [] for key in (*LANGUAGES, "other", "alias", "acronym", "variant")
    }
    for name in institution.names.all():
        if name.kind == "label":
            groups[name.language if name.language in LANGUAGES else "other"].append(name)
        else:
            groups[name.kind].append(name)
    return groups


def as_registry_institutions(queryset: QuerySet[Institution] | None = None) -> list[RegistryInstitution]:
    """The database registry (ROR and local) as the matcher's plain objects, local ids ``local:...``."""
    queryset = Institution.objects.all() if queryset is None else queryset
    # as Institution.identifier: the ROR id, else the local key (a local institution may carry a ROR id)
    rows = Institution.objects.values_list("pk", "ror_id", "local_key")
    identifier = {pk: ror_id or local_key for pk, ror_id, local_key in rows}
    children: dict[int, list[str]] = {}
    for pk, parent_id in Institution.objects.filter(parent__isnull=False).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(identifier[pk])
    out = []
    for institution in queryset.prefetch_related("names").iterator(chunk_size=2000):
        out.append(_as_plain(institution, identifier, children.get(institution.pk, [])))
    return out


def _as_plain(institution: Institution, identifier: dict, child_ids: list[str]) -> RegistryInstitution:
    labels: dict[str, list[str]] = {}
    kinds: dict[str, list[str]] = {"alias": [], "acronym": [], "variant": []}
    for name in institution.names.all():
        if name.kind == "label":
            labels.setdefault(name.language, []).append(name.value)
        else:
            kinds[name.kind].append(name.value)
    return RegistryInstitution(
        id=institution.identifier,
        name=institution.name,
        names={language: tuple(values) for language, values in labels.items()},
        aliases=tuple(kinds["alias"] + kinds["variant"]),
        acronyms=tuple(kinds["acronym"]),
        labels=tuple(v for values in labels.values() for v in values if v != institution.name),
        country_code=institution.country_code,
        city=institution.city,
        types=tuple(institution.types or ()) or ((institution.kind,) if institution.kind else ()),
        parent_ids=(identifier[institution.parent_id],) if institution.parent_id else (),
        child_ids=tuple(child_ids),
        status=institution.status,
        cities=(institution.city,) if institution.city else (),
        country_codes=(institution.country_code,) if institution.country_code else (),
    )


# --- export -------------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "ror_id",
    "local_key",
    "source",
    "kind",
    "name",
    "name_fr",
    "name_ar",
    "name_en",
    "other_names",
    "aliases",
    "acronyms",
    "variants",
    "country_code",
    "city",
    "types",
    "status",
    "parent_id",
    "top_level_id",
)
MULTI_SEPARATOR = " | "


def export_records() -> Iterator[dict]:
    """One dict per institution (ordered by id): what the JSON-lines export writes."""
    rows = Institution.objects.values_list("pk", "parent_id", "ror_id", "local_key", "source")
    identifier = {pk: _export_id(ror_id, key, source) for pk, _parent, ror_id, key, source in rows}
    parent_of = {row[0]: row[1] for row in rows}
    queryset = Institution.objects.order_by("pk").prefetch_related("names")
    for institution in queryset.iterator(chunk_size=2000):
        yield _export_record(institution, identifier, parent_of)


def _export_id(ror_id: str | None, local_key: str | None, source: str) -> str:
    """A local institution is exported under its local key, even when it carries a ROR id."""
    return (local_key if source == Source.LOCAL else ror_id) or ror_id or local_key or ""


def _top_of(pk: int, parent_of: dict[int, int | None]) -> int:
    seen = {pk}
    while parent_of.get(pk) is not None and parent_of[pk] not in seen:
        pk = parent_of[pk]
        seen.add(pk)
    return pk


def _export_record(institution: Institution, identifier: dict, parent_of: dict) -> dict:
    names = sorted(institution.names.all(), key=lambda n: (n.kind, n.language, n.value))
    by_language: dict[str, list[str]] = {}
    for name in names:
        if name.kind == "label":
            by_language.setdefault(name.language, []).append(name.value)
    return {
        "id": identifier[institution.pk],
        "ror_id": institution.ror_id or "",
        "local_key": institution.local_key or "",
        "source": institution.source,
        "detail": institution.detail,
        "kind": institution.kind,
        "name": institution.name,
        "names": by_language,
        "aliases": [n.value for n in names if n.kind == "alias"],
        "acronyms": [n.value for n in names if n.kind == "acronym"],
        "variants": [n.value for n in names if n.kind == "variant"],
        "name_records": [
            {"value": n.value, "language": n.language, "kind": n.kind, "source": n.source} for n in names
        ],
        "country_code": institution.country_code,
        "city": institution.city,
        "types": institution.types,
        "status": institution.status,
        "parent_id": identifier.get(institution.parent_id, "") if institution.parent_id else "",
        "top_level_id": identifier[_top_of(institution.pk, parent_of)],
        "ror_parent_ids": institution.ror_parent_ids,
        "ror_child_ids": institution.ror_child_ids,
    }


def csv_row(record: dict) -> list[str]:
    names = record["names"]
    other = [v for language, values in names.items() if language not in LANGUAGES for v in values]
    join = MULTI_SEPARATOR.join
    return [
        record["id"],
        record["ror_id"],
        record["local_key"],
        record["source"],
        record["kind"],
        record["name"],
        join(names.get("fr", [])),
        join(names.get("ar", [])),
        join(names.get("en", [])),
        join(other),
        join(record["aliases"]),
        join(record["acronyms"]),
        join(record["variants"]),
        record["country_code"],
        record["city"],
        join(record["types"]),
        record["status"],
        record["parent_id"],
        record["top_level_id"],
    ]


def jsonl_line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def csv_line(cells: Iterable[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue()


def export_lines(export_format: str) -> Iterator[str]:
    """The registry as ``jsonl`` or ``csv`` text, a line (a CSV record) at a time, for downloads."""
    if export_format not in ("jsonl", "csv"):
        raise RegistryError(
            _("The export format “%(format)s” is not jsonl or csv.") % {"format": export_format}
        )
    if export_format == "csv":
        yield csv_line(CSV_COLUMNS)
    for record in export_records():
        yield jsonl_line(record) if export_format == "jsonl" else csv_line(csv_row(record))


def export_registry(out: TextIO, export_format: str) -> int:
    """Write the whole registry as ``jsonl`` or ``csv`` to ``out``; returns the institutions written."""
    lines = export_lines(export_format)
    if export_format == "csv":
        out.write(next(lines))
    count = 0
    for line in lines:
        out.write(line)
        count += 1
    return count


# --- who may do what ----------------------------------------------------------------------------------


def can_edit_registry(user) -> bool:
    """Add local institutions and names: library and network administrators.

    The registry is shared by the whole network (it is no library's data), so a library administrator
    of any library may add to it; a cataloguer reads it only. Every write is in the audit log.
    """
    return permissions.role(user) in (Role.LIBRARY_ADMIN, Role.NETWORK_ADMIN)


def audit(user, action: str, target: str, **details) -> None:
    """An entry of the staff audit log, for the user's library (none for a network administrator)."""
    membership = permissions.membership(user)
    accounts_audit(user, membership.library_id if membership else None, action, target, **details)

"""Registry files read line by line, a bad line reported and skipped (no Django import).

Four kinds of file are read, told apart by their content:

- the ROR extracts (``ror_MA_DZ_TN.jsonl``, ``ror_FR.jsonl``), ``ror_names_index_all.tsv`` and
  ``ror_referenced_missing_*.jsonl``, converted by :mod:`.data` (the MATCHER's readers);
- Khizana's own export (``khizana registry export --format jsonl``): one institution a line with its
  ``source`` (ror or local), ``parent_id`` and every name with its language, kind and source. Local
  institutions are shipped and moved between installations this way (``demo/registry/``); a local
  institution may carry the ``ror_id`` of a ROR record the loaded extract lacks.

Each line gives a :class:`RegistryRow` or a :class:`LineError` naming the file and the line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from . import data as registry_data
from .data import RegistryFormatError, RegistryInstitution

LOCAL_KEY = re.compile(r"^local:[a-z0-9][a-z0-9-]{0,56}$")
ROR_ID = re.compile(r"^https://ror\.org/0[a-z0-9]{6}[0-9]{2}$")
NAME_KINDS = ("label", "alias", "acronym", "variant")
SOURCES = ("ror", "local")
DETAIL_RANK = {"reference": 1, "index": 2, "full": 3, "local": 3}
# Khizana export rows carry these; a ROR record never has ``parent_id``.
EXPORT_MARKERS = ("source", "parent_id")


class FileKind(Enum):
    ROR_DETAILED = "ror-detailed"
    ROR_INDEX = "ror-index"
    ROR_REFERENCED = "ror-referenced"
    KHIZANA = "khizana"


@dataclass(frozen=True)
class NameRecord:
    value: str
    language: str  # "" when unknown
    kind: str  # label | alias | acronym | variant
    source: str  # ror | local


@dataclass(frozen=True)
class RegistryRow:
    """One institution read from a file, ready to be stored."""

    line: int
    id: str  # a ROR id or a local key
    source: str
    detail: str  # full | index | reference | local
    name: str
    names: tuple[NameRecord, ...]
    country_code: str = ""
    city: str = ""
    types: tuple[str, ...] = ()
    status: str = "active"
    kind: str = ""
    parent_ids: tuple[str, ...] = ()
    child_ids: tuple[str, ...] = ()
    related_ids: tuple[str, ...] = ()
    ror_id: str = ""  # a local institution's ROR id, when ROR has it but the loaded extract lacks it


@dataclass(frozen=True)
class LineError:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}: line {self.line}: {self.message}"


Progress = Callable[[int], None]  # called with the number of bytes read since the last call


def file_kind(path: Path) -> FileKind:
    """What ``path`` holds, from its name (``.tsv``) or its first JSON object."""
    if path.suffix.lower() in {".tsv", ".tab"}:
        return FileKind.ROR_INDEX
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                first = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(first, dict):
                if "referenced_by" in first:
                    return FileKind.ROR_REFERENCED
                if all(marker in first for marker in EXPORT_MARKERS):
                    return FileKind.KHIZANA
                return FileKind.ROR_DETAILED
    return FileKind.ROR_DETAILED


def read_rows(path: Path, progress: Progress | None = None) -> Iterator[RegistryRow | LineError]:
    """Every line of ``path`` as a row or an error; a file that cannot be opened is one error."""
    try:
        kind = file_kind(path)
        if kind is FileKind.ROR_INDEX:
            yield from _index_rows(path, progress)
        else:
            yield from _json_rows(path, kind, progress)
    except (OSError, UnicodeError) as error:
        yield LineError(str(path), 0, f"cannot be read ({error})")


def _lines(path: Path, progress: Progress | None) -> Iterator[tuple[int, str | None]]:
    """(line number, text) for each non-blank line; text None when it is not UTF-8."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if progress:
                progress(len(raw))
            try:
                text = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                yield number, None
                continue
            if text.strip():
                yield number, text


def _index_rows(path: Path, progress: Progress | None) -> Iterator[RegistryRow | LineError]:
    header: list[str] | None = None
    for number, text in _lines(path, progress):
        if text is None:
            yield LineError(str(path), number, "not UTF-8 text")
            continue
        cells = text.split("\t")
        if header is None:
            missing = [c for c in registry_data.NAMES_INDEX_COLUMNS if c not in cells]
            if missing:
                yield LineError(str(path), number, f"header lacks the columns {', '.join(missing)}")
                return
            header = cells
            continue
        if len(cells) < len(header):
            yield LineError(str(path), number, f"{len(cells)} columns, the header has {len(header)}")
            continue
        try:
            row = {name: cells[header.index(name)] for name in registry_data.NAMES_INDEX_COLUMNS}
            institution = registry_data._from_index_row(row, path, number)
        except RegistryFormatError as error:
            yield LineError(str(path), number, _strip_place(str(error)))
            continue
        yield _bad_id(path, number, institution.id) or _from_ror(institution, number, "index")


def _json_rows(path: Path, kind: FileKind, progress: Progress | None) -> Iterator[RegistryRow | LineError]:
    for number, text in _lines(path, progress):
        if text is None:
            yield LineError(str(path), number, "not UTF-8 text")
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            yield LineError(str(path), number, f"not JSON ({error.msg}, column {error.colno})")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("id"), str) or not record["id"].strip():
            yield LineError(str(path), number, "expected a JSON object with an id")
            continue
        try:
            yield _json_row(path, kind, number, record)
        except (RegistryFormatError, TypeError, KeyError, AttributeError, ValueError) as error:
            yield LineError(str(path), number, f"{record['id']}: {_strip_place(str(error)) or repr(error)}")


def _json_row(path: Path, kind: FileKind, number: int, record: dict) -> RegistryRow | LineError:
    if kind is FileKind.KHIZANA:
        return export_row(record, number)
    if kind is FileKind.ROR_REFERENCED:
        labels = [str(label).strip() for label in record.get("labels") or () if str(label).strip()]
        if not labels:
            return LineError(str(path), number, f"{record['id']} has no label")
        institution = RegistryInstitution(
            id=record["id"].strip(),
            name=labels[0],
            labels=tuple(labels[1:]),
            names={},
            status=registry_data.STATUS_REFERENCED,
        )
        return _bad_id(path, number, institution.id) or _from_ror(institution, number, "reference")
    institution = registry_data._from_detailed_record(record)
    return _bad_id(path, number, institution.id) or _from_ror(institution, number, "full")


def _strip_place(message: str) -> str:
    """The readers' messages start with 'path: line N: '; the caller adds its own."""
    return re.sub(r"^.*?: line \d+: ", "", message)


def _bad_id(path: Path, number: int, identifier: str) -> LineError | None:
    if identifier.startswith("https://ror.org/") and len(identifier) > len("https://ror.org/"):
        return None
    return LineError(str(path), number, f"{identifier!r} is not a ROR id (https://ror.org/...)")


def _from_ror(institution: RegistryInstitution, line: int, detail: str) -> RegistryRow:
    names: list[NameRecord] = []
    for language, values in institution.names.items():
        names += [NameRecord(value, language or "", "label", "ror") for value in values]
    names += [
        NameRecord(value, registry_data.language_of(value), "label", "ror") for value in institution.labels
    ]
    names.append(NameRecord(institution.name, registry_data.language_of(institution.name), "label", "ror"))
    names += [NameRecord(value, "", "alias", "ror") for value in institution.aliases]
    names += [NameRecord(value, "", "acronym", "ror") for value in institution.acronyms]
    return RegistryRow(
        line=line,
        id=institution.id,
        source="ror",
        detail=detail,
        name=institution.name,
        names=_unique_names(names),
        country_code=institution.country_code,
        city=institution.city,
        types=institution.types,
        status=institution.status,
        parent_ids=institution.parent_ids,
        child_ids=institution.child_ids,
        related_ids=institution.related_ids,
    )


def _unique_names(names: list[NameRecord]) -> tuple[NameRecord, ...]:
    """Without repeats; a label already known with a language is not kept again without one."""
    with_language = {(n.value, n.kind) for n in names if n.language}
    kept = [n for n in names if n.language or (n.value, n.kind) not in with_language]
    return tuple(dict.fromkeys(n for n in kept if n.value.strip()))


# --- Khizana's export ----------------------------------------------------------------------------------


def export_row(record: dict, line: int = 0) -> RegistryRow:
    """A line of Khizana's JSON-lines export; raises ValueError naming the field at fault."""
    source = _text(record, "source")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
    identifier = _text(record, "id")
    if source == "local" and not LOCAL_KEY.match(identifier):
        raise ValueError(f"a local id looks like local:ma-faculte-sciences-rabat, not {identifier!r}")
    if source == "ror" and not identifier.startswith("https://ror.org/"):
        raise ValueError(f"{identifier!r} is not a ROR id (https://ror.org/...)")
    name = _text(record, "name")
    if not name:
        raise ValueError("name is empty")
    parent_id = _text(record, "parent_id")
    ror_id = _text(record, "ror_id") if source == "local" else ""
    if ror_id and not ROR_ID.match(ror_id):
        raise ValueError(f"ror_id must look like https://ror.org/01ejxf797, not {ror_id!r}")
    return RegistryRow(
        line=line,
        id=identifier,
        source=source,
        detail="local" if source == "local" else _text(record, "detail") or "full",
        name=name,
        names=_export_names(record, source, name),
        country_code=_text(record, "country_code").upper(),
        city=_text(record, "city"),
        types=tuple(_strings(record, "types")),
        status=_text(record, "status") or "active",
        kind=_text(record, "kind"),
        # a local institution's parent is the one staff gave; a ROR one's is chosen again from ROR's links
        parent_ids=((parent_id,) if parent_id else ()) if source == "local" else _ror_links(record, "parent"),
        child_ids=_ror_links(record, "child") if source == "ror" else (),
        ror_id=ror_id,
    )


def _text(record: dict, key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string, not {type(value).__name__}")
    return value.strip()


def _strings(record: dict, key: str) -> list[str]:
    values = record.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{key} must be a list of strings")
    return [v.strip() for v in values if v.strip()]


def _ror_links(record: dict, kind: str) -> tuple[str, ...]:
    return tuple(_strings(record, f"ror_{kind}_ids"))


def _export_names(record: dict, source: str, name: str) -> tuple[NameRecord, ...]:
    """``name_records`` when present (exact); else built from ``names``/aliases/acronyms/variants."""
    if record.get("name_records") is not None:
        if not isinstance(record["name_records"], list):
            raise ValueError("name_records must be a list")
        return _unique_names([_name_record(item) for item in record["name_records"]])
    by_language = record.get("names") or {}
    if not isinstance(by_language, dict):
        raise ValueError("names must be an object: language -> list of names")
    names = [NameRecord(name, registry_data.language_of(name), "label", source)]
    for language, values in by_language.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(f"names[{language!r}] must be a list of strings")
        names += [NameRecord(v.strip(), language, "label", source) for v in values]
    names += [NameRecord(v, "", "alias", source) for v in _strings(record, "aliases")]
    names += [NameRecord(v, "", "acronym", source) for v in _strings(record, "acronyms")]
    names += [NameRecord(v, "", "variant", "local") for v in _strings(record, "variants")]
    return _unique_names(names)


def _name_record(item) -> NameRecord:
    if not isinstance(item, dict):
        raise ValueError("each of name_records must be an object")
    record = NameRecord(
        _text(item, "value"), _text(item, "language"), _text(item, "kind"), _text(item, "source")
    )
    if not record.value or record.kind not in NAME_KINDS or record.source not in SOURCES:
        raise ValueError(f"bad name record {item!r} (value, kind {'/'.join(NAME_KINDS)}, source ror/local)")
    return record

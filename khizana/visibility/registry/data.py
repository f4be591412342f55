"""Readers of the ROR registry extracts into plain ``RegistryInstitution`` objects (no Django import).

Three shapes are read (see /work/shared/data/ror/PROVENANCE.md):

- ``ror_names_index_all.tsv``: a compact global index, one organisation a line, columns
  ``id, status, country_code, city, types, name, aliases, acronyms, labels, parent_ids, child_ids``,
  multi-values joined with ``|``; labels carry no language (Arabic ones are recognised by script);
- ``ror_<countries>.jsonl``: detailed flattened ROR v2 records (names with languages, locations,
  relationships);
- ``ror_referenced_missing_*.jsonl``: ids other records point to but that the extract lacks
  (``{id, labels[], referenced_by[...]}``); they become institutions with status ``referenced``.

``load_registry(directory)`` merges them: detailed records replace the index rows with the same id,
referenced-only ids are added, and parent/child links are made reciprocal (the extract misses about
5 % of the reverse links). Every format error names the file, the line and the problem.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

NAMES_INDEX_FILE = "ror_names_index_all.tsv"
REFERENCED_MISSING_GLOB = "ror_referenced_missing_*.jsonl"
DETAILED_GLOB = "ror_*.jsonl"
NAMES_INDEX_COLUMNS = (
    "id",
    "status",
    "country_code",
    "city",
    "types",
    "name",
    "aliases",
    "acronyms",
    "labels",
    "parent_ids",
    "child_ids",
)
UNKNOWN_LANGUAGE = ""
STATUS_REFERENCED = "referenced"

_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


class RegistryFormatError(ValueError):
    """A registry file that cannot be read; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class RegistryInstitution:
    """One organisation of the registry (ROR or local), as plain data."""

    id: str
    name: str
    # language ("" when unknown) -> names in that language
    names: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    aliases: tuple[str, ...] = ()
    acronyms: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    country_code: str = ""
    city: str = ""
    types: tuple[str, ...] = ()
    parent_ids: tuple[str, ...] = ()
    child_ids: tuple[str, ...] = ()
    status: str = "active"
    cities: tuple[str, ...] = ()  # every location's city (the first is ``city``)
    country_codes: tuple[str, ...] = ()  # every location's country (the first is ``country_code``)
    related_ids: tuple[str, ...] = ()
    successor_ids: tuple[str, ...] = ()

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def all_names(self) -> list[tuple[str, str]]:
        """Every name variant with its kind (name, label, alias, acronym), the display name first."""
        seen: set[str] = set()
        out: list[tuple[str, str]] = []
        for kind, values in (
            ("name", (self.name,)),
            ("label", self.labels),
            ("label", [v for vs in self.names.values() for v in vs]),
            ("alias", self.aliases),
            ("acronym", self.acronyms),
        ):
            for value in values:
                if value and value not in seen:
                    seen.add(value)
                    out.append((kind, value))
        return out


def language_of(label: str) -> str:
    """``ar`` for a label in Arabic script, otherwise unknown."""
    return "ar" if _ARABIC_SCRIPT.search(label) else UNKNOWN_LANGUAGE


def _split_multi(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split("|") if part.strip())


def read_names_index(path: Path | str) -> Iterator[RegistryInstitution]:
    """The organisations of ``ror_names_index_all.tsv`` (or any TSV with the same header)."""
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None:
            raise RegistryFormatError(f"{path}: empty file, expected a header line")
        missing = [c for c in NAMES_INDEX_COLUMNS if c not in header]
        if missing:
            raise RegistryFormatError(f"{path}: line 1: header lacks the columns {', '.join(missing)}")
        position = {name: header.index(name) for name in NAMES_INDEX_COLUMNS}
        for line_number, row in enumerate(reader, start=2):
            if not row or not any(row):
                continue
            if len(row) < len(header):
                raise RegistryFormatError(
                    f"{path}: line {line_number}: {len(row)} columns, the header has {len(header)}"
                )
            yield _from_index_row({name: row[i] for name, i in position.items()}, path, line_number)


def _from_index_row(row: dict[str, str], path: Path, line_number: int) -> RegistryInstitution:
    if not row["id"].strip() or not row["name"].strip():
        raise RegistryFormatError(f"{path}: line {line_number}: an organisation needs an id and a name")
    labels = _split_multi(row["labels"])
    names: dict[str, list[str]] = {}
    for label in labels:
        names.setdefault(language_of(label), []).append(label)
    country = row["country_code"].strip().upper()
    city = row["city"].strip()
    return RegistryInstitution(
        id=row["id"].strip(),
        name=row["name"].strip(),
        names={lang: tuple(values) for lang, values in names.items()},
        aliases=_split_multi(row["aliases"]),
        acronyms=_split_multi(row["acronyms"]),
        labels=labels,
        country_code=country,
        city=city,
        types=_split_multi(row["types"].lower()),
        parent_ids=_split_multi(row["parent_ids"]),
        child_ids=_split_multi(row["child_ids"]),
        status=row["status"].strip() or "active",
        cities=(city,) if city else (),
        country_codes=(country,) if country else (),
    )


def _json_lines(path: Path) -> Iterator[tuple[int, dict]]:
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise RegistryFormatError(f"{path}: line {line_number}: not JSON ({error.msg})") from None
            if not isinstance(record, dict) or not record.get("id"):
                raise RegistryFormatError(f"{path}: line {line_number}: expected an object with an id")
            yield line_number, record


def read_detailed(path: Path | str) -> Iterator[RegistryInstitution]:
    """The organisations of a detailed extract (``ror_MA_DZ_TN.jsonl``, ``ror_FR.jsonl``)."""
    path = Path(path)
    for line_number, record in _json_lines(path):
        try:
            yield _from_detailed_record(record)
        except (TypeError, KeyError, AttributeError) as error:
            raise RegistryFormatError(f"{path}: line {line_number}: malformed record ({error!r})") from None


def _strings(values: Iterable | None) -> tuple[str, ...]:
    return tuple(str(v).strip() for v in values or () if v and str(v).strip())


def _from_detailed_record(record: dict) -> RegistryInstitution:
    names: dict[str, list[str]] = {}
    for entry in record.get("names") or ():
        types = entry.get("types") or ()
        if "label" in types or "ror_display" in types:
            value = (entry.get("value") or "").strip()
            if value:
                lang = entry.get("lang") or language_of(value)
                names.setdefault(lang, []).append(value)
    relations: dict[str, list[str]] = {}
    for relation in record.get("relationships") or ():
        relations.setdefault(str(relation.get("type", "")).lower(), []).append(relation["id"])
    locations = record.get("locations") or ()
    cities = _strings(loc.get("city") for loc in locations)
    countries = _strings(loc.get("country_code") for loc in locations)
    city = (record.get("city") or (cities[0] if cities else "")).strip()
    country = (record.get("country_code") or (countries[0] if countries else "")).strip().upper()
    name = (record.get("name") or "").strip()
    if not name:
        raise KeyError("name")
    return RegistryInstitution(
        id=record["id"].strip(),
        name=name,
        names={lang: tuple(dict.fromkeys(values)) for lang, values in names.items()},
        aliases=_strings(record.get("aliases")),
        acronyms=_strings(record.get("acronyms")),
        labels=_strings(label.get("value") for label in record.get("labels") or ()),
        country_code=country,
        city=city,
        types=tuple(t.lower() for t in _strings(record.get("types"))),
        parent_ids=tuple(relations.get("parent", ())),
        child_ids=tuple(relations.get("child", ())),
        status=(record.get("status") or "active").strip(),
        cities=cities or ((city,) if city else ()),
        country_codes=tuple(dict.fromkeys(countries)) or ((country,) if country else ()),
        related_ids=tuple(relations.get("related", ())),
        successor_ids=tuple(relations.get("successor", ())),
    )


def read_referenced_missing(path: Path | str) -> Iterator[RegistryInstitution]:
    """Ids other records point to but the extract lacks: status ``referenced``, country unknown."""
    path = Path(path)
    for line_number, record in _json_lines(path):
        labels = _strings(record.get("labels"))
        if not labels:
            raise RegistryFormatError(f"{path}: line {line_number}: {record['id']} has no label")
        names: dict[str, list[str]] = {}
        for label in labels:
            names.setdefault(language_of(label), []).append(label)
        yield RegistryInstitution(
            id=str(record["id"]).strip(),
            name=labels[0],
            names={lang: tuple(values) for lang, values in names.items()},
            labels=labels[1:],
            status=STATUS_REFERENCED,
        )


def with_reciprocal_links(institutions: dict[str, RegistryInstitution]) -> dict[str, RegistryInstitution]:
    """The same institutions, each parent listing its children and each child its parents."""
    parents = {inst_id: dict.fromkeys(inst.parent_ids) for inst_id, inst in institutions.items()}
    children = {inst_id: dict.fromkeys(inst.child_ids) for inst_id, inst in institutions.items()}
    for inst_id, inst in institutions.items():
        for parent_id in inst.parent_ids:
            if parent_id in children:
                children[parent_id][inst_id] = None
        for child_id in inst.child_ids:
            if child_id in parents:
                parents[child_id][inst_id] = None
    out: dict[str, RegistryInstitution] = {}
    for inst_id, inst in institutions.items():
        new_parents, new_children = tuple(parents[inst_id]), tuple(children[inst_id])
        if new_parents != inst.parent_ids or new_children != inst.child_ids:
            inst = replace(inst, parent_ids=new_parents, child_ids=new_children)
        out[inst_id] = inst
    return out


def load_registry(directory: Path | str) -> dict[str, RegistryInstitution]:
    """Every organisation of a ROR extract directory, by id (see the module docstring)."""
    directory = Path(directory)
    index_path = directory / NAMES_INDEX_FILE
    if not directory.is_dir():
        raise RegistryFormatError(f"{directory}: not a directory")
    institutions: dict[str, RegistryInstitution] = {}
    if index_path.exists():
        institutions.update((inst.id, inst) for inst in read_names_index(index_path))
    missing_paths = set(directory.glob(REFERENCED_MISSING_GLOB))
    for path in sorted(set(directory.glob(DETAILED_GLOB)) - missing_paths):
        institutions.update((inst.id, inst) for inst in read_detailed(path))
    for path in sorted(missing_paths):
        for inst in read_referenced_missing(path):
            institutions.setdefault(inst.id, inst)
    if not institutions:
        raise RegistryFormatError(f"{directory}: no registry file ({NAMES_INDEX_FILE} or ror_*.jsonl)")
    return with_reciprocal_links(institutions)

"""The tantivy index: schema, where it lives, opening it for reading and writing (no Django import).

Text is analysed in Python (:mod:`khizana.core.analysis`) and handed to tantivy as space-separated
tokens, so the index and the queries always agree, whatever tantivy's own analysers do. The index
lives in ``<data dir>/search/<generation>/``; the file ``CURRENT`` names the live generation, so a
rebuild writes a new generation beside the old one and switches with one atomic rename.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import tantivy

TOKENS = "khizana_tokens"  # whitespace tokenizer: the text is already analysed
RAW = "raw"

# Full-text fields and their boosts (title > author > subject > notes > words inside a digital copy).
# FULLTEXT holds the distinct analysed words of the work's digital copies, capped per work
# (khizana.digital.fulltext.work_index_terms): no positions, and a boost low enough that a work found only
# by its full text ranks below the works that match in their metadata.
FULLTEXT = "fulltext"
TEXT_FIELDS = {"title": 4.0, "title_exact": 2.0, "author": 2.5, "subject": 1.5, "notes": 0.5, FULLTEXT: 0.05}
# Facet fields: exact values, indexed for filtering. Counting reads single-valued fast fields: tantivy
# aggregates a column with one value in every document about ten times faster than a multi-valued or
# optional one, and each column read costs about the same per matching document (bench/RESULTS.md), so
# the counts read as few columns as possible:
# - facets with many distinct values (library, subject) are stored as N "slot" fields (`library_0` ..
#   `library_3`), each filled with EMPTY_SLOT where the work has fewer values. The rare values beyond the
#   slots go to `<facet>_more`, and `facet_overflow` is "1" for the works that have any: the `_more` fields
#   are counted in a sub-aggregation of that bucket, in the same pass, reading the sparse multi-valued
#   columns only for the works that use them;
# - facets with few distinct values are counted together from one "group" field per group, whose value is
#   the combination of the work's values (type, scripts and availability: a few hundred combinations),
#   split and summed in Python: one column read instead of one per facet and slot.
FACET_SLOTS = {"library": 4, "subject_facet": 3}
FACET_GROUPS = {
    "facet_kind": ("type", "script", "availability"),
    "facet_period": ("decade", "language"),
}
FACET_FIELDS = (*FACET_SLOTS, *(name for members in FACET_GROUPS.values() for name in members))
EMPTY_SLOT = "~"
OVERFLOW = "facet_overflow"
GROUP_SEPARATOR = "\x1f"  # between the facets of a group value
VALUE_SEPARATOR = "\x1e"  # between the values of one facet in a group value
SCHEMA_VERSION = "4"
SCHEMA_FILE = "SCHEMA"


def slot_fields(facet_field: str) -> list[str]:
    return [f"{facet_field}_{i}" for i in range(FACET_SLOTS.get(facet_field, 0))]


def more_field(facet_field: str) -> str:
    return f"{facet_field}_more"


def group_of(facet_field: str) -> str | None:
    return next((group for group, members in FACET_GROUPS.items() if facet_field in members), None)


def group_value(values: dict[str, list[str]], group: str) -> str:
    """The group field's value of a work: each member facet's values, in order, in one string."""
    return GROUP_SEPARATOR.join(
        VALUE_SEPARATOR.join(sorted(values.get(name) or ())) for name in FACET_GROUPS[group]
    )


def split_group_value(group: str, value: str) -> Iterator[tuple[str, str]]:
    """(facet field, value) pairs of one group value: the inverse of :func:`group_value`."""
    for name, part in zip(FACET_GROUPS[group], value.split(GROUP_SEPARATOR), strict=False):
        for single in part.split(VALUE_SEPARATOR) if part else ():
            yield name, single


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name in TEXT_FIELDS:
        option = "basic" if name == FULLTEXT else "position"
        builder.add_text_field(name, stored=False, tokenizer_name=TOKENS, index_option=option)
    builder.add_text_field("title_key", stored=False, tokenizer_name=RAW, index_option="basic")
    builder.add_text_field("isbn", stored=False, tokenizer_name=RAW, index_option="basic")
    for name in FACET_FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name=RAW, index_option="basic")
    for name in FACET_SLOTS:
        for slot in [*slot_fields(name), more_field(name)]:
            builder.add_text_field(slot, stored=False, tokenizer_name=RAW, fast=True, index_option="basic")
    for group in FACET_GROUPS:
        builder.add_text_field(group, stored=False, tokenizer_name=RAW, fast=True, index_option="basic")
    builder.add_text_field(OVERFLOW, stored=False, tokenizer_name=RAW, fast=True, index_option="basic")
    builder.add_integer_field("year", stored=False, indexed=True, fast=True)
    builder.add_float_field("weight", stored=False, fast=True)
    builder.add_text_field("title_sort", stored=False, tokenizer_name=RAW, fast=True, index_option="basic")
    builder.add_text_field("author_sort", stored=False, tokenizer_name=RAW, fast=True, index_option="basic")
    return builder.build()


def _register(index: tantivy.Index) -> tantivy.Index:
    # Custom analysers are not stored in the index: register them at every open.
    index.register_tokenizer(TOKENS, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
    return index


class IndexLocation:
    """The index directory of one data directory, with its generations and its writer lock."""

    def __init__(self, data_dir: Path | str | None = None, *, root: Path | str | None = None):
        # ``root``: the index directory itself (KHIZANA_INDEX_DIR), else ``<data_dir>/search``
        self.root = Path(root) if root is not None else Path(data_dir) / "search"
        self.root.mkdir(parents=True, exist_ok=True)
        self.current_file = self.root / "CURRENT"
        self.lock_file = self.root / "writer.lock"

    def current(self) -> Path | None:
        try:
            name = self.current_file.read_text().strip()
        except FileNotFoundError:
            return None
        path = self.root / name
        if not (path / "meta.json").exists() or schema_version(path) != SCHEMA_VERSION:
            return None  # absent, or written by an older Khizana: the next sync rebuilds it
        return path

    def new_generation(self) -> Path:
        path = self.root / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        path.mkdir()
        return path

    def switch_to(self, generation: Path) -> None:
        """Make ``generation`` live (atomic rename), then remove the others."""
        partial = self.current_file.with_suffix(".partial")
        partial.write_text(f"{generation.name}\n")
        partial.replace(self.current_file)
        for other in self.root.glob("gen-*"):
            if other != generation and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """One writer at a time across processes (import commands, web workers, rebuilds)."""
        with self.lock_file.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def schema_version(generation: Path) -> str:
    try:
        return (generation / SCHEMA_FILE).read_text().strip()
    except FileNotFoundError:
        return ""


def create_index(path: Path) -> tantivy.Index:
    index = _register(tantivy.Index(build_schema(), path=str(path), reuse=False))
    (path / SCHEMA_FILE).write_text(f"{SCHEMA_VERSION}\n")
    return index


def open_index(path: Path) -> tantivy.Index:
    return _register(tantivy.Index.open(str(path)))

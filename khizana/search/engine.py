"""The tantivy index: schema, where it lives, opening it for reading and writing (no Django import).

Text is analysed in Python (:mod:`khizana.search.analysis`) and handed to tantivy as space-separated
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

# Full-text fields and their boosts (title > author > subject > notes).
TEXT_FIELDS = {"title": 4.0, "title_exact": 2.0, "author": 2.5, "subject": 1.5, "notes": 0.5}
# Exact-value fields: facets (fast, for counts) and identifiers.
FACET_FIELDS = ("library", "language", "type", "decade", "subject_facet", "script", "availability")
SCHEMA_VERSION = "1"


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name=TOKENS, index_option="position")
    builder.add_text_field("title_key", stored=False, tokenizer_name=RAW, index_option="basic")
    builder.add_text_field("isbn", stored=False, tokenizer_name=RAW, index_option="basic")
    for name in FACET_FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name=RAW, fast=True, index_option="basic")
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

    def __init__(self, data_dir: Path | str):
        self.root = Path(data_dir) / "search"
        self.root.mkdir(parents=True, exist_ok=True)
        self.current_file = self.root / "CURRENT"
        self.lock_file = self.root / "writer.lock"

    def current(self) -> Path | None:
        try:
            name = self.current_file.read_text().strip()
        except FileNotFoundError:
            return None
        path = self.root / name
        return path if (path / "meta.json").exists() else None

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


def create_index(path: Path) -> tantivy.Index:
    return _register(tantivy.Index(build_schema(), path=str(path), reuse=False))


def open_index(path: Path) -> tantivy.Index:
    return _register(tantivy.Index.open(str(path)))

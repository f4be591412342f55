"""Normalised bibliographic data, shared by every reader (no Django import).

A reader turns the bytes of one file into a stream of :class:`ParsedRecord` (a record that
could be read, perhaps with warnings) and :class:`RejectedRecord` (one that could not). The
import service stores both; the matcher and the search index only ever see :class:`BibFields`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class RecordFormat(StrEnum):
    MARC21 = "marc21"  # ISO 2709 or MARCXML, MARC 21 bibliographic/authority/holdings
    UNIMARC = "unimarc"  # ISO 2709 or XML (marcxchange, MARCXML-shaped)
    DUBLIN_CORE = "dc"  # oai_dc (or other DC-bearing OAI-PMH metadata)
    CSV = "csv"


class Serialisation(StrEnum):
    ISO2709 = "iso2709"
    XML = "xml"
    CSV = "csv"


class RecordKind(StrEnum):
    BIBLIOGRAPHIC = "bibliographic"
    AUTHORITY = "authority"
    HOLDINGS = "holdings"


class MaterialType(StrEnum):
    BOOK = "book"
    SERIAL = "serial"
    ARTICLE = "article"
    SCORE = "score"
    SOUND = "sound"  # non-musical and musical sound recordings
    VIDEO = "video"
    MAP = "map"
    IMAGE = "image"  # 2D graphics, photographs, prints
    MANUSCRIPT = "manuscript"
    ELECTRONIC = "electronic"
    KIT = "kit"  # kits, mixed materials, multimedia
    OBJECT = "object"
    THESIS = "thesis"
    OTHER = "other"


class HoldingStatus(StrEnum):
    AVAILABLE = "available"
    ON_LOAN = "on_loan"
    NOT_FOR_LOAN = "not_for_loan"
    LOST = "lost"
    UNKNOWN = "unknown"


@dataclass
class HoldingData:
    """One copy (item) of a record in the sending library."""

    call_number: str = ""
    barcode: str = ""
    location: str = ""  # branch / shelving location as the library wrote it
    status: HoldingStatus = HoldingStatus.UNKNOWN
    source_tag: str = ""  # 852, 952, 995, csv ...


@dataclass
class BibFields:
    """Normalised fields of one record, the same whatever format it came in."""

    title: str = ""
    subtitle: str = ""
    # Titles in another script or language: MARC 880 linked to 245/246, UNIMARC 200$d, 510, ...
    parallel_titles: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)  # "Surname, Forename" as catalogued; first = main entry
    # scheme -> values. Schemes: isbn (normalised ISBN-13), issn (NNNN-NNNX), lccn, oclc, nbn,
    # ean, plus "isbn_invalid" etc. for values that fail their check digit (kept, never matched on).
    identifiers: dict[str, list[str]] = field(default_factory=dict)
    publisher: str = ""
    place: str = ""
    year: int | None = None  # first four-digit year of publication
    edition: str = ""  # MARC 250 / UNIMARC 205
    languages: list[str] = field(default_factory=list)  # ISO 639-2/B codes, lower case: fre, ara, eng
    material_type: MaterialType = MaterialType.OTHER
    subjects: list[str] = field(default_factory=list)
    classification: list[str] = field(default_factory=list)  # "ddc:330", "udc:...", "lcc:HB171"
    scripts: list[str] = field(default_factory=list)  # Unicode script names present: Latin, Arabic, ...
    notes: list[str] = field(default_factory=list)
    # The original-script forms (MARC 21 880 fields) of romanised fields, by role: "author" (1XX),
    # "names" (other headings), "responsibility" (245 $c), "edition", "publisher", "place", "series",
    # "other". Matched across scripts and indexed for search.
    original_script: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class ParsedRecord:
    """A record that could be read."""

    local_id: str  # the sender's identifier (MARC 001, OAI identifier, CSV id column ...)
    format: RecordFormat
    serialisation: Serialisation
    kind: RecordKind
    raw: bytes  # the record's original bytes (ISO 2709) or its XML element/CSV row as sent
    number: int  # 1-based position of the record in its file
    offset: int  # byte offset of the record's first byte in its file
    fields: BibFields
    holdings: list[HoldingData] = field(default_factory=list)
    deleted: bool = False  # MARC leader/05 'd', OAI header status="deleted"
    warnings: list[str] = field(default_factory=list)  # what a lenient read had to repair
    linked_local_id: str = ""  # holdings records: the bibliographic record they belong to (MARC 004)


@dataclass
class RejectedRecord:
    """A record that could not be read; kept with its bytes so nothing sent is lost."""

    number: int
    offset: int
    reason: str
    raw: bytes
    local_id: str = ""  # when it could be found despite the error

    def describe(self, filename: str) -> str:
        return f"{filename}: record {self.number} at byte {self.offset}: {self.reason}"

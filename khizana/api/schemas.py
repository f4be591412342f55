"""The JSON shapes of the API (their field names are the API's promise: add, never rename)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, field_validator

from khizana.search import query as search_query
from khizana.search.services import MAX_OFFSET

HoldingStatusName = Literal["available", "on_loan", "not_for_loan", "lost", "unknown"]
SortName = Literal["relevance", "year", "year_asc", "title", "author"]
FacetValueText = Annotated[str, Field(min_length=1, max_length=200)]
# Text without control characters (tab, line breaks, NUL, DEL...): ECMA-262 and Python alike.
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001f\\u007f]*$"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE = MAX_OFFSET // DEFAULT_PAGE_SIZE  # 500


class Error(Schema):
    detail: str = Field(description="What went wrong, in words (in the language of Accept-Language).")


class ErrorItem(Schema):
    loc: list[str | int] = Field(description="Where: the part of the request, then the parameter or field.")
    msg: str = Field(description="What, in words.")
    type: str = Field(description="The kind of problem (missing, string_too_long, value_error...).")


class ValidationErrorOut(Schema):
    detail: str = Field(description="The first problem, in words.")
    errors: list[ErrorItem] = Field(description="Every problem: where (loc), what (msg), its type.")


# ---------------------------------------------------------------- search


class FacetCount(Schema):
    value: str
    label: str
    count: int


class SearchHitOut(Schema):
    id: int
    score: float
    title: str
    subtitle: str
    authors: list[str]
    year: int | None
    publisher: str
    material_type: str
    library_count: int
    libraries: list[str]
    availability: list[str]
    url: str
    web_url: str


class SearchOut(Schema):
    query: str
    read_as: str = Field(description="How the query was understood.")
    notes: list[str] = Field(description="What was repaired or retried in the query.")
    did_you_mean: str
    fuzzy: bool = Field(description="The hits come from the typo-tolerant retry.")
    total: int
    page: int
    size: int
    pages: int
    sort: str
    year_from: int | None
    year_to: int | None
    filters: dict[str, list[str]]
    facets: dict[str, list[FacetCount]]
    hits: list[SearchHitOut]
    next: str | None
    previous: str | None


# ---------------------------------------------------------------- works


class WorkSummary(Schema):
    id: int
    title: str
    subtitle: str
    authors: list[str]
    year: int | None
    material_type: str
    library_count: int
    libraries: list[str]
    updated_at: datetime
    url: str


class WorkPage(Schema):
    items: list[WorkSummary]
    limit: int
    next: str | None = Field(description="The next page; null on the last one.")


class CopyOut(Schema):
    id: int
    record_id: int
    call_number: str
    location: str
    status: str
    url: str


class LibraryHoldings(Schema):
    library: str
    library_name: str
    library_url: str
    record_ids: list[int]
    copies: list[CopyOut]


class RecordRef(Schema):
    id: int
    library: str
    local_id: str
    format: str
    deleted: bool
    url: str


class WorkOut(Schema):
    id: int
    title: str
    subtitle: str
    parallel_titles: list
    authors: list[str]
    identifiers: dict[str, list[str]]
    publisher: str
    place: str
    year: int | None
    edition: str
    languages: list[str]
    material_type: str
    subjects: list[str]
    classification: list
    scripts: list[str]
    record_count: int
    library_count: int
    libraries: list[str]
    availability: list[str]
    created_at: datetime
    updated_at: datetime
    holdings: list[LibraryHoldings]
    records: list[RecordRef]
    links: dict[str, str]


# ---------------------------------------------------------------- source records


class RecordOut(Schema):
    id: int
    library: str
    local_id: str
    format: str
    serialisation: str
    kind: str
    checksum: str
    size: int
    title: str
    deleted: bool
    deleted_at: datetime | None
    received_at: datetime
    updated_at: datetime
    work_id: int | None
    fields: dict
    warnings: list
    holding_ids: list[int]
    links: dict[str, str]


class RecordPage(Schema):
    items: list[RecordRef]
    limit: int
    next: str | None


# ---------------------------------------------------------------- holdings


class HoldingOut(Schema):
    id: int
    record_id: int
    work_id: int | None
    library: str
    call_number: str
    location: str
    status: str
    links: dict[str, str]


def _no_control_characters(value: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("control characters (tabs, line breaks, NUL...) are not allowed")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):  # a lone surrogate (\ud800 in JSON) is no text
        raise ValueError("lone surrogates are not allowed")
    return value


class HoldingChange(Schema):
    """The fields to change (at least one); those left out are kept."""

    # minProperties is checked by the view, with a message saying which fields there are
    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    call_number: str = Field(None, max_length=255, json_schema_extra={"pattern": NO_CONTROL_CHARACTERS})
    location: str = Field(None, max_length=255, json_schema_extra={"pattern": NO_CONTROL_CHARACTERS})
    status: HoldingStatusName = None

    _clean = field_validator("call_number", "location")(_no_control_characters)


# ---------------------------------------------------------------- libraries


class LibraryOut(Schema):
    code: str
    name: str
    names: dict[str, str]
    kind: str
    city: str
    country: str
    latitude: float | None
    longitude: float | None
    website: str
    oai_endpoint: str
    links: dict[str, str]


class LibraryDetail(LibraryOut):
    address: str
    contact_email: str
    contact_phone: str
    record_count: int
    work_count: int
    copy_count: int
    shared_work_count: int


# ---------------------------------------------------------------- imports


class ImportRunOut(Schema):
    id: int
    status: str
    format: str
    dialect: str
    started_at: datetime
    finished_at: datetime | None
    error: str
    records_read: int
    records_added: int
    records_updated: int
    records_unchanged: int
    records_deleted: int
    records_rejected: int
    records_with_warnings: int


class ImportJobOut(Schema):
    id: int
    library: str
    filename: str
    size: int
    sha256: str
    format: str
    status: str
    error: str
    created_at: datetime
    updated_at: datetime
    run: ImportRunOut | None
    url: str


class SearchQuery(Schema):
    """The parameters of the search page: words, a filter per facet (repeat for OR), years, sort, page."""

    q: str = Field(
        "",
        max_length=search_query.MAX_LENGTH,
        description='Words, "phrases", OR, -exclusion, title: author: ...',
    )
    library: list[FacetValueText] = Field(default_factory=list, max_length=50)
    language: list[FacetValueText] = Field(default_factory=list, max_length=50)
    type: list[FacetValueText] = Field(default_factory=list, max_length=50)
    decade: list[FacetValueText] = Field(default_factory=list, max_length=50)
    subject: list[FacetValueText] = Field(default_factory=list, max_length=50)
    script: list[FacetValueText] = Field(default_factory=list, max_length=50)
    availability: list[FacetValueText] = Field(default_factory=list, max_length=50)
    # None when left out (a query string cannot send a null: the schema states an integer)
    year_from: int = Field(None, ge=-9999, le=9999)
    year_to: int = Field(None, ge=-9999, le=9999)
    sort: SortName = "relevance"
    page: int = Field(
        1,
        ge=1,
        le=MAX_PAGE,
        description=(
            f"Only the first {MAX_OFFSET:,} results are paged through (refine the search to see others): a "
            "page after them, or after the last result, has no hits."
        ),
    )
    size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=100)

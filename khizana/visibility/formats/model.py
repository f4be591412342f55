"""The common model of the bibliographic export readers: one Publication per record, whatever the source.

Pure Python (no Django): the readers of Scopus and Web of Science exports all return a ReadResult.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .addresses import AddressPart, split_institutions

SCOPUS_CSV = "scopus_csv"
SCOPUS_BIBTEX = "scopus_bibtex"
SCOPUS_RIS = "scopus_ris"
WOS_PLAIN = "wos_plain"
WOS_TAB = "wos_tab"
WOS_BIBTEX = "wos_bibtex"
FORMATS = (SCOPUS_CSV, SCOPUS_BIBTEX, SCOPUS_RIS, WOS_PLAIN, WOS_TAB, WOS_BIBTEX)


@dataclass
class Author:
    """An author of a publication: the short form (``Liu F.``, ``Houssein, EH``) and the full one."""

    name: str
    full_name: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)  # scopus_id, orcid, researcher_id


@dataclass
class Affiliation:
    """One address as written, with the authors the export links to it (names as written there).

    ``author_indexes`` are positions in ``Publication.authors`` of those authors when they could be
    resolved. ``country`` is the country as written in the address (``Maroc``, ``Peoples R China``),
    ``country_code`` its ISO 3166 alpha-2 code when known.
    """

    raw: str
    authors: list[str] = field(default_factory=list)
    author_indexes: list[int] = field(default_factory=list)
    country: str | None = None
    country_code: str | None = None

    @property
    def parts(self) -> list[AddressPart]:
        """The address cut into departments, institutions, street, city, postcode and country."""
        return split_institutions(self.raw)


@dataclass
class Correspondence:
    """A corresponding author and the address given for them (Scopus Correspondence Address, WoS RP)."""

    author: str | None
    address: str


@dataclass
class Publication:
    source_format: str
    file: str
    record_number: int  # 1-based position of the record in the file
    id: str | None  # Scopus EID, WoS UT, else the DOI
    title: str | None = None
    year: int | None = None
    source_title: str | None = None
    doi: str | None = None
    document_type: str | None = None
    authors: list[Author] = field(default_factory=list)
    affiliations: list[Affiliation] = field(default_factory=list)
    correspondence: list[Correspondence] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)  # WoS C3 (organisation-enhanced names)

    @property
    def corresponding_address(self) -> str | None:
        return self.correspondence[0].address if self.correspondence else None

    def author_affiliation_pairs(self) -> list[tuple[Author | None, Affiliation]]:
        """Every (author, affiliation) link; an affiliation linked to no known author comes as (None, it)."""
        pairs: list[tuple[Author | None, Affiliation]] = []
        for affiliation in self.affiliations:
            authors = [self.authors[index] for index in affiliation.author_indexes]
            pairs.extend((author, affiliation) for author in authors or [None])
        return pairs


@dataclass
class ReadError:
    """What could not be read: the file, the record (1-based; None for the whole file) and the field."""

    file: str
    record: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.record is not None:
            where += f", record {self.record}"
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.message}"


@dataclass
class ReadResult:
    file: str
    source_format: str | None
    encoding: str | None = None
    publications: list[Publication] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)
    warnings: list[ReadError] = field(default_factory=list)

    def error(self, record: int | None, field_name: str | None, message: str) -> None:
        self.errors.append(ReadError(self.file, record, field_name, message))

    def warn(self, record: int | None, field_name: str | None, message: str) -> None:
        self.warnings.append(ReadError(self.file, record, field_name, message))

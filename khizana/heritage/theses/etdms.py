"""ETD-MS (Electronic Theses and Dissertations Metadata Standard) records, written and read (no Django).

:class:`EtdRecord` is one thesis as plain values. :func:`thesis_element` writes it as an ETD-MS 1.1
``<thesis>`` (the ``oai_etdms`` metadata format of OAI-PMH); :func:`read_oai_response` reads the theses of an
OAI-PMH response in ``oai_etdms`` (ETD-MS 1.0 or 1.1, as the ERA repository and DSpace send them).

ETD-MS has no embargo element: an embargo is written as ``<rights>`` statements, the OpenAIRE terms
``info:eu-repo/semantics/embargoedAccess`` and ``info:eu-repo/date/embargoEnd/YYYY-MM-DD`` that harvesters
read, and a sentence for people. The element order is the schema's sequence (title, alternativeTitle,
creator, subject, description, publisher, contributor, date, type, format, identifier, language,
coverage, rights, degree); ``subject``, ``date``, ``type`` and ``identifier`` are required by it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

ETDMS_11 = "http://www.ndltd.org/standards/metadata/etdms/1.1/"
ETDMS_11_SCHEMA = "http://www.ndltd.org/standards/metadata/etdms/1.1/etdms11.xsd"
ETDMS_10 = "http://www.ndltd.org/standards/metadata/etdms/1.0/"
OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
EMBARGOED_ACCESS = "info:eu-repo/semantics/embargoedAccess"
EMBARGO_END = "info:eu-repo/date/embargoEnd/"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DATE = re.compile(r"^(\d{4})(?:-(\d\d)(?:-(\d\d))?)?")
_ABSTRACT_PREFIX = re.compile(r"^\s*(abstract|résumé|resume)\s*:\s*", re.IGNORECASE)

# Degree levels: ours -> the words ETD-MS examples use (thesis.degree.level is free text).
LEVEL_WORDS = {"bachelors": "Bachelor's", "masters": "Master's", "doctoral": "Doctoral", "other": "Other"}
_LEVEL_OF_WORD = {
    "bachelor": "bachelors", "bachelors": "bachelors", "bachelor's": "bachelors", "licence": "bachelors",
    "master": "masters", "masters": "masters", "master's": "masters", "maîtrise": "masters", "0": "bachelors",
    "1": "masters", "2": "doctoral", "doctoral": "doctoral", "doctorate": "doctoral", "doctorat": "doctoral",
    "phd": "doctoral", "ph.d.": "doctoral",
}  # fmt: skip
# Language names some repositories send in place of codes -> ISO 639-2/B.
_LANGUAGE_NAMES = {
    "english": "eng", "en": "eng", "french": "fre", "français": "fre", "francais": "fre", "fr": "fre",
    "fra": "fre", "arabic": "ara", "arabe": "ara", "ar": "ara", "العربية": "ara", "spanish": "spa",
    "es": "spa", "german": "ger", "de": "ger", "deu": "ger", "tamazight": "ber", "berber": "ber",
}  # fmt: skip


class EtdmsError(ValueError):
    """A document that is not an ETD-MS thesis (the message says what is missing)."""


@dataclass
class EtdRecord:
    """One thesis. ``date`` is the defence (or acceptance) date; ``year`` when only a year is known."""

    title: str
    creator: str
    alternative_titles: list[str] = field(default_factory=list)  # the title in the thesis' other languages
    identifier: str = ""  # the OAI identifier it was harvested under (empty for our own deposits)
    subjects: list[str] = field(default_factory=list)
    abstract: str = ""
    supervisors: list[str] = field(default_factory=list)
    committee: list[str] = field(default_factory=list)
    date: date | None = None
    year: int | None = None
    language: str = ""  # ISO 639-2/B
    identifiers: list[str] = field(default_factory=list)  # URLs, handles, national thesis numbers
    rights: list[str] = field(default_factory=list)
    publisher: str = ""
    degree_name: str = ""
    degree_level: str = ""  # bachelors | masters | doctoral | other | ""
    discipline: str = ""
    grantor: str = ""
    grantor_uri: str = ""  # the registry id of the grantor, as a URI (https://ror.org/...)
    embargo_until: date | None = None
    formats: list[str] = field(default_factory=list)


def _text(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def _sub(parent: etree._Element, name: str, text: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ETDMS_11}}}{name}", {k: v for k, v in attributes.items() if v})
    element.text = _text(text)
    return element


def thesis_element(record: EtdRecord, *, today: date | None = None) -> etree._Element:
    """The record as an ETD-MS 1.1 ``<thesis>`` (with its schema location, ready for an OAI payload)."""
    thesis = etree.Element(
        f"{{{ETDMS_11}}}thesis",
        nsmap={None: ETDMS_11, "xsi": XSI},
        attrib={f"{{{XSI}}}schemaLocation": f"{ETDMS_11} {ETDMS_11_SCHEMA}"},
    )
    _sub(thesis, "title", record.title)
    for title in record.alternative_titles:
        _sub(thesis, "alternativeTitle", title)
    _sub(thesis, "creator", record.creator)
    for subject in record.subjects or [record.discipline or record.title]:
        _sub(thesis, "subject", subject)
    if record.abstract:
        _sub(thesis, "description", record.abstract)
    if record.publisher:
        _sub(thesis, "publisher", record.publisher)
    for name in record.supervisors:
        _sub(thesis, "contributor", name, role="advisor")
    for name in record.committee:
        _sub(thesis, "contributor", name, role="committeemember")
    _sub(thesis, "date", _date_value(record))
    _sub(thesis, "type", "Electronic Thesis or Dissertation")
    _sub(thesis, "type", "Text")
    for media_type in record.formats:
        _sub(thesis, "format", media_type)
    for identifier in record.identifiers or [record.identifier]:
        _sub(thesis, "identifier", identifier)
    if record.language:
        _sub(thesis, "language", record.language)
    for statement in rights_statements(record, today=today):
        _sub(thesis, "rights", statement)
    if any((record.degree_name, record.degree_level, record.discipline, record.grantor)):
        degree = _sub(thesis, "degree", "")
        degree.text = None
        if record.degree_name:
            _sub(degree, "name", record.degree_name)
        if record.degree_level:
            _sub(degree, "level", LEVEL_WORDS.get(record.degree_level, record.degree_level))
        if record.discipline:
            _sub(degree, "discipline", record.discipline)
        if record.grantor:
            _sub(degree, "grantor", record.grantor, resource=record.grantor_uri)
    return thesis


def _date_value(record: EtdRecord) -> str:
    if record.date:
        return record.date.isoformat()
    if record.year:
        return f"{record.year:04d}"
    raise EtdmsError(f"{record.title!r}: a thesis needs a defence date or year (ETD-MS requires one)")


def rights_statements(record: EtdRecord, *, today: date | None = None) -> list[str]:
    """The record's rights, and while it is embargoed the OpenAIRE embargo terms and a sentence."""
    statements = list(record.rights)
    if record.embargo_until and record.embargo_until > (today or date.today()):
        until = record.embargo_until.isoformat()
        statements += [EMBARGOED_ACCESS, f"{EMBARGO_END}{until}", f"Embargoed until {until}."]
    return statements


# --------------------------------------------------------------------------- reading


def read_oai_response(data: bytes) -> list[EtdRecord]:
    """The theses of an OAI-PMH response (ListRecords or GetRecord) in ``oai_etdms``; deleted records and
    records in another format are skipped. :class:`EtdmsError` when the document is not such a response."""
    try:
        root = etree.fromstring(
            data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        )
    except etree.XMLSyntaxError as error:
        raise EtdmsError(f"not well-formed XML: {error}") from None
    if root.tag != f"{{{OAI}}}OAI-PMH":
        raise EtdmsError(f"not an OAI-PMH response (the root element is {etree.QName(root).localname!r})")
    errors = root.findall(f"{{{OAI}}}error")
    if errors:
        raise EtdmsError(f"the response is an OAI-PMH error: {errors[0].get('code')}: {errors[0].text or ''}")
    records = []
    for element in root.iter(f"{{{OAI}}}record"):
        identifier = element.findtext(f"{{{OAI}}}header/{{{OAI}}}identifier", "").strip()
        thesis = next(
            (found for found in element.iterfind(f"{{{OAI}}}metadata/*") if _is_thesis(found)), None
        )
        if thesis is not None:
            records.append(read_thesis(thesis, identifier))
    if not records and root.find(f".//{{{OAI}}}metadata") is not None:
        raise EtdmsError("the response holds no ETD-MS <thesis> record (is it metadataPrefix=oai_etdms?)")
    return records


def _is_thesis(element: etree._Element) -> bool:
    return element.tag in (f"{{{ETDMS_11}}}thesis", f"{{{ETDMS_10}}}thesis")


def read_thesis(thesis: etree._Element, identifier: str = "") -> EtdRecord:
    """One ETD-MS ``<thesis>`` (1.0 or 1.1) as a record. Dates may be timestamps (ERA sends
    ``2013-01-31T10:18:33Z``): the day is kept."""
    namespace = etree.QName(thesis).namespace

    def texts(path: str) -> list[str]:
        found = thesis.iterfind("/".join(f"{{{namespace}}}{part}" for part in path.split("/")))
        return [" ".join(element.text.split()) for element in found if element.text and element.text.strip()]

    def contributors(role: str) -> list[str]:
        return [
            " ".join(element.text.split())
            for element in thesis.iterfind(f"{{{namespace}}}contributor")
            if element.text and element.text.strip() and role in (element.get("role") or "").lower()
        ]

    title = next(iter(texts("title")), "")
    creator = next(iter(texts("creator")), "")
    if not title or not creator:
        missing = "title" if not title else "creator"
        raise EtdmsError(f"{identifier or 'a thesis'}: no {missing}")
    defence, year = parse_date(next(iter(texts("date")), ""))
    grantor = thesis.find(f"{{{namespace}}}degree/{{{namespace}}}grantor")
    abstracts = [text for text in texts("description")]
    return EtdRecord(
        title=title,
        creator=creator,
        alternative_titles=texts("alternativeTitle"),
        identifier=identifier,
        subjects=texts("subject"),
        abstract=_ABSTRACT_PREFIX.sub("", abstracts[0]) if abstracts else "",
        supervisors=contributors("advisor"),
        committee=contributors("committee"),
        date=defence,
        year=year,
        language=language_code(next(iter(texts("language")), "")),
        identifiers=texts("identifier"),
        rights=[r for r in texts("rights") if not r.startswith(("info:eu-repo/", "Embargoed until "))],
        publisher=next(iter(texts("publisher")), ""),
        degree_name=next(iter(texts("degree/name")), ""),
        degree_level=degree_level(next(iter(texts("degree/level")), "")),
        discipline=next(iter(texts("degree/discipline")), ""),
        grantor=next(iter(texts("degree/grantor")), ""),
        grantor_uri=(grantor.get("resource") or "") if grantor is not None else "",
        embargo_until=_embargo_end(texts("rights")),
        formats=texts("format"),
    )


def parse_date(value: str) -> tuple[date | None, int | None]:
    """(day, year) of an ISO 8601 date, year-month, year or timestamp; (None, None) when unreadable."""
    match = _DATE.match(value.strip())
    if not match:
        return None, None
    year = int(match.group(1))
    if match.group(3):
        try:
            return date(year, int(match.group(2)), int(match.group(3))), year
        except ValueError:
            return None, year
    return None, year


def _embargo_end(rights: list[str]) -> date | None:
    for statement in rights:
        if statement.startswith(EMBARGO_END):
            day, _ = parse_date(statement[len(EMBARGO_END) :])
            if day:
                return day
    return None


def degree_level(text: str) -> str:
    """bachelors, masters, doctoral or other from the words repositories use ("Master's", "Doctoral")."""
    word = text.strip().lower()
    if not word:
        return ""
    return _LEVEL_OF_WORD.get(word, next((v for k, v in _LEVEL_OF_WORD.items() if k in word), "other"))


def language_code(text: str) -> str:
    """ISO 639-2/B for a language name or code ("English" -> "eng"); a 3-letter code is kept."""
    word = text.strip().lower()
    if word in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[word]
    return word if re.fullmatch(r"[a-z]{3}", word) else ""

"""A thesis as a MARC 21 bibliographic record, for the union catalog (no Django import).

The catalog reads it like any record a library sends: 502 (dissertation note: $b degree, $c grantor,
$d year, $g discipline) makes it a thesis (material type ``thesis``), 100/245/520/650 give author, title,
abstract and subjects, 700 $e the supervisors, 506 the embargo, 041/008 the language, 856 the file.
"""

from __future__ import annotations

from datetime import date

import pymarc

from .etdms import LEVEL_WORDS, EtdRecord

# MARC 21 008/24-27 nature of contents "m" = theses; 008 for books (language at 35-37).
_LEADER = "     nam a22     4i 4500"


def thesis_record(record: EtdRecord, local_id: str, *, today: date | None = None) -> pymarc.Record:
    marc = pymarc.Record(leader=_LEADER, force_utf8=True)
    year = record.date.year if record.date else record.year
    language = (record.language or "und")[:3].ljust(3)
    marc.add_field(pymarc.Field(tag="001", data=local_id))
    marc.add_field(pymarc.Field(tag="008", data=_field_008(year, language, today or date.today())))
    if record.language:
        marc.add_field(_field("041", [("a", record.language)], indicators=["0", " "]))
    marc.add_field(_field("100", [("a", record.creator), ("e", "author")], indicators=["1", " "]))
    marc.add_field(_field("245", [("a", record.title)], indicators=["1", "0"]))
    for title in record.alternative_titles:
        marc.add_field(_field("246", [("a", title)], indicators=["3", "1"]))  # 31: parallel title
    publication = [("b", record.grantor or record.publisher)] if record.grantor or record.publisher else []
    if year:
        publication.append(("c", str(year)))
    if publication:
        marc.add_field(_field("264", publication, indicators=[" ", "1"]))
    marc.add_field(_field("336", [("a", "text"), ("b", "txt"), ("2", "rdacontent")]))
    degree = record.degree_name or LEVEL_WORDS.get(record.degree_level, "")
    note = [("b", degree)] if degree else []
    note += [("c", record.grantor)] if record.grantor else []
    note += [("d", str(year))] if year else []
    note += [("g", record.discipline)] if record.discipline else []
    marc.add_field(_field("502", note or [("a", "Thesis")]))
    if record.embargo_until and record.embargo_until > (today or date.today()):
        until = record.embargo_until.isoformat()
        marc.add_field(
            _field(
                "506", [("a", f"Embargoed until {until}"), ("g", until), ("2", "star")], indicators=["1", " "]
            )
        )
    if record.abstract:
        marc.add_field(_field("520", [("a", record.abstract)], indicators=["3", " "]))
    for statement in record.rights:
        marc.add_field(_field("540", [("a", statement)]))
    for subject in record.subjects:
        marc.add_field(_field("653", [("a", subject)]))
    if record.discipline:
        marc.add_field(_field("650", [("a", record.discipline)], indicators=[" ", "4"]))
    for name in record.supervisors:
        marc.add_field(
            _field("700", [("a", name), ("e", "thesis advisor"), ("4", "ths")], indicators=["1", " "])
        )
    for identifier in record.identifiers:
        if identifier.startswith(("http://", "https://")):
            marc.add_field(_field("856", [("u", identifier)], indicators=["4", "0"]))
    return marc


def collection_xml(records: list[pymarc.Record]) -> bytes:
    """A MARCXML collection (MARC21slim) of ``records``: the catalog's import reads it."""
    body = b"".join(pymarc.record_to_xml(record, namespace=False) for record in records)
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="http://www.loc.gov/MARC21/slim">'
        + body
        + b"</collection>"
    )


def _field(tag: str, subfields: list[tuple[str, str]], indicators: list[str] | None = None) -> pymarc.Field:
    return pymarc.Field(
        tag=tag,
        indicators=pymarc.Indicators(*(indicators or [" ", " "])),
        subfields=[pymarc.Subfield(code, value) for code, value in subfields if value],
    )


def _field_008(year: int | None, language: str, today: date) -> str:
    entered = today.strftime("%y%m%d")
    dates = f"s{year:04d}    " if year else "n        "
    # 008/18-34 for books: no illustrations, target audience blank, form "o" (online), contents "m" (thesis).
    return f"{entered}{dates}xx      om    000 0 {language} d"

"""MARC 21 and UNIMARC records (pymarc objects) -> normalised :class:`BibFields` (no Django import).

Both readers (ISO 2709 and XML) build a ``pymarc.Record`` and hand it to :func:`describe_marc`, so
a record yields the same fields whatever serialisation it came in. :func:`detect_marc_flavour`
tells MARC 21 from UNIMARC when the sender did not say.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import pymarc

from khizana.catalog.identifiers import add_identifier
from khizana.catalog.records import (
    BibFields,
    HoldingData,
    HoldingStatus,
    MaterialType,
    ParsedRecord,
    RecordFormat,
    RecordKind,
    Serialisation,
)
from khizana.catalog.scripts import scripts_in

__all__ = ["MarcDescription", "describe_marc", "detect_marc_flavour", "repair_double_utf8"]

MAX_NOTES = 5

_UNIMARC_100 = re.compile(r"^\d{8}[a-z ]")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_LANG = re.compile(r"[a-z]{3}")
_SKIPPED_LANGUAGES = frozenset({"und", "zxx", "xxx", "   ", "|||"})
# A run of characters that is UTF-8 read as Latin-1/cp1252: a lead byte then continuation bytes.
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]{1,3}"
)
_TRAILING_PUNCT = re.compile(r"[\s/:;=,،؛]+$")


@dataclass
class MarcDescription:
    """What one MARC record says, in the project's terms."""

    kind: RecordKind
    fields: BibFields
    holdings: list[HoldingData]
    local_id: str
    deleted: bool
    linked_local_id: str = ""
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- text helpers


def repair_double_utf8(text: str) -> str:
    """Undo UTF-8 that was decoded as Latin-1/cp1252 and encoded again ('Ã©' -> 'é', '8Â°' -> '8°').

    Each suspicious run is repaired only when its bytes decode as UTF-8, so correct text is kept.
    """
    if not text or text.isascii() or not _MOJIBAKE.search(text):
        return text

    def fix(match: re.Match[str]) -> str:
        run = match.group(0)
        for codec in ("latin-1", "cp1252"):
            try:
                return run.encode(codec).decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
        return run

    return _MOJIBAKE.sub(fix, text)


def _clean(value: str | None, *, keep_period: bool = False) -> str:
    """Strip ISBD punctuation and brackets around a whole value (and a final full stop unless kept)."""
    if not value:
        return ""
    text = " ".join(value.split())
    if not text or (text[-1] not in "/:;=,.]،؛" and not text[-1].isspace() and text[0] != "["):
        return text  # nothing for the loop below to strip
    for _ in range(3):
        before = text
        text = _TRAILING_PUNCT.sub("", text)
        if not keep_period and text.endswith(".") and not text.endswith("...") and not _is_abbreviation(text):
            text = text[:-1].rstrip()
        if text.startswith("[") and text.endswith("]") and text.count("[") == 1:
            text = text[1:-1].strip()
        elif text.startswith("[") and "]" not in text:
            text = text[1:].strip()
        elif text.endswith("]") and "[" not in text:
            text = text[:-1].strip()
        if text == before:
            break
    return text


def _is_abbreviation(text: str) -> bool:
    """Does ``text`` end in an abbreviation whose full stop must stay ('Jr.', 'U.S.', 'J.')?"""
    last = text[:-1].rsplit(" ", 1)[-1]
    if "." in last:  # U.S. / e.g.
        return True
    letters = last.strip("([,")
    return 0 < len(letters) <= 3 and letters[:1].isupper() and letters.isalpha()


def _join(*parts: str, sep: str = " ") -> str:
    return sep.join(p for p in parts if p)


def _first(record: pymarc.Record, tag: str, code: str) -> str:
    for fld in record.get_fields(tag):
        if fld.is_control_field():
            continue
        value = fld.get(code)
        if value and value.strip():
            return value.strip()
    return ""


def _control(record: pymarc.Record, tag: str) -> str:
    for fld in record.get_fields(tag):
        if fld.is_control_field() and fld.data is not None:
            return fld.data
        if not fld.is_control_field():  # a 001 written as a data field in broken XML
            value = fld.get("a")
            if value:
                return value
    return ""


def _values(fld: pymarc.Field, *codes: str) -> list[str]:
    if fld.control_field:
        return []
    return [value for code, value in fld.subfields if code in codes and value and value.strip()]


def _add_unique(items: list[str], value: str) -> None:
    if value and value not in items:
        items.append(value)


def _year(text: str) -> int | None:
    for match in _YEAR.finditer(text or ""):
        year = int(match.group(1))
        if 500 <= year <= 2100:
            return year
    return None


# A year of the Hijri calendar as cataloguers mark it: "1325 H.", "1324 هـ", "1348 AH", "1390 ش" (solar).
_HIJRI_MARK = re.compile(r"\s*(?:h\b|h\.|a\.?h\b|هـ|ه\b|ه\.|ق\b|ش\b|hijr)", re.IGNORECASE)


def _imprint_year(text: str, coded: str) -> int | None:
    """The Gregorian year of an imprint date ("1325 H., [1907 M.]" -> 1907); ``coded`` is the
    record's coded date (MARC 21 008/07-10, UNIMARC 100 $a/09-12).

    The coded date wins when the imprint names it too; otherwise the first year not marked as Hijri.
    """
    coded_year = _year(coded) if coded.strip().isdigit() else None
    years = []
    for match in _YEAR.finditer(text or ""):
        year = int(match.group(1))
        if 500 <= year <= 2100:
            years.append((year, bool(_HIJRI_MARK.match(text, match.end()))))
    if coded_year is not None and any(year == coded_year for year, _ in years):
        return coded_year
    for year, hijri in years:
        if not hijri:
            return year
    return coded_year if coded_year is not None else (years[0][0] if years else None)


# --------------------------------------------------------------------------- flavour


def detect_marc_flavour(record: pymarc.Record) -> RecordFormat:
    """MARC 21 or UNIMARC, from the fields present (245/008/040 vs 200/100$a date/101)."""
    tags = {f.tag for f in record.get_fields()}
    field_100 = _first(record, "100", "a")
    return _flavour(tags, field_100, _control(record, "008"))


def _flavour(tags: set[str], field_100a: str, field_008: str) -> RecordFormat:
    unimarc, marc21 = flavour_scores(tags, field_100a, field_008)
    return RecordFormat.UNIMARC if unimarc > marc21 else RecordFormat.MARC21


def flavour_scores(tags: set[str], field_100a: str, field_008: str) -> tuple[int, int]:
    """(UNIMARC score, MARC 21 score) of one record from its tags, 100 $a and 008."""
    unimarc = 0
    marc21 = 0
    if "200" in tags:
        unimarc += 2
    if _UNIMARC_100.match(field_100a or ""):
        unimarc += 3
    unimarc += sum(1 for t in ("101", "102", "210", "215", "225", "801", "995") if t in tags)
    if "245" in tags:
        marc21 += 3
    if len(field_008) >= 30:
        marc21 += 2
    marc21 += sum(1 for t in ("040", "260", "264", "300", "650", "852", "952") if t in tags)
    return unimarc, marc21


# --------------------------------------------------------------------------- main entry


class _TagIndex:
    """``get_fields`` and ``get`` of a pymarc.Record, same results and order, with the fields
    grouped by tag once instead of scanned at every call. The record must not change meanwhile."""

    __slots__ = ("by_tag", "fields")

    def __init__(self, record: pymarc.Record) -> None:
        self.fields = record.fields
        by_tag: dict[str, list[pymarc.Field]] = {}
        for fld in self.fields:
            found = by_tag.get(fld.tag)
            if found is None:
                by_tag[fld.tag] = [fld]
            else:
                found.append(fld)
        self.by_tag = by_tag

    def get_fields(self, *tags: str) -> list[pymarc.Field]:
        """The callers only read the list returned (it may be the index's own)."""
        if len(tags) == 1:
            return self.by_tag.get(tags[0]) or []
        if not tags:
            return self.fields
        by_tag = self.by_tag
        present = [tag for tag in set(tags) if tag in by_tag]
        if not present:
            return []
        if len(present) == 1:
            return by_tag[present[0]]
        wanted = set(present)
        return [fld for fld in self.fields if fld.tag in wanted]

    def get(self, tag: str, default: pymarc.Field | None = None) -> pymarc.Field | None:
        found = self.by_tag.get(tag)
        return found[0] if found else default


def describe_marc(record: pymarc.Record, fmt: RecordFormat, *, raw: bytes = b"") -> MarcDescription:
    """Kind, normalised fields, holdings, local id, deleted flag and linked id of one record.

    ``raw`` (the record as sent) is only used for the ``sha1:`` local id of a record without
    001 or 035.
    """
    leader = str(record.leader or "").ljust(24)
    indexed = _TagIndex(record)  # stands in for the record below: fields looked up by tag once
    warnings: list[str] = []
    unimarc = fmt == RecordFormat.UNIMARC
    kind = _kind(leader, unimarc)
    deleted = leader[5] == "d"

    bib = _unimarc_fields(indexed, leader) if unimarc else _marc21_fields(indexed, leader)
    bib.parallel_titles = [t for t in bib.parallel_titles if t and t != bib.title]
    if kind == RecordKind.AUTHORITY:
        bib.title = bib.title or _authority_heading(indexed, unimarc)
        bib.material_type = MaterialType.OTHER
    elif kind == RecordKind.HOLDINGS:
        bib.material_type = MaterialType.OTHER
    elif not bib.title:
        warnings.append("record has no title")
    bib.scripts = scripts_in([bib.title, bib.subtitle, *bib.parallel_titles, *bib.authors, bib.publisher])

    holdings = _holdings(indexed)

    local_id = _control(indexed, "001").strip()
    if not local_id:
        local_id = _first(indexed, "035", "a")
        if local_id:
            warnings.append(f"no 001: local id taken from 035 $a ({local_id})")
        else:
            digest = hashlib.sha1(raw or str(record).encode("utf-8", "replace")).hexdigest()[:16]
            local_id = f"sha1:{digest}"
            warnings.append(f"no 001 or 035: local id is the record's checksum ({local_id})")
    linked = ""
    if not unimarc and kind == RecordKind.HOLDINGS:
        linked = _control(indexed, "004").strip()
        ids = [f.data.strip() for f in indexed.get_fields("001") if f.is_control_field() and f.data]
        if not linked and len(ids) > 1:
            # Some exports (Unicorn/Evergreen MFHD) write the bibliographic id as a first 001.
            linked, local_id = ids[0], ids[-1]
            warnings.append(
                f"holdings record without 004: its first 001 ({linked}) taken as the "
                f"bibliographic record's id, the last ({local_id}) as its own"
            )
        elif not linked:
            warnings.append("holdings record without 004: not linked to a bibliographic record")
    return MarcDescription(
        kind=kind,
        fields=bib,
        holdings=holdings,
        local_id=local_id,
        deleted=deleted,
        linked_local_id=linked,
        warnings=warnings,
    )


def _kind(leader: str, unimarc: bool) -> RecordKind:
    code = leader[6]
    if unimarc:
        return RecordKind.AUTHORITY if code in "xyz" and code != " " else RecordKind.BIBLIOGRAPHIC
    if code == "z":
        return RecordKind.AUTHORITY
    if code in "uvxy" and code != " ":
        return RecordKind.HOLDINGS
    return RecordKind.BIBLIOGRAPHIC


def _authority_heading(record: pymarc.Record, unimarc: bool) -> str:
    tags = (
        ("200", "210", "215", "216", "220", "230", "240", "250")
        if unimarc
        else ("100", "110", "111", "130", "148", "150", "151", "155")
    )
    for fld in record.get_fields(*tags):
        parts = _values(fld, "a", "b", "c", "d", "t", "x", "y", "z")
        if parts:
            return _clean(" ".join(parts))
    return ""


# --------------------------------------------------------------------------- MARC 21


_MARC21_TYPES = {
    "c": MaterialType.SCORE,
    "d": MaterialType.SCORE,
    "i": MaterialType.SOUND,
    "j": MaterialType.SOUND,
    "g": MaterialType.VIDEO,
    "e": MaterialType.MAP,
    "f": MaterialType.MAP,
    "k": MaterialType.IMAGE,
    "m": MaterialType.ELECTRONIC,
    "o": MaterialType.KIT,
    "p": MaterialType.KIT,
    "r": MaterialType.OBJECT,
    "t": MaterialType.MANUSCRIPT,
}


def _marc21_material(record: _TagIndex, leader: str) -> MaterialType:
    rtype, level = leader[6], leader[7]
    if rtype == "a":
        if level in "si" and level != " ":
            return MaterialType.SERIAL
        if level in "ab" and level != " ":
            return MaterialType.ARTICLE
        material = MaterialType.BOOK
    else:
        material = _MARC21_TYPES.get(rtype, MaterialType.OTHER)
    if rtype in "at" and level not in "sabi":
        f008 = _control(record, "008")
        if record.by_tag.get("502", ()) or "m" in f008[24:28]:
            return MaterialType.THESIS
    return material


def _marc21_fields(record: _TagIndex, leader: str) -> BibFields:
    bib = BibFields()
    f245 = record.get("245")
    if f245 is not None and not f245.is_control_field():
        bib.title = _clean(" ".join(_clean(v) for v in _values(f245, "a", "n", "p")))
        bib.subtitle = _clean(" ".join(_values(f245, "b")))

    # Parallel titles: 880 linked to 245/246, then 246 $a.
    for fld in record.by_tag.get("880", ()):
        link = (fld.get("6") or "") if not fld.is_control_field() else ""
        if link[:3] in ("245", "246"):
            title = _clean(_join(*(_clean(v) for v in _values(fld, "a", "n", "p"))))
            sub = _clean(" ".join(_values(fld, "b")))
            _add_unique(bib.parallel_titles, _join(title, sub, sep=" : "))
    for fld in record.by_tag.get("246", ()):
        _add_unique(bib.parallel_titles, _clean(" ".join(_values(fld, "a"))))

    # Authors: main entry, added entries, then their 880 forms.
    for tag in ("100", "110", "111", "700", "710", "711"):
        for fld in record.by_tag.get(tag, ()):
            _add_unique(bib.authors, _marc21_name(fld, tag))
    for fld in record.by_tag.get("880", ()):
        link = (fld.get("6") or "") if not fld.is_control_field() else ""
        if link[:3] in ("100", "110", "111", "700", "710", "711"):
            _add_unique(bib.authors, _marc21_name(fld, link[:3]))

    ids = bib.identifiers
    for fld in record.by_tag.get("020", ()):
        for value in _values(fld, "a"):
            add_identifier(ids, "isbn", value)
        for value in _values(fld, "z"):
            add_identifier(ids, "isbn_cancelled", value)
    for fld in record.by_tag.get("022", ()):
        for value in _values(fld, "a"):
            add_identifier(ids, "issn", value)
    for fld in record.by_tag.get("010", ()):
        for value in _values(fld, "a"):
            add_identifier(ids, "lccn", value)
    for fld in record.by_tag.get("035", ()):
        for value in _values(fld, "a"):
            add_identifier(ids, "oclc", value)
    for fld in record.by_tag.get("015", ()):
        for value in _values(fld, "a"):
            add_identifier(ids, "nbn", value)
    for fld in record.by_tag.get("024", ()):
        scheme = {"0": "isrc", "1": "upc", "2": "ismn", "3": "ean"}.get(fld.indicator1 or " ", "other")
        for value in _values(fld, "a"):
            add_identifier(ids, scheme, value)

    # Publication: 264 _1 first, else 260.
    pub = None
    for fld in record.by_tag.get("264", ()):
        if fld.indicator2 == "1":
            pub = fld
            break
    if pub is None:
        pub = record.get("260")
    if pub is not None and not pub.is_control_field():
        bib.publisher = _clean(next(iter(_values(pub, "b")), ""))
        bib.place = _clean(next(iter(_values(pub, "a")), ""))
        bib.year = _imprint_year(" ".join(_values(pub, "c")), _control(record, "008")[7:11])
    f008 = _control(record, "008")
    if bib.year is None and len(f008) >= 11 and f008[7:11].isdigit():
        bib.year = _year(f008[7:11])

    bib.edition = _clean(_first(record, "250", "a"), keep_period=True)
    _add_language(bib.languages, f008[35:38] if len(f008) >= 38 else "")
    for fld in record.by_tag.get("041", ()):
        for value in _values(fld, "a"):
            for code in _LANG.findall(value.lower()):
                _add_language(bib.languages, code)

    bib.material_type = _marc21_material(record, leader)

    for fld in record.get_fields("600", "610", "611", "630", "648", "650", "651", "655"):
        _add_unique(bib.subjects, _subject(fld, ("a",), "vxyz"))

    for tag, prefix in (("050", "lcc"), ("090", "lcc"), ("082", "ddc"), ("080", "udc"), ("084", "other")):
        for fld in record.by_tag.get(tag, ()):
            for value in _values(fld, "a")[:1]:
                _add_unique(bib.classification, f"{prefix}:{_class_value(value, prefix)}")

    _notes(bib, record, ("500", "520"))
    bib.original_script = _original_script(record)
    return bib


_NAME_TAGS = ("600", "610", "611", "700", "710", "711", "720", "800", "810", "811")
_ROLE_BY_TAG = {"250": "edition", "490": "series", "830": "series", "440": "series"}


def _original_script(record: _TagIndex) -> dict[str, list[str]]:
    """The 880 forms of the record's fields, by role (see BibFields.original_script).

    The linked tag comes from $6 ("245-02/(3/r"); an 880 whose $6 is missing or broken still counts,
    as "other". 880 forms of 245 $a/$b are parallel titles already and are not repeated here.
    """
    found: dict[str, list[str]] = {}
    for fld in record.by_tag.get("880", ()):
        if fld.is_control_field():
            continue
        tag = (fld.get("6") or "")[:3]
        if tag in ("100", "110", "111"):
            _add_unique(found.setdefault("author", []), _marc21_name(fld, tag))
        elif tag in _NAME_TAGS:
            _add_unique(found.setdefault("names", []), _marc21_name(fld, tag))
        elif tag == "245":
            _add_unique(found.setdefault("responsibility", []), _clean(" ".join(_values(fld, "c"))))
        elif tag in ("260", "264"):
            _add_unique(found.setdefault("publisher", []), _clean(" ".join(_values(fld, "b"))))
            _add_unique(found.setdefault("place", []), _clean(" ".join(_values(fld, "a"))))
        elif tag == "246":
            continue
        else:
            role = _ROLE_BY_TAG.get(tag, "other")
            text = " ".join(v for code, v in fld.subfields if code != "6" and v and v.strip())
            _add_unique(found.setdefault(role, []), _clean(text, keep_period=role == "edition"))
    return {role: values for role, values in found.items() if values}


def _marc21_name(fld: pymarc.Field, tag: str) -> str:
    if tag.endswith("00"):
        name = _join(*(_clean(v) for v in _values(fld, "a")))
        fuller = _values(fld, "q")
        if fuller:
            name = _join(name, _clean(fuller[0]))
        return _clean(name)
    if tag.endswith("10"):
        return _clean(_join(*(_clean(v) for v in _values(fld, "a", "b")), sep=". "))
    return _clean(_join(*(_clean(v) for v in _values(fld, "a"))))


def _add_language(languages: list[str], code: str) -> None:
    code = (code or "").strip().lower()
    if len(code) == 3 and code.isalpha() and code.isascii() and code not in _SKIPPED_LANGUAGES:
        _add_unique(languages, code)


def _subject(fld: pymarc.Field, main: tuple[str, ...], subdivisions: str) -> str:
    if fld.is_control_field():
        return ""
    head: list[str] = []
    tail: list[str] = []
    for code, text in fld.subfields:
        value = _clean(text)
        if not value:
            continue
        if code in main:
            head.append(value)
        elif code in subdivisions:
            tail.append(value)
    if not head:
        return ""
    return " -- ".join([", ".join(head), *tail])


def _class_value(value: str, prefix: str) -> str:
    value = " ".join(value.split())
    if prefix == "ddc":
        value = value.replace("/", "").replace("'", "")
    return value


def _notes(bib: BibFields, record: pymarc.Record, tags: tuple[str, ...]) -> None:
    for fld in record.get_fields(*tags):
        for value in _values(fld, "a"):
            if len(bib.notes) < MAX_NOTES:
                _add_unique(bib.notes, value.strip())


# --------------------------------------------------------------------------- UNIMARC


_UNIMARC_TYPES = {
    "b": MaterialType.MANUSCRIPT,
    "c": MaterialType.SCORE,
    "d": MaterialType.SCORE,
    "e": MaterialType.MAP,
    "f": MaterialType.MAP,
    "g": MaterialType.VIDEO,
    "i": MaterialType.SOUND,
    "j": MaterialType.SOUND,
    "k": MaterialType.IMAGE,
    "l": MaterialType.ELECTRONIC,
    "m": MaterialType.KIT,
    "r": MaterialType.OBJECT,
}


def _unimarc_material(record: _TagIndex, leader: str) -> MaterialType:
    rtype, level = leader[6], leader[7]
    if rtype == "a":
        if level == "s" or level == "i":
            return MaterialType.SERIAL
        if level == "a":
            return MaterialType.ARTICLE
        f105 = _first(record, "105", "a")
        if record.by_tag.get("328", ()) or "m" in f105[4:8]:
            return MaterialType.THESIS
        return MaterialType.BOOK
    return _UNIMARC_TYPES.get(rtype, MaterialType.OTHER)


def _unimarc_fields(record: _TagIndex, leader: str) -> BibFields:
    bib = BibFields()
    f200 = record.get("200")
    if f200 is not None and not f200.is_control_field():
        first_a = _values(f200, "a")[:1]
        bib.title = _clean(" ".join(_clean(v) for v in [*first_a, *_values(f200, "h", "i")]))
        bib.subtitle = _clean(" ; ".join(_clean(v) for v in _values(f200, "e")))
        for value in _values(f200, "a")[1:] + _values(f200, "d"):
            _add_unique(bib.parallel_titles, _clean(value))
    for fld in record.by_tag.get("510", ()):
        _add_unique(bib.parallel_titles, _clean(" ".join(_values(fld, "a"))))

    for tag in ("700", "701", "702", "710", "711", "712"):
        for fld in record.by_tag.get(tag, ()):
            name = _clean(_join(*(_clean(v) for v in _values(fld, "a", "b")), sep=", "))
            _add_unique(bib.authors, name)

    ids = bib.identifiers
    for fld in record.by_tag.get("010", ()):
        for value in _values(fld, "a"):
            add_identifier(ids, "isbn", value)
        for value in _values(fld, "z"):
            add_identifier(ids, "isbn_cancelled", value)
    for fld in record.by_tag.get("011", ()):
        for value in _values(fld, "a"):
            add_identifier(ids, "issn", value)
    for fld in record.by_tag.get("020", ()):
        for value in _values(fld, "b"):
            add_identifier(ids, "nbn", value)
    for fld in record.by_tag.get("035", ()):
        for value in _values(fld, "a"):
            add_identifier(ids, "oclc", value)
    for fld in record.by_tag.get("073", ()):
        for value in _values(fld, "a"):
            add_identifier(ids, "ean", value)

    pub = record.get("210") or record.get("214")
    if pub is not None and not pub.is_control_field():
        bib.publisher = _clean(next(iter(_values(pub, "c")), ""))
        bib.place = _clean(next(iter(_values(pub, "a")), ""))
        bib.year = _imprint_year(" ".join(_values(pub, "d")), _first(record, "100", "a")[9:13])
    f100 = _first(record, "100", "a")
    if bib.year is None and len(f100) >= 13 and f100[9:13].isdigit():
        bib.year = _year(f100[9:13])

    bib.edition = _clean(_first(record, "205", "a"), keep_period=True)
    for fld in record.by_tag.get("101", ()):
        for value in _values(fld, "a"):
            for code in _LANG.findall(value.lower()):
                _add_language(bib.languages, code)

    bib.material_type = _unimarc_material(record, leader)

    for fld in record.get_fields("600", "601", "602", "604", "605", "606", "607", "608", "610"):
        main = ("a", "b") if fld.tag == "600" else ("a",)
        _add_unique(bib.subjects, _subject(fld, main, "jxyz"))

    for tag, prefix in (("675", "udc"), ("676", "ddc"), ("680", "lcc"), ("686", "other")):
        for fld in record.by_tag.get(tag, ()):
            for value in _values(fld, "a")[:1]:
                _add_unique(bib.classification, f"{prefix}:{_class_value(value, prefix)}")

    _notes(bib, record, ("300", "330"))
    return bib


# --------------------------------------------------------------------------- holdings


def _sub(fld: pymarc.Field, code: str) -> str:
    values = _values(fld, code)
    return values[0].strip() if values else ""


def _nonzero(value: str) -> bool:
    return bool(value) and value.strip("0 ") != ""


def _holdings(record: pymarc.Record) -> list[HoldingData]:
    items: list[HoldingData] = []
    for fld in record.get_fields("852", "952", "995"):
        if fld.is_control_field():
            continue
        if fld.tag == "852":
            items.append(
                HoldingData(
                    call_number=_join(_sub(fld, "h"), _sub(fld, "i")) or _sub(fld, "j"),
                    barcode=_sub(fld, "p"),
                    location=_join(_sub(fld, "b"), _sub(fld, "c")),
                    status=HoldingStatus.UNKNOWN,
                    source_tag="852",
                )
            )
        elif fld.tag == "952":
            if _nonzero(_sub(fld, "1")):
                status = HoldingStatus.LOST
            elif _sub(fld, "q"):
                status = HoldingStatus.ON_LOAN
            elif _nonzero(_sub(fld, "7")) or _nonzero(_sub(fld, "0")):
                status = HoldingStatus.NOT_FOR_LOAN
            else:
                status = HoldingStatus.AVAILABLE
            items.append(
                HoldingData(
                    call_number=_sub(fld, "o"),
                    barcode=_sub(fld, "p"),
                    location=_join(_sub(fld, "b") or _sub(fld, "a"), _sub(fld, "c")),
                    status=status,
                    source_tag="952",
                )
            )
        else:
            if _sub(fld, "n"):
                status = HoldingStatus.ON_LOAN
            elif _sub(fld, "o").strip().isdigit() and _nonzero(_sub(fld, "o")):
                # Koha's not-for-loan values are numeric; letter codes there (Sciences Po's "L4")
                # are local loan types, not a refusal to lend.
                status = HoldingStatus.NOT_FOR_LOAN
            else:
                status = HoldingStatus.AVAILABLE
            items.append(
                HoldingData(
                    call_number=repair_double_utf8(_sub(fld, "k")),
                    barcode=_sub(fld, "f"),
                    location=_join(_sub(fld, "b") or _sub(fld, "c"), _sub(fld, "e")),
                    status=status,
                    source_tag="995",
                )
            )
    return items


def parsed_marc_record(
    record: pymarc.Record,
    fmt: RecordFormat,
    *,
    serialisation: Serialisation,
    raw: bytes,
    number: int,
    offset: int,
    warnings: list[str],
) -> ParsedRecord:
    """The :class:`ParsedRecord` of a decoded MARC record, whatever serialisation it came in."""
    description = describe_marc(record, fmt, raw=raw)
    return ParsedRecord(
        local_id=description.local_id,
        format=fmt,
        serialisation=serialisation,
        kind=description.kind,
        raw=raw,
        number=number,
        offset=offset,
        fields=description.fields,
        holdings=description.holdings,
        deleted=description.deleted,
        warnings=list(dict.fromkeys([*warnings, *description.warnings])),
        linked_local_id=description.linked_local_id,
    )

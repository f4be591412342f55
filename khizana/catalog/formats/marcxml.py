"""MARCXML reader: MARC 21 slim, marcxchange, RUSMARC XML, bare or inside SRU/OAI-PMH (no Django import).

Every element named ``record`` that holds ``leader``/``controlfield``/``datafield`` children (or is
in a MARC namespace) is one record, wherever it sits and whatever its namespace. The document is
parsed with lxml's recovering parser, wrapped in a synthetic root so that files holding several
``<record>`` roots still load; records are numbered in document order from 1.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import pymarc
from lxml import etree

from khizana.catalog.formats import flavour_warning, record_flavour
from khizana.catalog.formats.marc_fields import parsed_marc_record, repair_double_utf8
from khizana.catalog.records import ParsedRecord, RecordFormat, RejectedRecord, Serialisation

__all__ = ["read_marcxml"]

MARC_NAMESPACES = frozenset(
    {
        "http://www.loc.gov/MARC21/slim",
        "info:lc/xmlns/marcxchange-v1",
        "info:lc/xmlns/marcxchange-v2",
        "urn:iso:std:iso:25577",
        "http://www.rba.ru/rusmarc/soft",
    }
)
RUSMARC_NAMESPACE = "http://www.rba.ru/rusmarc/soft"
_FIELD_NAMES = frozenset({"leader", "controlfield", "datafield"})
_DEFAULT_LEADER = {
    RecordFormat.MARC21: "00000nam a2200000 i 4500",
    RecordFormat.UNIMARC: "00000nam  2200000   450 ",
}
_PROLOG = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>)?(?:\s*<!--.*?-->|\s*<\?(?!xml\b)[^>]*\?>|\s*<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)*",
    re.DOTALL,
)
_WRAPPER = b"khizana-wrapper"
_GOOD_INDICATOR = re.compile(r"[0-9a-z |]")
_GOOD_CODE = re.compile(r"[a-z0-9]")


def read_marcxml(
    data: bytes, *, format_hint: RecordFormat | None = None
) -> Iterator[ParsedRecord | RejectedRecord]:
    """Yield one ParsedRecord or RejectedRecord per MARC record element of an XML document.

    ``format_hint``: the document's flavour; a record's ``format`` attribute (marcxchange) or the
    RUSMARC namespace overrides it for that record, and a record whose fields plainly belong to the
    other flavour is read in that one, with a warning (see
    :func:`khizana.catalog.formats.record_flavour`).
    """
    root, errors = _parse(data)
    if root is None:
        if data.strip():
            reason = errors[0][1] if errors else "unknown error"
            yield RejectedRecord(
                number=1, offset=0, raw=data, reason=f"not XML, no record can be read ({reason})"
            )
        return
    line_starts = _line_starts(data)
    elements = [element for element in root.iter(etree.Element) if _is_record(element)]
    lines = [element.sourceline or 1 for element in elements]
    for index, element in enumerate(elements):
        number = index + 1
        line = lines[index]
        offset = line_starts[min(line, len(line_starts)) - 1]
        end_line = lines[index + 1] if index + 1 < len(lines) else None
        problems = [
            f"XML is not well-formed at line {error_line} ({message}); read with a recovering parser"
            for error_line, message in errors
            if error_line >= line and (end_line is None or error_line < end_line)
        ]
        raw = etree.tostring(element, encoding="utf-8", xml_declaration=False, with_tail=False)
        try:
            yield _read_record(element, raw, number, offset, format_hint, problems)
        except Exception as exc:  # a bug must not stop the file: keep the record as rejected
            yield RejectedRecord(
                number=number,
                offset=offset,
                raw=raw,
                reason=f"unreadable record ({type(exc).__name__}: {exc})",
            )


def _parse(data: bytes) -> tuple[etree._Element | None, list[tuple[int, str]]]:
    """The document under a synthetic root, and the (line, message) errors the parser recovered from."""
    prolog = _PROLOG.match(data)
    cut = prolog.end() if prolog else 0
    wrapped = data[:cut] + b"<" + _WRAPPER + b">" + data[cut:] + b"</" + _WRAPPER + b">"
    parser = etree.XMLParser(
        recover=True, huge_tree=True, resolve_entities=False, no_network=True, remove_blank_text=False
    )
    try:
        root = etree.fromstring(wrapped, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        return None, [(0, str(exc))]
    errors = [(e.line, e.message.strip()) for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
    if root is None:
        return None, errors or [(0, "empty document")]
    return root, errors


def _line_starts(data: bytes) -> list[int]:
    starts = [0]
    position = data.find(b"\n")
    while position >= 0:
        starts.append(position + 1)
        position = data.find(b"\n", position + 1)
    return starts


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _namespace(element: etree._Element) -> str:
    return etree.QName(element).namespace or ""


def _is_record(element: etree._Element) -> bool:
    if _local(element) != "record":
        return False
    if _namespace(element) in MARC_NAMESPACES:
        return True
    return any(_local(child) in _FIELD_NAMES for child in element.iterchildren(etree.Element))


def _text(element: etree._Element) -> str:
    return "".join(element.itertext())


def _read_record(
    element: etree._Element,
    raw: bytes,
    number: int,
    offset: int,
    format_hint: RecordFormat | None,
    problems: list[str],
) -> ParsedRecord | RejectedRecord:
    warnings: list[str] = list(problems)

    leader_text = None
    fields: list[pymarc.Field] = []
    for child in element.iterchildren(etree.Element):
        name = _local(child)
        if name == "leader":
            leader_text = _text(child)
        elif name == "controlfield":
            tag = _tag(child, warnings)
            if tag:
                fields.append(
                    pymarc.Field(tag=tag, data=_text(child))
                    if tag < "010" and tag.isdigit()
                    else pymarc.Field(tag=tag, subfields=[pymarc.Subfield("a", _text(child))])
                )
        elif name == "datafield":
            tag = _tag(child, warnings)
            datafield = _datafield(child, tag, warnings) if tag else None
            if datafield is not None and not datafield.subfields:
                warnings.append(f"field {tag} has no subfields (dropped)")
            elif datafield is not None:
                fields.append(datafield)

    if not fields:
        return RejectedRecord(number=number, offset=offset, raw=raw, reason="record has no fields")

    declared = _format(element, format_hint)

    def evidence() -> tuple[str, str]:
        field_100a = field_008 = ""
        for fld in fields:  # as marc_fields.detect_marc_flavour reads them
            if fld.tag == "100" and not field_100a and not fld.is_control_field():
                field_100a = (fld.get("a") or "").strip()
            elif fld.tag == "008" and not field_008:
                field_008 = (fld.data if fld.is_control_field() else fld.get("a")) or ""
        return field_100a, field_008

    fmt = record_flavour(declared, {fld.tag for fld in fields}, evidence)
    if declared is not None and fmt != declared:
        warnings.append(flavour_warning(declared, fmt, number, offset))

    if leader_text is None:
        leader_text = _DEFAULT_LEADER[fmt]
        warnings.append("record has no leader: a default one was assumed")
    elif len(leader_text) != 24:
        shown = leader_text
        leader_text = leader_text[:24].ljust(24)
        warnings.append(f"leader is {len(shown)} characters long, not 24 (padded or cut)")
    record = pymarc.Record()
    record.leader = pymarc.Leader(leader_text)
    record.fields = fields

    return parsed_marc_record(
        record, fmt, serialisation=Serialisation.XML, raw=raw, number=number, offset=offset, warnings=warnings
    )


def _format(element: etree._Element, format_hint: RecordFormat | None) -> RecordFormat | None:
    if _namespace(element) == RUSMARC_NAMESPACE:
        return RecordFormat.UNIMARC
    declared = (element.get("format") or "").strip().upper().replace(" ", "")
    if "UNIMARC" in declared or "RUSMARC" in declared:
        return RecordFormat.UNIMARC
    if declared.startswith("MARC21") or declared == "USMARC":
        return RecordFormat.MARC21
    if format_hint in (RecordFormat.MARC21, RecordFormat.UNIMARC):
        return format_hint
    return None


def _tag(field: etree._Element, warnings: list[str]) -> str:
    tag = (field.get("tag") or "").strip()
    kind = _local(field)
    if not tag:
        warnings.append(f"{kind} without a tag attribute dropped ({_text(field).strip()[:40]!r})")
        return ""
    if tag.isdigit() and len(tag) < 3:
        warnings.append(f"{kind} tag {tag!r} read as {tag.zfill(3)!r}")
        return tag.zfill(3)
    if not (tag.isascii() and tag.isalnum() and len(tag) == 3):
        warnings.append(f"{kind} has an invalid tag {tag!r}")
    return tag


def _datafield(field: etree._Element, tag: str, warnings: list[str]) -> pymarc.Field:
    indicators = []
    for name in ("ind1", "ind2"):
        value = field.get(name)
        if value is None:
            warnings.append(f"field {tag}: {name} missing (read as blank)")
            value = " "
        value = value.replace("#", " ").replace("\\", " ").replace("\xa0", " ")
        if len(value) != 1 or not _GOOD_INDICATOR.fullmatch(value):
            warnings.append(f"field {tag}: bad {name} {value!r} (read as blank)")
            value = " "
        indicators.append(value)
    subfields: list[pymarc.Subfield] = []
    for child in field.iterchildren(etree.Element):
        name = _local(child)
        code = child.get("code")
        if name != "subfield":
            if code is None:
                warnings.append(f"field {tag}: unexpected <{name}> element ignored")
                continue
            warnings.append(f"field {tag}: <{name}> element read as a subfield")
        if code is None or code == "":
            warnings.append(f"field {tag}: subfield without a code (read as '?')")
            code = "?"
        elif not _GOOD_CODE.fullmatch(code):
            warnings.append(f"field {tag}: bad subfield code {code!r}")
        value = _text(child)
        fixed = repair_double_utf8(value)
        if fixed != value:
            warnings.append(f"double-encoded UTF-8 repaired in {tag}")
        if not fixed.isascii() and not unicodedata.is_normalized("NFC", fixed):
            fixed = unicodedata.normalize("NFC", fixed)
        subfields.append(pymarc.Subfield(code=code, value=fixed))
    return pymarc.Field(tag=tag, indicators=pymarc.Indicators(*indicators), subfields=subfields)


def in_namespace(element: etree._Element, namespace: str) -> etree._Element:
    """A copy of ``element`` and its descendants with every element in ``namespace`` (attributes in
    other namespaces dropped): MARCXML, MARCXchange and OAI-wrapped records share their shape."""
    copy = etree.Element(f"{{{namespace}}}{etree.QName(element).localname}", nsmap={None: namespace})
    for name, value in element.attrib.items():
        if "{" not in name:
            copy.set(name, value)
    copy.text = element.text
    for child in element:
        if isinstance(child.tag, str):
            converted = in_namespace(child, namespace)
            converted.tail = child.tail
            copy.append(converted)
    return copy

"""Readers for the files libraries send, and the sniffing that picks one (no Django import).

:func:`detect_format` looks at the content (the file name is only used to word error messages):

* ISO 2709 (MARC 21 or UNIMARC): five digits then a leader-shaped 24 bytes, with field and record
  terminators;
* XML: the root element and the namespaces of the first elements: MARCXML, marcxchange, SRU
  responses, OAI-PMH responses (MARC metadata -> MARC, anything else -> Dublin Core reader), plain
  ``oai_dc`` documents;
* CSV otherwise, when the first line is a header with recognisable columns.

MARC 21 and UNIMARC are told apart by the tags of the first records (245/008 against 200/100): that
is the file's flavour (or the one the sender declared). Each record is then read in the file's flavour
unless its own fields plainly say otherwise (:func:`record_flavour`): a UNIMARC record inside a MARC 21
file is read as UNIMARC, with a warning naming its position. :func:`read_records` detects then
dispatches to the matching reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from io import BytesIO

from lxml import etree

from khizana.catalog.formats.marc_fields import flavour_scores
from khizana.catalog.records import ParsedRecord, RecordFormat, RejectedRecord, Serialisation

__all__ = [
    "DetectedFormat",
    "UnreadableFileError",
    "detect_format",
    "flavour_warning",
    "read_records",
    "record_flavour",
]


class UnreadableFileError(ValueError):
    """The file as a whole cannot be read. The message names the problem; the caller adds the file name."""


@dataclass
class DetectedFormat:
    format: RecordFormat | None  # None: a recognised file that holds no records (OAI-PMH error, Identify ...)
    serialisation: Serialisation
    dialect: str  # marcxml, marcxchange, sru-marc, oai-marc, oai_dc, oai-pica, oai-error, iso2709, csv ...


MARC_DIALECTS = frozenset({"marcxml", "marcxchange", "sru-marc", "oai-marc"})

_MARC_NAMESPACES = frozenset(
    {
        "http://www.loc.gov/MARC21/slim",
        "info:lc/xmlns/marcxchange-v1",
        "info:lc/xmlns/marcxchange-v2",
        "http://www.rba.ru/rusmarc/soft",
    }
)
_MARCXCHANGE_PREFIX = "info:lc/xmlns/marcxchange"
_OAI_NAMESPACE = "http://www.openarchives.org/OAI/2.0/"
_DC_NAMESPACES = frozenset({"http://purl.org/dc/elements/1.1/", "http://purl.org/dc/terms/"})
_OAI_DC_NAMESPACE = "http://www.openarchives.org/OAI/2.0/oai_dc/"
_PICA_NAMESPACE = "http://www.oclcpica.org/xmlns/ppxml-1.0"
_SRU_ROOT = "searchRetrieveResponse"
_RECORD_VERBS = frozenset({"ListRecords", "GetRecord"})
_UNIMARC_100 = re.compile(r"^\d{8}[a-z ]")
_SNIFF_RECORDS = 20  # records looked at to tell MARC 21 from UNIMARC
_SNIFF_EVENTS = 40_000  # XML start/end events looked at before giving up


# --------------------------------------------------------------------------- MARC flavour


def _flavour(scores: list[tuple[int, int]], leaders: list[str]) -> RecordFormat:
    unimarc = sum(s[0] for s in scores)
    marc21 = sum(s[1] for s in scores)
    if unimarc == marc21:
        # No telling tag: UNIMARC leaders usually end in "450 ", MARC 21 ones in "4500".
        unimarc_leaders = sum(1 for leader in leaders if leader[20:24] == "450 ")
        return RecordFormat.UNIMARC if unimarc_leaders > len(leaders) / 2 else RecordFormat.MARC21
    return RecordFormat.UNIMARC if unimarc > marc21 else RecordFormat.MARC21


_TITLE_TAGS = {RecordFormat.MARC21: "245", RecordFormat.UNIMARC: "200"}
_OTHER_FLAVOUR = {RecordFormat.MARC21: RecordFormat.UNIMARC, RecordFormat.UNIMARC: RecordFormat.MARC21}
_FLAVOUR_NAMES = {RecordFormat.MARC21: "MARC 21", RecordFormat.UNIMARC: "UNIMARC"}
STRONG_FLAVOUR_MARGIN = 3  # one decisive sign: a 245, a UNIMARC 100 $a date, 200 with another UNIMARC tag


def record_flavour(
    declared: RecordFormat | None, tags: Collection[str], evidence: Callable[[], tuple[str, str]]
) -> RecordFormat:
    """The flavour one MARC record is read in.

    ``declared``: the flavour of its file (the sender's, or the one detected on the file), None when
    nothing is known; ``tags``: the record's tags; ``evidence()``: its (100 $a, 008), only asked for
    when the tags alone do not settle it. Without a declared flavour the record's own fields decide (a
    tie is MARC 21). With one, the record keeps it unless its fields plainly belong to the other: it
    lacks the declared flavour's title field (245 for MARC 21, 200 for UNIMARC), its score for the
    other flavour is higher (see ``flavour_scores``), and either it has the other's title field or the
    other's score is ahead by :data:`STRONG_FLAVOUR_MARGIN`. A record that says little either way keeps
    the declared flavour. Cheap for the usual record: the declared title field present and the other's
    absent settles it from the tags.
    """
    if declared not in _TITLE_TAGS:
        field_100a, field_008 = evidence()
        unimarc, marc21 = flavour_scores(set(tags), field_100a, field_008)
        return RecordFormat.UNIMARC if unimarc > marc21 else RecordFormat.MARC21
    own_title, other = _TITLE_TAGS[declared], _OTHER_FLAVOUR[declared]
    if own_title in tags:
        return declared
    field_100a, field_008 = evidence()
    unimarc, marc21 = flavour_scores(set(tags), field_100a, field_008)
    own_score, other_score = (unimarc, marc21) if declared == RecordFormat.UNIMARC else (marc21, unimarc)
    if other_score > own_score and (
        _TITLE_TAGS[other] in tags or other_score - own_score >= STRONG_FLAVOUR_MARGIN
    ):
        return other
    return declared


def flavour_warning(declared: RecordFormat, used: RecordFormat, number: int, offset: int) -> str:
    """The warning of a record read in another flavour than the one declared or detected for its file."""
    used_name, declared_name = _FLAVOUR_NAMES.get(used, used), _FLAVOUR_NAMES.get(declared, declared)
    return (
        f"record {number} at byte {offset}: read as {used_name}, not as {declared_name} (the flavour "
        f"declared or detected for its file), because its fields are {used_name} ones"
    )


# --------------------------------------------------------------------------- ISO 2709


def _looks_like_iso2709(data: bytes) -> bool:
    head = data[:24]
    if len(head) < 24 or not head[:5].isdigit():
        return False
    if b"\x1e" not in data[:100_000]:
        return False
    # A leader: mostly printable ASCII; indicator/subfield counts and the entry map are usually
    # "22" and "4500"/"450 ", but damaged leaders exist, so only require most of it to be printable.
    printable = sum(1 for b in head if 0x20 <= b < 0x7F)
    return printable >= 22


def _iso2709_flavour(data: bytes) -> RecordFormat:
    scores: list[tuple[int, int]] = []
    leaders: list[str] = []
    pos = 0
    for _ in range(_SNIFF_RECORDS):
        head = data[pos : pos + 24]
        if len(head) < 24 or not head[:5].isdigit():
            break
        length = int(head[:5])
        end = data.find(b"\x1d", pos)
        record = data[pos : end + 1] if end != -1 else data[pos:]
        if length < 24 or abs(len(record) - length) > 2:
            record = data[pos : pos + max(length, 24)] if length >= 24 else record
        leader = head.decode("ascii", "replace")
        leaders.append(leader)
        tags, field_100a, field_008 = _iso2709_fields(record)
        scores.append(flavour_scores(tags, field_100a, field_008))
        if end == -1:
            break
        pos = end + 1
        while pos < len(data) and data[pos : pos + 1] in (b"\n", b"\r", b" "):
            pos += 1
    return _flavour(scores, leaders)


def _iso2709_fields(record: bytes) -> tuple[set[str], str, str]:
    """Tags of one ISO 2709 record, the 100 $a and the 008 (best effort, never raises)."""
    tags: set[str] = set()
    field_100a = ""
    field_008 = ""
    try:
        base = int(record[12:17])
    except ValueError:
        base = 0
    directory_end = record.find(b"\x1e", 24)
    if directory_end == -1:
        return tags, field_100a, field_008
    if not base:
        base = directory_end + 1
    directory = record[24:directory_end]
    for i in range(0, len(directory) - 11, 12):
        entry = directory[i : i + 12]
        tag = entry[:3].decode("ascii", "replace")
        tags.add(tag)
        if tag not in ("100", "008"):
            continue
        try:
            length, start = int(entry[3:7]), int(entry[7:12])
        except ValueError:
            continue
        value = record[base + start : base + start + length].rstrip(b"\x1e").decode("utf-8", "replace")
        if tag == "008":
            field_008 = value
        elif "\x1fa" in value:
            field_100a = value.split("\x1fa", 1)[1].split("\x1f", 1)[0]
    return tags, field_100a, field_008


# --------------------------------------------------------------------------- XML


def _strip_bom(data: bytes) -> tuple[str, str]:
    """(encoding name, first decoded characters) for sniffing."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8", data[3:4096].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", data[:8192].decode("utf-16", "replace")
    return "utf-8", data[:4096].decode("utf-8", "replace")


def _looks_like_xml(head: str) -> bool:
    return head.lstrip().startswith("<")


def xml_syntax_problem(error: etree.XMLSyntaxError) -> str:
    """'not well-formed XML: <what lxml says> (line L, column C)'."""
    line, column = error.position if error.position else (0, 0)
    message = error.msg or str(error)
    message = re.sub(r",? line \d+, column \d+.*$", "", message).strip()
    return f"not well-formed XML: {message} (line {line}, column {column})"


def _local(tag: object) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _sniff_xml(data: bytes) -> DetectedFormat:
    """Classify an XML document from its first elements (does not read the whole file)."""
    root_ns = root_name = ""
    oai_verb = ""
    oai_error = False
    metadata_ns = metadata_name = ""
    in_metadata = False
    marc_dialect = ""
    record_depth = -1
    depth = 0
    tags: set[str] = set()
    cur_tag = ""
    field_100a = field_008 = ""
    marc_format_attr = ""
    scores: list[tuple[int, int]] = []
    leaders: list[str] = []
    saw_dc = False
    saw_pica = False
    syntax_error: etree.XMLSyntaxError | None = None
    events = 0
    context = etree.iterparse(
        BytesIO(data),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        huge_tree=True,
        load_dtd=False,
    )
    try:
        for event, element in context:
            events += 1
            namespace, name = _local(element.tag)
            if event == "start":
                depth += 1
                if depth == 1:
                    root_ns, root_name = namespace, name
                elif depth == 2 and root_name == "OAI-PMH":
                    if name == "error":
                        oai_error = True
                    elif name in _RECORD_VERBS or name in (
                        "Identify",
                        "ListSets",
                        "ListIdentifiers",
                        "ListMetadataFormats",
                    ):
                        oai_verb = name
                if name == "metadata" and namespace in ("", _OAI_NAMESPACE):
                    in_metadata = True
                elif in_metadata and not metadata_name:
                    metadata_ns, metadata_name = namespace, name
                if namespace in _DC_NAMESPACES or namespace == _OAI_DC_NAMESPACE:
                    saw_dc = True
                if namespace == _PICA_NAMESPACE:
                    saw_pica = True
                marc_ns = namespace in _MARC_NAMESPACES or (
                    namespace == ""
                    and root_name != "OAI-PMH"
                    and name in ("leader", "datafield", "controlfield")
                )
                if name == "record" and (namespace in _MARC_NAMESPACES or namespace == ""):
                    if namespace.startswith(_MARCXCHANGE_PREFIX):
                        marc_format_attr = marc_format_attr or (element.get("format") or "").upper()
                    record_depth = depth
                    tags, field_100a, field_008 = set(), "", ""
                if marc_ns and name in ("leader", "datafield", "controlfield"):
                    if not marc_dialect:
                        if root_name == "OAI-PMH":
                            marc_dialect = "oai-marc"
                        elif root_name == _SRU_ROOT:
                            marc_dialect = "sru-marc"
                        elif namespace.startswith(_MARCXCHANGE_PREFIX):
                            marc_dialect = "marcxchange"
                        else:
                            marc_dialect = "marcxml"
                    cur_tag = element.get("tag") or ""
                    if name != "leader":
                        tags.add(cur_tag)
            else:
                if name == "metadata" and namespace in ("", _OAI_NAMESPACE):
                    in_metadata = False
                if marc_dialect and name == "leader":
                    leaders.append((element.text or "").ljust(24))
                elif marc_dialect and name == "controlfield" and cur_tag == "008":
                    field_008 = element.text or ""
                elif marc_dialect and name == "subfield" and cur_tag == "100" and not field_100a:
                    if element.get("code") == "a":
                        field_100a = element.text or ""
                elif name == "record" and depth == record_depth and marc_dialect:
                    scores.append(flavour_scores(tags, field_100a, field_008))
                    record_depth = -1
                depth -= 1
                if len(scores) >= _SNIFF_RECORDS:
                    break
            if events > _SNIFF_EVENTS and (root_name != "OAI-PMH" or metadata_name or oai_error):
                break
    except etree.XMLSyntaxError as error:
        if not root_name:
            raise UnreadableFileError(xml_syntax_problem(error)) from None
        # A damaged document: classify from what was seen, the reader reports the damage.
        syntax_error = error

    if marc_dialect:
        if marc_format_attr in ("UNIMARC", "MARC21"):
            fmt = RecordFormat.UNIMARC if marc_format_attr == "UNIMARC" else RecordFormat.MARC21
        elif not scores and tags:
            fmt = _flavour([flavour_scores(tags, field_100a, field_008)], leaders)
        else:
            fmt = _flavour(scores, leaders)
        if root_name == "OAI-PMH" and metadata_ns not in _MARC_NAMESPACES and metadata_name != "record":
            pass  # MARC elements seen somewhere but the metadata payload is something else: DC reader.
        else:
            return DetectedFormat(fmt, Serialisation.XML, marc_dialect)
    if root_name == "OAI-PMH":
        if oai_error:
            return DetectedFormat(None, Serialisation.XML, "oai-error")
        if oai_verb and oai_verb not in _RECORD_VERBS:
            return DetectedFormat(None, Serialisation.XML, f"oai-{oai_verb.lower()}")
        if metadata_ns == _PICA_NAMESPACE or (saw_pica and not saw_dc):
            return DetectedFormat(RecordFormat.DUBLIN_CORE, Serialisation.XML, "oai-pica")
        return DetectedFormat(RecordFormat.DUBLIN_CORE, Serialisation.XML, "oai_dc")
    if root_name == "dc" or saw_dc or (root_ns == "" and root_name in ("records", "metadata")):
        return DetectedFormat(RecordFormat.DUBLIN_CORE, Serialisation.XML, "oai_dc")
    if root_name == _SRU_ROOT:
        raise UnreadableFileError(
            "SRU response without MARC or Dublin Core records (only MARC is supported in SRU)"
        )
    if syntax_error is not None:
        raise UnreadableFileError(xml_syntax_problem(syntax_error))
    shown = f"{{{root_ns}}}{root_name}" if root_ns else root_name
    raise UnreadableFileError(
        f"XML document with root element <{shown}> is neither MARCXML, marcxchange, OAI-PMH nor Dublin Core"
    )


# --------------------------------------------------------------------------- detection


def detect_format(data: bytes, filename: str = "") -> DetectedFormat:
    """What kind of file ``data`` is, from its content. Raises UnreadableFileError when nothing fits."""
    if not data or not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise UnreadableFileError("the file is empty")
    if _looks_like_iso2709(data):
        return DetectedFormat(_iso2709_flavour(data), Serialisation.ISO2709, "iso2709")
    _, head = _strip_bom(data)
    if _looks_like_xml(head):
        return _sniff_xml(data)

    from khizana.catalog.formats.csv_records import expected_columns_text, sniff_csv

    if sniff_csv(data):
        return DetectedFormat(RecordFormat.CSV, Serialisation.CSV, "csv")

    raise UnreadableFileError(_unknown_content(data, head, filename, expected_columns_text()))


def _unknown_content(data: bytes, head: str, filename: str, columns: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data.startswith(b"%PDF"):
        return (
            "this is a PDF document, not a catalogue export (send MARC, MARCXML, OAI-PMH/Dublin Core or CSV)"
        )
    if data.startswith(b"PK\x03\x04"):
        return (
            "this is a ZIP archive or an Office document (.xlsx, .ods): save a spreadsheet as CSV (UTF-8), "
            "unpack an archive and send the catalogue file itself"
        )
    if data.startswith(b"\x1f\x8b"):
        return "this is a gzip-compressed file: decompress it and send the catalogue file itself"
    if data[:5].isdigit() and suffix in ("mrc", "marc", "iso", "dat", "001"):
        return "the file starts like ISO 2709 (five digits) but has no MARC leader, directory or terminators"
    if suffix in ("mrc", "marc", "iso"):
        return f"the file is named .{suffix} but does not start with an ISO 2709 leader (five digits)"
    if suffix == "xml":
        try:
            etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as error:
            return xml_syntax_problem(error)
    sample = data[:4096]
    controls = sum(1 for b in sample if b < 0x20 and b not in (0x09, 0x0A, 0x0D))
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not utf16 and (b"\x00" in sample or controls > len(sample) // 20):
        return "binary content of an unknown kind (not ISO 2709, XML or CSV)"
    if head.lstrip().startswith(("{", "[")):
        return "JSON is not a supported catalogue format (send MARC, MARCXML, OAI-PMH/Dublin Core or CSV)"
    return (
        "not ISO 2709, not XML, and the first line is not a CSV header with recognisable columns "
        f"(expected columns: {columns})"
    )


PARALLEL_MIN_BYTES = 1_000_000  # below this, starting worker processes costs more than it saves


def read_records(
    data: bytes, filename: str = "", format_hint: RecordFormat | None = None, *, workers: int = 1
) -> tuple[DetectedFormat, Iterator[ParsedRecord | RejectedRecord]]:
    """Detect the format of ``data`` and return (what was detected, the records it holds).

    ``format_hint`` (the library's declared format) only decides MARC 21 against UNIMARC for MARC
    content, in place of the flavour detected on the file; the content decides everything else. Each
    MARC record is still read in its own flavour when its fields plainly say so (:func:`record_flavour`),
    with a warning, and ``ParsedRecord.format`` is the flavour it was read in. Problems with the whole
    file raise :class:`UnreadableFileError` here or on the first ``next()``. ``workers`` > 1 reads
    large ISO 2709 files on that many processes, with the same result.
    """
    detected = detect_format(data, filename)
    if format_hint in (RecordFormat.MARC21, RecordFormat.UNIMARC) and detected.format in (
        RecordFormat.MARC21,
        RecordFormat.UNIMARC,
    ):
        detected = DetectedFormat(format_hint, detected.serialisation, detected.dialect)

    if detected.serialisation == Serialisation.ISO2709:
        from khizana.catalog.formats.iso2709 import read_iso2709

        if workers > 1 and len(data) >= PARALLEL_MIN_BYTES:
            from khizana.catalog.formats.parallel import read_iso2709_parallel

            return detected, read_iso2709_parallel(data, format_hint=detected.format, workers=workers)

        return detected, read_iso2709(data, format_hint=detected.format)
    if detected.dialect in MARC_DIALECTS:
        from khizana.catalog.formats.marcxml import read_marcxml

        return detected, read_marcxml(data, format_hint=detected.format)
    if detected.serialisation == Serialisation.CSV:
        from khizana.catalog.formats.csv_records import read_csv

        return detected, read_csv(data)
    from khizana.catalog.formats.dublin_core import read_oai_dc

    return detected, read_oai_dc(data)

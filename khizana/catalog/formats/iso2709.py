"""ISO 2709 (MARC 21 and UNIMARC exchange format) reader, lenient (no Django import).

The file is split on the record terminator (0x1D); every chunk is one record, numbered from 1.
A well-formed record is parsed by pymarc; a record pymarc cannot parse, or whose directory does
not match its data, goes through a lenient parser that splits the data on the field terminator
and pairs the pieces with the directory tags. Characters are decoded here, record by record,
because leaders often lie about the encoding (MARC-8, UTF-8, double-encoded UTF-8, Windows and
DOS code pages). Every repair is reported in ``ParsedRecord.warnings``; only a record from which
nothing sensible can be recovered becomes a :class:`RejectedRecord`.

Most records are clean, so each step has a fast path that gives the same result as the careful
one whenever a cheap check shows nothing needs repair (a well-formed directory, UTF-8 or pure
ASCII text, valid indicators and subfield codes) and hands over to the careful path otherwise.
``read_iso2709(..., fast=False)`` always takes the careful path; the tests compare the two.
"""

from __future__ import annotations

import contextlib
import io
import re
import unicodedata
from collections.abc import Iterator
from itertools import accumulate

import pymarc
from pymarc.marc8 import marc8_to_unicode

from khizana.catalog.formats import flavour_warning, record_flavour
from khizana.catalog.formats.marc_fields import parsed_marc_record, repair_double_utf8
from khizana.catalog.records import ParsedRecord, RecordFormat, RejectedRecord, Serialisation
from khizana.catalog.scripts import script_of

__all__ = ["decode_marc_bytes", "marc_record", "read_iso2709"]

RECORD_TERMINATOR = b"\x1d"
FIELD_TERMINATOR = b"\x1e"
SUBFIELD_DELIMITER = b"\x1f"
LEADER_LENGTH = 24
ENTRY_LENGTH = 12

_LEADING_JUNK = b"\r\n\t \x00\x1a"
_NCR = re.compile(r"&#x([0-9A-Fa-f]{2,6});")
_GOOD_CODE = re.compile(r"[a-z0-9]")
_GOOD_INDICATOR = re.compile(r"[0-9a-z |]")
_ODD_CODE = re.compile(rb"\x1f[^\x1f0-9A-Za-z]")  # a subfield code pymarc would alter
_BLANK_INDICATORS = str.maketrans({"#": " ", "\\": " ", "_": " "})  # blanks as some exports write them
# Fast path: every indicator pair the careful path accepts without a warning, as it reads it.
_INDICATOR_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz |#\\_"
_CLEAN_INDICATORS = {
    a + b: pymarc.Indicators(*(a + b).translate(_BLANK_INDICATORS))
    for a in _INDICATOR_CHARS
    for b in _INDICATOR_CHARS
}
_BAD_CODE = re.compile("\x1f[^\x1fa-z0-9]")  # a subfield code the careful path would report
_SINGLE_BYTE_CODECS = ("cp1252", "cp1251", "cp866")
# (tag, length, start) widths tried for a directory that is not a multiple of 12 bytes, likeliest first.
_ENTRY_SHAPES = tuple(
    (tag, length, start)
    for tag in (3, 2)
    for length, start in ((4, 5), (5, 5), (4, 6), (5, 6), (6, 6), (4, 7), (5, 7))
)


class _Reject(Exception):
    """A record that cannot be read; the message is the reason."""


def read_iso2709(
    data: bytes,
    *,
    format_hint: RecordFormat | None = None,
    fast: bool = True,
    first_number: int = 1,
    first_offset: int = 0,
) -> Iterator[ParsedRecord | RejectedRecord]:
    """Yield one ParsedRecord or RejectedRecord per record of an ISO 2709 file. Never raises.

    ``format_hint``: the file's flavour (MARC 21 or UNIMARC; None: each record's fields decide). A
    record whose fields plainly belong to the other flavour is read in that one, with a warning (see
    :func:`khizana.catalog.formats.record_flavour`). ``fast=False`` skips the fast paths (same results,
    slower): for tests and for debugging. ``first_number`` and ``first_offset``: the number and offset
    of the first record of ``data`` when it is a slice of a larger file (records are numbered and placed,
    in their warnings too, as in the whole file).
    """
    chunks = data.split(RECORD_TERMINATOR)
    position = first_offset
    last = len(chunks) - 1
    for index, chunk in enumerate(chunks):
        start = position
        position += len(chunk) + 1
        body = chunk.lstrip(_LEADING_JUNK)
        offset = start + len(chunk) - len(body)
        if index == last:
            if not body.strip(_LEADING_JUNK):
                break
            raw = body
        else:
            raw = body + RECORD_TERMINATOR
        number = first_number + index  # every chunk before the last is a record, even an empty one
        try:
            result = _read_record(body, raw, number, offset, format_hint, terminated=index != last, fast=fast)
        except _Reject as exc:
            result = RejectedRecord(
                number=number, offset=offset, reason=str(exc), raw=raw, local_id=_guess_001(body)
            )
        except Exception as exc:  # a bug must not stop the file: keep the record as rejected
            result = RejectedRecord(
                number=number,
                offset=offset,
                raw=raw,
                local_id=_guess_001(body),
                reason=f"unreadable record ({type(exc).__name__}: {exc})",
            )
        yield result


# --------------------------------------------------------------------------- structure


def _read_record(
    body: bytes,
    raw: bytes,
    number: int,
    offset: int,
    format_hint: RecordFormat | None,
    *,
    terminated: bool,
    fast: bool = True,
) -> ParsedRecord:
    warnings: list[str] = []
    if not terminated:
        warnings.append("last record has no record terminator (file truncated?)")
    if not body:
        raise _Reject("empty record (two record terminators in a row)")
    if len(body) < LEADER_LENGTH:
        raise _Reject(f"record is shorter than a leader ({len(body)} bytes)")

    record, fmt = _decode_record(body, format_hint, warnings, fast=fast)
    if format_hint in (RecordFormat.MARC21, RecordFormat.UNIMARC) and fmt != format_hint:
        warnings.append(flavour_warning(format_hint, fmt, number, offset))
    return parsed_marc_record(
        record,
        fmt,
        serialisation=Serialisation.ISO2709,
        raw=raw,
        number=number,
        offset=offset,
        warnings=warnings,
    )


def _decode_record(
    body: bytes, format_hint: RecordFormat | None, warnings: list[str], *, fast: bool = True
) -> tuple[pymarc.Record, RecordFormat]:
    """The pymarc record of one record's bytes (without terminator), with the catalog's repairs."""
    leader = _leader(body[:LEADER_LENGTH], warnings)
    fields = _structure(body, leader, warnings, fast=fast)
    if not fields:
        raise _Reject("record has no fields")

    def evidence() -> tuple[str, str]:
        field_100a = ""
        field_008 = ""
        for tag, payload in fields:
            if tag == "100" and not field_100a:
                field_100a = payload.split(SUBFIELD_DELIMITER + b"a", 1)[-1].split(SUBFIELD_DELIMITER)[0]
                field_100a = field_100a.decode("latin-1")
            elif tag == "008" and not field_008:
                field_008 = payload.decode("latin-1")
        return field_100a, field_008

    fmt = record_flavour(format_hint, {tag for tag, _ in fields}, evidence)

    record = pymarc.Record()
    record.leader = pymarc.Leader(leader)
    record.fields = decode_marc_bytes(fields, leader, fmt, warnings, fast=fast)

    return record, fmt


def marc_record(raw: bytes, format_hint: RecordFormat | None = None) -> pymarc.Record:
    """One stored record's bytes decoded as an import decodes them (exports use it)."""
    body = raw.rstrip(b"\x1d").lstrip()
    if len(body) < LEADER_LENGTH:
        raise ValueError(f"record is shorter than a leader ({len(body)} bytes)")
    try:
        record, _ = _decode_record(body, format_hint, [])
    except _Reject as error:
        raise ValueError(str(error)) from None
    return record


def _leader(raw_leader: bytes, warnings: list[str]) -> str:
    text = raw_leader.decode("latin-1")
    if not (text.isascii() and text.isprintable()):  # not all of it between " " and "~"
        text = "".join(c if " " <= c <= "~" else " " for c in text)
        warnings.append("leader has non-ASCII or control bytes (replaced by blanks)")
    return text


def _structure(
    body: bytes, leader: str, warnings: list[str], *, fast: bool = True
) -> list[tuple[str, bytes]]:
    """(tag, field bytes without field terminator) for every field of the record."""
    directory_end = body.find(FIELD_TERMINATOR, LEADER_LENGTH)
    if directory_end < 0:
        raise _Reject("no field terminator after the directory")
    directory = body[LEADER_LENGTH:directory_end]
    if not directory:
        raise _Reject("record has no fields (empty directory)")
    base = directory_end + 1
    data = body[base:]

    problems: list[str] = []
    if len(directory) % ENTRY_LENGTH:
        tags = _wide_directory_tags(directory.decode("latin-1"))
        if not tags:
            raise _Reject(f"directory is not a multiple of 12 bytes ({len(directory)} bytes)")
        warnings.append(
            f"directory is not a multiple of 12 bytes ({len(directory)} bytes): entries re-read "
            "from their offsets, fields split on field terminators"
        )
        return _split_fields(data, tags, warnings)
    declared_length = leader[0:5]
    if not declared_length.isdigit() or int(declared_length) != len(body) + 1:
        if len(body) + 1 > 99999:
            problems.append(
                f"record is {len(body) + 1} bytes, longer than ISO 2709 allows (leader says "
                f"{declared_length!r})"
            )
        else:
            problems.append(
                f"leader gives record length {declared_length!r}, record is {len(body) + 1} bytes"
            )
    declared_base = leader[12:17]
    if not declared_base.isdigit() or int(declared_base) != base:
        problems.append(f"leader gives base address {declared_base!r}, data starts at byte {base}")

    if fast and not problems and body[:LEADER_LENGTH].isascii():
        well_formed = _well_formed_fields(data, directory)
        if well_formed is not None:
            return well_formed

    entries: list[tuple[str, int | None, int | None]] = []
    text = directory.decode("latin-1")
    for i in range(0, len(text), ENTRY_LENGTH):
        digits = text[i + 3 : i + 7]
        length = int(digits) if digits.isdigit() else None
        digits = text[i + 7 : i + 12]
        start = int(digits) if digits.isdigit() else None
        entries.append((text[i : i + 3], length, start))

    consistent = all(_entry_fits(data, length, start) for _, length, start in entries)
    by_offsets = (
        [(tag, data[start : start + length - 1]) for tag, length, start in entries] if consistent else []
    )
    if fast and not problems and consistent and body[:LEADER_LENGTH].isascii():
        as_pymarc = _as_pymarc_reads(by_offsets)
        if as_pymarc is not None:
            return as_pymarc
    if not problems and consistent and not _odd_bytes(by_offsets):
        try:
            parsed = pymarc.Record(body + RECORD_TERMINATOR, to_unicode=False)
            return [(f.tag, _raw_field_bytes(f)) for f in parsed.fields]
        except Exception as exc:  # pymarc is strict; fall through to the lenient reading
            problems.append(f"pymarc could not parse the record ({type(exc).__name__}); read leniently")

    warnings.extend(problems)
    if consistent:
        return by_offsets

    warnings.append("directory lengths/offsets do not match the data: fields split on field terminators")
    return _split_fields(data, [tag for tag, _, _ in entries], warnings)


def _split_fields(data: bytes, tags: list[str], warnings: list[str]) -> list[tuple[str, bytes]]:
    """Pair the directory tags, in order, with the data split on the field terminator."""
    pieces = data.split(FIELD_TERMINATOR)
    if pieces and not pieces[-1]:
        pieces.pop()
    elif pieces:
        warnings.append("last field has no field terminator")
    if not pieces:
        raise _Reject("record has no fields (no data after the directory)")
    if len(pieces) != len(tags):
        warnings.append(
            f"directory lists {len(tags)} fields but the data holds {len(pieces)}; "
            f"{abs(len(pieces) - len(tags))} dropped"
        )
    return list(zip(tags, pieces, strict=False))


def _wide_directory_tags(directory: str) -> list[str]:
    """Tags of a directory that is not a multiple of 12 bytes.

    Lengths may have overflowed to 5 digits (a field over 9,999 bytes), starts to 6 digits (a record
    over 99,999 bytes), or a tag may have lost a digit. Each entry's start must equal the sum of the
    lengths before it, which decides the widths; 2-character tags are padded with a leading zero.
    """
    tags: list[str] = []
    failed: set[tuple[int, int]] = set()
    stack = [(0, 0, 0)]  # (position, expected start, next shape to try); a depth-first search
    for _ in range(200_000):
        if not stack:
            break
        position, expected, shape = stack[-1]
        if position == len(directory):
            return tags
        if shape >= len(_ENTRY_SHAPES) or (shape == 0 and (position, expected) in failed):
            failed.add((position, expected))
            stack.pop()
            if stack:
                tags.pop()
            continue
        stack[-1] = (position, expected, shape + 1)
        tag_width, length_width, start_width = _ENTRY_SHAPES[shape]
        at = position + tag_width
        length = directory[at : at + length_width]
        start = directory[at + length_width : at + length_width + start_width]
        if len(start) == start_width and length.isdigit() and start.isdigit() and int(start) == expected:
            tags.append(directory[position:at].rjust(3, "0"))
            stack.append((at + length_width + start_width, expected + int(length), 0))
    return []


def _entry_fits(data: bytes, length: int | None, start: int | None) -> bool:
    if length is None or start is None or length < 1:
        return False
    end = start + length - 1
    return end < len(data) and data[end] == 0x1E and data.find(FIELD_TERMINATOR, start, end) < 0


def _well_formed_fields(data: bytes, directory: bytes) -> list[tuple[str, bytes]] | None:
    """Fast path of _structure for the usual record, or None.

    The usual record lists its fields in data order, each one right after the other and ended by
    a field terminator, with zero-padded lengths and starts: then the fields are the data split on
    field terminators and the directory is exactly what they give. The record must also be one
    pymarc parses as is (see _as_pymarc_reads).
    """
    pieces = data.split(FIELD_TERMINATOR)
    if pieces.pop():  # data after the last field terminator
        return None
    text = directory.decode("latin-1")
    if len(pieces) * ENTRY_LENGTH != len(text):
        return None
    count = len(pieces)
    tags = list(
        map("".join, zip(text[0::ENTRY_LENGTH], text[1::ENTRY_LENGTH], text[2::ENTRY_LENGTH], strict=True))
    )
    lengths = [len(piece) + 1 for piece in pieces]
    values: list[str | int] = [""] * (3 * count)
    values[0::3] = tags
    values[1::3] = lengths
    values[2::3] = list(accumulate(lengths[:-1], initial=0))
    if "%s%04d%05d" * count % tuple(values) != text:
        return None
    fields = list(zip(tags, pieces, strict=True))
    if b"\x1f\x1f" in data or b"\x1f\x1e" in data:  # empty subfields, which pymarc drops
        # A record with odd bytes is not given to pymarc: its fields are kept as they are.
        return _as_pymarc_reads(fields) or fields
    # Without empty subfields, pymarc would give back these very bytes, and so would the lenient
    # reading of a record pymarc is not given.
    return fields


def _as_pymarc_reads(fields: list[tuple[str, bytes]]) -> list[tuple[str, bytes]] | None:
    """Fast path: what pymarc's parse then ``_raw_field_bytes`` give for a well-formed record.

    None when ``_odd_bytes`` would find something. Otherwise the only change pymarc makes is to
    drop empty subfields, so that is done here without building pymarc objects.
    """
    out = []
    for tag, payload in fields:
        if not (tag.isascii() and tag.isalnum()):
            return None
        if tag < "010" and tag.isdigit():
            out.append((tag, payload))
            continue
        cut = payload.find(SUBFIELD_DELIMITER)
        if (cut if cut >= 0 else len(payload)) != 2 or not payload[:2].isascii() or _ODD_CODE.search(payload):
            return None
        if b"\x1f\x1f" in payload or payload.endswith(SUBFIELD_DELIMITER):
            parts = payload.split(SUBFIELD_DELIMITER)
            payload = SUBFIELD_DELIMITER.join([parts[0], *(p for p in parts[1:] if p)])
        out.append((tag, payload))
    return out


def _odd_bytes(fields: list[tuple[str, bytes]]) -> bool:
    """Tags, indicators or subfield codes that pymarc would silently alter."""
    for tag, payload in fields:
        if not (tag.isascii() and tag.isalnum()):
            return True
        if tag < "010" and tag.isdigit():
            continue
        parts = payload.split(SUBFIELD_DELIMITER)
        if len(parts[0]) != 2 or not parts[0].isascii():
            return True
        for piece in parts[1:]:
            if piece and not (piece[:1].isalnum() and piece[:1].isascii()):
                return True
    return False


def _raw_field_bytes(fld) -> bytes:
    if fld.is_control_field():
        return fld.data
    parts = [fld.indicator1.encode("latin-1") + fld.indicator2.encode("latin-1")]
    parts.extend(sf.code.encode("latin-1") + sf.value for sf in fld.subfields)
    return SUBFIELD_DELIMITER.join(parts)


def _guess_001(body: bytes) -> str:
    """The 001 of a rejected record when its directory can still be read."""
    try:
        directory_end = body.find(FIELD_TERMINATOR, LEADER_LENGTH)
        directory = body[LEADER_LENGTH:directory_end]
        for i in range(0, len(directory) - ENTRY_LENGTH + 1, ENTRY_LENGTH):
            if directory[i : i + 3] == b"001":
                pieces = body[directory_end + 1 :].split(FIELD_TERMINATOR)
                value = pieces[i // ENTRY_LENGTH].decode("utf-8", "replace").strip()
                return value if len(value) < 64 else ""
    except (IndexError, ValueError):
        pass
    return ""


# --------------------------------------------------------------------------- characters


def decode_marc_bytes(
    fields: list[tuple[str, bytes]],
    leader: str,
    fmt: RecordFormat,
    warnings: list[str],
    *,
    fast: bool = True,
) -> list[pymarc.Field]:
    """Decode (tag, bytes) fields into pymarc Fields, choosing the character set from the bytes."""
    blob = b"".join(payload for _, payload in fields)
    codec = _choose_codec(blob, leader[9], fmt == RecordFormat.UNIMARC, warnings)
    if fast and (codec == "utf-8" or (codec == "marc8" and blob.isascii() and b"\x1b" not in blob)):
        clean = _decode_clean(fields, codec, warnings)
        if clean is not None:
            return clean
    decode = _decoder(codec, warnings)
    out: list[pymarc.Field] = []
    repaired: set[str] = set()
    alphabetic: list[str] = []
    for tag, payload in fields:
        clean_tag = tag
        if not (tag.isascii() and tag.isalnum() and len(tag) == 3):
            clean_tag = "".join(c if c.isascii() and c.isalnum() else "_" for c in tag).ljust(3, "_")
            warnings.append(f"field tag {tag!r} is not alphanumeric (kept as {clean_tag!r})")
        elif not tag.isdigit() and tag not in alphabetic:
            alphabetic.append(tag)
        if clean_tag < "010" and clean_tag.isdigit():
            out.append(
                pymarc.Field(tag=clean_tag, data=_fix(decode(payload, clean_tag), codec, clean_tag, repaired))
            )
            continue
        parts = payload.split(SUBFIELD_DELIMITER)
        indicators = parts[0].decode("latin-1").translate(_BLANK_INDICATORS)
        subfields: list[pymarc.Subfield] = []
        if len(parts) == 1 and len(indicators) > 2:
            has_indicators = all(c in "0123456789 " for c in indicators[:2])
            text = decode(payload[2:] if has_indicators else payload, clean_tag)
            warnings.append(f"field {clean_tag} has no subfield delimiter (text kept as $a)")
            subfields.append(pymarc.Subfield(code="a", value=_fix(text, codec, clean_tag, repaired)))
            indicators = indicators[:2] if has_indicators else "  "
        if len(indicators) != 2 or not all(_GOOD_INDICATOR.fullmatch(c) for c in indicators):
            shown = indicators if len(indicators) < 8 else indicators[:8] + "..."
            indicators = "".join(c if _GOOD_INDICATOR.fullmatch(c) else " " for c in indicators[:2]).ljust(2)
            warnings.append(f"field {clean_tag}: bad indicators {shown!r} (read as {indicators!r})")
        for part in parts[1:]:
            if not part:
                continue
            text = decode(part, clean_tag)
            code, value = text[:1], text[1:]
            if not _GOOD_CODE.fullmatch(code):
                fixed = code.lower() if code.isascii() and code.isalpha() else "?"
                warnings.append(f"field {clean_tag}: bad subfield code {code!r} (read as {fixed!r})")
                code = fixed
            subfields.append(pymarc.Subfield(code=code, value=_fix(value, codec, clean_tag, repaired)))
        out.append(
            pymarc.Field(tag=clean_tag, indicators=pymarc.Indicators(*indicators), subfields=subfields)
        )
    if alphabetic:
        warnings.append(f"non-numeric field tags: {', '.join(alphabetic)}")
    if repaired:
        warnings.append(f"double-encoded UTF-8 repaired in {', '.join(sorted(repaired))}")
    return out


def _decode_clean(
    fields: list[tuple[str, bytes]], codec: str, warnings: list[str]
) -> list[pymarc.Field] | None:
    """Fast path of decode_marc_bytes for valid UTF-8 or pure ASCII MARC-8 without escapes.

    Gives what the careful loop gives, or None (nothing added to ``warnings``) as soon as a field
    needs a repair the careful loop would report, so that the careful loop reads the record.
    """
    marc8 = codec == "marc8"  # then pure ASCII: only '&#x...;' would change (see _ncr)
    # One decoding for the whole record. The field terminator, like the subfield delimiter, is
    # ASCII, so the pieces are what decoding each field and subfield gives, as long as every field
    # decodes on its own (a character cut by a field boundary does not) and none holds a 0x1E.
    try:
        whole = FIELD_TERMINATOR.join([payload for _, payload in fields]).decode("utf-8")
    except UnicodeDecodeError:
        return None
    texts = whole.split("\x1e")
    tags = [tag for tag, _ in fields]
    all_tags = "".join(tags)
    if (
        len(texts) != len(fields)
        or not (all_tags.isascii() and all_tags.isalnum())
        or set(map(len, tags)) != {3}
        or (marc8 and "&#x" in whole)
    ):
        return None
    all_ascii = whole.isascii()
    odd_codes = _BAD_CODE.search(whole) is not None  # else no field needs a look at its codes
    alphabetic: list[str] = []
    if not all_tags.isdigit():
        for tag in tags:
            if not tag.isdigit() and tag not in alphabetic:
                alphabetic.append(tag)
    out: list[pymarc.Field] = []
    repaired: set[str] = set()
    indicator_pairs = _CLEAN_INDICATORS
    bad_code = _BAD_CODE.search
    new_object = object.__new__
    new_tuple = tuple.__new__
    field_type = pymarc.Field
    subfield_type = pymarc.Subfield
    for tag, text in zip(tags, texts, strict=True):
        fld = new_object(field_type)  # what pymarc.Field() builds, without its argument checks
        fld.tag = tag
        if tag < "010" and tag.isdigit():
            fld.subfields = []
            fld._indicators = None
            fld.data = text if all_ascii or text.isascii() else _fix(text, codec, tag, repaired)
            fld.control_field = True
            out.append(fld)
            continue
        parts = text.split("\x1f")
        indicators = indicator_pairs.get(parts[0])
        if indicators is None or (odd_codes and bad_code(text)):
            return None
        if all_ascii or text.isascii():
            subfields = [new_tuple(subfield_type, (part[0], part[1:])) for part in parts[1:] if part]
        else:
            subfields = [
                new_tuple(
                    subfield_type,
                    (part[0], value if (value := part[1:]).isascii() else _fix(value, codec, tag, repaired)),
                )
                for part in parts[1:]
                if part
            ]
        fld.subfields = subfields
        fld._indicators = indicators
        fld.data = None
        fld.control_field = False
        out.append(fld)
    if alphabetic:
        warnings.append(f"non-numeric field tags: {', '.join(alphabetic)}")
    if repaired:
        warnings.append(f"double-encoded UTF-8 repaired in {', '.join(sorted(repaired))}")
    return out


def _fix(text: str, codec: str, tag: str, repaired: set[str]) -> str:
    if codec.startswith("utf-8"):
        fixed = repair_double_utf8(text)
        if fixed != text:
            repaired.add(tag)
            text = fixed
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def _choose_codec(blob: bytes, leader9: str, unimarc: bool, warnings: list[str]) -> str:
    """'utf-8', 'utf-8-replace', 'marc8' or a single-byte codec name, with a warning when it lies."""
    has_escape = b"\x1b" in blob
    try:
        blob.decode("utf-8")
        valid_utf8 = True
    except UnicodeDecodeError:
        valid_utf8 = False
    ascii_only = blob.isascii()

    if unimarc:
        if valid_utf8:
            return "utf-8"
        codec = _guess_single_byte(blob)
        warnings.append(f"UNIMARC record is not UTF-8: decoded as {codec}")
        return codec

    if leader9 not in (" ", "a"):
        warnings.append(f"leader/09 has the undefined value {leader9!r}")
    if leader9 == "a":
        if valid_utf8:
            return "utf-8"
        if has_escape or (_bad_utf8_ratio(blob) > 0.5 and _looks_marc8(blob)):
            warnings.append("leader/09 says UTF-8 but the bytes are MARC-8: decoded as MARC-8")
            return "marc8"
        if _bad_utf8_ratio(blob) > 0.5 and _looks_single_byte(blob):
            codec = _guess_single_byte(blob)
            warnings.append(f"leader/09 says UTF-8 but the bytes are not: decoded as {codec}")
            return codec
        warnings.append("invalid UTF-8 bytes replaced by U+FFFD")
        return "utf-8-replace"
    if has_escape or ascii_only:
        return "marc8"
    if valid_utf8:
        warnings.append("leader/09 says MARC-8 but the bytes are UTF-8: decoded as UTF-8")
        return "utf-8"
    if _looks_single_byte(blob):
        codec = _guess_single_byte(blob)
        warnings.append(
            f"leader/09 says MARC-8 but the bytes are a single-byte code page: decoded as {codec}"
        )
        return codec
    if _bad_utf8_ratio(blob) < 0.2:
        warnings.append(
            "leader/09 says MARC-8 but the bytes are (mostly) UTF-8: decoded as UTF-8, "
            "invalid bytes replaced by U+FFFD"
        )
        return "utf-8-replace"
    return "marc8"


def _bad_utf8_ratio(blob: bytes) -> float:
    text = blob.decode("utf-8", "replace")
    non_ascii = sum(1 for c in text if ord(c) > 127)
    return text.count("\ufffd") / non_ascii if non_ascii else 0.0


def _looks_marc8(blob: bytes) -> bool:
    """MARC-8 (ANSEL) puts combining diacritics (0xE0-0xFE) before an ASCII base letter."""
    high = sum(1 for b in blob if b > 127)
    combining = len(re.findall(rb"[\xe0-\xfe]{1,2}[A-Za-z]", blob))
    return high > 0 and combining * 2 >= high * 0.5


def _looks_single_byte(blob: bytes) -> bool:
    """Runs of 3+ high bytes (whole words of Cyrillic, ...) do not occur in MARC-8 text."""
    high = sum(1 for b in blob if b > 127)
    if not high:
        return False
    in_runs = sum(len(m) for m in re.findall(rb"[\x80-\xff]{3,}", blob))
    return in_runs / high > 0.3


def _guess_single_byte(blob: bytes) -> str:
    """The Windows/DOS code page whose decoding gives the most plausible words."""
    best, best_score = _SINGLE_BYTE_CODECS[0], None
    for codec in _SINGLE_BYTE_CODECS:
        score = _plausibility(blob.decode(codec, "replace"))
        if best_score is None or score > best_score:
            best, best_score = codec, score
    return best


def _plausibility(text: str) -> int:
    score = 0
    for word in re.findall(r"\S+", text):
        if word.isascii():
            continue
        letters = [c for c in word if c.isalpha()]
        scripts = {script_of(c) or "?" for c in letters}
        non_ascii_letters = sum(1 for c in letters if not c.isascii())
        odd = sum(1 for c in word if not c.isascii() and not c.isalpha())
        if len(scripts) == 1 and "?" not in scripts:
            if "Latin" in scripts and non_ascii_letters * 2 > len(letters):
                score -= non_ascii_letters
            else:
                score += non_ascii_letters
        else:
            score -= non_ascii_letters
        score -= 2 * odd
    return score


def _decoder(codec: str, warnings: list[str]):
    if codec == "utf-8":
        return lambda payload, tag: payload.decode("utf-8")
    if codec == "utf-8-replace":
        return lambda payload, tag: payload.decode("utf-8", "replace")
    if codec == "marc8":

        def marc8(payload: bytes, tag: str) -> str:
            return _marc8(payload, tag, warnings)

        return marc8
    return lambda payload, tag: payload.decode(codec, "replace")


def _marc8(payload: bytes, tag: str, warnings: list[str]) -> str:
    if payload.isascii() and b"\x1b" not in payload:
        text = payload.decode("ascii")
    else:
        captured = io.StringIO()
        try:
            with contextlib.redirect_stderr(captured):
                text = marc8_to_unicode(payload)
        except (UnicodeDecodeError, KeyError, ValueError, IndexError, TypeError):
            warnings.append(f"field {tag}: bad MARC-8 sequence, read as Latin-1")
            return _ncr(payload.replace(b"\x1b", b"").decode("latin-1"))
        if any("0x20 " not in line for line in captured.getvalue().splitlines()):
            warnings.append(f"field {tag}: MARC-8 characters that cannot be mapped were replaced by blanks")
    return _ncr(text)


def _ncr(text: str) -> str:
    """LC writes characters MARC-8 lacks as '&#xXXXX;'."""
    if "&#x" not in text:
        return text

    def char(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group(1), 16))
        except (ValueError, OverflowError):
            return match.group(0)

    return _NCR.sub(char, text)

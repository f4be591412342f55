"""Reading KBART title lists (NISO RP-9-2014, "KBART Phase II"): no Django here.

A KBART file is a tab-separated table whose first line names the columns. Providers' real files bend the
recommended practice in known ways, which this reader accepts:

- encodings: UTF-8 with or without a byte-order mark, UTF-16 (LE/BE, with a BOM, or detected by its NUL
  bytes); Latin-1/Windows-1252 is refused with a clear error rather than guessed;
- line ends: LF, CRLF, CR alone (old Mac files), a mix of them, no final line end; blank lines skipped;
- every field wrapped in double quotes (OpenEdition), with ``""`` for a quote inside;
- extra columns (``bestppn``, ``zdb_id``, ``supplement`` ...) kept aside and ignored; an extra empty
  field at the end of each row (a trailing tab); empty header cells at the end;
- ``n/a`` and the like in an identifier column (Cambridge) read as empty;
- column names in any case, ``parent_publication_id`` for ``parent_publication_title_id``,
  ``coverage_notes`` for ``notes``; dates with a time part ``2008-05-19 00:00:00``; ``Full text``;
  ``Monograph``/``Serial`` capitalised.

Each bad row is rejected with every problem found, each naming the file, the line and the column:
invalid ISSN or ISBN (python-stdnum checks the check digit), bad dates, bad embargo syntax, bad
``access_type``, ``coverage_depth`` or ``publication_type``, a missing title, and rows whose number of
fields does not match the header (shifted or missing columns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stdnum import isbn as stdnum_isbn
from stdnum import issn as stdnum_issn
from stdnum.exceptions import ValidationError as StdnumError

COLUMNS = (
    "publication_title",
    "print_identifier",
    "online_identifier",
    "date_first_issue_online",
    "num_first_vol_online",
    "num_first_issue_online",
    "date_last_issue_online",
    "num_last_vol_online",
    "num_last_issue_online",
    "title_url",
    "first_author",
    "title_id",
    "embargo_info",
    "coverage_depth",
    "notes",
    "publisher_name",
    "publication_type",
    "date_monograph_published_print",
    "date_monograph_published_online",
    "monograph_volume",
    "monograph_edition",
    "first_editor",
    "parent_publication_title_id",
    "preceding_publication_title_id",
    "access_type",
)
ALIASES = {"parent_publication_id": "parent_publication_title_id", "coverage_notes": "notes"}
REQUIRED = ("publication_title", "print_identifier", "online_identifier", "title_url")

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_EMBARGO_PART = r"[PR]\d+[DMY]"
_EMBARGO = re.compile(rf"^{_EMBARGO_PART}(?:;{_EMBARGO_PART})?$")
COVERAGE_DEPTHS = {"fulltext": "fulltext", "abstracts": "abstracts", "selectedarticles": "selected articles"}
PUBLICATION_TYPES = ("serial", "monograph")
# What some providers write in an identifier column that has no identifier: read as empty.
PLACEHOLDERS = {"n/a", "na", "-", "none", "null", "unknown"}


class KbartFileError(ValueError):
    """The file as a whole cannot be read as KBART (encoding, no header, required columns missing)."""


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    column: str  # empty for a problem with the whole row
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}"
        return f"{where}, column {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class KbartTitle:
    """One good row: the KBART values (stripped of quotes), identifiers normalised for lookup
    (``print_id``/``online_id``: ``1234-567X`` for an ISSN, the 13 digits of an ISBN)."""

    line: int
    values: dict[str, str]
    print_id: str = ""
    online_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass
class KbartList:
    titles: list[KbartTitle]
    errors: list[RowError]
    columns: list[str]
    rows_read: int

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({error.line for error in self.errors})


def decode(data: bytes, filename: str = "file") -> str:
    """The text of a KBART file in any of the encodings met in the wild (see the module docstring)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise KbartFileError(
                f"{filename}: a UTF-16 file cut or damaged at byte {error.start}; save the file as UTF-8"
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    head = data[:200]
    if head and head.count(b"\x00") > len(head) // 4:
        # UTF-16 without a byte-order mark: the NUL bytes are the high bytes of ASCII characters.
        encoding = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise KbartFileError(
            f"{filename}, line {line}: not UTF-8 or UTF-16 text (byte {error.start}); save the file as UTF-8"
        ) from None


def split_lines(text: str) -> list[str]:
    """Lines whatever their ends: CRLF, LF or CR alone."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        value = value[1:-1].replace('""', '"')
    return value.strip()


def normalise_issn(value: str) -> str:
    """``1234567x`` → ``1234-567X``; raises ValueError when not a valid ISSN."""
    try:
        return stdnum_issn.format(stdnum_issn.validate(value))
    except StdnumError as error:
        raise ValueError(f"{value!r} is not a valid ISSN ({error})") from None


def normalise_isbn(value: str) -> str:
    """Any valid ISBN → its 13 digits; raises ValueError when not a valid ISBN."""
    try:
        return stdnum_isbn.compact(stdnum_isbn.to_isbn13(stdnum_isbn.validate(value)))
    except StdnumError as error:
        raise ValueError(f"{value!r} is not a valid ISBN ({error})") from None


def normalise_identifier(value: str, publication_type: str = "") -> str:
    """An ISSN or ISBN normalised for lookup, chosen by the publication type (or by its length)."""
    compact = re.sub(r"[\s-]", "", value)
    if publication_type == "monograph" or (publication_type != "serial" and len(compact) > 8):
        return normalise_isbn(value)
    return normalise_issn(value)


def lookup_keys(value: str) -> list[str]:
    """Every form a catalogue identifier may match in a title list (an ISSN, an ISBN-10 or -13);
    [] when it is neither."""
    keys = []
    for normaliser in (normalise_issn, normalise_isbn):
        try:
            keys.append(normaliser(value))
        except ValueError:
            continue
    return keys


def _date(value: str) -> str:
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]00:00:00(\.0+)?", value):
        value = value[:10]
    found = _DATE.match(value)
    if not found:
        raise ValueError(f"{value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    _, month, day = found.groups()
    if (month and not 1 <= int(month) <= 12) or (day and not 1 <= int(day) <= 31):
        raise ValueError(f"{value!r} is not a date (month or day out of range)")
    return value


def _check_row(values: dict[str, str], report) -> None:
    """Normalises ``values`` in place; ``report(column, message)`` for every problem."""
    if not values.get("publication_title"):
        following = values.get("print_identifier", "")
        if following and not lookup_keys(following):
            # The row is shifted one column right: every other message would only repeat it.
            report(
                "publication_title", f"empty, and the next column holds {following[:60]!r}: columns shifted?"
            )
            return
        report("publication_title", "empty: every title needs one")
    kind = values.get("publication_type", "").lower()
    if kind and kind not in PUBLICATION_TYPES:
        report("publication_type", f"{values['publication_type']!r} is not serial or monograph")
        kind = ""
    values["publication_type"] = kind
    for name in ("print_identifier", "online_identifier"):
        raw = values.get(name, "")
        if raw.lower() in PLACEHOLDERS:
            values[name] = raw = ""
        if raw:
            try:
                values[f"_{name}"] = normalise_identifier(raw, kind)
            except ValueError as error:
                report(name, str(error))
    for name in (
        "date_first_issue_online",
        "date_last_issue_online",
        "date_monograph_published_print",
        "date_monograph_published_online",
    ):
        raw = values.get(name, "")
        if raw:
            try:
                values[name] = _date(raw)
            except ValueError as error:
                report(name, str(error))
    embargo = values.get("embargo_info", "").upper().replace(" ", "")
    if embargo and not _EMBARGO.match(embargo):
        report("embargo_info", f"{values['embargo_info']!r} is not a KBART embargo (e.g. R1Y, P6M, R10Y;P1Y)")
    values["embargo_info"] = embargo
    depth = values.get("coverage_depth", "")
    if depth:
        key = re.sub(r"[\s_-]", "", depth.lower())
        if key not in COVERAGE_DEPTHS:
            report("coverage_depth", f"{depth!r} is not fulltext, abstracts or selected articles")
        else:
            values["coverage_depth"] = COVERAGE_DEPTHS[key]
    if "access_type" in values:
        access = values["access_type"].upper()
        if access not in ("F", "P"):
            shown = repr(values["access_type"]) if values["access_type"] else "empty"
            report("access_type", f"{shown}: must be F (free) or P (paid)")
        values["access_type"] = access
    url = values.get("title_url", "")
    if url and not re.match(r"^https?://\S+$", url):
        report("title_url", f"{url[:80]!r} is not an http:// or https:// address")


def read_kbart(data: bytes | str, filename: str = "file") -> KbartList:
    """Reads a KBART file; raises :class:`KbartFileError` when it is not one, else returns its good
    titles and an error for each problem of each rejected row."""
    text = decode(data, filename) if isinstance(data, bytes) else data.lstrip("\ufeff")
    lines = split_lines(text)
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise KbartFileError(f"{filename}: the file is empty")
    header = [_unquote(cell).lower().lstrip("\ufeff") for cell in lines[header_index].split("\t")]
    header = [ALIASES.get(name, name) for name in header]
    while header and not header[-1]:
        header.pop()
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise KbartFileError(
            f"{filename}, line {header_index + 1}: not a KBART header, "
            f"column(s) missing: {', '.join(missing)}"
            f" (found: {', '.join(name for name in header[:6] if name) or 'nothing'})"
        )
    titles: list[KbartTitle] = []
    errors: list[RowError] = []
    rows_read = 0
    for index in range(header_index + 1, len(lines)):
        line = lines[index]
        if not line.strip():
            continue
        rows_read += 1
        number = index + 1
        cells = [_unquote(cell) for cell in line.split("\t")]
        row_errors: list[RowError] = []

        def report(column: str, message: str, number=number, row_errors=row_errors) -> None:
            row_errors.append(RowError(filename, number, column, message))

        if len(cells) > len(header) and any(cells[len(header) :]):
            report(
                "",
                f"{len(cells)} fields where the header has {len(header)} columns: columns shifted?",
            )
        elif len(cells) < len(header):
            report(
                "",
                f"{len(cells)} fields where the header has {len(header)} columns: missing or shifted columns",
            )
        values = {name: value for name, value in zip(header, cells, strict=False) if name}
        if not row_errors:
            _check_row(values, report)
        elif not values.get("publication_title") and values.get("print_identifier"):
            report("publication_title", "empty: columns shifted?")
        if row_errors:
            errors.extend(row_errors)
            continue
        known = {name: values.get(name, "") for name in COLUMNS if name in values}
        known["publication_type"] = values.get("publication_type", "")
        extra = {
            name: value for name, value in values.items() if name not in COLUMNS and not name.startswith("_")
        }
        titles.append(
            KbartTitle(
                line=number,
                values=known,
                print_id=values.get("_print_identifier", ""),
                online_id=values.get("_online_identifier", ""),
                extra=extra,
            )
        )
    return KbartList(titles=titles, errors=errors, columns=header, rows_read=rows_read)

"""Read a library's member file (its patron list): CSV or TSV as integrated library systems export them
(Koha's patron CSV columns, French, English or Arabic headings) or an Excel workbook. No Django here.

A file is one header row and one member per row. The card number column is required; surname, first
name, e-mail address, expiry date and category are read when present. A problem with the whole file
raises :class:`MemberFileError`; a problem with a row refuses that row (it is listed in
``MemberFile.problems`` with its line number) and the others are read.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

# Column headings, folded (see _fold_heading), for each field we read.
HEADINGS: dict[str, tuple[str, ...]] = {
    "number": (
        "cardnumber", "card", "cardno", "cardnum", "librarycard", "membershipnumber", "membernumber",
        "memberid", "patronbarcode", "patronid", "barcode", "numerocarte",
        "numerodecarte", "ndecarte", "nocarte", "numeroadherent", "numerodadherent", "nadherent",
        "carte", "numerolecteur", "رقمالبطاقة", "رقمالمنخرط", "رقمالعضوية",
    ),
    "surname": ("surname", "lastname", "familyname", "nom", "nomdefamille", "اللقب", "الاسمالعائلي", "النسب"),
    "first_name": ("firstname", "givenname", "forename", "prenom", "الاسمالشخصي", "الاسم"),
    "email": ("email", "emailaddress", "mail", "courriel", "adressemail", "adresseemail", "البريدالإلكتروني"),
    "expires_on": (
        "dateexpiry", "expirydate", "expires", "expireson", "validuntil", "dateexpiration",
        "datedexpiration", "expiration", "datefin", "finvalidite", "تاريخالانتهاء",
    ),
    "category": ("categorycode", "category", "categorie", "patroncategory", "الفئة"),
}
DELIMITERS = ",;\t|"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y%m%d")
MAX_NUMBER_LENGTH = 64


class MemberFileError(Exception):
    """The file as a whole cannot be read; ``template % params`` says why (translatable template)."""

    def __init__(self, template: str, /, **params: object) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


@dataclass(frozen=True)
class MemberRow:
    line: int
    number: str
    surname: str = ""
    first_name: str = ""
    email: str = ""
    expires_on: date | None = None
    category: str = ""


@dataclass(frozen=True)
class RowProblem:
    line: int
    template: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"line {self.line}: {self.template % self.params if self.params else self.template}"


@dataclass
class MemberFile:
    rows: list[MemberRow]
    problems: list[RowProblem]
    columns: dict[str, str]  # our field -> the heading found in the file


def normalise_number(value: str) -> str:
    """A card number as we compare it: compatibility forms folded (Arabic-Indic digits become ASCII),
    spaces, hyphens and dots taken out, letters in capitals. Leading zeros are kept."""
    value = unicodedata.normalize("NFKC", value or "")
    value = "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in value)
    return re.sub(r"[\s\-.]", "", value).upper()


def normalise_name(value: str) -> str:
    """A name as we compare it: accents and case folded, only letters kept (any script)."""
    value = unicodedata.normalize("NFKD", value or "").casefold()
    return "".join(c for c in value if c.isalpha() and not unicodedata.combining(c))


def read_member_file(data: bytes, name: str = "members") -> MemberFile:
    """Read a member file's bytes (CSV/TSV in UTF-8 or Windows-1256, or XLSX). Raises MemberFileError."""
    if not data.strip():
        raise MemberFileError("the file is empty")
    table = _xlsx_rows(data) if data[:4] == b"PK\x03\x04" else _text_rows(_decode(data))
    return _read_table(table)


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise MemberFileError("this is not a text file (CSV or TSV) nor an Excel workbook")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Maghreb systems without UTF-8 export in Windows-1256 (Arabic, and French in small letters); French
    # ones in Windows-1252. Read as 1256, a 1252 file shows words mixing Arabic and Latin letters.
    arabic = data.decode("cp1256", errors="replace")
    mixed = re.search(r"[A-Za-z][\u0600-\u06ff]|[\u0600-\u06ff][A-Za-z]", arabic)
    return data.decode("cp1252", errors="replace") if mixed else arabic


def _text_rows(text: str) -> list[tuple[int, list[str]]]:
    sample = text[:65536]
    first_line = sample.splitlines()[0] if sample.splitlines() else ""
    try:
        dialect = csv.Sniffer().sniff(first_line, delimiters=DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise MemberFileError("line %(line)s cannot be read as CSV (%(error)s)", line=reader.line_num,
                              error=str(error)) from None


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    import openpyxl  # only for workbooks

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for a damaged workbook
        raise MemberFileError(
            "the file looks like a ZIP archive but is not a readable Excel workbook"
        ) from None
    sheet = book.worksheets[0]
    rows = []
    for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        rows.append((line, [_cell_text(value) for value in values]))
    book.close()
    return rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # card numbers typed as numbers in a spreadsheet
    return str(value)


def _fold_heading(heading: str) -> str:
    folded = unicodedata.normalize("NFKD", heading.strip().casefold())
    return "".join(c for c in folded if c.isalnum() and not unicodedata.combining(c))


def _find_columns(header: list[str]) -> dict[str, int]:
    """Our field -> its column; where several headings fit a field, the one earliest in HEADINGS wins."""
    found: dict[str, tuple[int, int]] = {}
    for index, heading in enumerate(header):
        folded = _fold_heading(heading)
        for name, aliases in HEADINGS.items():
            if folded in aliases:
                rank = aliases.index(folded)
                if name not in found or rank < found[name][0]:
                    found[name] = (rank, index)
    return {name: index for name, (_rank, index) in found.items()}


def _read_table(table: list[tuple[int, list[str]]]) -> MemberFile:
    table = [(line, row) for line, row in table if any(cell.strip() for cell in row)]
    if not table:
        raise MemberFileError("the file is empty")
    header_line, header = table[0]
    columns = _find_columns(header)
    if "number" not in columns:
        raise MemberFileError(
            "no card number column in the header row (line %(line)s: %(headings)s); name it cardnumber, "
            "numéro de carte or رقم البطاقة",
            line=header_line,
            headings=", ".join(h.strip() for h in header if h.strip())[:300] or "empty",
        )
    rows: list[MemberRow] = []
    problems: list[RowProblem] = []
    first_line_of: dict[str, int] = {}
    for line, cells in table[1:]:
        row = _read_row(line, cells, columns)
        if isinstance(row, RowProblem):
            problems.append(row)
        elif row.number in first_line_of:
            problems.append(
                RowProblem(line, "card number %(number)s already given on line %(first)s",
                           {"number": row.number, "first": first_line_of[row.number]})
            )
        else:
            first_line_of[row.number] = line
            rows.append(row)
    return MemberFile(rows, problems, {name: header[index].strip() for name, index in columns.items()})


def _read_row(line: int, cells: list[str], columns: dict[str, int]) -> MemberRow | RowProblem:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    number = normalise_number(cell("number"))
    if not number:
        return RowProblem(line, "no card number")
    if len(number) > MAX_NUMBER_LENGTH:
        return RowProblem(line, "card number longer than %(max)s characters", {"max": MAX_NUMBER_LENGTH})
    email = cell("email")
    if email and not EMAIL.match(email):
        return RowProblem(line, "%(value)r is not an e-mail address", {"value": email[:100]})
    expiry_text = cell("expires_on")
    expires_on = _parse_date(expiry_text) if expiry_text else None
    if expiry_text and expires_on is None:
        return RowProblem(
            line,
            "expiry date %(value)r is not a date (write YYYY-MM-DD or DD/MM/YYYY)",
            {"value": expiry_text[:40]},
        )
    return MemberRow(
        line=line,
        number=number,
        surname=cell("surname")[:150],
        first_name=cell("first_name")[:150],
        email=email[:254],
        expires_on=expires_on,
        category=cell("category")[:32],
    )


def _parse_date(text: str) -> date | None:
    text = text.strip().split(" ")[0].split("T")[0]  # a time after the date is ignored
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None

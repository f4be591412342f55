"""Serial holdings statements read into extents: runs of volumes and years, open-ended allowed.

Three forms are read (no maintained Python library parses them: pymarc reads the fields, nothing turns
them into numbers):

- textual statements, MARC 21 866 or UNIMARC 955 $r, or typed by staff: ``v.1(1950)-v.20(1969)``,
  ``1990-``, ``vol. 40 (1957) - vol. 42 (1959) ; vol. 44 (1962)``, ``1944:Oct.-1944:Dec. 31``,
  ``no. 2646 (2000)-....``; runs separated by ``;`` (or ``,`` before a new run);
- MARC 21 paired fields, captions 853-855 with enumeration and chronology 863-865 linked by ``$8``;
- UNIMARC (Sudoc) 955 état de collection (``$a`` volume, ``$b`` issue, ``$i`` year, ``$j`` month,
  ``$k`` day, start and end points one after the other, an empty end point for an open run, ``$g``
  between runs) and 959 lacunes (``$d`` volume, ``$e`` issues, ``$a`` year, an empty ``$0`` between gaps).

A part that cannot be read raises :class:`StatementError`, which names the statement and the part.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
YEAR = re.compile(r"(?<!\d)(1[4-9]\d\d|20\d\d)(?!\d)")
VOLUME_LABEL = r"(?:v|vol|volume|t|tome|bd|band|jg|jahrg|anno|année|annee|ser|sér|série|serie|مج|مجلد)"
ISSUE_LABEL = r"(?:no|n°|nº|nr|num|numéro|numero|heft|h|fasc|cahier|issue|iss|ع|عدد)"
VOLUME = re.compile(rf"(?<![^\W\d_]){VOLUME_LABEL}\.?\s*(\d+)", re.IGNORECASE)
ISSUE = re.compile(rf"(?<![^\W\d_]){ISSUE_LABEL}\.?\s*(\d+)", re.IGNORECASE)
BARE_NUMBER = re.compile(r"^\s*(\d+)")
COPY_HEADING = re.compile(r"^(?:copy|cop\.|ex\.?|exemplaire|exx?)\s*\d+\s*:?$", re.IGNORECASE)
NOTE = re.compile(r"\[([^\]]*)\]")
OPEN_END = re.compile(r"-\s*\.{2,}\s*$")  # Sudoc's "(1981)-...."
MONTHS = ("jan", "feb", "fév", "fev", "mar", "apr", "avr", "may", "mai", "jun", "jui", "jul", "aug", "aoû")


class StatementError(ValueError):
    """A holdings statement (or a part of it) that cannot be read."""

    def __init__(self, statement: str, part: str, problem: str):
        self.statement, self.part, self.problem = statement, part, problem
        super().__init__(f'holdings statement "{statement}": "{part}" {problem}')


@dataclass(frozen=True)
class Extent:
    """A run held, from a first volume / issue / year to a last one; ``open_end``: still coming in."""

    first_volume: int | None = None
    first_issue: int | None = None
    first_year: int | None = None
    last_volume: int | None = None
    last_issue: int | None = None
    last_year: int | None = None
    open_end: bool = False

    def as_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value not in (None, False)}

    @classmethod
    def from_dict(cls, data: dict) -> Extent:
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})

    def label(self) -> str:
        """``v.1 no.2 (1950) - v.20 (1969)``, ``(1990) -``."""
        first = _point_label(self.first_volume, self.first_issue, self.first_year)
        last = _point_label(self.last_volume, self.last_issue, self.last_year)
        if self.open_end:
            return f"{first} -"
        return first if last == first else f"{first} - {last}"


@dataclass(frozen=True)
class Missing:
    """An issue, volume or year reported missing (UNIMARC 959)."""

    volume: int | None = None
    issues: str = ""
    year: int | None = None

    def as_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value not in (None, "")}

    def label(self) -> str:
        issue = f"no.{self.issues}" if self.issues else ""
        return " ".join(part for part in (f"v.{self.volume}" if self.volume else "", issue) if part) + (
            f" ({self.year})" if self.year else ""
        )


@dataclass
class Statement:
    """What one statement says: the runs held, what is reported missing, notes (copy headings, [notes])."""

    extents: list[Extent] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _point_label(volume: int | None, issue: int | None, year: int | None) -> str:
    parts = [f"v.{volume}" if volume is not None else "", f"no.{issue}" if issue is not None else ""]
    text = " ".join(part for part in parts if part)
    if year is not None:
        text = f"{text} ({year})" if text else f"({year})"
    return text


# --- textual statements ---------------------------------------------------------------------------


def parse_textual(text: str) -> Statement:
    """The runs of a textual statement; raises :class:`StatementError` naming the part not understood."""
    original = text.strip()
    if not original:
        raise StatementError(text, text, "is empty")
    normalised = original.translate(ARABIC_DIGITS).replace("–", "-").replace("—", "-")
    statement = Statement(notes=[note.strip() for note in NOTE.findall(normalised) if note.strip()])
    normalised = NOTE.sub(" ", normalised)
    for run in _runs(normalised):
        if COPY_HEADING.match(run):
            statement.notes.append(run)
            continue
        statement.extents.append(_run_extent(original, run))
    if not statement.extents and not statement.notes:
        raise StatementError(original, original, "names no volume, issue or year")
    return statement


def _top_level(text: str, separators: str) -> list[int]:
    """Positions of ``separators`` outside parentheses."""
    depth, positions = 0, []
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char in separators and depth == 0:
            positions.append(index)
    return positions


def _split(text: str, positions: list[int]) -> list[str]:
    parts, start = [], 0
    for position in positions:
        parts.append(text[start:position])
        start = position + 1
    parts.append(text[start:])
    return parts


def _runs(text: str) -> list[str]:
    runs = []
    for chunk in _split(text, _top_level(text, ";")):
        chunk = chunk.strip().rstrip(".,").strip()
        if not chunk:
            continue
        # A comma starts a new run only before the same kind of point the run starts with ("v.1-v.5, v.7",
        # "1943:Sept. 30, 1944:Jan."), never inside a point ("Vol. 12, no. 1 (2009)").
        kind = _kind(chunk)
        pieces: list[str] = []
        for piece in _split(chunk, _top_level(chunk, ",")):
            if pieces and (not piece.strip() or _kind(piece) != kind):
                pieces[-1] = f"{pieces[-1]},{piece}"
            else:
                pieces.append(piece)
        runs.extend(piece.strip().rstrip(".,").strip() for piece in pieces if piece.strip().rstrip(".,"))
    return runs


def _kind(point: str) -> str:
    """What a point starts with: a label (``v``, ``no``), a year, a number, a parenthesis."""
    point = point.strip().lower()
    if not point:
        return ""
    if YEAR.match(point) and not re.match(r"\d{5}", point):
        return "year"
    if point[0].isdigit():
        return "number"
    if point[0] == "(":
        return "("
    label = re.match(r"[^\W\d_]+", point)
    return label.group(0) if label else point[0]


def _run_extent(statement: str, run: str) -> Extent:
    open_end = bool(OPEN_END.search(run))
    run = OPEN_END.sub("-", run).strip()
    first_text, last_text = _range_parts(run)
    if last_text is not None and not last_text.strip():
        open_end = True
    first = _point(statement, first_text)
    last = first if last_text is None or open_end else _point(statement, last_text)
    extent = Extent(
        first_volume=first.volume,
        first_issue=first.issue,
        first_year=first.first_year,
        last_volume=None if open_end else last.volume,
        last_issue=None if open_end else last.issue,
        last_year=None if open_end else last.last_year,
        open_end=open_end,
    )
    _check_order(statement, run, extent)
    return extent


def _range_parts(run: str) -> tuple[str, str | None]:
    """The start and end texts of a run (end None for a single point, "" for an open run)."""
    hyphens = _top_level(run, "-")
    if not hyphens:
        return run, None
    for position in hyphens:  # a spaced hyphen always separates the start from the end
        if run[position - 1 : position].isspace() or run[position + 1 : position + 2].isspace():
            return run[:position], run[position + 1 :]
    for position in hyphens:
        left, right = run[:position], run[position + 1 :]
        if not right.strip() or _kind(left) == _kind(right):
            return left, right
    return run, None  # "no.11-12": combined issues inside one point


@dataclass(frozen=True)
class _Point:
    volume: int | None
    issue: int | None
    first_year: int | None
    last_year: int | None


def _point(statement: str, text: str) -> _Point:
    text = text.strip()
    if "(" in text:
        chronology = " ".join(re.findall(r"\(([^)]*)\)?", text))
        enumeration = re.sub(r"\([^)]*\)?", " ", text)
    elif YEAR.match(text) and not re.match(r"\d{5}", text):
        chronology, enumeration = text, ""
    else:
        chronology, enumeration = "", text
    years = [int(year) for year in YEAR.findall(chronology)]
    volume = VOLUME.search(enumeration)
    issue = ISSUE.search(enumeration)
    volume_number = int(volume.group(1)) if volume else None
    if volume is None and issue is None:
        bare = BARE_NUMBER.match(enumeration)
        volume_number = int(bare.group(1)) if bare else None
    if volume_number is None and issue is None and not years:
        if chronology.strip() and not re.search(r"\d", chronology):
            raise StatementError(statement, text, "has a date without a year")
        raise StatementError(statement, text, "names no volume, issue or year")
    return _Point(
        volume=volume_number,
        issue=int(issue.group(1)) if issue else None,
        first_year=min(years) if years else None,
        last_year=max(years) if years else None,
    )


def _check_order(statement: str, part: str, extent: Extent) -> None:
    if extent.first_year and extent.last_year and extent.last_year < extent.first_year:
        raise StatementError(statement, part, "ends before it starts (years)")
    volumes = (extent.first_volume, extent.last_volume)
    if None not in volumes and volumes[1] < volumes[0]:
        raise StatementError(statement, part, "ends before it starts (volumes)")


# --- MARC 21 paired fields: 853-855 captions, 863-865 enumeration and chronology --------------------

Subfields = list[tuple[str, str]]


def parse_paired(captions: dict[str, Subfields], values: list[Subfields], tag: str = "863") -> Statement:
    """The runs of enumeration/chronology fields (``values``, each with its ``$8`` link.sequence) read
    with their caption fields (``captions``: link number -> the caption field's subfields)."""
    statement = Statement()
    for subfields in values:
        link = next((value for code, value in subfields if code == "8"), "")
        shown = f"{tag} $8{link} " + "".join(f"${code}{value}" for code, value in subfields if code != "8")
        caption = captions.get(link.split(".")[0])
        if caption is None:
            raise StatementError(
                shown, f"$8{link}", f"has no caption field with link number {link.split('.')[0]}"
            )
        statement.extents.append(_paired_extent(shown, dict(caption), subfields))
    return statement


def _caption_codes(caption: dict[str, str]) -> tuple[str | None, str | None, str | None]:
    """The subfield codes of the volume, the issue and the year, from the captions' wording."""
    year_code = next(
        (code for code, text in caption.items() if code in "abcdefijkl" and "year" in text.lower()), None
    )
    if year_code is None and "i" in caption:
        year_code = "i"
    enumeration = [code for code in "abcdef" if code in caption and not caption[code].strip().startswith("(")]
    volume_code = enumeration[0] if enumeration else None
    issue_code = enumeration[1] if len(enumeration) > 1 else None
    return volume_code, issue_code, year_code


def _paired_extent(shown: str, caption: dict[str, str], subfields: Subfields) -> Extent:
    volume_code, issue_code, year_code = _caption_codes(caption)
    data = {code: value.strip() for code, value in subfields}
    ranges: dict[str, tuple[int | None, int | None, bool]] = {}
    for name, code in (("volume", volume_code), ("issue", issue_code), ("year", year_code)):
        if code is None or not data.get(code):
            continue
        ranges[name] = _value_range(shown, f"${code}{data[code]}", data[code])
    if not ranges:
        raise StatementError(shown, shown, "names no volume, issue or year its captions describe")
    open_end = any(is_open for _first, _last, is_open in ranges.values())

    def first(name):
        return ranges[name][0] if name in ranges else None

    def last(name):
        return None if open_end else (ranges[name][1] if name in ranges else None)

    extent = Extent(
        first_volume=first("volume"),
        first_issue=first("issue"),
        first_year=first("year"),
        last_volume=last("volume"),
        last_issue=last("issue"),
        last_year=last("year"),
        open_end=open_end,
    )
    _check_order(shown, shown, extent)
    return extent


def _value_range(shown: str, part: str, value: str) -> tuple[int | None, int | None, bool]:
    """``"1-27"`` -> (1, 27, False); ``"29-"`` -> (29, None, True); ``"2006"`` -> (2006, 2006, False);
    ``"1990/1991"`` -> (1990, 1991, False)."""
    first_text, _dash, last_text = value.partition("-")
    numbers = [int(number) for number in re.findall(r"\d+", first_text)]
    if not numbers or re.search(r"[^\d/,:\s]", first_text):
        raise StatementError(shown, part, "is not a number")
    if _dash and not last_text.strip():
        return numbers[0], None, True
    last_numbers = [int(number) for number in re.findall(r"\d+", last_text)] if _dash else numbers
    if not last_numbers or (_dash and re.search(r"[^\d/,:\s]", last_text)):
        raise StatementError(shown, part, "does not end with a number")
    return numbers[0], last_numbers[-1], False


# --- UNIMARC (Sudoc) 955 and 959 -----------------------------------------------------------------

POINT_CODES = {"a": "volume", "b": "issue", "c": "part", "i": "year", "j": "month", "k": "day"}


def parse_955(subfields: Subfields) -> Statement:
    """The runs of one 955 field (état de collection); ``$w`` and ``$z`` become notes, and ``$r`` (the
    display text) too when the field has no coded data."""
    shown = "955 " + "".join(
        f"${code}{value}" for code, value in subfields if code in POINT_CODES or code == "g"
    )
    statement = Statement()
    sequences: list[list[dict[str, str]]] = [[]]
    for code, value in subfields:
        if code == "g":
            sequences.append([])
        elif code in POINT_CODES:
            points = sequences[-1]
            if not points or code in points[-1]:
                points.append({})
            points[-1][code] = value.strip()
        elif code in "wz" and value.strip():
            statement.notes.append(value.strip())
    for points in sequences:
        if not points:
            continue
        coded = [_coded_point(shown, point) for point in points]
        if len(points) > 2:
            part = " ".join(_point_text(point) for point in points)
            raise StatementError(shown, part, "has more than a start and an end")
        start = coded[0]
        if start is None:
            raise StatementError(shown, _point_text(points[0]), "starts with an empty point")
        end = coded[1] if len(points) == 2 else start
        extent = Extent(
            first_volume=start[0],
            first_issue=start[1],
            first_year=start[2],
            last_volume=end[0] if end else None,
            last_issue=end[1] if end else None,
            last_year=end[2] if end else None,
            open_end=end is None,
        )
        _check_order(shown, _point_text(points[0]), extent)
        statement.extents.append(extent)
    if not statement.extents:  # without coded data ("$r Conservé pendant 3 année(s)"), the text is a note
        statement.notes.extend(value.strip() for code, value in subfields if code == "r" and value.strip())
    return statement


def _point_text(point: dict[str, str]) -> str:
    return "".join(f"${code}{value}" for code, value in point.items())


def _coded_point(shown: str, point: dict[str, str]) -> tuple[int | None, int | None, int | None] | None:
    """(volume, issue, year) of a coded point, None when every subfield is empty (an open end)."""
    if not any(point.values()):
        return None
    numbers = []
    for code in ("a", "b", "i"):
        value = point.get(code, "")
        if not value:
            numbers.append(None)
            continue
        if not value.isdigit() or (code == "i" and not YEAR.fullmatch(value)):
            what = "a year" if code == "i" else "a number"
            raise StatementError(shown, f"${code}{value}", f"is not {what}")
        numbers.append(int(value))
    if numbers == [None, None, None]:
        raise StatementError(shown, _point_text(point), "names no volume, issue or year")
    return numbers[0], numbers[1], numbers[2]


def parse_959(subfields: Subfields) -> list[Missing]:
    """The gaps of one 959 field (lacunes): groups of ``$d`` volume, ``$e`` issues, ``$a`` year."""
    shown = "959 " + "".join(f"${code}{value}" for code, value in subfields if code in "ade0")
    missing, group = [], {}
    for code, value in [*subfields, ("0", "")]:
        if code == "0":
            if any(group.values()):
                missing.append(_missing(shown, group))
            group = {}
        elif code in "ade":
            if code in group:  # a new gap started without its $0
                missing.append(_missing(shown, group))
                group = {}
            group[code] = value.strip()
    return missing


def _missing(shown: str, group: dict[str, str]) -> Missing:
    volume, year = group.get("d", ""), group.get("a", "")
    if volume and not volume.isdigit():
        raise StatementError(shown, f"$d{volume}", "is not a number")
    first_year = YEAR.match(year)  # "1953/54": the first year
    if year and not first_year:
        raise StatementError(shown, f"$a{year}", "is not a year")
    return Missing(
        volume=int(volume) if volume else None,
        issues=group.get("e", ""),
        year=int(first_year.group(1)) if first_year else None,
    )

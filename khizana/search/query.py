"""The reader's query syntax (no Django import): a small AST and a plain reading of it.

Syntax: words (all must match), ``"phrases"`` (also « » “ ”), ``OR`` or ``|`` between terms or groups,
``-word`` / ``-"phrase"`` / ``-(group)`` / ``NOT word`` to exclude, ``(a OR b)`` groups, and the fields
``title: author: subject: isbn: year:`` (French and Arabic names too: ``titre: auteur: sujet: annee:``,
``عنوان: مؤلف: موضوع: سنة:``) before a word, a phrase or a group. ``year:`` takes ``1990``, ``1990-2000``,
``>1990``, ``>=1990``, ``<2000``, ``<=2000``, ``1990-`` or ``-2000`` and filters the whole query. A bare
valid ISBN (10 or 13 digits, hyphens allowed) is searched both as a word and as an ISBN.

OR binds tighter than the implicit AND: ``a b OR c`` is ``a AND (b OR c)``. The query is turned into
clauses (conjunctive normal form): every clause must match, a clause matches when one of its terms
does; an excluded term is always alone in its clause.

Nothing here raises on any input: what cannot be read as written is read in the nearest sensible way,
``degraded`` is set and ``notes`` says how (:class:`Note`: a code and a value for the page to translate,
which reads as a short English sentence elsewhere).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import product

from khizana.catalog.identifiers import normalise_isbn
from khizana.core.textnorm import fold, words

__all__ = ["FIELDS", "NOTE_TEXTS", "Note", "ParsedQuery", "Term", "parse_query"]

FIELDS = ("title", "author", "subject", "isbn", "year")

# What a note says, in English; ``{value}`` is the part of the query it is about.
NOTE_TEXTS = {
    "unbalanced_quote": "Unbalanced quote ignored",
    "empty_quotes": "Empty quotes ignored",
    "stray_sign": 'Stray "{value}" ignored',
    "unknown_field": 'Unknown field "{value}:" read as words',
    "punctuation": 'Punctuation "{value}" ignored',
    "unbalanced_close": 'Unbalanced ")" ignored',
    "dangling_or": '"OR" without a term on both sides ignored',
    "empty_field": 'Empty field "{value}:" ignored',
    "too_deep": "Too many nested parentheses: some ignored",
    "unbalanced_open": 'Unbalanced "(" closed at the end',
    "isbn_not_understood": 'ISBN "{value}" not understood, ignored',
    "isbn_invalid": 'ISBN "{value}" is not valid, searched as a word',
    "year_whole_query": "A year filter applies to the whole query",
    "year_reversed": 'Year range "{value}" reversed',
    "year_not_understood": 'Year "{value}" not understood, ignored',
    "years_conflict": "Conflicting years: the last one kept",
    "too_complex": "Query too complex: its groups were read as any of their words",
    "exclusion_in_or": "Exclusion inside OR read as a plain word",
    "cut": "Query cut to {value} characters",
    "not_understood": "Query not understood: read as words",
    "index_missing": "The search index is not built yet.",
    "fuzzy_retry": "Few exact matches: results include close spellings.",
}


class Note(str):
    """A remark on how a query was read: reads as its English sentence; ``code`` and ``value`` let a
    page say it in the reader's language."""

    code: str
    value: str

    def __new__(cls, code: str, value: str = "") -> Note:
        note = super().__new__(cls, NOTE_TEXTS[code].format(value=value))
        note.code, note.value = code, value
        return note

    def __reduce__(self):
        return (Note, (self.code, self.value))
_FIELD_NAMES = {
    **{name: name for name in FIELDS},
    "titre": "title",
    "auteur": "author",
    "sujet": "subject",
    "annee": "year",
    "date": "year",
    "عنوان": "title",
    "مولف": "author",  # مؤلف once folded
    "موضوع": "subject",
    "سنه": "year",  # سنة once folded
}
MAX_LENGTH = 1000
MAX_DEPTH = 10
MAX_CLAUSES = 32

_QUOTES = '"“”«»„'
_SPECIAL = set(_QUOTES) | {"(", ")", "|"}
_ISBN_SHAPE = re.compile(r"^[0-9][0-9-]{8,15}[0-9Xx]$")
_YEAR = r"\s*(\d{1,4})\s*"
_YEAR_EXACT = re.compile(rf"^={_YEAR}$|^{_YEAR}$")
_YEAR_RANGE = re.compile(rf"^{_YEAR}(?:-|–|—|\.\.|/|to|à|الى){_YEAR}$", re.IGNORECASE)
_YEAR_FROM = re.compile(rf"^{_YEAR}(?:-|–|\.\.)$|^(>=?|≥){_YEAR}$")
_YEAR_TO = re.compile(rf"^(?:-|–|\.\.){_YEAR}$|^(<=?|≤){_YEAR}$")


@dataclass(frozen=True)
class Term:
    """One word or phrase as typed (the search side analyses ``text``); ``field`` None is all fields."""

    text: str
    field: str | None = None
    phrase: bool = False
    negated: bool = False

    def display(self) -> str:
        shown = f'"{self.text}"' if self.phrase else self.text
        return f"{self.field}: {shown}" if self.field else shown


Clause = list[Term]  # alternatives: one of them must match


@dataclass
class ParsedQuery:
    """How a query was read, structured: its clauses of terms, its years and its notes (each a code and
    its value). Search results carry it (``SearchResults.reading``); :meth:`explain` says it in English,
    the pages say it in the reader's language from the same structure."""

    clauses: list[Clause] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    isbn: list[str] = field(default_factory=list)  # normalised ISBN-13s the query looks for
    degraded: bool = False
    notes: list[Note] = field(default_factory=list)
    raw: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.clauses and self.year_from is None and self.year_to is None

    @property
    def positive_clauses(self) -> list[Clause]:
        return [clause for clause in self.clauses if not clause[0].negated]

    @property
    def excluded(self) -> list[Term]:
        return [clause[0] for clause in self.clauses if clause[0].negated]

    def explain(self) -> str:
        """One line: 'all of: économie, politique; title: "mille et une"; not: enfants; years 1990–2000'."""
        parts = []
        plain = [c[0].display() for c in self.clauses if len(c) == 1 and not c[0].negated and not c[0].field]
        if plain:
            parts.append("all of: " + ", ".join(plain))
        by_field: dict[str, list[str]] = {}
        for clause in self.clauses:
            if len(clause) == 1 and clause[0].field and not clause[0].negated:
                term = clause[0]
                by_field.setdefault(term.field, []).append(replace(term, field=None).display())
        parts.extend(f"{name}: {', '.join(values)}" for name, values in by_field.items())
        parts.extend("one of: " + " | ".join(t.display() for t in c) for c in self.clauses if len(c) > 1)
        if self.excluded:
            parts.append("not: " + ", ".join(t.display() for t in self.excluded))
        if self.year_from is not None and self.year_from == self.year_to:
            parts.append(f"year {self.year_from}")
        elif self.year_from is not None and self.year_to is not None:
            parts.append(f"years {self.year_from}–{self.year_to}")
        elif self.year_from is not None:
            parts.append(f"from {self.year_from}")
        elif self.year_to is not None:
            parts.append(f"until {self.year_to}")
        return "; ".join(parts) if parts else "empty query"


# ---------------------------------------------------------------------------------------------- lexer

# Token kinds: WORD, PHRASE, LPAREN, RPAREN, OR, NOT, FIELD (value: field name), EMPTY_FIELD (no value
# follows: what follows is spaces or the end).


def _lex(text: str, notes: list[Note]) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in _QUOTES:
            end = _closing_quote(text, i + 1)
            if end < 0:
                notes.append(Note("unbalanced_quote"))
                i += 1
                continue
            phrase = " ".join(text[i + 1 : end].split())
            if words(phrase):
                tokens.append(("PHRASE", phrase))
            else:
                notes.append(Note("empty_quotes"))
            i = end + 1
        elif char == "(":
            tokens.append(("LPAREN", char))
            i += 1
        elif char == ")":
            tokens.append(("RPAREN", char))
            i += 1
        elif char == "|":
            while i < n and text[i] == "|":
                i += 1
            tokens.append(("OR", "|"))
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in _SPECIAL:
                i += 1
            _lex_word(text[start:i], i < n and not text[i].isspace(), tokens, notes)
    return tokens


def _closing_quote(text: str, start: int) -> int:
    for j in range(start, len(text)):
        if text[j] in _QUOTES:
            return j
    return -1


def _lex_word(raw: str, glued: bool, tokens: list[tuple[str, str]], notes: list[Note]) -> None:
    """A run of characters without spaces, quotes, parentheses or '|'; ``glued`` if one of those follows."""
    if raw == "OR":
        tokens.append(("OR", raw))
        return
    if raw in ("AND", "&&", "&", "+"):
        return  # the implicit operator anyway
    if raw == "NOT":
        tokens.append(("NOT", raw))
        return
    if raw[0] in "-+":
        sign, rest = raw[0], raw.lstrip("-+")
        if sign == "-" and (rest or glued):
            tokens.append(("NOT", "-"))
        elif not rest:
            notes.append(Note("stray_sign", raw))
        if not rest:
            return
        raw = rest
    name, colon, value = raw.partition(":")
    if colon and name:
        field_name = _FIELD_NAMES.get(fold(name))
        if field_name:
            tokens.append(("FIELD" if value or glued else "EMPTY_FIELD", field_name))
            if value:
                tokens.append(("WORD", value))
            return
        if any(c.isalpha() for c in name):
            notes.append(Note("unknown_field", name))
        tokens.append(("WORD", name))
        if not words(value):
            return
        raw = value
    if words(raw):
        tokens.append(("WORD", raw))
    else:
        notes.append(Note("punctuation", raw))


# --------------------------------------------------------------------------------------------- parser

# Boolean tree: ("and", [nodes]), ("or", [nodes]), ("not", node), ("term", Term), or None (nothing).


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], result: ParsedQuery):
        self.tokens = tokens
        self.pos = 0
        self.result = result
        self.notes = result.notes

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def parse(self):
        node = self.sequence(depth=0)
        while self.pos < len(self.tokens):  # only a stray ')' stops a top-level sequence
            self.pos += 1
            self.notes.append(Note("unbalanced_close"))
            node = ("and", [node, self.sequence(depth=0)])
        return self.years(node)

    def sequence(self, depth: int):
        items = []
        while self.peek() not in (None, "RPAREN"):
            if self.peek() == "OR":
                self.pos += 1
                self.notes.append(Note("dangling_or"))
                continue
            items.append(self.alternatives(depth))
        return ("and", items)

    def alternatives(self, depth: int):
        options = [self.unary(depth)]
        while self.peek() == "OR":
            self.pos += 1
            if self.peek() in (None, "RPAREN", "OR"):
                self.notes.append(Note("dangling_or"))
                break
            options.append(self.unary(depth))
        return options[0] if len(options) == 1 else ("or", options)

    def unary(self, depth: int, field_name: str | None = None):
        kind = self.peek()
        if kind == "NOT":
            self.pos += 1
            if self.peek() in (None, "RPAREN", "OR"):
                self.notes.append(Note("stray_sign", "-"))
                return None
            return ("not", self.unary(depth, field_name))
        if kind in ("FIELD", "EMPTY_FIELD"):
            name = self.tokens[self.pos][1]
            self.pos += 1
            if kind == "EMPTY_FIELD" and self.peek() not in ("WORD", "PHRASE", "LPAREN"):
                self.notes.append(Note("empty_field", name))
                return None
            if self.peek() in (None, "RPAREN", "OR", "FIELD", "EMPTY_FIELD"):
                self.notes.append(Note("empty_field", name))
                return None
            return self.unary(depth, name)
        self.pos += 1
        value = self.tokens[self.pos - 1][1]
        if kind == "LPAREN":
            if depth >= MAX_DEPTH:
                self.notes.append(Note("too_deep"))
                return None
            node = self.sequence(depth + 1)
            if self.peek() == "RPAREN":
                self.pos += 1
            else:
                self.notes.append(Note("unbalanced_open"))
            return _with_field(node, field_name) if field_name else node
        if kind == "PHRASE":
            return self.leaf(value, field_name, phrase=True)
        return self.leaf(value, field_name, phrase=False)

    def leaf(self, text: str, field_name: str | None, phrase: bool):
        if field_name == "year":
            return ("year", text)
        if field_name == "isbn":
            value, valid = normalise_isbn(text)
            if not value:
                self.notes.append(Note("isbn_not_understood", text))
                return None
            if not valid:
                self.notes.append(Note("isbn_invalid", text))
                return ("term", Term(text, None, phrase))
            return ("term", Term(value, "isbn"))
        term = ("term", Term(text, field_name, phrase))
        if field_name is None and not phrase and _ISBN_SHAPE.match(text):
            digits = text.replace("-", "")
            value, valid = normalise_isbn(digits)
            if valid and len(digits) in (10, 13):
                return ("or", [term, ("term", Term(value, "isbn"))])
        return term

    def years(self, node, nested: bool = False):
        """Apply the year filters of the tree (whole-query filters wherever they were typed); drop them."""
        if node is None:
            return None
        kind = node[0]
        if kind == "year":
            if nested:
                self.notes.append(Note("year_whole_query"))
            self.year(node[1])
            return None
        if kind == "term":
            return node
        if kind == "not":
            return ("not", self.years(node[1], True))
        return (kind, [self.years(child, nested or kind == "or") for child in node[1]])

    def year(self, text: str) -> None:
        text = text.strip()
        low, high = None, None
        if match := _YEAR_EXACT.match(text):
            low = high = int(match.group(1) or match.group(2))
        elif match := _YEAR_RANGE.match(text):
            low, high = int(match.group(1)), int(match.group(2))
            if low > high:
                low, high = high, low
                self.notes.append(Note("year_reversed", text))
        elif match := _YEAR_FROM.match(text):
            low = int(match.group(1)) if match.group(1) else int(match.group(3)) + (match.group(2) == ">")
        elif match := _YEAR_TO.match(text):
            high = int(match.group(1)) if match.group(1) else int(match.group(3)) - (match.group(2) == "<")
        else:
            self.notes.append(Note("year_not_understood", text))
            return
        result = self.result
        lows = [v for v in (low, result.year_from) if v is not None]
        highs = [v for v in (high, result.year_to) if v is not None]
        new_from, new_to = max(lows, default=None), min(highs, default=None)
        if new_from is not None and new_to is not None and new_from > new_to:
            self.notes.append(Note("years_conflict"))
            new_from, new_to = low, high
        result.year_from, result.year_to = new_from, new_to


def _with_field(node, field_name: str):
    if node is None:
        return None
    kind = node[0]
    if kind == "year":
        return node
    if kind == "term":
        term = node[1]
        if term.field is not None or field_name in ("year", "isbn"):
            return node
        return ("term", replace(term, field=field_name))
    if kind == "not":
        return ("not", _with_field(node[1], field_name))
    return (kind, [_with_field(child, field_name) for child in node[1]])


# ------------------------------------------------------------------------------- normal form (clauses)


def _push_not(node, negate: bool = False):
    """Negations down to the terms (De Morgan); None children dropped."""
    if node is None:
        return None
    kind = node[0]
    if kind == "term":
        return ("term", replace(node[1], negated=True)) if negate else node
    if kind == "not":
        return _push_not(node[1], not negate)
    children = [c for c in (_push_not(child, negate) for child in node[1]) if c is not None]
    if not children:
        return None
    if len(children) == 1:
        return children[0]
    flipped = {"and": "or", "or": "and"}[kind] if negate else kind
    return (flipped, children)


class _TooComplex(Exception):
    pass


def _cnf(node) -> list[list[Term]]:
    kind = node[0]
    if kind == "term":
        return [[node[1]]]
    parts = [_cnf(child) for child in node[1]]
    if kind == "and":
        return [clause for part in parts for clause in part]
    count = 1
    for part in parts:
        count *= len(part)
    if count > MAX_CLAUSES:
        raise _TooComplex
    return [[term for clause in combo for term in clause] for combo in product(*parts)]


def _terms(node) -> list[Term]:
    if node[0] == "term":
        return [node[1]]
    return [term for child in node[1] for term in _terms(child)]


def _clauses(node, notes: list[Note]) -> list[Clause]:
    node = _push_not(node)
    if node is None:
        return []
    try:
        clauses = _cnf(node)
    except _TooComplex:
        notes.append(Note("too_complex"))
        clauses = [_terms(node)]
    out: list[Clause] = []
    seen = set()
    for clause in clauses:
        unique = list(dict.fromkeys(clause))
        if len(unique) > 1 and any(t.negated for t in unique):
            notes.append(Note("exclusion_in_or"))
            unique = list(dict.fromkeys(replace(t, negated=False) for t in unique))
        key = frozenset(unique)
        if key not in seen:
            seen.add(key)
            out.append(unique)
    return out


def parse_query(text: str | None) -> ParsedQuery:
    """Read a query as typed by a reader; never raises."""
    text = text or ""
    result = ParsedQuery(raw=text)
    notes = result.notes
    if len(text) > MAX_LENGTH:
        notes.append(Note("cut", str(MAX_LENGTH)))
        text = text[:MAX_LENGTH]
    try:
        tokens = _lex(text, notes)
        tree = _Parser(tokens, result).parse()
        result.clauses = _clauses(tree, notes)
    except RecursionError:  # pragma: no cover - MAX_DEPTH and MAX_LENGTH keep it out of reach
        notes.append(Note("not_understood"))
        result.clauses = [[Term(word)] for word in dict.fromkeys(words(text))]
    result.isbn = list(
        dict.fromkeys(t.text for c in result.clauses for t in c if t.field == "isbn" and not t.negated)
    )
    result.notes[:] = list(dict.fromkeys(notes))
    result.degraded = bool(result.notes)
    return result

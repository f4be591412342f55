"""A subset of CQL (the Contextual Query Language of SRU) read and translated into the catalog's own
query syntax (:mod:`khizana.search.query`). No Django import.

Supported: search clauses ``index relation term`` or a bare ``term``; terms unquoted or ``"quoted"``
(``\\"`` inside quotes); ``and``, ``or``, ``not`` (left to right, equal precedence, as CQL says) and
parentheses. Indexes: ``title`` ``author`` ``subject`` ``isbn`` ``any`` (and ``dc.title``
``dc.creator`` ``dc.subject`` ``bath.isbn`` ``cql.serverChoice`` and a few more, see :data:`INDEXES`),
``year`` / ``dc.date`` (limits of the whole query, combined with ``and`` only) and
``cql.allRecords``. Relations: ``=`` (the words as a phrase), ``adj``, ``exact``, ``==`` (a phrase),
``all`` (every word), ``any`` (one of the words); ``<`` ``>`` ``<=`` ``>=`` ``within`` on years.

What is not supported is refused with the SRU diagnostic that names it (:class:`SRUError`): masking
(``*`` ``?``), ``prox``, relation and boolean modifiers, unknown indexes and context sets, ``sortby``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from khizana.search.query import parse_query

from .diagnostics import SRUError

__all__ = ["Boolean", "Clause", "Node", "SRUError", "parse", "to_search_query", "translate"]

MAX_LENGTH = 1000
MAX_DEPTH = 8
ALL_RECORDS = "*"  # INDEXES value of cql.allRecords

INDEXES = {
    "cql.serverchoice": "",
    "cql.anywhere": "",
    "cql.keywords": "",
    "serverchoice": "",
    "any": "",
    "anywhere": "",
    "keywords": "",
    "title": "title",
    "dc.title": "title",
    "bath.title": "title",
    "author": "author",
    "creator": "author",
    "dc.creator": "author",
    "dc.contributor": "author",
    "bath.author": "author",
    "bath.name": "author",
    "bath.personalname": "author",
    "subject": "subject",
    "dc.subject": "subject",
    "bath.subject": "subject",
    "isbn": "isbn",
    "bath.isbn": "isbn",
    "year": "year",
    "date": "year",
    "dc.date": "year",
    "cql.allrecords": ALL_RECORDS,
}
CONTEXT_SETS = {"cql", "dc", "bath"}
TEXT_RELATIONS = {"=", "==", "exact", "adj", "all", "any"}
YEAR_RELATIONS = {"=", "==", "<", ">", "<=", ">=", "within"}
NAMED_RELATIONS = {"any", "all", "adj", "exact", "within", "encloses"}
IGNORED_MODIFIERS = {"ignorecase", "stem", "relevant"}  # what the search does anyway
BOOLEANS = {"and", "or", "not", "prox"}
_SYMBOLS = ("==", "<>", "<=", ">=", "=", "<", ">")
_BREAK = set('()/"=<>') | {" ", "\t", "\n", "\r"}


@dataclass(frozen=True)
class Clause:
    index: str  # as written
    relation: str  # lower case, "cql." prefix removed
    term: str  # escapes resolved
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Boolean:
    operator: str  # and, or, not
    left: Node
    right: Node


Node = Clause | Boolean


# ------------------------------------------------------------------------------------------- lexer


@dataclass(frozen=True)
class _Token:
    kind: str  # "(" ")" "/" REL WORD QUOTED
    value: str
    offset: int


def _tokens(text: str) -> list[_Token]:
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()/":
            tokens.append(_Token(char, char, i))
            i += 1
        elif char == '"':
            end = _closing_quote(text, i)
            tokens.append(_Token("QUOTED", text[i + 1 : end], i))
            i = end + 1
        elif symbol := next((s for s in _SYMBOLS if text.startswith(s, i)), None):
            tokens.append(_Token("REL", symbol, i))
            i += len(symbol)
        else:
            start = i
            while i < len(text) and text[i] not in _BREAK and not text[i].isspace():
                i += 1
            tokens.append(_Token("WORD", text[start:i], start))
    return tokens


def _closing_quote(text: str, start: int) -> int:
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    raise SRUError(14, str(start), f"The quotation mark at character {start + 1} is never closed.")


# ------------------------------------------------------------------------------------------ parser


class _Parser:
    def __init__(self, tokens: list[_Token], length: int):
        self.tokens, self.pos, self.length = tokens, 0, length

    def peek(self, ahead: int = 0) -> _Token | None:
        index = self.pos + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def next(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def offset(self) -> int:
        token = self.peek()
        return token.offset if token else self.length

    def query(self, depth: int) -> Node:
        token = self.peek()
        if token and token.kind == "REL" and token.value == ">":
            raise SRUError(48, "prefix assignment", "Prefix assignments (>name=uri) are not supported.")
        node = self.clause(depth)
        while (token := self.peek()) and token.kind == "WORD" and token.value.lower() in BOOLEANS:
            operator = self.next().value.lower()
            if operator == "prox":
                raise SRUError(37, "prox", "Proximity (prox) is not supported: use adj for a phrase.")
            if self.peek() and self.peek().kind == "/":
                raise SRUError(46, self.modifiers()[0], "Modifiers on and, or, not are not supported.")
            node = Boolean(operator, node, self.clause(depth))
        token = self.peek()
        if token and token.kind == "WORD" and token.value.lower() == "sortby":
            raise SRUError(80, "sortby", "Results come in order of relevance; sortby is not supported.")
        return node

    def clause(self, depth: int) -> Node:
        token = self.peek()
        if token is None:
            raise SRUError(10, str(self.length), "The query ends where a search term was expected.")
        if token.kind == "(":
            self.next()
            if depth >= MAX_DEPTH:
                raise SRUError(13, str(token.offset), f"More than {MAX_DEPTH} parentheses inside each other.")
            node = self.query(depth + 1)
            closing = self.peek()
            if closing is None or closing.kind != ")":
                where = token.offset + 1
                raise SRUError(13, str(token.offset), f'The "(" at character {where} is never closed.')
            self.next()
            return node
        if token.kind == ")":
            raise SRUError(13, str(token.offset), f'The ")" at character {token.offset + 1} closes nothing.')
        if token.kind in ("/", "REL"):
            where = token.offset + 1
            raise SRUError(10, str(token.offset), f'"{token.value}" at character {where} is unexpected.')
        first = self.next()
        if not self._relation_follows():
            return Clause("cql.serverChoice", "=", _term(first))
        if first.kind == "QUOTED":
            raise SRUError(10, str(first.offset), "An index name cannot be quoted.")
        relation = self.next().value.lower().removeprefix("cql.")
        modifiers = self.modifiers()
        term = self.peek()
        if term is None or term.kind not in ("WORD", "QUOTED"):
            raise SRUError(10, str(self.offset()), f'The relation "{relation}" is not followed by a term.')
        self.next()
        return Clause(first.value, relation, _term(term), modifiers)

    def _relation_follows(self) -> bool:
        token = self.peek()
        if token is None:
            return False
        if token.kind == "REL":
            return True
        if token.kind != "WORD" or token.value.lower() in BOOLEANS | {"sortby"}:
            return False
        if token.value.lower().removeprefix("cql.") in NAMED_RELATIONS:
            return True
        after = self.peek(1)  # "index name term": an unknown named relation
        return after is not None and after.kind in ("WORD", "QUOTED", "/")

    def modifiers(self) -> tuple[str, ...]:
        found = []
        while (token := self.peek()) and token.kind == "/":
            self.next()
            name = self.peek()
            if name is None or name.kind != "WORD":
                raise SRUError(10, str(self.offset()), 'A "/" must be followed by a modifier name.')
            self.next()
            value = ""
            if (symbol := self.peek()) and symbol.kind == "REL":
                self.next()
                operand = self.peek()
                if operand is None or operand.kind not in ("WORD", "QUOTED"):
                    raise SRUError(10, str(self.offset()), "A modifier value is missing.")
                value = symbol.value + self.next().value
            found.append(name.value + value)
        return tuple(found)


def _term(token: _Token) -> str:
    """The term with CQL escapes resolved; masking characters are refused."""
    out, i, raw = [], 0, token.value
    while i < len(raw):
        char = raw[i]
        if char == "\\" and i + 1 < len(raw):
            out.append(raw[i + 1])
            i += 2
            continue
        if char in "*?":
            raise SRUError(28, raw, f'Masking ("{char}") is not supported: the search stems words itself.')
        if char != "^":  # anchoring: a search term matches anywhere anyway
            out.append(char)
        i += 1
    return "".join(out)


def parse(text: str) -> Node:
    """The CQL query as a tree; :class:`SRUError` (with its diagnostic) when it cannot be read."""
    if len(text) > MAX_LENGTH:
        raise SRUError(12, str(MAX_LENGTH), f"The query is longer than {MAX_LENGTH} characters.")
    tokens = _tokens(text)
    if not tokens:
        raise SRUError(7, "query", "The query is empty.")
    parser = _Parser(tokens, len(text))
    node = parser.query(0)
    extra = parser.peek()
    if extra is not None:
        if extra.kind == ")":
            raise SRUError(13, str(extra.offset), f'The ")" at character {extra.offset + 1} closes nothing.')
        raise SRUError(
            10,
            str(extra.offset),
            f'"{extra.value}" at character {extra.offset + 1}: terms must be joined by and, or, not.',
        )
    return node


# ------------------------------------------------------------------------------------- translation

# Search tree: ("atom", text) | ("and", [nodes]) | ("or", [nodes]) | ("not", node); None = all records.
_OPERATOR_WORDS = {"OR", "AND", "NOT", "&", "&&", "+", "|"}
_QUERY_SPECIAL = re.compile(r"[\"“”«»„()|]")
_YEAR = re.compile(r"^-?\d{1,4}$")


def _word(word: str) -> str:
    word = _QUERY_SPECIAL.sub(" ", word).strip()
    if not word:
        return ""
    if word.upper() in _OPERATOR_WORDS or word[0] in "-+" or ":" in word or " " in word:
        return f'"{word}"'
    return word


def _prefixed(field: str, text: str) -> tuple:
    return ("atom", f"{field}:{text}" if field else text)


def _text_clause(field: str, relation: str, term: str) -> tuple:
    words = [w for w in (_word(w) for w in term.split()) if w]
    if not words:
        raise SRUError(27, "", "The search term is empty.")
    if field == "isbn":
        if relation in ("all", "any"):
            return ("and" if relation == "all" else "or", [_prefixed(field, w) for w in words])
        return _prefixed(field, "".join(w.strip('"') for w in words))
    if relation in ("all", "any") and len(words) > 1:
        return ("and" if relation == "all" else "or", [_prefixed(field, w) for w in words])
    if len(words) == 1:
        return _prefixed(field, words[0])
    phrase = " ".join(w.strip('"') for w in words)
    return _prefixed(field, f'"{phrase}"')


def _year_clause(relation: str, term: str) -> tuple:
    values = term.split()
    if relation == "within":
        if len(values) != 2 or not all(_YEAR.match(v) for v in values):
            raise SRUError(24, f"within {term}", 'A year range is two years: year within "1990 2000".')
        return ("atom", f"year:{values[0]}-{values[1]}")
    if len(values) != 1 or not _YEAR.match(values[0]):
        raise SRUError(24, f"{relation} {term}", f'"{term}" is not a year.')
    shown = "" if relation in ("=", "==") else relation
    return ("atom", f"year:{shown}{values[0]}")


def _clause(clause: Clause, in_and_chain: bool):
    name = clause.index.lower()
    field = INDEXES.get(name)
    if field is None:
        prefix, dot, _ = name.partition(".")
        if dot and prefix not in CONTEXT_SETS:
            raise SRUError(15, prefix, f'The context set "{prefix}" is not supported.')
        raise SRUError(16, clause.index, f'The index "{clause.index}" is not supported.')
    unsupported = [m for m in clause.modifiers if m.lower().split("=")[0] not in IGNORED_MODIFIERS]
    if unsupported:
        raise SRUError(20, unsupported[0], f'The relation modifier "/{unsupported[0]}" is not supported.')
    if field == ALL_RECORDS:
        return None
    if clause.relation not in TEXT_RELATIONS | YEAR_RELATIONS:
        raise SRUError(19, clause.relation, f'The relation "{clause.relation}" is not supported.')
    if field == "year":
        if not in_and_chain:
            raise SRUError(48, "year", "A year limit applies to the whole query: join it with and only.")
        return _year_clause(clause.relation, clause.term)
    if clause.relation not in TEXT_RELATIONS:
        raise SRUError(22, f"{clause.index} {clause.relation}", f'"{clause.relation}" only compares years.')
    return _text_clause(field, clause.relation, clause.term)


def _combine(kind: str, left, right) -> tuple:
    parts = []
    for node in (left, right):
        parts += node[1] if node[0] == kind else [node]
    return (kind, parts)


def translate(node: Node, in_and_chain: bool = True):
    """The search tree of a CQL tree (None: every record)."""
    if isinstance(node, Clause):
        return _clause(node, in_and_chain)
    left = translate(node.left, in_and_chain and node.operator in ("and", "not"))
    right = translate(node.right, in_and_chain and node.operator == "and")
    if node.operator == "and":
        return right if left is None else left if right is None else _combine("and", left, right)
    if node.operator == "or":
        return None if left is None or right is None else _combine("or", left, right)
    if right is None:
        raise SRUError(48, "not cql.allRecords", "A query that excludes every record finds nothing.")
    excluded = ("not", right)
    return excluded if left is None else _combine("and", left, excluded)


def render(tree, parent: str = "") -> str:
    """The search tree in the catalog's query syntax."""
    if tree is None:
        return ""
    kind = tree[0]
    if kind == "atom":
        return tree[1]
    if kind == "not":
        inner = render(tree[1])
        return f"-{inner}" if tree[1][0] == "atom" else f"-({inner})"
    joiner = " " if kind == "and" else " OR "
    text = joiner.join(render(child, kind) for child in tree[1])
    grouped = parent in ("or", "not") or (kind == "or" and parent == "and")
    return f"({text})" if grouped else text


_REFUSED_READINGS = [  # what the search would read differently from CQL -> diagnostic
    (re.compile(r"Exclusion inside OR"), 48, "not inside or", "NOT inside an OR group is not supported."),
    (re.compile(r"Query too complex"), 48, "complexity", "The query has too many OR groups."),
    (re.compile(r"Too many nested parentheses"), 13, "", "The query is nested too deeply."),
    (re.compile(r'ISBN "(.*)" not understood'), 24, "", "This is not an ISBN."),
]


def to_search_query(text: str) -> str:
    """A CQL query in the catalog's query syntax ("" for every record); :class:`SRUError` when it
    cannot be read or asks for what the search cannot do."""
    query = render(translate(parse(text)))
    for note in parse_query(query).notes:
        for pattern, code, details, message in _REFUSED_READINGS:
            match = pattern.search(note)
            if match:
                raise SRUError(code, details or (match.group(1) if match.groups() else ""), message)
    return query

"""SRU diagnostics (no Django): the ones this service sends, from the SRU diagnostics list
(``info:srw/diagnostic/1/N``, https://www.loc.gov/standards/sru/diagnostics/diagnosticsList.html)."""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "info:srw/diagnostic/1/"

MESSAGES = {
    1: "General system error",
    4: "Unsupported operation",
    5: "Unsupported version",
    6: "Unsupported parameter value",
    7: "Mandatory parameter not supplied",
    8: "Unsupported parameter",
    10: "Query syntax error",
    12: "Too many characters in query",
    13: "Invalid or unsupported use of parentheses",
    14: "Invalid or unsupported use of quotes",
    15: "Unsupported context set",
    16: "Unsupported index",
    19: "Unsupported relation",
    20: "Unsupported relation modifier",
    22: "Unsupported combination of relation and index",
    24: "Unsupported combination of relation and term",
    27: "Empty term unsupported",
    28: "Masking character not supported",
    37: "Unsupported boolean operator",
    46: "Unsupported boolean modifier",
    48: "Query feature unsupported",
    61: "First record position out of range",
    65: "Record does not exist",
    66: "Unknown schema for retrieval",
    67: "Record not available in this schema",
    71: "Unsupported record packing",
    80: "Sort not supported",
    110: "Stylesheets not supported",
}


@dataclass(frozen=True)
class Diagnostic:
    code: int
    details: str = ""
    message: str = ""  # a sentence for people; the list's own wording when empty

    @property
    def uri(self) -> str:
        return f"{PREFIX}{self.code}"

    @property
    def text(self) -> str:
        return self.message or MESSAGES.get(self.code, "")


class SRUError(Exception):
    """A fatal diagnostic: the request cannot be answered with records."""

    def __init__(self, code: int, details: str = "", message: str = ""):
        super().__init__(f"{code} {details} {message}".strip())
        self.diagnostic = Diagnostic(code, details, message)

"""Clean-up, analysis and snippets of page text (pure: no Django import).

- :func:`clean_text`: what every extracted or OCR'd page goes through before it is stored: Unicode NFC,
  the invisible bidi controls Tesseract (and some PDF producers) leave in Arabic text removed, spaces
  normalised (runs of blanks to one space, at most one empty line between paragraphs).
- :func:`page_tokens`: the searchable words of a page, as the catalog analyses text
  (:func:`khizana.core.analysis.analyse`, language-neutral: case, Latin accents, Arabic letter forms,
  hamza, tashkeel, tatweel, digits folded; light stemming), so a reader finds "élève" by typing "eleve" and
  "مسألة" by typing "مسالة".
- :func:`hit_spans` and :func:`snippets_at`: where a page's matching words are, and the pieces of the page
  around them, HTML-escaped, matches in ``<mark>``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from khizana.core.analysis import analyse

# LRM, RLM, ALM; LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI.
BIDI_CONTROLS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_TABLE = {ord(c): None for c in BIDI_CONTROLS}
_BLANKS = re.compile(r"[^\S\n]+")  # white space other than line breaks (incl. NBSP, thin spaces)
_EMPTY_LINES = re.compile(r"\n\s*\n\s*")
_WORD = re.compile(r"[^\W_]+")  # a word to highlight (l'homme: "homme" alone)


def strip_bidi_controls(text: str) -> str:
    """``text`` without the invisible bidi formatting characters (U+200E/F, U+061C, U+202A-E, U+2066-9)."""
    return text.translate(_BIDI_TABLE)


def clean_text(text: str) -> str:
    """NFC, no bidi controls, no soft hyphens or NULs, one space between words, one blank line at most."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", strip_bidi_controls(text))
    text = text.replace("\x00", "").replace("\u00ad", "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [_BLANKS.sub(" ", line).strip() for line in text.split("\n")]
    return _EMPTY_LINES.sub("\n\n", "\n".join(lines)).strip()


def token_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The searchable tokens of ``text`` in order, and for each the (start, end) of the word it comes from."""
    tokens: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in _WORD.finditer(text or ""):
        for token in analyse(match.group(0)):  # analyse caches its work per word
            tokens.append(token)
            spans.append(match.span())
    return tokens, spans


def page_tokens(text: str) -> list[str]:
    """The searchable tokens of a page (or of a query), in order."""
    return token_spans(text)[0]


def vocabulary(pages: list[str], limit: int) -> list[str]:
    """Distinct tokens of the pages in order of first appearance, at most ``limit``; single letters and
    bare numbers left out (they find nothing useful in a catalog search)."""
    seen: dict[str, None] = {}
    for text in pages:
        for token in text.split():
            if token not in seen and len(token) > 1 and not token.isdigit():
                seen[token] = None
                if len(seen) >= limit:
                    return list(seen)
    return list(seen)


@dataclass(frozen=True)
class Snippet:
    html: str  # escaped text, matches in <mark>
    matches: int


def count_matches(tokens: str, wanted: set[str]) -> int:
    """Occurrences of the wanted tokens in a page's space-separated tokens (counted in C, not per token)."""
    padded = "  " + tokens.replace(" ", "  ") + "  "
    return sum(padded.count(f" {token} ") for token in wanted)


def hit_spans(tokens: list[str], spans: list[tuple[int, int]], wanted: set[str]) -> list[tuple[int, int]]:
    """(start, end) of the words whose analysed form (``tokens``, located by ``spans``) is a wanted one."""
    found = [span for token, span in zip(tokens, spans, strict=True) if token in wanted]
    return list(dict.fromkeys(found))  # a word giving two tokens is one match


def snippets_at(text: str, spans: list[tuple[int, int]], width: int = 80, limit: int = 3) -> list[Snippet]:
    """Up to ``limit`` pieces of ``text`` around its matches (``spans``, in text order; about ``width``
    characters either side, cut at spaces), HTML-escaped, matching words in ``<mark>``; overlapping pieces
    are merged."""
    windows: list[list] = []  # [start, end, spans]
    for start, end in spans:
        left = max(0, start - width)
        right = min(len(text), end + width)
        if windows and left <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], right)
            windows[-1][2].append((start, end))
        elif len(windows) < limit:
            windows.append([left, right, [(start, end)]])
        else:
            break
    return [_render(text, left, right, found) for left, right, found in windows]


def _render(text: str, left: int, right: int, spans: list[tuple[int, int]]) -> Snippet:
    if left > 0:
        space = text.find(" ", left, spans[0][0])
        left = space + 1 if space >= 0 else left
    if right < len(text):
        space = text.rfind(" ", spans[-1][1], right)
        right = space if space >= 0 else right
    parts = ["… " if left > 0 else ""]
    position = left
    for start, end in spans:
        parts.append(html.escape(text[position:start]))
        parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
        position = end
    parts.append(html.escape(text[position:right]))
    parts.append(" …" if right < len(text) else "")
    return Snippet(" ".join("".join(parts).split("\n")).strip(), len(spans))

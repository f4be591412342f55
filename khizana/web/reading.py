"""How the search read a query, in the reader's language: the structured reading the search results
carry (``SearchResults.reading``: terms, years, notes with their codes and values) said through gettext.
Nothing is parsed again here; the English of the same reading is ``ParsedQuery.explain``."""

from __future__ import annotations

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from khizana.search.query import Note, ParsedQuery, Term

_NOTES = {  # the search service's note codes (khizana.search.query.NOTE_TEXTS), in the reader's language
    "unbalanced_quote": _("An unbalanced quotation mark was ignored."),
    "empty_quotes": _("Empty quotation marks were ignored."),
    "stray_sign": _("The sign “%(x)s” was ignored."),
    "unknown_field": _("“%(x)s:” is not a known field: it was read as words."),
    "punctuation": _("The punctuation “%(x)s” was ignored."),
    "unbalanced_close": _("A closing parenthesis without its opening one was ignored."),
    "dangling_or": _("“OR” needs a word on each side: it was ignored."),
    "empty_field": _("“%(x)s:” was followed by nothing: it was ignored."),
    "too_deep": _("Too many parentheses inside each other: some ignored."),
    "unbalanced_open": _("An opening parenthesis was closed at the end."),
    "isbn_not_understood": _("The ISBN “%(x)s” was not understood: it was ignored."),
    "isbn_invalid": _("The ISBN “%(x)s” is not valid: it was searched as a word."),
    "year_whole_query": _("A year limit applies to the whole search."),
    "year_reversed": _("The years “%(x)s” were the wrong way round: they were swapped."),
    "year_not_understood": _("The year “%(x)s” was not understood: it was ignored."),
    "years_conflict": _("Several years were given: the last one was kept."),
    "too_complex": _("The search was too complex: each group was read as any of its words."),
    "exclusion_in_or": _("A “-” inside “OR” was read as a plain word."),
    "cut": _("The search was cut to %(x)s characters."),
    "not_understood": _("The search was not understood: it was read as plain words."),
    "index_missing": _("The search is not available yet. Please try again later."),
    "fuzzy_retry": _("Few exact matches: the results include close spellings."),
}


def translate_note(note: Note | str) -> str:
    """A note of the search, by its code, in the reader's language (any other text as it is)."""
    text = _NOTES.get(getattr(note, "code", ""))
    if text is None:
        return str(note)
    return str(text) % {"x": note.value} if "%(x)s" in str(text) else str(text)


_FIELD_LABELS = {
    "title": pgettext_lazy("search field", "title"),
    "author": pgettext_lazy("search field", "author"),
    "subject": pgettext_lazy("search field", "subject"),
    "isbn": pgettext_lazy("search field", "ISBN"),
}


def _term(term: Term) -> str:
    shown = f"“{term.text}”" if term.phrase else term.text
    return f"{_FIELD_LABELS[term.field]}: {shown}" if term.field in _FIELD_LABELS else shown


def _years(reading: ParsedQuery) -> list[str]:
    year_from, year_to = reading.year_from, reading.year_to
    if year_from is not None and year_from == year_to:
        return [gettext("year %(year)s") % {"year": year_from}]
    if year_from is not None and year_to is not None:
        return [gettext("years %(start)s to %(end)s") % {"start": year_from, "end": year_to}]
    if year_from is not None:
        return [gettext("from %(year)s") % {"year": year_from}]
    if year_to is not None:
        return [gettext("until %(year)s") % {"year": year_to}]
    return []


def read_as(reading: ParsedQuery) -> str:
    """How the query was understood, in the reader's language (as ``ParsedQuery.explain`` in English)."""
    parts = []
    for clause in reading.positive_clauses:
        if len(clause) == 1:
            parts.append(_term(clause[0]))
        else:
            parts.append(gettext("one of %(terms)s") % {"terms": " | ".join(_term(t) for t in clause)})
    if reading.excluded:
        parts.append(gettext("without %(terms)s") % {"terms": ", ".join(_term(t) for t in reading.excluded)})
    return " + ".join(parts + _years(reading))

"""How the search service's notes on a query reach the reader: by code, in the reader's language."""

import pickle

from django.utils import translation

from khizana.search.query import NOTE_TEXTS, Note, parse_query
from khizana.web import fragments, reading, results_page


def test_every_note_code_has_a_translatable_text():
    assert set(reading._NOTES) == set(NOTE_TEXTS)


def test_a_note_reads_as_english_and_is_shown_in_the_readers_language():
    note = next(n for n in parse_query("flaubert isbn:12-x").notes if n.code == "isbn_not_understood")
    assert note == 'ISBN "12-x" not understood, ignored' and note.value == "12-x"
    assert pickle.loads(pickle.dumps(note)).code == "isbn_not_understood"
    with translation.override("fr"):
        assert reading.translate_note(note) == "L’ISBN « 12-x » n’a pas été compris : il a été ignoré."
    with translation.override("ar"):
        assert "12-x" in reading.translate_note(note)
        assert "ISBN" not in reading.translate_note(Note("years_conflict"))


def test_a_plain_string_passes_through():
    assert reading.translate_note("something else") == "something else"


def test_facet_boxes_and_highlights_escape_what_they_show():
    from types import SimpleNamespace

    value = results_page.FacetValue('<b>"x"</b>', "<i>Label</i> & co", 1200, True, False)
    group = results_page.FacetGroup("subject", "Subject", [value], False)
    html = group.items_html()
    assert '<b>' not in html and "&lt;b&gt;&quot;x&quot;&lt;/b&gt;" in html and "&lt;i&gt;" in html
    assert ' checked>' in html and 'id="f-subject-1"' in html
    pieces = [SimpleNamespace(text="<script>", match=True), SimpleNamespace(text=" & more", match=False)]
    assert fragments.highlighted_html(pieces) == "<mark>&lt;script&gt;</mark> &amp; more"

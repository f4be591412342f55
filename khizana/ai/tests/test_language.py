"""Language and script detection of titles: the detector, the stored suggestions, the language facet."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from khizana.ai.language import detect, detect_title, is_romanised, main_script
from khizana.ai.language_services import detect_works, faceted_languages
from khizana.ai.models_language import LanguageSuggestion
from khizana.catalog.models import Work
from khizana.catalog.rows import ids_lookup
from khizana.catalog.services import import_file
from khizana.search import services as search
from khizana.testing import DEMO, make_library

NETWORK = ("ara", "fre", "eng", "spa", "ger", "ita", "ber")
FRENCH = DEMO / "records" / "BNRM" / "evergreen_lul_fre_500-subset.mrc"
ROMANISED = DEMO / "records" / "BNRM" / "aco_romanised_880-subset.mrc"
AMAZIGH = DEMO / "records" / "BNRM" / "marc4j_azdoud.xml"


@pytest.mark.parametrize(
    ("title", "language", "script"),
    [
        ("Histoire du Maroc depuis les origines", "fre", "Latin"),
        ("A history of the modern Middle East", "eng", "Latin"),
        ("Geschichte der arabischen Literatur", "ger", "Latin"),
        ("Historia de la literatura española", "spa", "Latin"),
        ("تاريخ المغرب الحديث والمعاصر", "ara", "Arabic"),
        ("ⵜⴰⵎⴰⵣⵉⵖⵜ ⵜⵓⵏⴰⵙⵙⵉⴼⵜ", "ber", "Tifinagh"),
    ],
)
def test_titles_are_told_apart_by_script_then_language(title, language, script):
    found = detect(title, NETWORK)
    assert (found.language, found.script) == (language, script)
    assert 0.5 < found.confidence <= 1.0


def test_a_script_no_candidate_is_written_in_gives_no_language():
    found = detect("Война и мир", NETWORK)
    assert found.script == "Cyrillic" and found.language == "" and found.confidence == 0.0
    assert detect("1984 - 2001", NETWORK).script == ""
    assert main_script("Qadāʼ — قضاء الأسرة")[0] == "Arabic"


def test_a_romanised_title_is_read_from_its_arabic_form_or_not_at_all():
    title = "Kitāb al-Ishtiqāq wa-al-taʻrīb"
    assert is_romanised(title) and not is_romanised("Les misérables")
    assert detect(title, NETWORK).language in {"eng", "fre", "ita", "spa", "ger"}  # what lingua alone says
    found = detect_title(title, "", ["Job analysis", "كتاب الاشتقاق والتعريب"], NETWORK)
    assert (found.language, found.script, found.romanised) == ("ara", "Arabic", True)
    bare = detect_title(title, "", [], NETWORK)
    assert bare.language == "" and bare.romanised


def test_candidates_are_only_the_configured_languages():
    assert detect("Historia de la literatura española", ("fre", "eng")).language in {"fre", "eng"}
    assert detect("تاريخ المغرب", ("fre", "eng")).language == ""
    assert detect("تاريخ المغرب", ("ara",)).confidence == 1.0  # the only candidate of its script


@pytest.fixture
def catalog(db, settings):
    settings.KHIZANA_AI_LANGUAGE_THRESHOLD = 0.8
    library = make_library("BNRM")
    for path in (FRENCH, ROMANISED, AMAZIGH):
        import_file(library, path)
    return library


def _drop_language(works) -> list[int]:
    ids = [w.id for w in works]
    Work.objects.filter(id__in=ids).update(languages=[])
    return ids


def test_works_without_a_code_get_a_suggestion_and_coded_ones_disagreeing_are_listed(catalog):
    french = list(Work.objects.filter(languages=["fre"]).order_by("id")[:20])
    dropped = _drop_language(french)
    Work.objects.filter(id=french[-1].id).update(languages=["eng"])  # a wrong code
    run = detect_works()
    assert run.works == Work.objects.count()
    missing = LanguageSuggestion.objects.filter(reason="missing")
    assert set(missing.values_list("work_id", flat=True)) >= set(dropped[:-1]) - _undetected(dropped)
    told = missing.filter(work_id__in=dropped)
    assert told.count() >= 15 and told.filter(language="fre").count() >= 0.9 * told.count()
    wrong = LanguageSuggestion.objects.get(work_id=french[-1].id)
    assert (wrong.reason, wrong.coded) == ("differs", ["eng"])
    # Works whose code agrees with their title leave nothing behind; running again changes nothing.
    assert (
        run.agrees > 0
        and not LanguageSuggestion.objects.exclude(work_id__in=dropped)
        .filter(reason="missing")
        .exclude(work__languages=[])
        .exists()
    )
    again = detect_works()
    assert (again.missing, again.differs) == (run.missing, run.differs)


def _undetected(ids):
    return set(ids) - set(
        LanguageSuggestion.objects.filter(work_id__in=ids).values_list("work_id", flat=True)
    )


def test_romanised_titles_are_read_in_their_arabic_script(catalog):
    romanised = [w for w in Work.objects.filter(languages=["ara"]) if "Arabic" in w.scripts]
    ids = _drop_language(romanised[:10])
    assert ids
    detect_works(ids)
    found = LanguageSuggestion.objects.filter(work_id__in=ids)
    assert found.count() >= 0.8 * len(ids)
    assert set(found.values_list("language", flat=True)) == {"ara"}
    assert found.filter(romanised=True).exists()


def test_the_language_facet_shows_confident_suggestions_only(catalog, settings):
    french = list(Work.objects.filter(languages=["fre"]).order_by("id")[:30])
    ids = _drop_language(french)
    search.rebuild_index()
    before = dict(search.search("", {}).facets["language"])
    detect_works(ids)  # sends works_changed for the works whose facet changes: they are queued
    assert search.sync_index() >= 1  # (on commit outside a test's transaction)
    confident = faceted_languages(ids)
    assert confident and all(v == ["fre"] for v in confident.values())
    weak = LanguageSuggestion.objects.filter(work_id__in=ids, confidence__lt=0.8)
    assert not set(weak.values_list("work_id", flat=True)) & set(confident)
    after = dict(search.search("", {}).facets["language"])
    assert after["fre"] == before["fre"] + len(confident)
    assert search.search("", {"language": ["fre"]}).total == after["fre"]
    one = Work.objects.get(id=next(iter(confident)))
    assert one.id in {h.work_id for h in search.search(one.title, {"language": ["fre"]}).hits}
    # Raising the threshold takes them out of the facet again at the next indexing.
    settings.KHIZANA_AI_LANGUAGE_THRESHOLD = 1.01
    assert faceted_languages(ids) == {}
    search.rebuild_index()
    assert dict(search.search("", {}).facets["language"])["fre"] == before["fre"]


def test_the_command_detects_and_lists(catalog):
    ids = _drop_language(list(Work.objects.filter(languages=["fre"])[:5]))
    out = StringIO()
    call_command("languages", "detect", stdout=out)
    assert "works read" in out.getvalue()
    out = StringIO()
    call_command("languages", "list", "--reason", "missing", "--limit", "0", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[-1] == f"{LanguageSuggestion.objects.filter(reason='missing').count()} suggestions"
    assert (
        any(line.split("\t")[0] == str(ids[0]) for line in lines[:-1])
        or not LanguageSuggestion.objects.filter(work_id=ids[0]).exists()
    )
    with pytest.raises(CommandError, match=r"min-confidence 2\.0"):
        call_command("languages", "list", "--min-confidence", "2")


def test_the_staff_page_lists_suggestions_for_staff_only(catalog, client):
    from khizana.testing import make_user

    ids = _drop_language(list(Work.objects.filter(languages=["fre"]).order_by("id")[:10]))
    detect_works(ids)
    url = "/staff/ai/languages/"
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    client.force_login(make_user("reader", "reader", catalog))
    assert client.get(url).status_code == 403
    other = make_library("UM5")
    client.force_login(make_user("cataloguer", "cataloguer", other))  # any library's: works are shared
    page = client.get(url, {"reason": "missing", "language": "fre"})
    assert page.status_code == 200
    html = page.content.decode()
    shown = LanguageSuggestion.objects.filter(reason="missing", language="fre")
    assert shown.exists() and f"/work/{shown.first().work_id}/" in html
    assert "<caption>" in html and 'scope="col"' in html
    bad = client.get(url, {"min_confidence": "beaucoup", "reason": "nonsense"})
    assert bad.status_code == 200 and 'class="error"' in bad.content.decode()
    assert client.post(url).status_code == 405  # read-only


def test_a_dense_batch_asked_as_a_range_keeps_only_its_own_works(catalog):
    """The index rebuild asks for thousands of works in id order: a range, not an IN list; a work inside
    the range but not asked for is not answered."""
    french = list(Work.objects.filter(languages=["fre"]).order_by("id")[:12])
    ids = _drop_language(french)
    detect_works(ids)
    confident = faceted_languages(ids)
    assert len(confident) >= 6
    left_out = sorted(confident)[len(confident) // 2]
    asked = [work_id for work_id in ids if work_id != left_out]
    assert "work_id__gte" in ids_lookup("work_id", asked)
    assert faceted_languages(asked) == {k: v for k, v in confident.items() if k != left_out}

"""The public pages through Django's test client, on a small real catalog (demo files)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from lxml import etree

from khizana.catalog.models import ImportRun, SourceRecord, Work
from khizana.catalog.services import import_file
from khizana.libraries.models import Library
from khizana.search import services as search_services
from khizana.search.models import IndexQueue
from khizana.testing import DEMO, make_library

AUSTEN = DEMO / "records" / "UM5" / "marc4j_pride-and-prejudice-subset.mrc"
AUSTEN_OTHER = DEMO / "records" / "BPLPO" / "marc4j_pride-and-prejudice-subset.mrc"
ARABIC = DEMO / "records" / "BNRM" / "openlibrary_880_arabic_french_many_linkages.mrc"
XML = DEMO / "records" / "UM5" / "yaz_marc9.xml"
MARC_NS = "{http://www.loc.gov/MARC21/slim}"
EVIL_TITLE = '<script>alert("khizana")</script> Évasion & fuite'
CSV = (
    "id;title;authors;year;language;type;call_number;barcode;location;status\n"
    f'EVIL-1;"{EVIL_TITLE.replace(chr(34), chr(34) * 2)}";Dupont, Jean;1999;fre;book;'
    "A 1;B1;Magasin;disponible\n"
    "PLAIN-2;Histoire du Maghreb;Laroui, Abdallah;1970;fre;book;;;;\n"
)


@pytest.fixture(scope="module")
def catalog(django_db_setup, django_db_blocker, tmp_path_factory):
    csv = tmp_path_factory.mktemp("csv") / "evil.csv"
    csv.write_text(CSV, encoding="utf-8")
    with django_db_blocker.unblock():
        um5 = make_library(
            "UM5",
            name_ar="مكتبة جامعة محمد الخامس",
            name_en="Mohammed V University Library",
            latitude=33.98,
            longitude=-6.86,
        )
        oran = make_library("BPLPO", kind="public", country="DZ", city="Oran", latitude=35.7, longitude=-0.63)
        bnrm = make_library("BNRM", kind="national", name_ar="المكتبة الوطنية")
        import_file(um5, AUSTEN)
        import_file(um5, XML)
        import_file(oran, AUSTEN_OTHER)
        import_file(bnrm, ARABIC)
        import_file(bnrm, csv)
        search_services.rebuild_index()
        yield {"UM5": um5, "BPLPO": oran, "BNRM": bnrm}
        Work.objects.all().delete()
        SourceRecord.objects.all().delete()
        ImportRun.objects.all().delete()
        IndexQueue.objects.all().delete()
        Library.objects.filter(code__in=["UM5", "BPLPO", "BNRM"]).delete()


@pytest.fixture
def pages(catalog, db, client):
    return client


def get(client, url, language="fr", **extra):
    client.cookies["django_language"] = language
    return client.get(url, **extra)


def shared_work() -> Work:
    return Work.objects.filter(library_count=2).order_by("id").first()


def evil_work() -> Work:
    return Work.objects.get(records__local_id="EVIL-1")


class _Parser(HTMLParser):
    """Checks the HTML is well nested enough to be parsed, and collects a few things."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.ld: list[str] = []
        self._in_ld = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        self._in_ld = tag == "script" and attributes.get("type") == "application/ld+json"

    def handle_endtag(self, tag):
        self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.ld.append(data)


def parse(html: str) -> _Parser:
    parser = _Parser()
    parser.feed(html)
    assert len(parser.ids) == len(set(parser.ids)), "duplicate ids"
    return parser


# ------------------------------------------------------------------ every page, every language


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_every_page_type_renders_in_each_language(pages, language):
    work = shared_work()
    urls = [
        "/",
        "/search?q=pride",
        "/search",
        f"/work/{work.id}/",
        "/libraries/",
        "/libraries/UM5/",
        "/help/",
    ]
    for url in urls:
        response = get(pages, url, language)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f'<html lang="{language}"' in html
        assert ('dir="rtl"' in html.split(">", 2)[1]) == (language == "ar"), url
        assert 'href="#main"' in html and 'id="main"' in html
        assert "<header" in html and "<nav" in html and "<main" in html and "<footer" in html
        assert 'action="/i18n/setlang/"' in html and "csrfmiddlewaretoken" in html
        parse(html)


def test_the_language_switch_remembers_the_choice(pages):
    response = pages.post("/i18n/setlang/", {"language": "ar", "next": "/help/"})
    assert response.status_code == 302 and response["Location"] == "/help/"
    assert 'dir="rtl"' in pages.get("/help/").content.decode()


def test_home_tells_what_the_network_holds(pages):
    html = get(pages, "/", "en").content.decode()
    assert "3</strong> member libraries" in html
    assert f"{Work.objects.count()}</strong> works" in html
    assert f'href="/work/{Work.objects.order_by("-created_at", "-id").first().id}/"' in html


def test_home_counts_are_cached_and_forgotten_when_works_change(pages, django_assert_max_num_queries):
    from khizana.catalog.signals import works_changed
    from khizana.web.home_page import home_context

    home_context()
    with django_assert_max_num_queries(1):  # the recent works only: the counts come from the cache
        context = home_context()
    assert context["work_count"] == Work.objects.count()
    works_changed.send(sender=Work, work_ids=[])
    with django_assert_max_num_queries(8) as queries:
        home_context()
    assert len(queries) > 1  # counted again


# ------------------------------------------------------------------ results


def test_results_show_hits_with_highlights_and_facets(pages):
    html = get(pages, "/search?q=pride", "en").content.decode()
    assert "<mark>Pride</mark>" in html or "<mark>pride</mark>" in html.lower()
    assert "<fieldset" in html and "<legend>Library</legend>" in html
    assert (
        "Mohammed V University Library" in html and "Bibliothèque BPLPO" in html
    )  # library codes shown with the library's name
    assert ">English</bdi>" in html  # language codes shown with a readable name
    assert re.search(r"Held by 2 libraries", html)


def test_facets_filter_and_combine_with_or(pages):
    everything = search_services.search("pride").total
    um5 = search_services.search("pride", {"library": ["UM5"]}).total
    both = search_services.search("pride", {"library": ["UM5", "BPLPO"]}).total
    html = get(pages, "/search?q=pride&library=UM5", "en").content.decode()
    assert f"{um5} works found" in html
    assert 'value="UM5" id="f-library-1" checked' in html or re.search(r'value="UM5"[^>]*checked', html)
    html = get(pages, "/search?q=pride&library=UM5&library=BPLPO", "en").content.decode()
    assert f"{both} works found" in html and um5 <= both <= everything


def test_paging_links(pages):
    total = search_services.search("").total
    assert total > 40
    html = get(pages, "/search?page=2", "en").content.decode()
    assert 'aria-label="Pages of results"' in html
    assert re.search(r'<a href="/search\?page=2" aria-current="page">', html)
    assert 'href="/search" rel="prev"' in html and 'href="/search?page=3" rel="next"' in html


def test_the_empty_state_suggests_what_to_do(pages):
    html = get(pages, "/search?q=qqqxxyyzz", "en").content.decode()
    assert "No work found." in html and "Nothing was found" in html
    assert 'href="/help/"' in html


def test_did_you_mean(pages):
    html = get(pages, "/search?q=pride+prejudise", "en").content.decode()
    assert "Did you mean:" in html and "q=pride+prejudice" in html


def test_browse_without_a_query_lists_every_work(pages):
    html = get(pages, "/search", "en").content.decode()
    assert f"{Work.objects.count()} works found" in html


ODD_QUERIES = [
    '"pride',
    "title:",
    "year:abc",
    "-",
    "OR OR",
    "((pride",
    'author:"',
    "ﷺ::",
    "\x00",
    "<script>",
    "%",
    "a" * 5000,
    "isbn:123",
    "year:3000-1000",
    ")))",
    "NOT",
    "*",
    "subject:(",
    "“«»”",
    "مؤلف: -",
]


def test_odd_queries_and_parameters_never_fail(pages):
    for query in ODD_QUERIES:
        assert get(pages, "/search", "fr", data={"q": query}).status_code == 200, query
    odd = "/search?q=x&page=-4&sort=nope&year_from=abc&year_to=99999&library=&decade=%00&page=999999999"
    assert get(pages, odd).status_code == 200
    assert get(pages, "/search?page=abc&year_from=1800&year_to=1700").status_code == 200


def test_a_title_with_markup_is_escaped(pages):
    work = evil_work()
    for url in (f"/work/{work.id}/", "/search?q=evasion", "/"):
        html = get(pages, url).content.decode()
        assert "<script>alert" not in html, url
        assert "&lt;script&gt;alert" in html, url


# ------------------------------------------------------------------ work page


def test_the_work_page_shows_the_holdings_of_both_libraries(pages):
    work = shared_work()
    html = get(pages, f"/work/{work.id}/", "en").content.decode()
    assert 'href="/libraries/UM5/"' in html and 'href="/libraries/BPLPO/"' in html
    assert "Where to find it: 2 libraries" in html
    assert html.count("<details") == work.records.count()


def test_a_record_without_items_is_held_with_no_details(pages):
    work = Work.objects.get(records__local_id="PLAIN-2")
    html = get(pages, f"/work/{work.id}/", "en").content.decode()
    assert "Held, no item details" in html
    evil = get(pages, f"/work/{evil_work().id}/", "en").content.decode()
    assert "Held, no item details" not in evil and "A 1" in evil and "Available" in evil


def test_json_ld_is_valid_json(pages):
    work = shared_work()
    parser = parse(get(pages, f"/work/{work.id}/").content.decode())
    assert len(parser.ld) == 1
    data = json.loads(parser.ld[0])
    assert data["@context"] == "https://schema.org" and data["@type"] in {
        "Book",
        "Periodical",
        "CreativeWork",
    }
    assert data["name"].startswith(work.title[:10])
    assert {o["availableAtOrFrom"]["name"] for o in data["offers"]} >= {
        "Bibliothèque UM5",
        "Bibliothèque BPLPO",
    }
    evil = json.loads(parse(get(pages, f"/work/{evil_work().id}/").content.decode()).ld[0])
    assert evil["name"].startswith("<script>")  # escaped for the page, intact once parsed


def test_cite_downloads(pages):
    work = shared_work()
    ris = get(pages, f"/work/{work.id}/cite.ris")
    assert ris.status_code == 200 and "attachment" in ris["Content-Disposition"]
    assert ris.content.decode().startswith("TY  - ") and "ER  -" in ris.content.decode()
    bib = get(pages, f"/work/{work.id}/cite.bib").content.decode()
    assert bib.startswith("@") and bib.count("{") == bib.count("}")
    text = get(pages, f"/work/{work.id}/cite.txt", "en").content.decode()
    assert work.title.split()[0] in text
    dc = etree.fromstring(get(pages, f"/work/{work.id}/dc.xml").content)
    assert dc.tag == "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"


def test_marcxml_export_holds_the_member_records(pages):
    work = shared_work()
    response = get(pages, f"/work/{work.id}/marc.xml")
    root = etree.fromstring(response.content)
    assert root.tag == f"{MARC_NS}collection"
    records = root.findall(f"{MARC_NS}record")
    assert len(records) == work.records.count()
    # the local id is the 001, or the 035 $a of a record without one
    ids = {
        (
            r.findtext(f"{MARC_NS}controlfield[@tag='001']")
            or r.findtext(f"{MARC_NS}datafield[@tag='035']/{MARC_NS}subfield[@code='a']")
        ).strip()
        for r in records
    }
    assert ids == {r.local_id.strip() for r in work.records.all()}


def test_marcxml_export_of_an_xml_record_keeps_it(pages):
    record = SourceRecord.objects.filter(library__code="UM5", serialisation="xml").first()
    root = etree.fromstring(get(pages, f"/work/{record.work_id}/marc.xml").content)
    assert any(r.findtext(f"{MARC_NS}leader") for r in root.findall(f"{MARC_NS}record"))
    csv_only = evil_work()
    assert get(pages, f"/work/{csv_only.id}/marc.xml").status_code == 404


def test_related_works_leave_the_work_out(pages):
    work = Work.objects.filter(authors__isnull=False, title__icontains="pride").order_by("id").first()
    html = get(pages, f"/work/{work.id}/", "en").content.decode()
    assert "By the same author" in html
    related = html.split('id="more"', 1)[1]
    assert f'href="/work/{work.id}/"' not in related


def test_missing_work_and_library_are_friendly_404s(pages):
    for url in ("/work/99999999/", "/libraries/NOPE/", "/work/99999999/cite.ris"):
        response = get(pages, url, "ar")
        assert response.status_code == 404, url
    html = get(pages, "/work/99999999/", "en").content.decode()
    assert "This page does not exist" in html and 'dir="ltr"' in html


# ------------------------------------------------------------------ libraries


def test_library_directory_has_the_list_and_a_map(pages):
    html = get(pages, "/libraries/", "en").content.decode()
    for code in ("UM5", "BPLPO", "BNRM"):
        assert f'href="/libraries/{code}/"' in html
    assert "<svg" in html and "<title>" in html
    assert html.count('<circle class="dot"') == 2  # BNRM has no coordinates: in the list only
    assert not re.search(r'c[xy]="-?\d+,\d', html)  # coordinates never localised with a comma


def test_library_page(pages):
    html = get(pages, "/libraries/UM5/", "ar").content.decode()
    assert html.index("مكتبة جامعة محمد الخامس") < html.index("Bibliothèque UM5")  # active language first
    assert 'href="/search?library=UM5"' in html
    english = get(pages, "/libraries/um5/", "en").content.decode()
    assert "Mohammed V University Library" in english and "English" in english

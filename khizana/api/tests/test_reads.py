"""Public reads through Django's test client: search, works (cursor walk), records, holdings, libraries."""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlparse

import pytest

from khizana.api import tokens
from khizana.catalog.models import Holding, SourceRecord, Work
from khizana.search.services import FACETS

from .conftest import bearer


def shared_work() -> Work:
    return Work.objects.get(records__local_id="B-1")


def json_of(response, status=200):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    return response.json()


# ---------------------------------------------------------------- search


def test_search_returns_hits_facets_and_how_the_query_was_read(api):
    data = json_of(api.get("/api/search", {"q": "histoire maghreb"}))
    assert data["total"] == 1
    hit = data["hits"][0]
    assert hit["id"] == shared_work().id
    assert hit["libraries"] == ["APIA", "APIB"]
    assert hit["url"].endswith(f"/api/works/{hit['id']}")
    assert hit["web_url"].endswith(f"/work/{hit['id']}/")
    assert set(data["facets"]) == set(FACETS)
    libraries = {f["value"]: f for f in data["facets"]["library"]}
    assert libraries["APIA"]["count"] == 1 and libraries["APIA"]["label"]
    assert "histoire" in data["read_as"] and data["next"] is None


def test_search_filters_combine_like_the_pages(api):
    everything = json_of(api.get("/api/search"))
    only_b = json_of(api.get("/api/search", {"library": "APIB"}))
    either = json_of(api.get("/api/search", {"library": ["APIA", "APIB"]}))
    assert only_b["total"] == 1 and only_b["filters"] == {"library": ["APIB"]}
    assert either["total"] == everything["total"] > only_b["total"]
    arabic_b = json_of(api.get("/api/search", {"library": "APIB", "language": "ara"}))
    assert arabic_b["total"] == 0


def test_search_pages_with_next_and_previous(api):
    first = json_of(api.get("/api/search", {"size": 2, "sort": "title"}))
    assert first["total"] > 2 and len(first["hits"]) == 2 and first["previous"] is None
    second = json_of(api.get(first["next"]))
    assert second["page"] == 2 and second["sort"] == "title" and second["previous"]
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


def test_search_offers_did_you_mean_for_a_typo(api):
    data = json_of(api.get("/api/search", {"q": "histoir maghrebb"}))
    assert data["did_you_mean"] or data["fuzzy"]


def test_search_by_year_range(api):
    data = json_of(api.get("/api/search", {"year_from": 1960, "year_to": 1980}))
    assert [h["year"] for h in data["hits"]] and all(1960 <= h["year"] <= 1980 for h in data["hits"])


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"sort": "price"}, "sort"),
        ({"size": 0}, "size"),
        ({"size": 101}, "size"),
        ({"page": "two"}, "page"),
        ({"year_from": "1990s"}, "year_from"),
        ({"q": "x" * 1001}, "q"),
        ({"library": "A" * 201}, "library"),
        ({"page": 600}, "page"),
    ],
)
def test_bad_search_parameters_are_422_naming_the_parameter(api, params, where):
    data = json_of(api.get("/api/search", params), 422)
    assert where in data["detail"]
    assert data["errors"]


def test_a_page_past_the_pages_that_can_be_paged_through_has_no_hits(api):
    """page ≤ 500 (the schema's maximum) is always valid; past the first 10,000 results it answers no hits,
    the total and facets, a note, and a link back to the last page there is."""
    data = json_of(api.get("/api/search", {"page": 500, "size": 100, "sort": "title"}))
    assert data["hits"] == [] and data["page"] == 500 and data["total"] > 0 and data["facets"]["library"]
    assert any("10,000" in note for note in data["notes"])
    assert data["next"] is None and _page_of(data["previous"]) == data["pages"]
    past_the_last = json_of(api.get("/api/search", {"page": 50, "size": 100}))
    assert past_the_last["hits"] == [] and past_the_last["next"] is None and not past_the_last["notes"]
    assert _page_of(past_the_last["previous"]) == past_the_last["pages"] == data["pages"]
    last = json_of(api.get(past_the_last["previous"]))
    assert last["hits"] and last["next"] is None


def _page_of(url: str) -> int:
    return int(parse_qs(urlparse(url).query)["page"][0])


def test_too_many_query_parameters_is_a_json_400(api):
    response = api.get("/api/search?" + "&".join(["x"] * 1001))
    assert json_of(response, 400)["detail"]


# ---------------------------------------------------------------- works


def test_cursor_walk_returns_every_work_once(api):
    seen: list[int] = []
    url = "/api/works?limit=3"
    pages = 0
    while url:
        data = json_of(api.get(url))
        assert len(data["items"]) <= 3
        seen += [item["id"] for item in data["items"]]
        url = data["next"]
        pages += 1
    assert pages > 1
    assert seen == sorted(seen)
    assert sorted(seen) == sorted(Work.objects.values_list("id", flat=True))


def test_cursor_is_opaque_and_garbage_is_422(api):
    first = json_of(api.get("/api/works", {"limit": 1}))
    cursor = first["next"].split("cursor=")[1].split("&")[0]
    assert str(first["items"][0]["id"]) not in cursor or not cursor.isdigit()
    for garbage in ["zzz", "!!!", base64.urlsafe_b64encode(b"records:1").decode(), "d29ya3M6LTE", "x" * 101]:
        data = json_of(api.get("/api/works", {"cursor": garbage}), 422)
        assert "cursor" in data["detail"]
    data = json_of(api.get("/api/works", {"cursor": "!!!"}), 422)
    assert data["detail"] == "cursor: the cursor is not one this API gave."
    other_list = base64.urlsafe_b64encode(b"records:1").decode().rstrip("=")
    french = api.get("/api/works", {"cursor": other_list}, HTTP_ACCEPT_LANGUAGE="fr").json()["detail"]
    assert french == "cursor : ce curseur appartient à une autre liste que works."


def test_any_cursor_matching_the_documented_pattern_is_a_position(api):
    last = Work.objects.order_by("-pk").first().pk
    for key, expected in [(0, Work.objects.count()), (last, 0), (10**19 - 1, 0)]:
        cursor = base64.urlsafe_b64encode(f"works:{key}".encode()).decode().rstrip("=")
        data = json_of(api.get("/api/works", {"cursor": cursor, "limit": 200}))
        assert len(data["items"]) == min(expected, 200)
    assert json_of(api.get("/api/works?cursor="))["items"]  # empty: the start
    documented = {
        p["name"]: p["schema"]
        for p in api.get("/api/openapi.json").json()["paths"]["/api/works"]["get"]["parameters"]
    }
    assert documented["cursor"]["maxLength"] == tokens.cursor_max_length("works")
    assert re.fullmatch(documented["cursor"]["pattern"], tokens.encode_cursor("works", last))


def test_work_has_description_holdings_per_library_records_and_exports(api):
    work = shared_work()
    data = json_of(api.get(f"/api/works/{work.id}"))
    assert data["title"] == "Histoire du Maghreb" and data["year"] == 1970
    assert data["identifiers"]["isbn"] == ["9782707110046"]
    by_library = {group["library"]: group for group in data["holdings"]}
    assert set(by_library) == {"APIA", "APIB"}
    assert [c["call_number"] for c in by_library["APIA"]["copies"]] == ["961 LAR"]
    assert [c["status"] for c in by_library["APIB"]["copies"]] == ["available"]
    assert "barcode" not in by_library["APIA"]["copies"][0]
    assert {r["local_id"] for r in data["records"]} == {"A-1", "B-1"}
    assert {"self", "web", "ris", "bibtex", "citation", "dublin_core"} <= set(data["links"])
    assert "marcxml" not in data["links"]  # CSV records only
    ris = api.get(data["links"]["ris"])
    assert ris.status_code == 200 and b"Histoire du Maghreb" in ris.content


def test_work_of_marc_records_links_to_marcxml(api):
    work = Work.objects.filter(records__format="marc21").first()
    data = json_of(api.get(f"/api/works/{work.id}"))
    assert api.get(data["links"]["marcxml"]).status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/works/999999999", "/api/records/999999999", "/api/holdings/999999999"]
)
def test_unknown_ids_are_404_json(api, path):
    assert "999999999" in json_of(api.get(path), 404)["detail"]


@pytest.mark.parametrize(
    "path", ["/api/works/abc", "/api/works/0", "/api/works/-5", "/api/works/99999999999999999999999"]
)
def test_malformed_ids_are_422_json(api, path):
    assert "work_id" in json_of(api.get(path), 422)["detail"]


def test_unknown_api_path_is_json_404(api):
    assert "/api/docs" in json_of(api.get("/api/nothing/here"), 404)["detail"]


# ---------------------------------------------------------------- records and holdings


def test_record_detail_and_its_raw_bytes_as_sent(api, catalog):
    record = SourceRecord.objects.filter(format="marc21").first()
    data = json_of(api.get(f"/api/records/{record.id}"))
    assert (data["library"], data["local_id"], data["format"], data["serialisation"]) == (
        "APIA",
        record.local_id,
        "marc21",
        "iso2709",
    )
    assert data["deleted"] is False and data["fields"]["title"] == record.fields["title"]
    assert api.get(data["links"]["raw"]).status_code == 401  # staff only, as on the pages
    assert api.get(data["links"]["raw"], **bearer(catalog["keys"]["reader"])).status_code in (401, 403)
    raw = api.get(data["links"]["raw"], **bearer(catalog["keys"]["cataloguer_b"]))
    assert raw.status_code == 200 and raw["Content-Type"] == "application/marc"
    assert raw.content == bytes(record.raw) and len(raw.content) == data["size"]
    assert hashlib.sha256(raw.content).hexdigest() == data["checksum"]
    assert api.get(data["links"]["work"]).status_code == 200


def test_records_of_a_library_walk_by_cursor(api):
    seen, url = [], "/api/records?library=apib&limit=1"
    while url:
        data = json_of(api.get(url))
        seen += [item["local_id"] for item in data["items"]]
        url = data["next"]
    assert seen == ["B-1"]
    assert "NOPE" in json_of(api.get("/api/records", {"library": "NOPE"}), 404)["detail"]


def test_holding_detail(api):
    copy = Holding.objects.get(record__local_id="A-1")
    data = json_of(api.get(f"/api/holdings/{copy.id}"))
    assert data == {
        "id": copy.id,
        "record_id": copy.record_id,
        "work_id": copy.record.work_id,
        "library": "APIA",
        "call_number": "961 LAR",
        "location": "Magasin",
        "status": "available",
        "links": data["links"],
    }
    assert data["links"]["work"].endswith(f"/api/works/{copy.record.work_id}")


# ---------------------------------------------------------------- libraries, documentation


def test_libraries_list_and_detail(api):
    listed = json_of(api.get("/api/libraries"))
    assert [lib["code"] for lib in listed][:2] == ["APIA", "APIB"] or {"APIA", "APIB"} <= {
        lib["code"] for lib in listed
    }
    detail = json_of(api.get("/api/libraries/apia"))
    assert detail["names"]["ar"] == "مكتبة أ"
    assert detail["record_count"] == SourceRecord.objects.filter(library__code="APIA").count()
    assert detail["copy_count"] == Holding.objects.filter(library__code="APIA").count()
    assert detail["shared_work_count"] == 1
    assert "NOPE" in json_of(api.get("/api/libraries/NOPE"), 404)["detail"]
    assert json_of(api.get("/api/libraries/bad%20code"), 422)["detail"].startswith("path.code")


def test_json_keeps_arabic_letters_as_they_are(api):
    response = api.get("/api/libraries/APIA")
    assert "مكتبة أ".encode() in response.content


def test_openapi_document_and_docs_page(client):
    document = json_of(client.get("/api/openapi.json"))
    paths = document["paths"]
    assert {"/api/search", "/api/works", "/api/works/{work_id}", "/api/records/{record_id}/raw"} <= set(paths)
    assert "patch" in paths["/api/holdings/{holding_id}"]
    assert "post" in paths["/api/libraries/{code}/imports"]
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"swagger-ui-bundle.js" in docs.content
    script = client.get("/api/docs/static/swagger-ui-bundle.js")
    assert script.status_code == 200 and b"SwaggerUIBundle" in b"".join(script.streaming_content)
    assert client.get("/api/docs/static/..%2Fsettings.py").status_code == 404


def test_openapi_documents_what_every_operation_can_answer(client):
    paths = json_of(client.get("/api/openapi.json"))["paths"]
    for operations in paths.values():
        for operation in operations.values():
            responses = operation["responses"]
            assert set(responses["414"]["content"]) == {"text/html"}  # gunicorn's, before the API
            if operation.get("security"):
                assert {"401", "403"} <= set(responses)
                assert responses["401"]["headers"]["WWW-Authenticate"]["required"]
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in responses
    assert "400" in paths["/api/search"]["get"]["responses"]
    assert "400" in paths["/api/holdings/{holding_id}"]["patch"]["responses"]
    raw = paths["/api/records/{record_id}/raw"]["get"]["responses"]["200"]
    assert "application/marc" in raw["content"] and raw["headers"]["ETag"]["required"]
    imports = paths["/api/libraries/{code}/imports"]["post"]
    assert imports["responses"]["202"]["headers"]["Location"]["required"]
    assert (
        "text/csv"
        in imports["requestBody"]["content"]["multipart/form-data"]["encoding"]["file"]["contentType"]
    )
    search = {p["name"]: p["schema"] for p in paths["/api/search"]["get"]["parameters"]}
    assert search["page"]["maximum"] == 500 and search["library"]["maxItems"] == 50


def test_api_root_points_to_the_documentation_and_the_lists(api):
    links = json_of(api.get("/api/"))
    assert links["docs"].endswith("/api/docs") and links["openapi"].endswith("/api/openapi.json")
    for name in ("search", "works", "records", "libraries"):
        assert api.get(links[name]).status_code == 200

"""The work page: the work's fields, its copies in each library, its source records as they were read,
a citation, its schema.org description, and other works by the same author or on the same subject."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from khizana.catalog.models import SourceRecord, Work
from khizana.catalog.serializers.jsonld import json_ld
from khizana.catalog.serializers.plain_citation import plain_citation
from khizana.catalog.serializers.work import holding_rows, work_dict, work_records
from khizana.core.vocabularies import MATERIAL_TYPES, SCRIPTS, language_name
from khizana.search.services import search_ids, works_with_subject

from .fragments import json_for_script
from .search_params import search_url

RELATED_COUNT = 5
RECORD_FORMATS = {"marc21": "MARC 21", "unimarc": "UNIMARC", "dc": "Dublin Core", "csv": "CSV"}
SERIALISATIONS = {"iso2709": "ISO 2709", "xml": "XML", "csv": "CSV"}


_FIELD_NAMES = {
    "title": _("Title"),
    "subtitle": _("Subtitle"),
    "parallel_titles": _("Other titles"),
    "authors": _("Authors"),
    "identifiers": _("Identifiers"),
    "publisher": _("Publisher"),
    "place": _("Place of publication"),
    "year": _("Year"),
    "edition": _("Edition"),
    "languages": _("Languages"),
    "material_type": _("Type of document"),
    "subjects": _("Subjects"),
    "classification": _("Classification"),
    "scripts": _("Writing systems"),
    "notes": _("Notes"),
}


# Identifier schemes whose key is not the name a reader knows (the others are shown in capitals: ISBN...).
_IDENTIFIER_SCHEMES = {
    "isbn_cancelled": _("ISBN (cancelled)"),
    "isbn_invalid": _("ISBN (invalid)"),
    "issn_invalid": _("ISSN (invalid)"),
    "nbn": _("National bibliography no."),
    "oclc": "OCLC",
    "doi": "DOI",
}


def identifier_scheme(scheme: str) -> str:
    return str(_IDENTIFIER_SCHEMES.get(scheme, scheme.upper()))


def _display_value(name: str, value: Any) -> list[str]:
    if value in (None, "", [], {}):
        return []
    if name == "identifiers" and isinstance(value, dict):
        return [f"{identifier_scheme(scheme)} {v}" for scheme, values in value.items() for v in values]
    if name == "languages":
        return [language_name(v) for v in value]
    if name == "material_type":
        return [str(MATERIAL_TYPES.get(value, value))]
    if name == "scripts":
        return [str(SCRIPTS.get(v, v)) for v in value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def display_fields(values: dict[str, Any]) -> list[dict[str, Any]]:
    """(label, values) of every non-empty display field, in a fixed order."""
    out = []
    for name, label in _FIELD_NAMES.items():
        shown = _display_value(name, values.get(name))
        if shown:
            out.append({"name": name, "label": label, "values": shown})
    return out


def related(work: Work, prefix: str, value: str) -> list[dict[str, Any]]:
    """Other works by ``author:"value"``, or under the same subject heading (the work itself left out)."""
    phrase = value.replace('"', " ").strip()
    if not phrase:
        return []
    if prefix == "subject":
        ids = works_with_subject(value, RELATED_COUNT + 1)
    else:
        ids = search_ids(f'{prefix}:"{phrase}"', RELATED_COUNT + 1)
    ids = [work_id for work_id in ids if work_id != work.id][:RELATED_COUNT]
    found = Work.objects.only("id", "title", "year").in_bulk(ids)
    return [{"hit": found[i], "url": reverse("web:work", args=[i])} for i in ids if i in found]


def work_context(work: Work, url: str) -> dict[str, Any]:
    records = work_records(work)
    rows = holding_rows(records)
    data = work_dict(work, rows, url)
    marc_count = sum(1 for r in records if r.format in {"marc21", "unimarc"} and not r.deleted)
    authors = work.authors[:1]
    subjects = work.subjects[:1]
    return {
        "work": work,
        "url": url,
        "author_links": [{"name": a, "url": search_url(f'author:"{a}"')} for a in work.authors],
        "type_label": MATERIAL_TYPES.get(work.material_type, work.material_type),
        "fields": display_fields({f: getattr(work, f) for f in _FIELD_NAMES if hasattr(work, f)}),
        "holdings": rows,
        "library_count": len({r["library_code"] for r in rows}),
        "records": [_record_row(r) for r in records],
        "citation": plain_citation(data, get_language() or settings.LANGUAGE_CODE),
        "json_ld": json_for_script(json_ld(data, url)),
        "marc_count": marc_count,
        "marc21_count": sum(1 for r in records if r.format == "marc21" and not r.deleted),
        "same_author": related(work, "author", authors[0]) if authors else [],
        "same_subject": related(work, "subject", subjects[0]) if subjects else [],
        "author_search_url": search_url(f'author:"{authors[0]}"') if authors else "",
        "subject_search_url": search_url(f'subject:"{subjects[0]}"') if subjects else "",
        "digital_copies": _digital_copies(work),
        "online_via": _online_via(work),
        "labelled_collections": _labelled_collections(work),
        "similar_works": _similar_works(work),
    }


def _record_row(record: SourceRecord) -> dict[str, Any]:
    """A source record of the work as the page lists it: its fields as read, its format in words."""
    return {
        "record": record,
        "fields": display_fields(record.fields or {}),
        "format_label": f"{RECORD_FORMATS.get(record.format, record.format)}, "
        f"{SERIALISATIONS.get(record.serialisation, record.serialisation)}",
    }


def _online_via(work: Work) -> list[dict[str, Any]]:
    """The electronic packages whose title list holds the work's ISSN/e-ISSN or ISBN (one query)."""
    from khizana.eresources.services import titles_for_identifiers

    ids = [value for scheme in ("issn", "isbn") for value in (work.identifiers or {}).get(scheme, [])]
    seen: dict[int, dict[str, Any]] = {}
    for title in titles_for_identifiers(ids):
        seen.setdefault(title.resource_id, {"resource": title.resource, "title": title})
    return list(seen.values())


def _labelled_collections(work: Work) -> list:
    """The labelled collections of excellence the work belongs to (programmes.labelling)."""
    from khizana.programmes.labelling.services import for_work

    return for_work(work.pk)


def _similar_works(work: Work) -> list[dict[str, Any]]:
    """"Readers may also look at": the works most like this one, with why (khizana.ai)."""
    from khizana.ai.similar_services import similar_for_page

    return similar_for_page(work.pk)


def _digital_copies(work: Work) -> list[dict[str, Any]]:
    """The work's digital copies (the digital library's reader part says what they are)."""
    from khizana.digital.reading.services import work_digital_copies

    return work_digital_copies(work)

"""IIIF Presentation 3 manifests of digitised items, built with iiif-prezi3.

One canvas per page image, each painted by its IIIF Image API service (level 2) with a thumbnail; labels and
summaries as fr/ar/en language maps, the title tagged with the language of its script; the work's metadata;
``rights``, the URI of the item's licence or rights statement (http://, as Presentation 3 requires);
``viewingDirection: right-to-left`` for right-to-left items.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from iiif_prezi3 import (
    Annotation,
    AnnotationBody,
    AnnotationPage,
    Canvas,
    KeyValueString,
    Manifest,
    ServiceV3,
)

from khizana.catalog.scripts import scripts_in
from khizana.catalog.serializers.marcxml import MARC_FORMATS
from khizana.core.languages import language_tag
from khizana.digital.iiif import image as iiif_image
from khizana.digital.ingest.formats import RTL_LANGUAGES
from khizana.digital.models import DigitalItem, PageImage

THUMBNAIL_BOX = "!256,256"


def text_language(text: str, languages: list[str] | None = None) -> str:
    """BCP 47 tag of a title by its script: Arabic script -> ar; Latin script -> the first of the work's
    languages not written right to left (fre -> fr, eng -> en...), else ``none``."""
    scripts = scripts_in([text])
    if "Arabic" in scripts:
        return "ar"
    if "Latin" in scripts:
        for code in languages or []:
            if code and code not in RTL_LANGUAGES:
                return language_tag(code)
    return "none"


def translated(make: Callable[[], str]) -> dict[str, list[str]]:
    """A language map of a user-interface string in each language of the site (settings.LANGUAGES)."""
    found = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found[language] = [str(make())]
    return found


def _title_map(item: DigitalItem) -> dict[str, list[str]]:
    work = item.work
    title = item.display_title or f"#{item.pk}"
    languages = (work.languages if work else []) or ([item.language] if item.language else [])
    label: dict[str, list[str]] = {}
    for text in [title, *((work.parallel_titles or []) if work else [])]:
        if isinstance(text, str) and text.strip():
            label.setdefault(text_language(text, languages), []).append(text.strip())
    if item.label:
        for values in label.values():
            values[0] = f"{values[0]} — {item.label}"
    return label


def _names(values: list) -> list[str]:
    return [v if isinstance(v, str) else str(v.get("name", "")) for v in values if v]


def _library_map(item: DigitalItem) -> dict[str, list[str]]:
    library = item.library
    names = {"fr": library.name_fr, "ar": library.name_ar, "en": library.name_en or library.name_fr}
    return {language: [name] for language, name in names.items() if name}


def _metadata(item: DigitalItem) -> list[KeyValueString]:
    work = item.work
    rows: list[tuple[Callable[[], str], dict[str, list[str]]]] = []
    if work and work.authors:
        rows.append((lambda: gettext("Author"), {"none": _names(work.authors)}))
    if work and work.year:
        rows.append((lambda: gettext("Date"), {"none": [str(work.year)]}))
    if work and work.publisher:
        rows.append((lambda: gettext("Publisher"), {"none": [work.publisher]}))
    rows.append((lambda: gettext("Library"), _library_map(item)))
    entry = item.rights_entry
    if entry:  # the licence's name beside its URI in ``rights``, for the viewers that show metadata
        rows.append((lambda: gettext("Rights"), {"none": [entry.code]}))
    return [KeyValueString(label=translated(label), value=value) for label, value in rows if value]


def _image_body(service: str, page: PageImage, box: str | None = None) -> AnnotationBody:
    width, height = page.width, page.height
    size = "max"
    if box:
        width, height = iiif_image.parse_size(box, page.width, page.height, iiif_image.Limits())
        size = f"{width},{height}"
    return AnnotationBody(
        id=f"{service}/full/{size}/0/default.jpg",
        type="Image",
        format="image/jpeg",
        width=width,
        height=height,
        service=[ServiceV3(id=service, type="ImageService3", profile="level2")],
    )


def _canvas(request: HttpRequest, base: str, page: PageImage) -> Canvas:
    identifier = iiif_image.make_identifier(page.item_id, page.sequence)
    service = request.build_absolute_uri(reverse("digital-iiif-base", args=[identifier]))
    canvas_id = f"{base}/canvas/{page.sequence}"
    annotation = Annotation(
        id=f"{canvas_id}/painting", motivation="painting", body=_image_body(service, page), target=canvas_id
    )
    return Canvas(
        id=canvas_id,
        label={"none": [page.label or str(page.sequence)]},
        width=page.width,
        height=page.height,
        items=[AnnotationPage(id=f"{canvas_id}/page", items=[annotation])],
        thumbnail=[_image_body(service, page, THUMBNAIL_BOX)],
    )


def build_manifest(request: HttpRequest, item: DigitalItem) -> dict | None:
    """The manifest of ``item`` as a JSON-ready dict, or None when it has no page images."""
    pages = list(item.pages.order_by("sequence"))
    if not pages:
        return None
    url = request.build_absolute_uri(reverse("digital-iiif-manifest", args=[item.pk]))
    base = url.removesuffix(".json")
    count = len(pages)
    manifest = Manifest(
        id=url,
        label=_title_map(item),
        summary=translated(
            lambda: (
                ngettext("Digitised copy, %(count)d page.", "Digitised copy, %(count)d pages.", count)
                % {"count": count}
            )
        ),
        metadata=_metadata(item),
        requiredStatement=KeyValueString(
            label=translated(lambda: gettext("Held by")), value=_library_map(item)
        ),
        viewingDirection="right-to-left" if item.direction == DigitalItem.Direction.RTL else "left-to-right",
        behavior=["paged"],
        items=[_canvas(request, base, page) for page in pages],
    )
    manifest.thumbnail = manifest.items[0].thumbnail
    if item.rights_entry:  # a URI of the controlled list, http:// as Presentation 3 requires
        manifest.rights = item.rights
    work = item.work
    if work is not None:
        manifest.homepage = [
            {
                "id": request.build_absolute_uri(reverse("web:work", args=[work.pk])),
                "type": "Text",
                "label": _title_map(item),
                "format": "text/html",
            }
        ]
        if _has_marc(work):
            manifest.seeAlso = [
                {
                    "id": request.build_absolute_uri(reverse("web:work-marcxml", args=[work.pk])),
                    "type": "Dataset",
                    "format": "application/marcxml+xml",
                    "profile": "http://www.loc.gov/MARC21/slim",
                    "label": translated(lambda: gettext("Catalog record (MARCXML)")),
                }
            ]
    return json.loads(manifest.jsonld())


def _has_marc(work) -> bool:
    return work.records.filter(format__in=MARC_FORMATS, deleted=False).exists()

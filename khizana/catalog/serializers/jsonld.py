"""schema.org in JSON-LD from a work dict (no Django): the work, its copies as the libraries' offers."""

from __future__ import annotations

from typing import Any

from .fields import WorkDict, full_title, identifiers_of, one_line, text_values, year_of

_SCHEMA_TYPES = {"book": "Book", "thesis": "Book", "serial": "Periodical"}
_SCHEMA_AVAILABILITY = {
    "available": "https://schema.org/InStock",
    "on_loan": "https://schema.org/OutOfStock",
    "not_for_loan": "https://schema.org/InStoreOnly",
    "lost": "https://schema.org/Discontinued",
}


def json_ld(work: WorkDict, url: str) -> dict:
    """schema.org description (JSON-LD) of the work, with its copies as library offers."""
    kind = _SCHEMA_TYPES.get(work.get("material_type") or "", "CreativeWork")
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": kind, "@id": url, "url": url}
    title = full_title(work)
    if title:
        data["name"] = title
    if text_values(work, "parallel_titles"):
        data["alternateName"] = text_values(work, "parallel_titles")
    if text_values(work, "authors"):
        data["author"] = [{"@type": "Person", "name": name} for name in text_values(work, "authors")]
    if year_of(work):
        data["datePublished"] = year_of(work)
    if one_line(work.get("publisher")):
        publisher: dict[str, Any] = {"@type": "Organization", "name": one_line(work.get("publisher"))}
        if one_line(work.get("place")):
            publisher["location"] = one_line(work.get("place"))
        data["publisher"] = publisher
    if kind == "Book" and identifiers_of(work, "isbn"):
        data["isbn"] = identifiers_of(work, "isbn")
    if kind == "Book" and one_line(work.get("edition")):
        data["bookEdition"] = one_line(work.get("edition"))
    if kind == "Periodical" and identifiers_of(work, "issn"):
        data["issn"] = identifiers_of(work, "issn")
    languages = text_values(work, "language_tags") or text_values(work, "languages")
    if languages:
        data["inLanguage"] = languages
    if text_values(work, "subjects"):
        data["about"] = [{"@type": "Thing", "name": s} for s in text_values(work, "subjects")]
    offers = []
    for holding in work.get("holdings") or []:
        library: dict[str, Any] = {"@type": "Library", "name": one_line(holding.get("library_name"))}
        if one_line(holding.get("library_url")):
            library["@id"] = one_line(holding.get("library_url"))
        offer: dict[str, Any] = {
            "@type": "Offer",
            "businessFunction": "http://purl.org/goodrelations/v1#LeaseOut",
            "availableAtOrFrom": library,
            "itemOffered": {"@id": url},
        }
        if one_line(holding.get("call_number")):
            offer["sku"] = one_line(holding.get("call_number"))
        if holding.get("status") in _SCHEMA_AVAILABILITY:
            offer["availability"] = _SCHEMA_AVAILABILITY[holding["status"]]
        offers.append(offer)
    if offers:
        data["offers"] = offers
    return data

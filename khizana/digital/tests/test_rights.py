"""Rights from the controlled list: what people write read as the list's canonical URIs, the data migration
of the rights written before, and every URI of the list accepted by the IIIF Presentation 3 schema."""

from __future__ import annotations

import importlib
import json

import jsonschema
import pytest
from django.apps import apps

from khizana.digital.models import DigitalItem
from khizana.digital.rights import RIGHTS, canonical_rights
from khizana.digital.tests.iiif_support import PRESENTATION_SCHEMA
from khizana.digital.tests.reader_items import add_item, make_record
from khizana.testing import make_library

PDM = "http://creativecommons.org/publicdomain/mark/1.0/"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
BY_SA = "http://creativecommons.org/licenses/by-sa/4.0/"


@pytest.mark.parametrize(
    ("written", "uri"),
    [
        (BY_SA, BY_SA),
        ("https://creativecommons.org/licenses/by-sa/4.0/", BY_SA),
        ("https://creativecommons.org/licenses/by-sa/4.0/deed.fr", BY_SA),
        ("https://creativecommons.org/licenses/by-sa/4.0/legalcode", BY_SA),
        ("http://www.creativecommons.org/licenses/by-sa/4.0", BY_SA),
        ("CC BY-SA 4.0", BY_SA),
        ("cc-by-sa", BY_SA),
        ("CC BY-NC-ND 4.0", "http://creativecommons.org/licenses/by-nc-nd/4.0/"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", CC0),
        ("CC0", CC0),
        ("Public domain", PDM),
        ("domaine public.", PDM),
        ("ملك عام", PDM),
        ("Public domain in the USA.", "http://rightsstatements.org/vocab/NoC-US/1.0/"),
        (
            "https://rightsstatements.org/page/InC-EDU/1.0/?language=fr",
            "http://rightsstatements.org/vocab/InC-EDU/1.0/",
        ),
        ("http://rightsstatements.org/vocab/CNE/1.0/", "http://rightsstatements.org/vocab/CNE/1.0/"),
        ("In Copyright - Educational Use Permitted", "http://rightsstatements.org/vocab/InC-EDU/1.0/"),
        ("nkc", "http://rightsstatements.org/vocab/NKC/1.0/"),
    ],
)
def test_what_people_write_is_read_as_the_canonical_uri(written, uri):
    assert canonical_rights(written).uri == uri


@pytest.mark.parametrize(
    "written",
    [
        "",
        "W3C Software and Document License",
        "Licence PNB",
        "https://creativecommons.org/licenses/by/3.0/",  # not a 4.0 licence of the list
        "https://rightsstatements.org/vocab/XYZ/1.0/",
        "https://example.org/licenses/by/4.0/",
        "CC BY-XX 4.0",
    ],
)
def test_what_the_list_does_not_hold_is_not_guessed(written):
    assert canonical_rights(written) is None


def test_every_uri_of_the_list_is_canonical_http_and_passes_the_iiif_schema():
    schema = json.loads(PRESENTATION_SCHEMA.read_text())
    rights_schema = {**schema["classes"]["rights"], "definitions": schema.get("definitions", {})}
    for entry in RIGHTS:
        assert entry.uri.startswith("http://") and entry.uri.endswith("/")
        assert canonical_rights(entry.uri) is entry and canonical_rights(entry.code) is entry
        jsonschema.validate(entry.uri, rights_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("https://creativecommons.org/licenses/by/4.0/", rights_schema)


@pytest.mark.django_db
def test_the_migration_maps_known_rights_and_flags_the_others_for_staff():
    migration = importlib.import_module("khizana.digital.migrations.0005_rights_controlled_list")
    library = make_library("LIBA")
    written = {
        "https://creativecommons.org/publicdomain/zero/1.0/": (CC0, ""),
        "CC BY-SA 4.0": (BY_SA, ""),
        "Public domain": (PDM, ""),
        "W3C Software and Document License": ("", "W3C Software and Document License"),
        "": ("", ""),
    }
    items = {}
    for number, rights in enumerate(written):
        item = add_item(make_record(library, f"r{number}", f"Livre {number}"), b"%PDF-1.4", "pdf", "a.pdf")
        DigitalItem.objects.filter(pk=item.pk).update(rights=rights)
        items[rights] = item.pk
    migration.rights_from_the_list(apps, None)
    for rights, expected in written.items():
        item = DigitalItem.objects.get(pk=items[rights])
        assert (item.rights, item.rights_to_review) == expected, rights
    migration.rights_back(apps, None)  # reversible: the flagged text goes back where it was
    assert DigitalItem.objects.get(pk=items["W3C Software and Document License"]).rights.startswith("W3C")

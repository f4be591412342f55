"""Shared by the theses tests: schools, their staff, a deposited thesis, the ETD-MS schema."""

from __future__ import annotations

import io
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from khizana.heritage.theses import services
from khizana.heritage.theses.etdms import ETDMS_10, ETDMS_11
from khizana.testing import make_library, make_user, shared_data_dir


@cache
def pdf_bytes() -> bytes:
    """A real two-page PDF (A4, blank), made with pypdf: the tests do not depend on demo files."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(2):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Thèse de test"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def theses_data() -> Path:
    shared = shared_data_dir()
    if shared is None or not (shared / "theses").is_dir():
        pytest.skip("../shared/data/theses is absent")
    return shared / "theses"


def description(**extra) -> services.Description:
    values = {
        "title": "Les manuscrits scientifiques de la bibliothèque de la Qarawiyyine",
        "author": "Benali, Samira",
        "supervisors": ["El Idrissi, Ahmed"],
        "committee": ["Tazi, Leila", "Martin, Paul"],
        "doctoral_school": "CEDoc Sciences humaines, Université Mohammed V",
        "grantor": "Université Mohammed V de Rabat",
        "discipline": "Histoire des sciences",
        "degree_name": "Doctorat en histoire",
        "degree_level": "doctoral",
        "defence_date": date(2025, 6, 20),
        "language": "fre",
        "abstract": "Une étude des manuscrits scientifiques conservés à Fès.",
        "subjects": ["Manuscrits arabes", "Histoire des sciences"],
    }
    return services.Description(**{**values, **extra})


def make_school(code: str):
    """A school (its library), a cataloguer of it and a reader of it."""
    library = make_library(code)
    staff = make_user(f"staff-{code.lower()}", "cataloguer", library)
    reader = make_user(f"reader-{code.lower()}", "reader", library)
    return library, staff, reader


def deposit(staff, library, **extra):
    return services.deposit(staff, library, description(**extra), io.BytesIO(pdf_bytes()), "these.pdf")


def etdms_schema() -> etree.XMLSchema:
    """The ETD-MS XSD of ../shared (1.0; its xml.xsd import resolved to the local copy)."""
    folder = theses_data() / "schemas"

    class Local(etree.Resolver):
        def resolve(self, url, public_id, context):
            if url.endswith("xml.xsd"):
                return self.resolve_filename(str(folder / "era_xml.xsd"), context)
            return None

    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(Local())
    return etree.XMLSchema(etree.parse(str(folder / "era_etdms.xsd"), parser))


def as_etdms_10(thesis: etree._Element) -> etree._Element:
    """A copy of an ETD-MS 1.1 <thesis> in the 1.0 namespace: the only XSD we have is 1.0's, and 1.1 kept
    its elements and their order (it changed the namespace and the recommended values)."""
    text = etree.tostring(thesis).replace(ETDMS_11.encode(), ETDMS_10.encode())
    copy = etree.fromstring(text)
    copy.attrib.pop("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", None)
    return copy

"""Schemathesis hooks for the API run of test_schemathesis.py (its configuration names this module).

The OpenAPI document says that the ``file`` of ``POST /api/libraries/{code}/imports`` is a catalogue
(its ``encoding`` lists the media types), and that a file which holds no record the API can read is a 422.
JSON Schema cannot describe "a readable catalogue", so schemathesis is told here what one looks like: the
valid uploads it generates are small CSV, MARCXML and ISO 2709 catalogues, which the API imports (202). The
invalid ones (no file, a file field of the wrong type) are still generated from the schema.
"""

from __future__ import annotations

import string
from pathlib import Path
from xml.sax.saxutils import escape

import schemathesis
from hypothesis import strategies as st

DEMO = Path(__file__).resolve().parents[3] / "demo"
# Words of titles: Latin, accented and Arabic letters and digits, never a CSV separator, quote or line break.
LETTERS = string.ascii_letters + string.digits + "éèàç" + "كتابتاريخالمغرب"
WORD = st.text(alphabet=LETTERS, min_size=1, max_size=12)
TITLE = st.lists(WORD, min_size=1, max_size=5).map(" ".join)
LOCAL_ID = st.from_regex(r"\AST-[A-Z0-9]{1,10}\Z")
YEAR = st.integers(min_value=1500, max_value=2030)


@st.composite
def csv_catalogue(draw: st.DrawFn) -> bytes:
    """A CSV catalogue of 1 to 3 records, each with a copy."""
    rows = draw(
        st.lists(st.tuples(LOCAL_ID, TITLE, YEAR, WORD), min_size=1, max_size=3, unique_by=lambda row: row[0])
    )
    lines = ["id;title;year;call_number", *(";".join(map(str, row)) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


def _marcxml(local_id: str, title: str, year: int) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="http://www.loc.gov/MARC21/slim"><record>'
        "<leader>00000nam a2200000 a 4500</leader>"
        f'<controlfield tag="001">{escape(local_id)}</controlfield>'
        f'<datafield tag="245" ind1="0" ind2="0"><subfield code="a">{escape(title)}</subfield></datafield>'
        f'<datafield tag="260" ind1=" " ind2=" "><subfield code="c">{year}</subfield></datafield>'
        "</record></collection>\n"
    ).encode()


MARCXML = st.builds(_marcxml, LOCAL_ID, TITLE, YEAR)
ISO2709 = st.sampled_from([(DEMO / "records" / "BNRM" / "yaz_marc9.marc").read_bytes()])

schemathesis.openapi.media_type("text/csv", csv_catalogue())
schemathesis.openapi.media_type("application/xml", MARCXML, aliases=["text/xml"])
schemathesis.openapi.media_type("application/marc", ISO2709)


@schemathesis.hook
def filter_query(context: schemathesis.HookContext, query: dict | None) -> bool:
    """Leave out generated queries in which an array parameter (a search facet) holds a single value
    instead of a list: ``availability=0.0`` is on the wire exactly the valid one-element array ``["0.0"]``,
    which the API rightly accepts, yet schemathesis 4.32 counts such a "type mutation" as invalid input
    (its wire-equivalence rules cover a list sent for a scalar, not a scalar sent for a list), so
    negative_data_rejection would report a valid request as accepted invalid data."""
    if not query or context.operation is None:
        return True
    for name, value in query.items():
        parameter = context.operation.query.get(name)
        if parameter is None or value is None or isinstance(value, list):
            continue
        if parameter.definition.get("schema", {}).get("type") == "array":
            return False
    return True

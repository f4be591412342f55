"""A small network for the ILL tests: two libraries of Rabat and one of Fès, each an agency, and a work
held by the lenders."""

from __future__ import annotations

import hashlib

from khizana.catalog.models import Holding, SourceRecord, Work
from khizana.ill.models import Agency
from khizana.testing import make_library, make_user


def holding(library, work, status="available", local_id=None):
    raw = f"{library.code}{work.pk}{local_id}".encode()
    record = SourceRecord.objects.create(
        library=library,
        local_id=local_id or f"{work.pk}",
        format="dc",
        serialisation="xml",
        raw=raw,
        checksum=hashlib.sha256(raw).hexdigest(),
        title=work.title,
        fields={"title": work.title},
        work=work,
        cluster_dirty=False,
    )
    return Holding.objects.create(record=record, library=library, status=status, call_number="X 1")


def network():
    a = make_library("RBT-A", city="Rabat")
    b = make_library("RBT-B", city="Rabat")
    fes = make_library("FES-C", city="Fès")
    world = {
        "a": a,
        "b": b,
        "fes": fes,
        "agency_a": Agency.objects.create(isil="MA-RBT-A", library=a),
        "agency_b": Agency.objects.create(isil="MA-RBT-B", library=b),
        "agency_fes": Agency.objects.create(isil="MA-FES-C", library=fes),
        "reader": make_user("amina", "reader", a),
        "staff_a": make_user("staff_a", "cataloguer", a),
        "staff_b": make_user("staff_b", "library_admin", b),
        "staff_fes": make_user("staff_fes", "cataloguer", fes),
        "work": Work.objects.create(
            title="Muqaddima", material_type="book", authors=["Ibn Khaldun"], year=1984
        ),
    }
    holding(b, world["work"])
    holding(fes, world["work"])
    return world

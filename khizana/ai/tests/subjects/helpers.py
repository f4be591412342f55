"""Helpers of the subject-suggestion tests: the demo files Annif is trained on, a record without subjects."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from khizana.testing import DEMO, REPO

ANNIF_BIN = REPO / ".venv-annif" / "bin"
# French and Arabic demo records with RAMEAU-style and LCSH headings (demo/PROVENANCE.md)
TRAINING_FILES = [
    DEMO / "records" / "BNRM" / "evergreen_lul_fre_500-subset.mrc",
    DEMO / "records" / "BULAC" / "medialab_cotesD.mrc",
    DEMO / "records" / "BULAC" / "medialab_cotes8.mrc",
    DEMO / "records" / "BNRM" / "aco_romanised_880-subset.mrc",
]


def needs_annif():
    if not (ANNIF_BIN / "annif").is_file():
        pytest.skip("no .venv-annif: build it with `make annif` (Annif's own venv)")


def bare_record(library, local_id: str, title: str, language: str = "fre", subjects=()):
    """A record as a library might send it without subjects (fields as the catalog extracts them)."""
    from khizana.catalog.models import SourceRecord

    raw = f"{local_id} {title}".encode()
    return SourceRecord.objects.create(
        library=library,
        local_id=local_id,
        format="marc21",
        serialisation="iso2709",
        raw=raw,
        checksum=hashlib.sha256(raw).hexdigest(),
        title=title,
        fields={
            "title": title,
            "subtitle": "",
            "languages": [language],
            "subjects": list(subjects),
            "notes": [],
        },
    )


def trained_annif(work_dir: Path):
    """Annif trained on the demo files (French and Arabic projects), in ``work_dir``."""
    from khizana.ai import subjects
    from khizana.ai.annif_cli import Annif

    runner = Annif(ANNIF_BIN, work_dir)
    reports = subjects.train(
        ["fre", "ara"], runner=runner, corpus=subjects.documents_from_files(TRAINING_FILES)
    )
    return runner, reports

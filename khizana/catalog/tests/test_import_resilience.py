"""An import killed with SIGKILL and run again ends exactly where an uninterrupted one does."""

import os
import signal
import time
from pathlib import Path

import pytest

from khizana.testing import DEMO
from tests.support import PrivateInstallation, migrated_installation

pytestmark = pytest.mark.slow

SOURCES = [
    DEMO / "records" / "BULAC" / "evergreen_lul_fre_500-subset.mrc",
    DEMO / "records" / "BULAC" / "traject_test_data.utf8.mrc",
    DEMO / "records" / "IMIST" / "medialab_periouni-subset.mrc",
    DEMO / "records" / "IMIST" / "medialab_cotes8.mrc",
]


class Catalog(PrivateInstallation):
    """A private installation whose catalog state can be compared with another's."""

    def state(self) -> dict:
        records = self.query(
            "select local_id, checksum, deleted, kind, work_id from catalog_sourcerecord order by local_id"
        )
        works: dict = {}
        for local_id, _, _, _, work_id in records:
            if work_id is not None:
                works.setdefault(work_id, set()).add(local_id)
        return {
            "records": [r[:4] for r in records],
            "works": sorted(sorted(w) for w in works.values()),
            "holdings": self.query("select count(*) from catalog_holding")[0][0],
            "dirty": self.query("select count(*) from catalog_sourcerecord where cluster_dirty")[0][0],
            "keys": self.query("select count(*) from catalog_matchkey")[0][0],
            "versions": self.query("select count(*) from catalog_sourcerecordversion")[0][0],
        }


def _prepare(catalog: Catalog) -> None:
    catalog.khizana(
        "shell",
        "-c",
        "from khizana.libraries.models import Library; "
        "Library.objects.create(code='KILL', name_fr='Bibliothèque test', kind='public', country='DZ')",
    )


@pytest.fixture
def big_file(tmp_path) -> Path:
    path = tmp_path / "lot.mrc"
    path.write_bytes(b"".join(p.read_bytes() for p in SOURCES))
    return path


def test_import_killed_midway_and_rerun_equals_uninterrupted_import(tmp_path, big_file):
    total = big_file.read_bytes().count(b"\x1d")
    reference = migrated_installation(tmp_path / "reference", Catalog)
    killed = migrated_installation(tmp_path / "killed", Catalog)
    try:
        _prepare(reference)
        reference.khizana("import", "--library", "KILL", "--no-progress", str(big_file))
        expected = reference.state()
        assert len(expected["records"]) == total and expected["dirty"] == 0

        _prepare(killed)
        process = killed.start(
            "import", "--library", "KILL", "--no-progress", "--batch-size", "3", str(big_file)
        )
        deadline = time.monotonic() + 60
        stored = 0
        while time.monotonic() < deadline and process.poll() is None:
            stored = killed.query("select count(*) from catalog_sourcerecord")[0][0]
            if stored >= total // 4:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the import ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        partial = killed.state()
        assert 0 < len(partial["records"]) < total

        killed.khizana("import", "--library", "KILL", "--no-progress", str(big_file))
        assert killed.state() == expected
        statuses = [row[0] for row in killed.query("select status from catalog_importrun order by id")]
        assert statuses == ["interrupted", "finished"]
    finally:
        reference.close()
        killed.close()

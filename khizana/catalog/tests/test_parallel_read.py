"""Reading ISO 2709 on worker processes gives exactly what one process reads."""

import dataclasses

import pytest

from khizana.catalog.formats import read_records
from khizana.catalog.formats.parallel import read_iso2709_parallel, slice_boundaries
from khizana.testing import DEMO, shared_data_dir


def _iso_files():
    files = [
        DEMO / "records" / "IMIST" / "medialab_periouni-subset.mrc",  # UNIMARC
        DEMO / "records" / "BNRM" / "xbib_IRMARC8.mrc",  # MARC-8 Arabic, Hebrew, CJK
        DEMO / "records" / "BULAC" / "evergreen_lul_fre_500-subset.mrc",
    ]
    shared = shared_data_dir()
    if shared is not None:
        bad = shared / "marc21" / "bad"
        files += [bad / "marc4j_pride-and-prejudice-with-many-errors.mrc", bad / "pymarc_bad_records.mrc"]
    return files


def test_slices_hold_whole_records():
    data = b"abc\x1ddef\x1dgh\x1d\n"
    assert slice_boundaries(data, 2) == [(0, 8, 0), (8, 12, 2)]
    assert [data[s:e] for s, e, _ in slice_boundaries(data, 1)][-1] == b"\n"


@pytest.mark.parametrize("path", _iso_files(), ids=lambda p: p.name)
def test_parallel_read_equals_serial_read(path):
    data = path.read_bytes()
    detected, serial = read_records(data, path.name)
    expected = [dataclasses.asdict(item) for item in serial]
    parallel = read_iso2709_parallel(data, format_hint=detected.format, workers=2, records_per_slice=37)
    assert [dataclasses.asdict(item) for item in parallel] == expected

"""Byte ranges and ETag comparison (pure functions)."""

import pytest

from khizana.digital.reading.ranges import ByteRange, UnsatisfiableRange, etag_matches, parse_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=100-", ByteRange(100, 999)),
        ("bytes=-100", ByteRange(900, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("bytes=990-5000", ByteRange(990, 999)),
        ("BYTES = 1-1", ByteRange(1, 1)),
        ("bytes=0-9,20-29", None),  # several ranges: the whole file
        ("items=0-9", None),
        ("bytes=9-1", None),  # invalid: ignored
        ("bytes=-", None),
    ],
)
def test_parse_range(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_unsatisfiable_ranges(header):
    with pytest.raises(UnsatisfiableRange):
        parse_range(header, 1000)


def test_empty_file_suffix_is_unsatisfiable():
    with pytest.raises(UnsatisfiableRange):
        parse_range("bytes=-10", 0)


def test_content_range_and_length():
    part = ByteRange(10, 19)
    assert part.length == 10 and part.content_range(100) == "bytes 10-19/100"


def test_etag_matches():
    assert etag_matches('"abc"', '"abc"')
    assert etag_matches('"x", W/"abc"', '"abc"')
    assert etag_matches("*", '"abc"')
    assert not etag_matches('"abd"', '"abc"')
    assert not etag_matches(None, '"abc"')

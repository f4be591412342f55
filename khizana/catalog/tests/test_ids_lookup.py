"""ids_lookup: a dense run of ids is asked as a range, anything else as a list."""

import pytest

from khizana.catalog.rows import ids_lookup


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ([5, 6, 7, 9], {"work_id__gte": 5, "work_id__lte": 9}),
        ([9, 5, 7], {"work_id__gte": 5, "work_id__lte": 9}),  # order does not matter
        ([1, 1000], {"work_id__in": [1, 1000]}),  # sparse: a range would read 998 others
        ([42], {"work_id__in": [42]}),
        ([], {"work_id__in": []}),
    ],
)
def test_dense_ids_are_a_range_and_sparse_ones_a_list(ids, expected):
    assert ids_lookup("work_id", ids) == expected

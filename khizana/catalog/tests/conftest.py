import pytest

from khizana.testing import make_library


@pytest.fixture
def library_a(db):
    return make_library("LIBA")


@pytest.fixture
def library_b(db):
    return make_library("LIBB")


def partition():
    """The works as sets of (library, local id): comparable across databases and runs."""
    from khizana.catalog.models import SourceRecord

    groups: dict[int, set] = {}
    for code, local_id, work_id in SourceRecord.objects.filter(work__isnull=False).values_list(
        "library__code", "local_id", "work_id"
    ):
        groups.setdefault(work_id, set()).add((code, local_id))
    return {frozenset(g) for g in groups.values()}

from pathlib import Path

import pytest

from khizana.catalog.services import import_file
from khizana.testing import DEMO, PASSWORD, make_library, make_user  # noqa: F401  (make_user: for this app's tests)

HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _accounts_test_environment(settings):
    """Jobs run at once (huey immediate mode); the cache starts empty (khizana/conftest.py)."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


@pytest.fixture
def lib_a(db):
    return make_library("LIBA")


@pytest.fixture
def lib_b(db):
    return make_library("LIBB")


@pytest.fixture
def users(lib_a, lib_b):
    return {
        "anonymous": None,
        "reader": make_user("lecteur", "reader", lib_a),
        "cataloguer_a": make_user("catalogueur_a", "cataloguer", lib_a),
        "library_admin_a": make_user("admin_a", "library_admin", lib_a),
        "cataloguer_b": make_user("catalogueur_b", "cataloguer", lib_b),
        "network_admin": make_user("reseau", "network_admin", None),
    }


@pytest.fixture
def catalog(lib_a, lib_b):
    """A's and B's records: one work shared by A and B, and works held by A alone."""
    shared = DEMO / "records" / "BNRM" / "yaz_marc9.marc"
    import_file(lib_a, shared)
    import_file(lib_b, shared)
    import_file(lib_a, DEMO / "records" / "BNRM" / "xbib_IRMARC8.mrc")
    import_file(lib_b, DEMO / "records" / "BNA" / "medialab_cotesBR.mrc")
    return {"a": lib_a, "b": lib_b}

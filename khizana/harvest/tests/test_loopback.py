"""Khizana harvesting Khizana: one installation serves the demo network over OAI-PMH (gunicorn on
loopback), a second one harvests one member library from it with ``khizana harvest``, then picks up
a deletion made in the first one incrementally."""

import subprocess

import pytest

from khizana.harvest.oai import marc_deletions
from tests.support import PrivateInstallation

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """(provider, harvester): the demo network served by gunicorn, and an installation with empty
    libraries BNRM, EMPTY and WRONG (its database is created while the demo loads)."""
    provider = PrivateInstallation(tmp_path_factory.mktemp("oai-provider"))
    harvester = PrivateInstallation(tmp_path_factory.mktemp("oai-harvester"))
    try:
        migrating = harvester.start("migrate", "-v0")
        provider.khizana("migrate", "-v0")
        provider.khizana("demo")
        provider.serve()
        assert migrating.wait(timeout=300) == 0
        harvester.khizana("shell", "-c", _create_libraries("BNRM", "EMPTY", "WRONG"))
        yield provider, harvester
    finally:
        provider.close()
        harvester.close()


@pytest.fixture(scope="module")
def provider(sites):
    return sites[0]


@pytest.fixture(scope="module")
def harvester(sites):
    return sites[1]


def active_records(installation: PrivateInstallation, code: str) -> dict[str, str]:
    rows = installation.query(
        "SELECT r.local_id, r.title FROM catalog_sourcerecord r JOIN libraries_library l "
        f"ON l.id = r.library_id WHERE l.code = '{code}' AND r.format = 'marc21' "
        "AND r.kind = 'bibliographic' AND NOT r.deleted"
    )
    return dict(rows)


def test_a_library_harvested_from_khizana_then_a_deletion_picked_up(provider, harvester, tmp_path):
    sent = active_records(provider, "BNRM")
    assert len(sent) > 200
    url = f"{provider.base_url}/oai"
    first = harvester.khizana("harvest", "BNRM", "--url", url, "--set", "library:BNRM", "--prefix", "marc21")
    assert "finished" in first.stdout, first.stdout
    assert active_records(harvester, "BNRM") == sent  # every record once, same local ids and titles
    runs = harvester.query("SELECT status, requested_from, records_added, pages FROM harvest_harvestrun")
    assert runs == [("finished", "", len(sent), (len(sent) + 99) // 100)]
    assert harvester.query("SELECT count(*) FROM catalog_work")[0][0] >= len(sent) - 10

    # BNRM sends a deletion to the network (MARC leader/05 "d"); the next harvest asks from= and applies it.
    gone = sorted(sent)[0]
    deletion = tmp_path / "deletion.xml"
    deletion.write_bytes(marc_deletions([(gone, "marc21")]))
    provider.khizana("import", "--library", "BNRM", "--no-progress", str(deletion))
    second = harvester.khizana("harvest", "BNRM")
    assert "finished" in second.stdout, second.stdout
    requested_from, harvested, deleted = harvester.query(
        "SELECT requested_from, records_harvested, records_deleted FROM harvest_harvestrun ORDER BY id DESC"
    )[0]
    assert requested_from.endswith("Z") and (harvested, deleted) == (1, 1)
    remaining = active_records(harvester, "BNRM")
    assert gone not in remaining and len(remaining) == len(sent) - 1


def test_a_harvest_of_an_unknown_set_is_empty_not_an_error(provider, harvester):
    result = harvester.khizana(
        "harvest", "EMPTY", "--url", f"{provider.base_url}/oai", "--set", "library:NOPE"
    )
    assert "finished: 0 page(s), 0 record(s) harvested" in result.stdout


def test_an_endpoint_that_is_not_oai_fails_with_a_clear_message(provider, harvester):
    with pytest.raises(subprocess.CalledProcessError) as error:
        harvester.khizana("harvest", "WRONG", "--url", f"{provider.base_url}/")
    output = error.value.stdout + error.value.stderr
    assert "not well-formed XML" in output or "not an OAI-PMH response" in output
    assert "harvest failed for WRONG" in output


def _create_libraries(*codes: str) -> str:
    return "from khizana.libraries.models import Library\n" + "".join(
        f"Library.objects.create(code='{code}', name_fr='{code}', kind='national', country='MA')\n"
        for code in codes
    )

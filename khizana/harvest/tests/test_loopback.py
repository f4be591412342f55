"""Khizana harvesting Khizana: one installation serves the demo network over OAI-PMH (gunicorn on
loopback), a second one harvests one member library from it with ``khizana harvest``, then picks up
a deletion made in the first one incrementally."""

import subprocess

import pytest
from lxml import etree

from tests.support import PrivateInstallation, demo_installation, migrated_installation

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """(provider, harvester): the demo network served by gunicorn, and an installation with empty
    libraries BNA, EMPTY and WRONG."""
    harvester = migrated_installation(tmp_path_factory.mktemp("oai-harvester"))
    harvester.env["KHIZANA_OUTGOING_ALLOWED_HOSTS"] = "127.0.0.1"  # the provider serves on loopback
    provider = demo_installation(tmp_path_factory.mktemp("oai-provider"))
    try:
        provider.serve()
        harvester.khizana("shell", "-c", _create_libraries("BNA", "EMPTY", "WRONG"))
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


def active_records(installation: PrivateInstallation, code: str) -> dict[str, tuple[str, str]]:
    rows = installation.query(
        "SELECT r.local_id, r.format, r.title FROM catalog_sourcerecord r JOIN libraries_library l "
        f"ON l.id = r.library_id WHERE l.code = '{code}' AND r.kind = 'bibliographic' AND NOT r.deleted"
    )
    return {local_id: (record_format, title) for local_id, record_format, title in rows}


def test_a_library_harvested_from_khizana_then_a_deletion_picked_up(provider, harvester, tmp_path):
    sent = active_records(provider, "BNA")
    assert {record_format for record_format, _ in sent.values()} == {"marc21", "unimarc"}
    url = f"{provider.base_url}/oai"
    first = harvester.khizana("harvest", "BNA", "--url", url, "--set", "library:BNA")
    assert "finished" in first.stdout, first.stdout
    # Every record once, in its own MARC format, with the same local id and title; but a record without
    # 001 or 035 is keyed by a checksum of its bytes, and those came as MARCXML, not as sent to the network.
    received = active_records(harvester, "BNA")
    assert len(received) == len(sent)
    assert without_checksum_ids(received) == without_checksum_ids(sent)
    assert sorted(received[k] for k in received if k.startswith("sha1:")) == sorted(
        sent[k] for k in sent if k.startswith("sha1:")
    )
    runs = harvester.query(
        "SELECT status, requested_from, records_added, metadata_prefix FROM harvest_harvestrun"
    )
    assert runs == [("finished", "", len(sent), "marc21,unimarc")]
    assert harvester.query("SELECT count(*) FROM catalog_work")[0][0] >= len(sent) - 10

    # BNA sends deletions to the network (MARC leader/05 "d"): a record keyed by its 001, and the one keyed
    # by a checksum (the harvester finds it through the OAI identifier it was harvested under). The next
    # harvest asks from= the first harvest's Identify responseDate, and gets the two deleted headers only.
    gone = sorted(without_checksum_ids(sent))[0]
    checksummed = next(local_id for local_id in sent if local_id.startswith("sha1:"))
    deletion = tmp_path / "deletion.xml"
    deletion.write_bytes(marc_deletions([(gone, sent[gone][0]), (checksummed, sent[checksummed][0])]))
    provider.khizana("import", "--library", "BNA", "--no-progress", str(deletion))
    second = harvester.khizana("harvest", "BNA")
    assert "finished" in second.stdout, second.stdout
    requested_from, harvested, deleted = harvester.query(
        "SELECT requested_from, records_harvested, records_deleted FROM harvest_harvestrun ORDER BY id DESC"
    )[0]
    assert requested_from.endswith("Z") and (harvested, deleted) == (2, 2)
    remaining = active_records(harvester, "BNA")
    assert gone not in remaining and len(remaining) == len(sent) - 2
    assert not [local_id for local_id in remaining if local_id.startswith("sha1:")]


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


def marc_deletions(records: list[tuple[str, str]]) -> bytes:
    """A MARCXML file that a library sends to delete ``records`` ((local id, "marc21" or "unimarc")
    pairs): one record each with leader/05 ``d`` and the local id in 001."""
    leaders = {"marc21": "00000dam a2200000 i 4500", "unimarc": "00000dam  2200000   450 "}
    slim = "http://www.loc.gov/MARC21/slim"
    collection = etree.Element(f"{{{slim}}}collection", nsmap={None: slim})
    for local_id, record_format in records:
        record = etree.SubElement(collection, f"{{{slim}}}record", format=record_format.upper())
        etree.SubElement(record, f"{{{slim}}}leader").text = leaders[record_format]
        etree.SubElement(record, f"{{{slim}}}controlfield", tag="001").text = local_id
    return etree.tostring(collection, encoding="utf-8", xml_declaration=True)


def without_checksum_ids(records: dict) -> dict:
    return {local_id: value for local_id, value in records.items() if not local_id.startswith("sha1:")}


def _create_libraries(*codes: str) -> str:
    return "from khizana.libraries.models import Library\n" + "".join(
        f"Library.objects.create(code='{code}', name_fr='{code}', kind='national', country='MA')\n"
        for code in codes
    )

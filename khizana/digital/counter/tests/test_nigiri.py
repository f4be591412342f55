"""A real SUSHI client written by others, celus-nigiri (Celus's harvester), harvests Khizana's SUSHI
server started for the test. nigiri lives in its own virtualenv (.venv-sushi, built from
requirements-sushi.lock): its pins conflict with Khizana's."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from khizana.digital.counter.tests.support import Network, make_credential, month_id
from khizana.testing import REPO

PYTHON = REPO / ".venv-sushi" / "bin" / "python"
SCRIPT = Path(__file__).with_name("nigiri_harvest.py")
KEY = "secret-key-of-the-harvester"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not PYTHON.exists(),
        reason="no .venv-sushi: build it with `make .venv-sushi` (celus-nigiri's own venv)",
    ),
]


def harvest(live_server, customer, requestor, key, report, begin, end) -> dict:
    done = subprocess.run(
        [str(PYTHON), str(SCRIPT), f"{live_server.url}/r51", customer, requestor, key, report, begin, end],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_nigiri_harvests_the_title_report(live_server):
    network = Network()
    make_credential("RABAT", network.rabat)
    month = month_id(network.two_months_ago)
    found = harvest(live_server, "RABAT", "req-RABAT", KEY, "tr", f"{month}-01", f"{month}-28")
    assert found["http_status"] == 200 and found["errors"] == []
    values = {(r["title"], r["metric"], r["month"]): r["value"] for r in found["records"]}
    assert values[("Kitab al-Ibar", "Total_Item_Requests", month)] == 2
    assert values[("Kitab al-Ibar", "Unique_Item_Requests", month)] == 2
    assert values[("Kitab al-Ibar", "Unique_Title_Requests", month)] == 1
    assert values[("Kitab al-Ibar", "Total_Item_Investigations", month)] == 3
    assert {r["title"] for r in found["records"]} == {"Kitab al-Ibar"}
    dimensions = found["records"][0]["dimensions"]
    assert dimensions["Access_Type"] == "Controlled" and dimensions["YOP"] == "1858"


def test_nigiri_reads_the_refusal_and_the_platform_report(live_server):
    network = Network()
    make_credential("network")
    month = month_id(network.two_months_ago)
    refused = harvest(live_server, "network", "req-network", "wrong key", "tr", f"{month}-01", f"{month}-28")
    assert refused["http_status"] == 401 and refused["errors"] == ["2020"]
    found = harvest(live_server, "network", "req-network", KEY, "pr", f"{month}-01", f"{month}-28")
    requests = [r["value"] for r in found["records"] if r["metric"] == "Total_Item_Requests"]
    assert requests == [4]

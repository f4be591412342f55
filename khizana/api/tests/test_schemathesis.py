"""Schemathesis against the OpenAPI document with every check, over real HTTP: gunicorn serving a private
installation (its own database and data directory) with two libraries, a few real records and API tokens
made by ``khizana api-token create``.

The schemathesis command runs all its phases (coverage, fuzzing, stateful sequences following the links it
infers, e.g. an import then its status) and every check it has (``--checks all``), so the test fails when
the API answers a status, a content type, a header or a body its OpenAPI document does not state, refuses a
request the document allows, accepts one it forbids, or lets a token see another library's import.

Identities (a Web Fuzzing Commons file): the cataloguers of APIA and APIB, then a network administrator;
schemathesis moves an operation to the next identity when one is refused (401/403), and replays the reads of
one cataloguer as the other (``peers``) for object_level_authorization. Reads are public, so they work with
any of them, and ignored_auth strips and forges the token on the operations that declare it.

Checks that run but cannot find anything in this API (kept, so that they apply as soon as it could):
- use_after_free: the API has no DELETE operation, so nothing is ever freed;
- ensure_resource_availability: it looks for a resource created by a POST under the POST's own path, and an
  import (POST /api/libraries/{code}/imports) is followed at /api/imports/{id}; object_level_authorization
  and the stateful phase do read imports back after creating them.

Two settings widen what counts as a refusal, for a reason outside the API: gunicorn refuses a request line
longer than 4,094 bytes with a 414 before the API sees it (the document states it for every operation), and
the schema's own limits (up to 50 values of 200 characters for each of seven facets) allow longer URLs, so
414 counts as a proper answer both to schema-valid requests (positive_data_acceptance) and to invalid ones
(negative_data_rejection). Generation is deterministic (schemathesis' ``deterministic``, Hypothesis'
derandomize, which makes the seed moot), with one worker and no example database: the same requests each
run, against an installation built the same way. The hooks module (schemathesis_hooks.py) generates readable
catalogue files for imports and leaves out one kind of query schemathesis misjudges (see there).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from khizana.testing import DEMO
from tests.support import REPO, PrivateInstallation, migrated_installation

from .conftest import CSV_A

EXAMPLES = 80  # per operation, phase and mode: about 1,800 requests, 25-50 s on 2 cores (with the setup)
OPERATIONS = 12
SETUP = """
import io
from django.core.management import call_command
from khizana.catalog.services import import_file
from khizana.libraries.models import Library
from khizana.search.services import rebuild_index

a = Library.objects.create(code="APIA", name_fr="Bibliothèque A", name_ar="مكتبة أ", kind="national",
                           country="MA", city="Rabat", latitude=34.0, longitude=-6.8)
b = Library.objects.create(code="APIB", name_fr="Bibliothèque B", kind="public", country="DZ")
import_file(a, "{DEMO}/records/BNRM/yaz_marc9.marc")
import_file(b, "{DEMO}/records/BNRM/yaz_marc9.marc")
import_file(b, "{DEMO}/records/UM5/marc4j_pride-and-prejudice-subset.mrc")
import_file(a, "{copies}")
rebuild_index()
staff = [("cataloguer_a", "cataloguer", "APIA"), ("cataloguer_b", "cataloguer", "APIB"),
         ("network_admin", "network_admin", None)]
for name, role, library in staff:
    options = ["--library", library] if library else []
    call_command("create_staff", name, "--role", role, *options, "--no-password", stdout=io.StringIO())
    out = io.StringIO()
    call_command("api_token", "create", name, "--name", "schemathesis", stdout=out, stderr=io.StringIO())
    print("TOKEN", name, out.getvalue().strip())
"""
CONFIG = """
seed = 1
workers = 1
hooks = "khizana.api.tests.schemathesis_hooks"

[generation]
max-examples = {examples}
deterministic = true
database = "none"

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "414", "429", "5xx"]

[checks.negative_data_rejection]
expected-statuses = [
    "400", "401", "403", "404", "405", "406", "409", "414", "415", "422", "428", "429", "5xx"
]

[auth.wfc]
path = "{wfc}"
peers = ["cataloguer_a", "cataloguer_b"]
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateInstallation]:
    installation = migrated_installation(tmp_path_factory.mktemp("api-site"))
    copies = tmp_path_factory.mktemp("api-copies") / "copies.csv"
    copies.write_text(CSV_A, encoding="utf-8")
    installation.env["KHIZANA_HUEY_IMMEDIATE"] = "1"  # no job consumer here: imports run in the request
    try:
        # one process for the data (each `khizana` start costs seconds); the tokens it prints
        output = installation.khizana("shell", "-c", SETUP.format(DEMO=DEMO, copies=copies)).stdout
        installation.tokens = {
            line.split()[1]: line.split()[2] for line in output.splitlines() if line.startswith("TOKEN ")
        }
        assert set(installation.tokens) == {"cataloguer_a", "cataloguer_b", "network_admin"}
        installation.serve()
        yield installation
    finally:
        installation.close()


def _schemathesis(site: PrivateInstallation, folder: Path) -> tuple[subprocess.CompletedProcess, dict]:
    """Run ``st run --checks all`` on the site's OpenAPI document; its output and its JSON report."""
    wfc = folder / "identities.json"
    wfc.write_text(
        json.dumps(
            {
                "auth": [
                    {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {token}"}]}
                    for name, token in site.tokens.items()
                ]
            }
        ),
        encoding="utf-8",
    )
    config = folder / "schemathesis.toml"
    config.write_text(CONFIG.format(examples=EXAMPLES, wfc=wfc), encoding="utf-8")
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(config),
        "--no-color",
        "run",
        f"{site.base_url}/api/openapi.json",
        "--checks",
        "all",
        "--report",
        "json",
        "--report-json-path",
        str(folder / "report.json"),
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # for the hooks module
    run = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    report_file = folder / "report.json"
    report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.exists() else {}
    return run, report


@pytest.mark.slow
def test_schemathesis_with_every_check_finds_no_failure(site: PrivateInstallation, tmp_path: Path) -> None:
    run, report = _schemathesis(site, tmp_path)
    output = run.stdout[-20_000:] + run.stderr[-5_000:]
    print(run.stdout[-3_000:])  # the summary (pytest -s, or shown with a failure)
    assert run.returncode == 0, output
    assert report["exit_code"] == 0 and report["complete"], output
    assert not report["failures"] and not report["errors"], output
    assert report["operations"]["tested"] == report["operations"]["selected"] == OPERATIONS, output
    assert {phase: data["status"] for phase, data in report["phases"].items()} == {
        "examples": "skip",  # the document has no examples: coverage and fuzzing generate every value
        "coverage": "success",
        "fuzzing": "success",
        "stateful": "success",
    }, output
    assert report["test_cases"]["generated"] > 20 * OPERATIONS, output
    # the run reached the API's core: no identity was refused everywhere, no operation only ever 404'd
    warnings = report["warnings"]
    for name in ("missing_auth", "unused_openapi_auth", "missing_test_data", "validation_mismatch"):
        assert not warnings[name], (name, warnings[name], output)
    # the writes went through with the tokens: holdings changed and files imported (the hooks' catalogues)
    edits, imports = site.query(
        "SELECT (SELECT COUNT(*) FROM accounts_auditentry WHERE action = 'holding-edit'),"
        " (SELECT COUNT(*) FROM catalog_importjob WHERE status = 'finished')"
    )[0]
    assert edits > 0 and imports > 0, (edits, imports, output)

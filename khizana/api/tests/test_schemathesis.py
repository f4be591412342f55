"""Schemathesis against the OpenAPI document, over real HTTP: gunicorn serving a private installation
(its own database and data directory) with two libraries, a few real records and a staff token made by
``khizana api-token create``. Every operation (reads anonymously, writes with the token) gets generated
input, valid and invalid; the check is that no answer is a server error."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from khizana.catalog.tests.conftest import DEMO
from tests.support import PrivateInstallation

from .conftest import CSV_A

EXAMPLES = 15  # per operation and mode (valid, invalid): 12 operations, well under a minute in all
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
call_command("create_staff", "robot", "--role", "network_admin", "--no-password", stdout=io.StringIO())
call_command("api_token", "create", "robot", "--name", "schemathesis", stderr=io.StringIO())
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    installation = PrivateInstallation(tmp_path_factory.mktemp("api-site"))
    copies = tmp_path_factory.mktemp("api-copies") / "copies.csv"
    copies.write_text(CSV_A, encoding="utf-8")
    installation.env["KHIZANA_HUEY_IMMEDIATE"] = "1"  # no job consumer here: imports run in the request
    try:
        installation.khizana("migrate", "--noinput")
        # one process for the data (each `khizana` start costs seconds); the token printed by the command
        installation.token = (
            installation.khizana("shell", "-c", SETUP.format(DEMO=DEMO, copies=copies))
            .stdout.strip()
            .splitlines()[-1]
        )
        installation.serve()
        yield installation
    finally:
        installation.close()


def _headers(site, operation) -> dict[str, str] | None:
    """The token for writes and import status (the other reads are public and get none)."""
    if operation.method.upper() == "GET" and not operation.path.startswith("/api/imports"):
        return None
    return {"Authorization": f"Bearer {site.token.strip()}"}


def _fuzz(site, operation, mode: GenerationMode) -> None:
    headers = _headers(site, operation)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case) -> None:
        case.call_and_validate(base_url=site.base_url, headers=headers, checks=[not_a_server_error])

    call()


@pytest.mark.slow
def test_no_server_error_on_any_generated_input(site):
    schema = schemathesis.openapi.from_url(site.base_url + "/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {"GET /api/search", "PATCH /api/holdings/{holding_id}"}
    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(site, operation, mode)
            except Unsatisfiable:  # no invalid input exists (an operation without parameters)
                assert mode == GenerationMode.NEGATIVE, operation.label
            except Exception as error:  # every operation is tried; all failures are reported together
                failures.append(f"{operation.label} ({mode}): {error}")
    assert not failures, "\n\n".join(failures)

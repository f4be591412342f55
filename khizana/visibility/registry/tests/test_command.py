"""``khizana registry load|export|show|add``, and the real ROR extract of ../shared/data/ror."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from khizana.testing import shared_data_dir
from khizana.visibility.models import Institution, InstitutionName
from khizana.visibility.registry import services

from .test_services import DATA, UM5

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Refusals are translated: the tests read them in English, whatever the catalogs hold."""
    with translation.override("en"):
        yield


SHARED = shared_data_dir()
ROR = SHARED / "ror" if SHARED else None


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("registry", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def demo_size() -> int:
    """The institutions of demo/registry (one a line)."""
    demo = Path(settings.BASE_DIR) / "demo" / "registry"
    return sum(1 for path in demo.glob("*.jsonl") for line in path.open(encoding="utf-8") if line.strip())


def test_load_demo_twice():
    out, err = run("load", "--demo", "--no-progress")
    assert f"{demo_size()} new" in out and err == ""
    out, _ = run("load", "--demo", "--no-progress")
    assert f"0 new, 0 updated, {demo_size()} unchanged" in out
    assert f"registry: {demo_size()} institutions" in out


def test_load_reports_bad_lines_on_stderr():
    out, err = run("load", str(DATA / "registry_bad_lines.jsonl"), "--no-progress")
    assert "3 new" in out and "5 bad lines" in out
    assert f"{DATA / 'registry_bad_lines.jsonl'}: line 2: not JSON" in err


def test_load_refuses_what_it_cannot_read(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run("load", str(tmp_path / "nothing.jsonl"))
    with pytest.raises(CommandError, match="not both"):
        run("load", "--demo", str(DATA / "registry_cycle.jsonl"))


def test_export_show_and_add(tmp_path):
    run("load", "--demo", "--no-progress")
    out, _ = run(
        "add",
        "Faculté des Sciences Juridiques, Économiques et Sociales de Rabat-Agdal",
        "--kind",
        "faculty",
        "--parent",
        "00r8w8f84",
        "--name-ar",
        "كلية العلوم القانونية والاقتصادية والاجتماعية أكدال",
        "--acronym",
        "FSJES",
        "--variant",
        "Fac Sci Jurid Econ & Sociales Agdal",
    )
    assert out.startswith("added local:ma-faculte-des-sciences-juridiques") and UM5 in out
    with pytest.raises(CommandError, match="not in the registry"):
        run("add", "Faculté X", "--kind", "faculty", "--parent", "local:nowhere")
    out, _ = run("add", "Université Exemple de Béjaïa", "--kind", "university", "--country", "DZ",
                 "--ror-id", "04zzzzz99")  # fmt: skip
    added = Institution.objects.get(name="Université Exemple de Béjaïa")
    assert added.ror_id == "https://ror.org/04zzzzz99" and added.source == "local"
    with pytest.raises(CommandError, match="not a ROR id"):
        run("add", "Université Y", "--kind", "university", "--country", "DZ", "--ror-id", "ror:12")
    assert not Institution.objects.filter(name="Université Y").exists()
    out, _ = run("show", "local:ma-labmia-si-rabat")
    assert "^ local:ma-faculte-des-sciences-rabat" in out and f"^ {UM5}" in out
    with pytest.raises(CommandError, match="no institution"):
        run("show", "local:nowhere")
    target = tmp_path / "registry.csv"
    out, _ = run("export", "--format", "csv", "-o", str(target))
    assert out.startswith(f"{demo_size() + 2} institutions written")
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    assert len(rows) == demo_size() + 2
    assert {row["top_level_id"] for row in rows if row["acronyms"] == "FSJES"} == {UM5}
    target = tmp_path / "registry.jsonl"
    run("export", "--format", "jsonl", "-o", str(target))
    assert len([json.loads(line) for line in target.open(encoding="utf-8")]) == demo_size() + 2


# --- the real extract ---------------------------------------------------------------------------------

needs_shared = pytest.mark.skipif(ROR is None or not ROR.is_dir(), reason="../shared/data/ror is not here")


@pytest.mark.shared_data
@needs_shared
def test_the_maghreb_extract_loads_as_provenance_counts_it():
    report = services.load_registry([ROR / "ror_MA_DZ_TN.jsonl"])
    assert report.errors == [] and report.created == 255
    assert dict(services.registry_countries()) == {"DZ": 122, "MA": 69, "TN": 64}
    statuses = list(Institution.objects.values_list("status", flat=True))
    assert (statuses.count("active"), statuses.count("inactive"), statuses.count("withdrawn")) == (245, 1, 9)
    with_arabic = InstitutionName.objects.filter(language="ar", kind="label").values("institution").distinct()
    assert with_arabic.count() == 144
    with_acronyms = InstitutionName.objects.filter(kind="acronym").values("institution").distinct()
    assert with_acronyms.count() == 151
    assert sum(1 for ids in Institution.objects.values_list("ror_parent_ids", flat=True) if ids) == 26
    faculty = services.find_institution("https://ror.org/0053fb273")  # Faculty of Medicine of Sfax
    assert services.roll_up(faculty).name == "University of Sfax"
    again = services.load_registry([ROR / "ror_MA_DZ_TN.jsonl"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 255)


@pytest.mark.shared_data
@pytest.mark.slow
@needs_shared
def test_the_default_load_reads_the_maghreb_and_french_extracts(settings):
    settings.KHIZANA_SHARED_DATA = str(SHARED)
    out, err = run("load", "--no-progress")
    assert err == "" and "0 bad lines" in out
    assert Institution.objects.filter(detail="full").count() == 255 + 4605
    assert Institution.objects.filter(detail="reference").count() == 244
    grenoble_lab = services.find_institution("https://ror.org/014p6mg26")  # LPNC, a joint lab
    assert "education" in services.roll_up(grenoble_lab).types


def test_the_shared_data_path_follows_the_setting(settings, tmp_path):
    from khizana.visibility.management.commands.registry import shared_ror_dir

    settings.KHIZANA_SHARED_DATA = str(tmp_path)
    assert shared_ror_dir() == tmp_path / "ror"
    with pytest.raises(CommandError, match="no ROR extract"):
        run("load")

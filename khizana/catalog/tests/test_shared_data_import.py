"""Load the whole of ../shared/data through the import service, as member libraries would send it."""

from collections import Counter

import pytest

from khizana.catalog.models import ImportReject, ImportRun, SourceRecord, Work
from khizana.catalog.services import ImportFileError, import_file
from khizana.testing import make_library, shared_data_dir

SHARED = shared_data_dir()
pytestmark = [
    pytest.mark.skipif(SHARED is None, reason="../shared/data is not here"),
    pytest.mark.shared_data,
    pytest.mark.django_db,
]

# Record counts of PROVENANCE.md (record terminators for ISO 2709, record elements for XML).
EXPECTED = {"marc21": 3362, "marcxml": 605, "unimarc": 3364, "oai": 546}
# OAI-PMH responses that hold no record by design: errors, Identify, ListSets, ListIdentifiers, a
# non-XML body. Importing them must fail with a message, not a traceback.
SUFFIXES = (".mrc", ".marc", ".dat", ".xml", ".csv")


def _import_folder(library, folder):
    runs, failures = [], {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or not path.name.endswith(SUFFIXES):
            continue
        try:
            runs.append(import_file(library, path, cluster=False))
        except ImportFileError as error:
            failures[path.name] = str(error)
    return runs, failures


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        results = {}
        for family in [*EXPECTED, "bad"]:
            library = make_library(family.upper())
            if family == "bad":
                runs, failures = [], {}
                for sub in ("marc21", "marcxml", "unimarc"):
                    r, f = _import_folder(library, SHARED / sub / "bad")
                    runs += r
                    failures.update(f)
            else:
                runs, failures = _import_folder(library, SHARED / family)
            results[family] = (library, runs, failures)
        from khizana.catalog.clustering import recluster_dirty

        recluster_dirty()
        yield results
        Work.objects.all().delete()
        SourceRecord.objects.all().delete()
        ImportRun.objects.all().delete()
        for library, _, _ in results.values():
            library.delete()


@pytest.mark.parametrize("family", sorted(EXPECTED))
def test_every_record_of_the_shared_data_is_read(loaded, family):
    _, runs, failures = loaded[family]
    read = sum(run.records_read for run in runs)
    print(
        f"\n{family}: {read} read in {len(runs)} files, "
        + ", ".join(
            f"{k} {sum(getattr(r, 'records_' + k) for r in runs)}"
            for k in ("added", "updated", "deleted", "rejected")
        )
    )
    assert read == EXPECTED[family]
    if family != "oai":
        assert not failures, failures
    for name, message in failures.items():  # only OAI-PMH files that hold no record may fail, clearly
        assert name in message and "Traceback" not in message


def test_bad_records_never_stop_an_import(loaded):
    library, runs, failures = loaded["bad"]
    assert not failures, failures
    rejected = ImportReject.objects.filter(run__library=library)
    loaded_count = SourceRecord.objects.filter(library=library).count()
    print(
        f"\nbad/: {sum(r.records_read for r in runs)} read, {loaded_count} stored, "
        f"{rejected.count()} rejected"
    )
    reasons = Counter(r.reason.split(":")[0] for r in rejected)
    for reason, count in reasons.most_common():
        print(f"  {count:4} {reason}")
    assert loaded_count > rejected.count()  # a lenient reader recovers most of them
    for reject in rejected:
        assert reject.reason and len(bytes(reject.raw)) > 0
    assert SourceRecord.objects.filter(library=library).exclude(warnings=[]).exists()


def test_authority_and_holdings_records_are_not_books(loaded):
    library, _, _ = loaded["marc21"]
    assert SourceRecord.objects.filter(library=library, kind="authority").count() >= 1066
    assert SourceRecord.objects.filter(library=library, kind="authority", work__isnull=False).count() == 0
    assert SourceRecord.objects.filter(library=loaded["marcxml"][0], kind="holdings").count() >= 7


def test_scripts_and_languages_of_the_network(loaded):
    scripts = Counter(
        s for work_scripts in Work.objects.values_list("scripts", flat=True) for s in work_scripts
    )
    for script in ("Latin", "Arabic", "Hebrew", "Han", "Cyrillic", "Tifinagh", "Devanagari"):
        assert scripts[script] > 0, script
    languages = Counter(lang for langs in Work.objects.values_list("languages", flat=True) for lang in langs)
    assert languages["fre"] > 100 and languages["ara"] > 0


def test_records_held_in_several_families_merge(loaded):
    shared = Work.objects.filter(library_count__gt=1).count()
    print(f"\n{Work.objects.count()} works, {shared} held by more than one library")
    assert shared >= 30  # traject ISO/XML, yaz, marcjs, Open Library pairs, bad copies of good files

"""Annif trained on the demo records and asked for subjects, end to end (a real Annif in its venv)."""

from __future__ import annotations

import pytest

from khizana.ai import annif_data, subjects
from khizana.ai.annif_cli import Annif, AnnifError
from khizana.ai.models import SubjectSuggestion
from khizana.ai.tests.subjects.helpers import ANNIF_BIN, bare_record
from khizana.testing import make_library

pytestmark = pytest.mark.django_db


def test_training_writes_punkt_tab_and_trains_every_backend(annif_trained):
    runner, reports = annif_trained
    punkt = runner.nltk_data / "tokenizers" / "punkt_tab" / "english"
    for name in ("collocations.tab", "sent_starters.txt", "abbrev_types.txt", "ortho_context.tab"):
        assert (punkt / name).is_file()
    assert sorted(r.language for r in reports) == ["ara", "fre"]
    assert set(runner.trained_languages()) == {"ara", "fre"}
    french = next(r for r in reports if r.language == "fre")
    assert french.documents > 100 and french.subjects > 300 and french.model_bytes > 0
    vocabulary = (runner.work_dir / "vocabulary-fre.tsv").read_text("utf-8").splitlines()
    uri, label = vocabulary[0].split("\t")
    assert uri == f"<{annif_data.heading_uri(label)}>"


def test_annif_never_downloads(annif_trained):
    """NLTK would download punkt_tab if it were missing; the proxies lead nowhere and nothing is logged."""
    runner, _ = annif_trained
    output = runner.annif(
        "suggest",
        "--limit",
        "3",
        annif_data.project_id("fre", "tfidf"),
        stdin="Histoire de la Révolution française",
    )
    assert "download" not in runner.last_stderr.lower()
    assert annif_data.parse_suggestions(output)[""]
    assert runner.environment()["https_proxy"] == "http://127.0.0.1:9"


def test_without_trained_punkt_the_download_is_refused(annif_trained, tmp_path):
    """The same project without our punkt_tab: NLTK tries to download, and the closed proxy stops it."""
    runner, _ = annif_trained
    bare = Annif(runner.bin_dir, runner.work_dir)
    bare.environment = lambda: {**runner.environment(), "NLTK_DATA": str(tmp_path)}
    with pytest.raises(AnnifError):
        bare.annif("suggest", annif_data.project_id("fre", "tfidf"), stdin="Histoire de France")


def test_suggestions_are_stored_with_their_why(annif_settings):
    library = make_library("BNA")
    record = bare_record(library, "r1", "Histoire de la Révolution française à Paris")
    english = bare_record(library, "r2", "A history of Paris", language="eng")
    report = subjects.suggest(type(record).objects.filter(pk__in=[record.pk, english.pk]))
    assert report.records == 2 and report.suggested == 1 and report.skipped_language == 1
    kept = list(SubjectSuggestion.objects.filter(record=record))
    assert 1 <= len(kept) <= 5
    assert any("Révolution" in s.heading for s in kept), [s.heading for s in kept]
    assert all(s.project == "khizana-ensemble-fre" and 0 < s.score <= 1 for s in kept)
    revolution = next(s for s in kept if "Révolution" in s.heading)
    assert "révolution" in revolution.why


def test_suggesting_again_keeps_decisions(annif_settings):
    from khizana.testing import make_user

    library = make_library("BNA")
    record = bare_record(library, "r1", "Histoire de la Révolution française")
    subjects.suggest(type(record).objects.filter(pk=record.pk))
    first = SubjectSuggestion.objects.filter(record=record).first()
    subjects.decide(make_user("cat", "cataloguer", library), first.pk, accept=False)
    subjects.suggest(type(record).objects.filter(pk=record.pk))
    assert SubjectSuggestion.objects.get(pk=first.pk).status == "rejected"
    assert SubjectSuggestion.objects.filter(record=record, uri=first.uri).count() == 1


def test_unknown_language_is_refused_by_name():
    with pytest.raises(subjects.SubjectsError, match="xyz"):
        subjects.train(["xyz"], runner=Annif(ANNIF_BIN, ANNIF_BIN))

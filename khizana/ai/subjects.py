"""Subject suggestions for records without subjects, by Annif projects trained on the network's own records.

- :func:`train`: exports, per language (fre/eng/ara), the headings of the catalog as a vocabulary and its
  records (title, subtitle, notes -> headings) as a corpus, trains the Punkt parameters NLTK needs on that
  text, then Annif's tfidf, omikuji and mllm projects (their ensemble suggests);
- :func:`suggest`: suggestions for records, kept as :class:`SubjectSuggestion` with the words that support
  each (the "why");
- :func:`decide`: a cataloguer of the record's library accepts or rejects one; accepted ones are the
  library's enrichment of its record, the record itself is never altered;
- :func:`coverage`: how much of a library's catalogue lacks subjects, has suggestions, has accepted ones.
"""

from __future__ import annotations

import dataclasses
import json
import random
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khizana.accounts.permissions import can_write
from khizana.ai import annif_data
from khizana.ai.annif_cli import Annif, AnnifError
from khizana.ai.models import SubjectSuggestion
from khizana.catalog.formats import read_records
from khizana.catalog.models import SourceRecord
from khizana.catalog.records import ParsedRecord, RecordKind
from khizana.libraries.models import Library

WHY_WORDS = 300  # most frequent training words kept per heading to explain suggestions


class SubjectsError(ValueError):
    """A request the subject service cannot serve; the message says why."""


def annif() -> Annif:
    return Annif(Path(settings.KHIZANA_ANNIF_BIN), Path(settings.KHIZANA_ANNIF_DIR))


def _bibliographic(records=None):
    records = SourceRecord.objects.all() if records is None else records
    return records.filter(deleted=False, kind=RecordKind.BIBLIOGRAPHIC)


def record_text(fields: dict) -> str:
    return annif_data.document_text(
        fields.get("title", ""), fields.get("subtitle", ""), fields.get("notes", [])
    )


def record_language(fields: dict) -> str | None:
    return annif_data.project_language(fields.get("languages") or [])


def documents(records=None) -> dict[str, list[tuple[int, annif_data.Document]]]:
    """Per language, (record id, document) of the records that have subjects and text."""
    found: dict[str, list[tuple[int, annif_data.Document]]] = {}
    for record_id, fields in _bibliographic(records).values_list("id", "fields").iterator(chunk_size=2000):
        language = record_language(fields)
        subjects = [s for s in fields.get("subjects") or [] if s.strip()]
        text = record_text(fields)
        if language and subjects and text:
            found.setdefault(language, []).append((record_id, annif_data.Document(text, subjects)))
    return found


def split_held_out(items: list, fraction: float, seed: int = 21) -> tuple[list, list]:
    """(training, held out): ``fraction`` of ``items`` held out, chosen at random with a fixed seed."""
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)
    cut = round(len(shuffled) * fraction)
    return shuffled[cut:], shuffled[:cut]


@dataclass
class TrainReport:
    language: str
    documents: int
    subjects: int
    seconds: float
    model_bytes: int
    held_out: int = 0
    metrics: dict[str, float] = field(default_factory=dict)


def _why_index(docs: Iterable[annif_data.Document]) -> dict[str, list[str]]:
    counts: dict[str, Counter] = {}
    for document in docs:
        for heading in document.headings:
            uri = annif_data.heading_uri(annif_data.one_line(heading))
            counts.setdefault(uri, Counter()).update(annif_data.words(document.text))
    return {uri: [w for w, _ in counter.most_common(WHY_WORDS)] for uri, counter in counts.items()}


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def documents_from_files(paths: Iterable[Path]) -> dict[str, list[annif_data.Document]]:
    """Per language, the documents of the records with subjects in MARC/Dublin Core files (read, not
    imported: for training from files and for the benchmark)."""
    found: dict[str, list[annif_data.Document]] = {}
    for path in paths:
        _, parsed = read_records(Path(path).read_bytes(), Path(path).name)
        for record in parsed:
            if not isinstance(record, ParsedRecord) or record.kind != RecordKind.BIBLIOGRAPHIC:
                continue
            fields = dataclasses.asdict(record.fields)
            language = record_language(fields)
            subjects = [s for s in fields["subjects"] if s.strip()]
            text = record_text(fields)
            if language and subjects and text:
                found.setdefault(language, []).append(annif_data.Document(text, subjects))
    return found


def train(
    languages: Iterable[str] | None = None,
    *,
    held_out: float = 0.0,
    min_documents: int = 10,
    runner: Annif | None = None,
    records=None,
    corpus: dict[str, list[annif_data.Document]] | None = None,
) -> list[TrainReport]:
    """Train the projects of ``languages`` (all three by default) on the catalog (or on ``records``, or on
    the documents of ``corpus``); ``held_out`` > 0 keeps that fraction of documents out of training and
    evaluates on it. Languages with fewer than ``min_documents`` documents are skipped (no report)."""
    runner = runner or annif()
    wanted = list(languages or annif_data.LANGUAGES)
    unknown = [code for code in wanted if code not in annif_data.LANGUAGES]
    if unknown:
        raise SubjectsError(
            _("Unknown language %(codes)s: choose among %(known)s.")
            % {"codes": ", ".join(unknown), "known": ", ".join(annif_data.LANGUAGES)}
        )
    if corpus is None:
        corpus = {lang: [doc for _, doc in docs] for lang, docs in documents(records).items()}
    by_language = {k: v for k, v in corpus.items() if k in wanted and len(v) >= min_documents}
    if not by_language:
        raise SubjectsError(_("No language has enough records with subjects to train on."))
    runner.write_projects(sorted(by_language))
    punkt_text = runner.work_dir / "punkt-text.txt"
    punkt_text.write_text("\n".join(doc.text for docs in by_language.values() for doc in docs), "utf-8")
    runner.train_punkt(punkt_text)
    return [
        _train_language(runner, language, docs, held_out) for language, docs in sorted(by_language.items())
    ]


def _train_language(
    runner: Annif, language: str, docs: list[annif_data.Document], held_out: float
) -> TrainReport:
    training, testing = split_held_out(docs, held_out) if held_out else (docs, [])
    vocabulary = runner.work_dir / f"vocabulary-{language}.tsv"
    subjects = annif_data.write_vocabulary(vocabulary, (h for doc in docs for h in doc.headings))
    corpus_file = runner.work_dir / f"corpus-{language}.tsv"
    count = annif_data.write_corpus(corpus_file, training)
    (runner.work_dir / f"why-{language}.json").write_text(json.dumps(_why_index(training)), "utf-8")
    started = time.perf_counter()
    runner.load_vocabulary(language, vocabulary)
    runner.train(language, corpus_file, jobs=settings.KHIZANA_ANNIF_JOBS)
    seconds = time.perf_counter() - started
    size = sum(
        _size(runner.work_dir / "data" / "projects" / annif_data.project_id(language, backend))
        for backend in annif_data.BACKENDS
    )
    report = TrainReport(language, count, subjects, seconds, size)
    if testing:
        test_corpus = runner.work_dir / f"held-out-{language}.tsv"
        report.held_out = annif_data.write_corpus(test_corpus, testing)
        report.metrics = runner.evaluate(language, test_corpus)
    return report


def evaluate(language: str, corpus: Path, project: str = "ensemble", runner: Annif | None = None) -> dict:
    """Annif's F1@5, precision@1 and nDCG of a trained project on a short-text TSV corpus."""
    if not corpus.is_file():
        raise SubjectsError(_("%(path)s: no such corpus file.") % {"path": corpus})
    if project not in (*annif_data.BACKENDS, "ensemble"):
        raise SubjectsError(_("Unknown project %(name)s.") % {"name": project})
    return (runner or annif()).evaluate(language, corpus, project)


def _why_of(runner: Annif, language: str) -> dict[str, list[str]]:
    path = runner.work_dir / f"why-{language}.json"
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


@dataclass
class SuggestReport:
    records: int = 0  # records asked about
    suggested: int = 0  # records that got at least one suggestion
    suggestions: int = 0
    skipped_language: int = 0  # no trained project for the record's language


def suggest(records, *, limit: int | None = None, runner: Annif | None = None) -> SuggestReport:
    """Ask Annif for subjects for ``records`` (a queryset) and keep them, replacing the earlier pending
    suggestions of those records; accepted and rejected ones are kept as decided."""
    runner = runner or annif()
    limit = limit or settings.KHIZANA_ANNIF_SUGGESTIONS
    trained = set(runner.trained_languages())
    report = SuggestReport()
    texts: dict[str, dict[str, str]] = {}
    for record_id, fields in _bibliographic(records).values_list("id", "fields"):
        report.records += 1
        language = record_language(fields)
        text = record_text(fields)
        if language not in trained or not text:
            report.skipped_language += 1
            continue
        texts.setdefault(language, {})[str(record_id)] = text
    for language, batch in texts.items():
        found = runner.suggest(language, batch, limit=limit)
        why = _why_of(runner, language)
        project = annif_data.project_id(language, "ensemble")
        with transaction.atomic():
            ids = [int(k) for k in batch]
            decided = set(
                SubjectSuggestion.objects.filter(record_id__in=ids)
                .exclude(status=SubjectSuggestion.Status.SUGGESTED)
                .values_list("record_id", "uri")
            )
            SubjectSuggestion.objects.filter(
                record_id__in=ids, status=SubjectSuggestion.Status.SUGGESTED
            ).delete()
            rows = []
            for key, suggestions in found.items():
                kept = [s for s in suggestions if (int(key), s.uri) not in decided]
                for suggestion in kept:
                    words = annif_data.supporting_words(
                        batch[key], suggestion.label, [" ".join(why.get(suggestion.uri, []))]
                    )
                    rows.append(
                        SubjectSuggestion(
                            record_id=int(key),
                            heading=suggestion.label,
                            uri=suggestion.uri,
                            score=suggestion.score,
                            project=project,
                            language=language,
                            why=words,
                        )
                    )
                report.suggested += bool(kept)
            SubjectSuggestion.objects.bulk_create(rows)
            report.suggestions += len(rows)
    return report


def records_without_subjects(library: Library):
    return _bibliographic(SourceRecord.objects.filter(library=library)).filter(fields__subjects=[])


def suggest_for_library(library: Library, runner: Annif | None = None) -> SuggestReport:
    """Batch mode: suggestions for every record of ``library`` that has no subjects."""
    return suggest(records_without_subjects(library), runner=runner)


def suggest_for_record(user, record: SourceRecord, runner: Annif | None = None) -> SuggestReport:
    """Suggestions for one record, asked by staff of its library."""
    if not can_write(user, record.library_id):
        raise PermissionDenied(_("Only the staff of the record's library may ask for its subjects."))
    return suggest(SourceRecord.objects.filter(pk=record.pk), runner=runner)


def decide(user, suggestion_id: int, accept: bool) -> SubjectSuggestion:
    """Accept or reject one suggestion; only staff of the record's library may."""
    with transaction.atomic():
        suggestion = (
            SubjectSuggestion.objects.select_for_update()
            .select_related("record")
            .filter(pk=suggestion_id)
            .first()
        )
        if suggestion is None:
            raise SubjectsError(_("Suggestion %(id)s does not exist.") % {"id": suggestion_id})
        if not can_write(user, suggestion.record.library_id):
            raise PermissionDenied(_("Only the staff of the record's library may decide on its subjects."))
        suggestion.status = SubjectSuggestion.Status.ACCEPTED if accept else SubjectSuggestion.Status.REJECTED
        suggestion.decided_by = user
        suggestion.decided_at = timezone.now()
        suggestion.save(update_fields=["status", "decided_by", "decided_at"])
    return suggestion


def accepted_headings(record_ids: list[int]) -> dict[int, list[str]]:
    """Record id -> the headings its library accepted (the enrichment exports add, marked as suggested)."""
    found: dict[int, list[str]] = {}
    for record_id, heading in SubjectSuggestion.objects.filter(
        record_id__in=record_ids, status=SubjectSuggestion.Status.ACCEPTED
    ).values_list("record_id", "heading"):
        found.setdefault(record_id, []).append(heading)
    return found


EXPORT_SOURCE = "khizana-suggested"  # the $2 of accepted headings in exports: not the library's cataloguing


def export_fields(record_ids: list[int]) -> dict[int, list[tuple[str, str, list[tuple[str, str]]]]]:
    """The accepted headings of records as MARC fields for exports (catalog.serializers.marcxml hook):
    MARC 21 650 / UNIMARC 606, with $2 khizana-suggested and $5 the code of the library that accepted."""
    found: dict[int, list] = {}
    for record_id, heading, record_format, code in SubjectSuggestion.objects.filter(
        record_id__in=record_ids, status=SubjectSuggestion.Status.ACCEPTED
    ).values_list("record_id", "heading", "record__format", "record__library__code"):
        tag, indicators = ("606", "  ") if record_format == "unimarc" else ("650", " 7")
        found.setdefault(record_id, []).append(
            (tag, indicators, [("a", heading), ("2", EXPORT_SOURCE), ("5", code)])
        )
    return found


def connect() -> None:
    """Called by the app's ``ready()``: accepted headings in the MARCXML exports."""
    from khizana.catalog.serializers.marcxml import register_export_fields

    register_export_fields("ai-subjects", export_fields)


@dataclass
class Coverage:
    records: int
    without_subjects: int
    with_suggestions: int
    with_accepted: int

    @property
    def suggested_share(self) -> float:
        return self.with_suggestions / self.without_subjects if self.without_subjects else 0.0


def coverage(library: Library) -> Coverage:
    """How much of ``library``'s catalogue lacks subjects, and how much of that Annif and staff covered."""
    lacking = records_without_subjects(library)
    suggested = SubjectSuggestion.objects.filter(record__in=lacking)
    return Coverage(
        records=_bibliographic(SourceRecord.objects.filter(library=library)).count(),
        without_subjects=lacking.count(),
        with_suggestions=suggested.values("record").distinct().count(),
        with_accepted=suggested.filter(status=SubjectSuggestion.Status.ACCEPTED)
        .values("record")
        .distinct()
        .count(),
    )


__all__ = ["AnnifError", "SubjectsError", "coverage", "decide", "suggest", "train"]

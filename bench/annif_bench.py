"""Subject suggestions (issue 21): Annif's projects trained on the shared records, scored on held-out ones.

    .venv/bin/python bench/annif_bench.py [--held-out 0.15] [--language fre --language eng ...]

Reads the records with subjects of ../shared/data (marc21/, unimarc/, marcxml/, arabic/marc21/) with the
catalog's readers, one document per record (title, subtitle, notes -> its headings, 6XX $a-$z joined
with "--"), per record language (fre, eng, ara); identical documents (a record present both as ISO 2709
and MARCXML) are kept once, so that no held-out document is also a training one. Holds out a fraction at
random (fixed seed), trains tfidf, omikuji (bonsai) and mllm through Annif's CLI in .venv-annif (2 jobs),
and scores each project and their ensemble on the held-out documents with Annif's own ``eval``: F1@5,
precision@1, nDCG. The baseline is the tfidf project of the same run (ratios ensemble / tfidf). Prints
the training time of each backend and the size of its model on disk.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--held-out", type=float, default=0.15)
    parser.add_argument("--language", action="append", choices=["fre", "eng", "ara"])
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khizana.settings")
    import django

    django.setup()
    from khizana.ai import annif_data, subjects
    from khizana.ai.annif_cli import Annif
    from khizana.testing import shared_data_dir

    shared = shared_data_dir()
    if shared is None:
        sys.exit("no ../shared/data: the benchmark needs the shared records")
    files = [
        p
        for folder in ("marc21", "unimarc", "marcxml", "arabic/marc21")
        for p in sorted((shared / folder).glob("*"))
        if p.is_file() and p.suffix.lower() not in (".md", ".csv", ".json")
    ]
    started = time.perf_counter()
    corpus = {}
    for path in files:
        try:
            found = subjects.documents_from_files([path])
        except Exception as error:  # a file the catalog refuses as a whole: say so, go on
            print(f"  skipped {path.name}: {type(error).__name__}")
            continue
        for language, docs in found.items():
            corpus.setdefault(language, []).extend(docs)
    for language, docs in corpus.items():
        unique = {(d.text, tuple(sorted(d.headings))): d for d in docs}
        corpus[language] = list(unique.values())
    print(
        f"read {len(files)} files in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{lang} {len(docs)} documents" for lang, docs in sorted(corpus.items()))
    )

    work = Path(tempfile.mkdtemp(prefix="annif-bench-"))
    runner = Annif(REPO / ".venv-annif" / "bin", work)
    wanted = args.language or ["fre", "eng", "ara"]
    runner.write_projects([lang for lang in wanted if lang in corpus])
    punkt = work / "punkt.txt"
    punkt.write_text("\n".join(d.text for lang in wanted for d in corpus.get(lang, [])), "utf-8")
    runner.train_punkt(punkt)
    for language in wanted:
        docs = corpus.get(language, [])
        training, testing = subjects.split_held_out(docs, args.held_out)
        vocabulary = work / f"vocabulary-{language}.tsv"
        headings = annif_data.write_vocabulary(vocabulary, (h for d in docs for h in d.headings))
        train_file, test_file = work / f"train-{language}.tsv", work / f"test-{language}.tsv"
        trained = annif_data.write_corpus(train_file, training)
        tested = annif_data.write_corpus(test_file, testing)
        print(f"\n== {language}: {trained} training, {tested} held-out documents, {headings} headings")
        runner.load_vocabulary(language, vocabulary)
        for backend in annif_data.BACKENDS:
            project = annif_data.project_id(language, backend)
            started = time.perf_counter()
            runner.annif("train", "--jobs", "2", project, str(train_file))
            seconds = time.perf_counter() - started
            size = sum(
                p.stat().st_size for p in (work / "data" / "projects" / project).rglob("*") if p.is_file()
            )
            print(f"  train {backend:8} {seconds:7.1f} s   model {size / 1e6:6.2f} MB")
        scores = {}
        for backend in (*annif_data.BACKENDS, "ensemble"):
            started = time.perf_counter()
            scores[backend] = runner.evaluate(language, test_file, backend)
            seconds = time.perf_counter() - started
            m = scores[backend]
            print(
                f"  {backend:8} F1@5 {m.get('F1@5', 0):.3f}  P@1 {m.get('Precision@1', 0):.3f}  "
                f"nDCG {m.get('NDCG', 0):.3f}   (eval {seconds:.1f} s)"
            )
        base, best = scores["tfidf"], scores["ensemble"]
        print(
            "  ensemble / tfidf: "
            + ", ".join(
                f"{name} x{best.get(name, 0) / base[name]:.2f}"
                for name in ("F1@5", "Precision@1", "NDCG")
                if base.get(name)
            )
        )
    print(f"\nwork directory: {work}")


if __name__ == "__main__":
    main()

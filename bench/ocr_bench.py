"""OCR quality and speed with Tesseract on the real scans of ../shared/data/digital.

    .venv/bin/python bench/ocr_bench.py [--pages 12] [--workers 2] [--record]

1. Character error rate (CER = Levenshtein distance / reference length, rapidfuzz) of every line image
   with ground truth in scans/arabic (two sets: a good-quality and a low-quality print) and scans/french,
   recognised as khizana.digital.ocr does it (hOCR, text read from it, bidi controls stripped, NFC,
   spaces normalised; the ground truth cleaned the same way): median and mean per language and set. For
   Arabic also the CER once short vowels and other marks are removed from both sides (Tesseract prints
   harakat the ground truth sometimes leaves out), which is what search sees anyway.
2. Speed: full pages (the Arabic page scan, and the image-only French and English PDF pages rendered at
   300 dpi with pypdfium2) recognised by ``--workers`` processes side by side, one Tesseract thread each
   (OMP_THREAD_LIMIT=1, as the background queue runs it): pages per minute, rendering included.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ["OMP_THREAD_LIMIT"] = "1"

from rapidfuzz.distance import Levenshtein  # noqa: E402

from khizana.digital.fulltext import ocr  # noqa: E402
from khizana.digital.fulltext.textclean import clean_text  # noqa: E402

SHARED = Path(os.environ.get("KHIZANA_SHARED_DATA", REPO.parent / "shared" / "data")) / "digital"
SETS = [
    ("Arabic, good print (Ibn al-Athir)", "ara", "scans/arabic/ocrgs_book_IbnAthir.Kamil_*.png"),
    ("Arabic, low-quality print (al-Dhahabi)", "ara", "scans/arabic/ocrgs_lq_Dhahabi.Tarikh_*.png"),
    ("French, 19th-century print (OCR17)", "fra", "scans/french/ocr17_XIX_*.png"),
]
PAGES = [
    ("scans/arabic/ocrgs_0774IbnKathir.Bidaya-170.png", "ara"),
    ("pdf/ocrmypdf_francais.pdf", "fra"),
    ("pdf/ocrmypdf_c02-22.pdf", "eng"),
]
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")


def cer(found: str, reference: str) -> float:
    return Levenshtein.distance(found, reference) / max(1, len(reference))


def line_rates(pattern: str, languages: str) -> list[tuple[float, float]]:
    rates = []
    for image in sorted(SHARED.glob(pattern)):
        reference = clean_text(image.with_name(image.name[:-4] + ".gt.txt").read_text(encoding="utf-8"))
        found = ocr.ocr_file(image, languages).text.replace("\n", " ")
        bare = cer(_ARABIC_MARKS.sub("", found), _ARABIC_MARKS.sub("", reference))
        rates.append((cer(found, reference), bare))
    return rates


def recognise_page(job: tuple[str, str]) -> int:
    name, languages = job
    path = SHARED / name
    if path.suffix == ".pdf":
        page = ocr.ocr_image(ocr.render_pdf_page(path, 0), languages)
    else:
        page = ocr.ocr_file(path, languages)
    return len(page.text)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=12, help="full pages recognised for the speed figure")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()
    if not ocr.tesseract_available():
        sys.exit("tesseract is not installed")
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} is not here")
    import pytesseract

    version = pytesseract.get_tesseract_version()
    lines = [
        f"machine: {platform.machine()}, {os.cpu_count()} cores; Tesseract {version}",
        "",
        "| lines | language | CER median | CER mean | without Arabic marks: median | mean |",
        "|---|---|---:|---:|---:|---:|",
    ]
    print("\n".join(lines), flush=True)
    by_language: dict[str, list[tuple[float, float]]] = {}
    for label, languages, pattern in SETS:
        rates = line_rates(pattern, languages)
        by_language.setdefault(languages, []).extend(rates)
        lines.append(_row(f"{label}: {len(rates)}", languages, rates))
        print(lines[-1], flush=True)
    for languages, rates in by_language.items():
        lines.append(_row(f"**all {languages}**: {len(rates)}", languages, rates))
        print(lines[-1], flush=True)

    jobs = [PAGES[i % len(PAGES)] for i in range(args.pages)]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        characters = sum(pool.map(recognise_page, jobs))
    elapsed = time.perf_counter() - start
    lines.append("")
    lines.append(
        f"speed: {args.pages} full pages ({', '.join(sorted({n for n, _ in PAGES}))} in turn; "
        f"{characters:,} characters read) on {args.workers} processes: {elapsed:.1f} s = "
        f"**{args.pages / elapsed * 60:.1f} pages per minute**"
    )
    print(lines[-1], flush=True)
    if args.record:
        with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as results:
            results.write("\n### ocr_bench.py (" + time.strftime("%Y-%m-%d") + ")\n\n")
            results.write("\n".join(lines) + "\n")


def _row(label: str, languages: str, rates: list[tuple[float, float]]) -> str:
    raw = [r for r, _ in rates]
    bare = [b for _, b in rates]
    marks = f"{statistics.median(bare):.3f} | {statistics.mean(bare):.3f}" if languages == "ara" else "— | —"
    return f"| {label} | {languages} | {statistics.median(raw):.3f} | {statistics.mean(raw):.3f} | {marks} |"


if __name__ == "__main__":
    main()

"""OCR of page images and image-only PDF pages with Tesseract (no Django import).

One Tesseract run per page gives hOCR (kept as the page's layout); the page text and the word boxes are
read from that hOCR, so a page is recognised once. Image-only PDF pages are rendered with pypdfium2 and
recognised page by page, rather than running ocrmypdf over the whole file (ocrmypdf is not a dependency):
the work can then be cut into bounded, resumable steps (a few pages per background task, each page
saved as it is done), the original file stays the only copy stored (no second, "searchable" PDF to keep
in step with it), and the hOCR of every page lands directly in its PageText row.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from lxml import html as lxml_html
from PIL import Image

from khizana.digital.fulltext.textclean import clean_text

# item.language (ISO 639-2/B, as formats.normalise_language gives it) -> Tesseract's language packs.
TESSERACT_LANGUAGES = {"ara": "ara", "fre": "fra", "eng": "eng"}
DEFAULT_LANGUAGES = "ara+fra"  # the network's two main languages when the item's is unknown
RENDER_DPI = 300
MAX_RENDER_PIXELS = 40_000_000  # a page rendered larger than this is rendered at a lower resolution


class OcrError(Exception):
    """OCR could not run on a page (Tesseract missing, unreadable image); the message says which."""


@dataclass
class OcrPage:
    text: str
    hocr: str
    words: list[list] = field(default_factory=list)  # [[word, x0, y0, x1, y1], ...] in image pixels
    confidence: float | None = None  # mean word confidence, 0-100


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def tesseract_languages(language: str | None) -> str:
    """Tesseract's ``-l`` value for an item's language code: ara, fra, eng, or ara+fra when unknown."""
    return TESSERACT_LANGUAGES.get((language or "").strip().lower(), DEFAULT_LANGUAGES)


def ocr_image(image: Image.Image, languages: str, timeout: int = 300) -> OcrPage:
    """Recognise one page image: its text, hOCR and word boxes."""
    import pytesseract

    if not tesseract_available():
        raise OcrError("tesseract is not installed (Debian package tesseract-ocr)")
    # One thread per Tesseract: the background queue runs pages side by side on the machine's cores.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    try:
        raw = pytesseract.image_to_pdf_or_hocr(image, lang=languages, extension="hocr", timeout=timeout)
    except RuntimeError as error:  # pytesseract's timeout
        raise OcrError(f"tesseract took longer than {timeout} s") from error
    except pytesseract.TesseractError as error:
        raise OcrError(f"tesseract failed: {error.message or error}") from error
    hocr = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    return read_hocr(hocr)


def ocr_file(path: Path | str, languages: str) -> OcrPage:
    """Recognise one page image file (PNG, JPEG, TIFF...)."""
    try:
        with Image.open(path) as image:
            image.load()
            return ocr_image(image, languages)
    except OSError as error:
        raise OcrError(f"{Path(path).name}: not a readable image ({error})") from error


def read_hocr(hocr: str) -> OcrPage:
    """Text (lines in reading order, paragraphs apart), word boxes and mean confidence of an hOCR page."""
    if not hocr.strip():
        return OcrPage(text="", hocr=hocr)
    parser = lxml_html.HTMLParser(encoding="utf-8")
    document = lxml_html.fromstring(hocr.encode("utf-8"), parser=parser)
    words: list[list] = []
    confidences: list[float] = []
    paragraphs: list[str] = []
    for paragraph in document.xpath("//*[contains(concat(' ', @class, ' '), ' ocr_par ')]") or [document]:
        lines = []
        line_nodes = paragraph.xpath(
            ".//*[contains(concat(' ', @class, ' '), ' ocr_line ') or "
            "contains(concat(' ', @class, ' '), ' ocrx_line ') or "
            "contains(concat(' ', @class, ' '), ' ocr_caption ') or "
            "contains(concat(' ', @class, ' '), ' ocr_header ') or "
            "contains(concat(' ', @class, ' '), ' ocr_textfloat ')]"
        )
        for line in line_nodes or [paragraph]:
            line_words = []
            for word in line.xpath(".//*[contains(concat(' ', @class, ' '), ' ocrx_word ')]"):
                text = clean_text(word.text_content())
                if not text:
                    continue
                line_words.append(text)
                box, confidence = _title_properties(word.get("title", ""))
                if box:
                    words.append([text, *box])
                if confidence is not None:
                    confidences.append(confidence)
            if line_words:
                lines.append(" ".join(line_words))
        if lines:
            paragraphs.append("\n".join(lines))
    mean = round(sum(confidences) / len(confidences), 2) if confidences else None
    return OcrPage(text=clean_text("\n\n".join(paragraphs)), hocr=hocr, words=words, confidence=mean)


def _title_properties(title: str) -> tuple[list[int] | None, float | None]:
    box, confidence = None, None
    for part in title.split(";"):
        bits = part.split()
        if not bits:
            continue
        if bits[0] == "bbox" and len(bits) == 5:
            try:
                box = [int(b) for b in bits[1:]]
            except ValueError:
                box = None
        elif bits[0] == "x_wconf" and len(bits) == 2:
            try:
                confidence = float(bits[1])
            except ValueError:
                confidence = None
    return box, confidence


def render_pdf_page(path: Path | str, page_index: int, dpi: int = RENDER_DPI) -> Image.Image:
    """Page ``page_index`` (0-based) of a PDF as a greyscale image, at ``dpi`` (lower for huge pages)."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as error:
        raise OcrError(f"{Path(path).name}: cannot be opened for rendering ({error})") from error
    try:
        page = document[page_index]
        width, height = page.get_size()  # points
        scale = dpi / 72
        if width * height * scale * scale > MAX_RENDER_PIXELS:
            scale = (MAX_RENDER_PIXELS / (width * height)) ** 0.5
        bitmap = page.render(scale=scale, grayscale=True)
        return bitmap.to_pil()
    finally:
        document.close()

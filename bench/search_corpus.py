"""Deterministic synthetic catalogue for the search benchmark: works and queries.

    from bench.search_corpus import iter_works, mixed_queries, broad_queries, load_works_into_db

The vocabularies are real words: French and English words from the titles and subjects of the MARC 21 /
UNIMARC records of ../shared/data (or demo/records when the shared data is absent), Arabic words from the
Arabic-script fields of those records, the Arabic OCR ground truth of ../shared/data/digital and a
hand-written list of common Arabic words with and without ال. Words are ranked by their frequency in the
sources and drawn with Zipf weights (rank ** -1), so the corpus has the long tail of a real catalogue.

Everything is seeded: the same ``n`` and seed give the same works and queries, byte for byte. Works are
generated one at a time (``iter_works`` is a generator), so 2.4 million of them never sit in memory.
Only ``load_works_into_db`` touches Django, and imports it inside the function.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import logging
import os
import random
import re
import time
import warnings
from bisect import bisect
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KHIZANA_SHARED_DATA", REPO.parent / "shared" / "data"))

LANGUAGE_MIX = (("fre", 0.45), ("eng", 0.30), ("ara", 0.25))
LIBRARIES = [f"L{n:02d}" for n in range(1, 51)]
FACETS = ("library", "language", "type", "decade", "subject", "script", "availability")


def _split(text: str) -> list[str]:
    """Words of a hand-written list; "_" joins the parts of a compound name."""
    return [word.replace("_", " ") for word in text.split()]


# fmt: off
_ARABIC_BASE = _split("""
تاريخ أدب شعر رواية قصة لغة نحو صرف بلاغة فقه أصول حديث تفسير قرآن سيرة عقيدة فلسفة منطق علم علوم طب
هندسة رياضيات فلك كيمياء فيزياء جغرافيا اقتصاد سياسة مجتمع ثقافة حضارة تراث مخطوط مخطوطات كتاب كتب مكتبة
مكتبات دراسة دراسات بحث بحوث مقالات رسالة رسائل ديوان مجموعة موسوعة معجم قاموس فهرس دليل مدخل مقدمة شرح
تحقيق تعليق حاشية مختصر جامع كامل نظرية منهج تطور نشأة أثر دور واقع مستقبل قضايا مسألة حركة ثورة حرب سلام
دولة دول مدينة مدن بلاد وطن أمة شعب تعليم تربية جامعة مدرسة طالب معلم إصلاح تنمية إدارة قانون قضاء دستور
حقوق حرية عدالة مرأة أسرة طفل شباب دين إسلام تصوف زاوية مسجد عمارة فن فنون موسيقى مسرح سينما صحافة إعلام
ترجمة نقد عربي عربية إسلامي إسلامية مغربي جزائري تونسي أندلسي حديثة معاصر معاصرة قديم وسيط كبير صغير جديد
عصر قرن أيام ذكريات رحلة رحلات أخبار أعلام رجال نساء طبقات وثائق نصوص أعمال آثار مؤتمر ندوة ملتقى مجلة عدد
زراعة تجارة صناعة بحر صحراء جبل ماء أرض سماء شمس ليل نور حب حياة موت إنسان عالم فكر عقل روح قلب كلمة حكمة
أمثال حكايات أسطورة
""")
_ARABIC_PROPER = _split("""
الجزائر المغرب تونس مصر الأندلس فاس قسنطينة تلمسان وهران القاهرة بغداد دمشق بيروت مكة الرباط مراكش القيروان
""")
_ARABIC_STOP = _split("في من إلى على عن مع بين حول خلال و أو ثم")
_FRENCH_STOP = set(_split("""
de la le les des du et en un une au aux pour par sur dans avec sans sous l d à a ou est son sa ses leur leurs
qui que ce cette ces il elle on se ne pas plus nos notre vos votre entre vers chez
"""))
_ENGLISH_STOP = set(_split("""
the of and in to a an for on with by from at as or is its their his her this that these those into about
"""))

_LATIN_SURNAMES = _split("""
Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel Garcia
David Bertrand Roux Vincent Fournier Morel Girard Andre Mercier Dupont Lambert Bonnet Francois Martinez
Legrand Garnier Faure Rousseau Blanc Guerin Muller Henry Roussel Nicolas Perrin Morin Mathieu Clement Gauthier
Dumont Lopez Fontaine Chevalier Robin Masson Sanchez Gerard Nguyen Boyer Denis Lemaire Duval Joly Gautier
Roger
Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore Jackson White Harris Thompson
Walker Young Allen King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips
Evans Turner Parker Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell
Benali Bouazza Benmoussa Haddad Mansouri Belkacem Boudiaf Cherif Ziani Meziane Saadi Slimani Tazi Alaoui
Bennani Berrada Chraibi Fassi Idrissi Lahlou Sefrioui Tahar Yacine Amrani Bouhired Kateb Djebar Mammeri
Feraoun Benhadouga Ouettar Khaldi Laroui Jabri Hamdani Kaddour Brahimi Benyoucef Rahmani Zerrouki Boukhari
""")
_LATIN_GIVEN = _split("""
Jean Pierre Marie Michel Philippe Alain Nicolas Catherine Isabelle Sophie Anne Claire Louis Paul Jacques Henri
Francoise Sylvie Nathalie Bernard Christophe Laurent Julien Camille Lucie Emma John Michael David James Robert
William Mary Elizabeth Sarah Susan Thomas Richard Charles Margaret Helen Peter Mohamed Ahmed Ali Omar Karim
Yasmina Fatima Leila Nadia Rachid Mustapha Abdelkader Said Youcef Amina Salah Hassan Hocine Malika Assia
Driss Abdellah Kamel Farid Nabil Samira
""")
_ARABIC_SURNAMES = _split("""
الجابري العروي بن_نبي الإبراهيمي بن_باديس المقري ابن_خلدون الونشريسي التنبكتي القاسمي الفاسي العلوي الإدريسي
بنونة الكتاني المنوني حجي التازي الحسني بوعزة بن_علي منصوري حداد بلقاسم شريف زياني مزيان سعدي سليماني
الطاهر ياسين العمراني وطار الخالدي الحمداني قدور إبراهيمي بن_يوسف رحماني الزروقي البخاري الطبري الذهبي
ابن_الأثير المسعودي الجاحظ الغزالي ابن_رشد ابن_سينا الفارابي ابن_بطوطة المتنبي البيروني
""")
_ARABIC_GIVEN = _split("""
محمد أحمد علي عمر عبد_الله عبد_القادر يوسف حسن حسين مصطفى إبراهيم خالد سعيد رشيد كريم فاطمة عائشة خديجة ليلى
نادية أمينة سعاد زينب مريم صالح عثمان إدريس عبد_الرحمن عبد_العزيز جمال نور_الدين
""")
_NISBA_BASES = [
    w.removeprefix("ال") for w in _ARABIC_GIVEN + _ARABIC_PROPER if " " not in w and w[-1] not in "ةىء"
]
_PUBLISHERS = {
    "fre": ["Gallimard", "Éditions du Seuil", "Hachette", "Casbah Éditions", "ENAG",
            "Office des publications universitaires", "Éditions La Découverte",
            "Presses universitaires de France",
            "Le Fennec", "Éditions Barzakh", "Chihab Éditions", "Karthala", "CNRS Éditions", "L'Harmattan",
            "Maisonneuve et Larose", "Éditions Toubkal", "Cérès Éditions", "Dar El Hikma", "Flammarion",
            "Armand Colin"],
    "eng": ["Oxford University Press", "Cambridge University Press", "Routledge", "Penguin Books", "Brill",
            "Springer", "Yale University Press", "Princeton University Press", "I.B. Tauris", "Wiley"],
    "ara": ["دار الفكر", "دار المعرفة", "دار الغرب الإسلامي", "المركز الثقافي العربي", "دار الكتب العلمية",
            "دار الشروق", "المؤسسة الوطنية للكتاب", "دار توبقال", "دار الساقي", "ديوان المطبوعات الجامعية"],
}
_PLACES = {
    "fre": ["Paris", "Alger", "Rabat", "Tunis", "Casablanca", "Oran", "Lyon", "Constantine", "Marseille",
            "Fès"],
    "eng": ["London", "New York", "Oxford", "Cambridge", "Leiden", "Boston", "Chicago", "Princeton"],
    "ara": ["بيروت", "القاهرة", "الجزائر", "الرباط", "تونس", "الدار البيضاء", "دمشق", "بغداد", "عمان"],
}
_MATERIAL_TYPES = (("book", 80), ("serial", 6), ("thesis", 4), ("article", 3), ("score", 1), ("map", 1),
                   ("sound", 1), ("video", 1), ("image", 1), ("manuscript", 1), ("electronic", 1))
_TITLE_LENGTHS = ((2, 10), (3, 18), (4, 20), (5, 18), (6, 13), (7, 9), (8, 7), (9, 5))
_LIBRARY_COUNTS = ((1, 55), (2, 20), (3, 11), (4, 7), (5, 4), (6, 3))
_FR_PERIODS = ["19e siècle", "20e siècle", "21e siècle", "1830-1962", "1962-", "Moyen âge",
               "Époque coloniale"]
_FR_PLACES = ["Algérie", "Maroc", "Tunisie", "France", "Maghreb", "Afrique du Nord", "Égypte", "Andalousie"]
_EN_PLACES = ["Algeria", "Morocco", "Tunisia", "France", "North Africa", "Middle East", "Egypt", "Spain"]
_EN_PERIODS = ["19th century", "20th century", "21st century", "To 1500", "1830-1962"]
_AR_PERIODS = ["القرن 19", "القرن 20", "العصر الحديث", "العصر الوسيط", "الفترة الاستعمارية"]
# fmt: on


@dataclass
class Vocab:
    """Words ranked by frequency, with cumulative Zipf weights for ``bisect`` draws."""

    words: list[str]
    cum: list[float] = field(default_factory=list)
    exponent: float = 1.0

    def __post_init__(self) -> None:
        self.cum = list(itertools.accumulate((r + 1) ** -self.exponent for r in range(len(self.words))))

    def draw(self, rng: random.Random) -> str:
        return self.words[bisect(self.cum, rng.random() * self.cum[-1])]


_TOKEN = re.compile(r"[^\W\d_]{2,}")
_ARABIC_CHAR = re.compile(r"[\u0600-\u06ff]")
_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640]")  # harakat, superscript alef, tatweel


def _record_language(record, unimarc: bool) -> str:
    if unimarc:
        field101 = record.get("101")
        return (field101.get("a") or "")[:3].lower() if field101 else ""
    field008 = record.get("008")
    return field008.data[35:38].lower() if field008 is not None and len(field008.data) >= 38 else ""


def _record_texts(record, unimarc: bool) -> tuple[list[str], list[str]]:
    """(title texts, subject headings) of a pymarc record."""
    title_tags, subject_tags = (
        (("200",), ("606", "607", "600")) if unimarc else (("245",), ("650", "651", "600"))
    )
    titles, subjects = [], []
    for f in record.get_fields(*title_tags, "880"):
        if f.tag == "880" and not (f.get("6") or "").startswith("245"):
            continue
        titles.append(" ".join(f.get_subfields("a", "b", "e") if unimarc else f.get_subfields("a", "b")))
    for f in record.get_fields(*subject_tags):
        parts = [p.strip(" .,;:/") for p in f.get_subfields("a", "x", "y", "z") if p.strip(" .,;:/")]
        if parts:
            subjects.append(" -- ".join(parts))
    return titles, subjects


def _tokens(text: str) -> list[str]:
    """Letter-only tokens of ``text``, skipping words garbled by a wrong decoding (U+FFFD inside)."""
    return [t for chunk in text.split() if "\ufffd" not in chunk for t in _TOKEN.findall(chunk)]


@lru_cache(maxsize=1)
def vocabularies() -> dict[str, object]:
    """Word vocabularies per language (Zipf-ranked) and real subject headings, from local records."""
    import pymarc

    counts = {"fre": Counter(), "eng": Counter(), "ara": Counter()}
    headings = {"fre": Counter(), "eng": Counter()}
    folders = [(SHARED / "marc21", False), (SHARED / "unimarc", True)]
    if not SHARED.is_dir():
        folders = [(REPO / "demo" / "records", None)]
    quiet = contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO())
    logging.disable(logging.WARNING)  # pymarc's complaints about the odd records
    with quiet[0], quiet[1], warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for folder, unimarc_folder in folders:
            for path in sorted(folder.rglob("*")):
                if path.suffix not in {".mrc", ".marc", ".dat"} or "bad" in path.parts:
                    continue
                with path.open("rb") as handle:
                    reader = pymarc.MARCReader(
                        handle, to_unicode=True, force_utf8=True, utf8_handling="replace"
                    )
                    for record in reader:
                        if record is None or record.leader[6] in "zuvxy":
                            continue
                        unimarc = (
                            unimarc_folder if unimarc_folder is not None else record.get("200") is not None
                        )
                        lang = _record_language(record, unimarc)
                        titles, subjects = _record_texts(record, unimarc)
                        # UNIMARC subject headings are French (RAMEAU) whatever the language of the book.
                        subject_lang = "fre" if unimarc else lang
                        for text, text_lang in [(t, lang) for t in titles] + [
                            (s, subject_lang) for s in subjects
                        ]:
                            for token in _tokens(text):
                                if _ARABIC_CHAR.search(token):
                                    counts["ara"][_ARABIC_MARKS.sub("", token)] += 1
                                elif text_lang == "fre" or (text_lang == "eng" and token.isascii()):
                                    counts[text_lang][token.lower()] += 1
                        if subject_lang in headings:
                            headings[subject_lang].update(s for s in subjects if not _ARABIC_CHAR.search(s))
    logging.disable(logging.NOTSET)
    gt_folder = SHARED / "digital" / "scans" / "arabic"
    for path in sorted(gt_folder.glob("*.gt.txt")) if gt_folder.is_dir() else []:
        for token in _tokens(path.read_text(encoding="utf-8", errors="replace")):
            if _ARABIC_CHAR.search(token):
                counts["ara"][_ARABIC_MARKS.sub("", token)] += 1
    # The hand-written Arabic words weigh as much as the most frequent source words, with and without ال.
    for rank, word in enumerate(_ARABIC_BASE):
        weight = max(2, 40 - rank // 8)
        counts["ara"][word] += weight
        counts["ara"]["ال" + word] += weight
    for word in _ARABIC_PROPER:
        counts["ara"][word] += 10
    for word in _ARABIC_STOP:
        counts["ara"][word] += 60
    ranked = {
        lang: [w for w, _ in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))] for lang, c in counts.items()
    }
    for lang, words in ranked.items():
        if len(words) < 50:
            raise RuntimeError(f"too few {lang} words in the local records ({len(words)})")
    real_headings = {
        lang: [h for h, _ in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) if len(h) < 120]
        for lang, c in headings.items()
    }
    return {"words": ranked, "headings": real_headings}


def _is_query_word(word: str, lang: str) -> bool:
    stop = {"fre": _FRENCH_STOP, "eng": _ENGLISH_STOP, "ara": set(_ARABIC_STOP)}[lang]
    return len(word) >= 3 and word not in stop


class Corpus:
    """The pools a seeded generator draws from: vocabularies, names, subject headings."""

    def __init__(self, seed: int = 20240601) -> None:
        data = vocabularies()
        self.seed = seed
        self.words = {lang: Vocab(words) for lang, words in data["words"].items()}
        self.query_words = {
            lang: Vocab([w for w in words if _is_query_word(w, lang)])
            for lang, words in data["words"].items()
        }
        rng = random.Random(seed * 7 + 1)
        self.latin_names = Vocab(self._names(rng, _LATIN_SURNAMES, _LATIN_GIVEN, 60_000, ", "), exponent=0.9)
        self.arabic_names = Vocab(
            self._names(rng, _ARABIC_SURNAMES, _ARABIC_GIVEN, 30_000, "، "), exponent=0.9
        )
        self.subjects = {
            "fre": Vocab(self._headings(rng, "fre", data["headings"]["fre"], 2000, _FR_PLACES, _FR_PERIODS)),
            "eng": Vocab(self._headings(rng, "eng", data["headings"]["eng"], 1500, _EN_PLACES, _EN_PERIODS)),
            "ara": Vocab(self._headings(rng, "ara", [], 1500, _ARABIC_PROPER, _AR_PERIODS)),
        }
        self.library_weights = list(itertools.accumulate((r + 1) ** -0.8 for r in range(len(LIBRARIES))))

    @staticmethod
    def _names(rng: random.Random, surnames: list[str], given: list[str], size: int, sep: str) -> list[str]:
        """``size`` distinct "Surname, Given" names; surnames are real ones or made from real ones."""
        names, seen = [], set()
        arabic = sep == "، "
        while len(names) < size:
            kind = rng.random()
            if kind < 0.35:
                surname = rng.choice(surnames)
            elif arabic and kind < 0.65:
                surname = "بن " + rng.choice(given)
            elif arabic:
                base = rng.choice(_NISBA_BASES)
                surname = "ال" + base + "ي"
            else:  # the first half of one real surname and the second half of another: Berard, Mansin ...
                a, b = rng.choice(surnames), rng.choice(surnames)
                surname = a[: max(2, len(a) // 2)] + b[len(b) // 2 :]
            name = f"{surname}{sep}{rng.choice(given)}"
            if rng.random() < 0.3:
                name += f" {rng.choice(given)}"
            if name not in seen:
                seen.add(name)
                names.append(name)
        return names

    def _headings(self, rng, lang, real, size, places, periods) -> list[str]:
        out = list(dict.fromkeys(real))[: size // 2]
        seen = set(out)
        topics = self.query_words[lang]
        while len(out) < size:
            topic = topics.draw(rng)
            topic = topic[:1].upper() + topic[1:] if lang != "ara" else topic
            parts = [topic]
            if rng.random() < 0.6:
                parts.append(rng.choice(places))
            if rng.random() < 0.4:
                parts.append(rng.choice(periods))
            heading = " -- ".join(parts)
            if heading not in seen:
                seen.add(heading)
                out.append(heading)
        return out

    def text(self, rng: random.Random, lang: str, count: int) -> str:
        vocab = self.words[lang]
        words = [vocab.draw(rng) for _ in range(count)]
        if lang != "ara":
            words[0] = words[0][:1].upper() + words[0][1:]
        return " ".join(words)

    def libraries(self, rng: random.Random) -> list[str]:
        count = _weighted(rng, _LIBRARY_COUNTS)
        chosen: set[str] = set()
        while len(chosen) < count:
            chosen.add(LIBRARIES[bisect(self.library_weights, rng.random() * self.library_weights[-1])])
        return sorted(chosen)


@lru_cache(maxsize=2)
def get_corpus(seed: int = 20240601) -> Corpus:
    return Corpus(seed)


def _weighted(rng: random.Random, table) -> object:
    total = sum(w for _, w in table)
    pick = rng.random() * total
    for value, weight in table:
        pick -= weight
        if pick < 0:
            return value
    return table[-1][0]


def isbn13(rng: random.Random) -> str:
    digits = rng.choice(("978", "979")) + "".join(str(rng.randrange(10)) for _ in range(9))
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def _year(rng: random.Random) -> int | None:
    if rng.random() < 0.02:
        return None
    year = 2025 - int(rng.expovariate(1 / 28))
    return year if year >= 1800 else 1800 + rng.randrange(120)


def iter_works(n: int, seed: int = 20240601, corpus: Corpus | None = None) -> Iterator[dict]:
    """``n`` synthetic works as dicts with the Work model's field names (plus libraries, availability)."""
    corpus = corpus or get_corpus(seed)
    rng = random.Random(seed)
    langs = [lang for lang, _ in LANGUAGE_MIX]
    lang_cum = list(itertools.accumulate(share for _, share in LANGUAGE_MIX))
    for _ in range(n):
        lang = langs[min(bisect(lang_cum, rng.random() * lang_cum[-1]), 2)]
        languages, parallel = [lang], []
        scripts = ["Arabic"] if lang == "ara" else ["Latin"]
        if lang == "ara" and rng.random() < 0.08:
            languages.append("fre")
            parallel.append(corpus.text(rng, "fre", _weighted(rng, _TITLE_LENGTHS)))
            scripts = ["Arabic", "Latin"]
        elif lang == "fre" and rng.random() < 0.03:
            languages.append("ara")
            parallel.append(corpus.text(rng, "ara", _weighted(rng, _TITLE_LENGTHS)))
            scripts = ["Arabic", "Latin"]
        names = corpus.arabic_names if lang == "ara" else corpus.latin_names
        authors = list(
            dict.fromkeys(names.draw(rng) for _ in range(_weighted(rng, ((1, 70), (2, 22), (3, 8)))))
        )
        subjects = corpus.subjects[lang]
        subject_list = list(
            dict.fromkeys(subjects.draw(rng) for _ in range(_weighted(rng, ((1, 50), (2, 35), (3, 15)))))
        )
        libraries = corpus.libraries(rng)
        availability = []
        if rng.random() < 0.80:
            availability.append("on_shelf")
        if rng.random() < 0.05:
            availability.append("digital")
        identifiers = {"isbn": [isbn13(rng)]} if rng.random() < 0.60 else {}
        yield {
            "title": corpus.text(rng, lang, _weighted(rng, _TITLE_LENGTHS)),
            "subtitle": corpus.text(rng, lang, rng.randint(2, 5)) if rng.random() < 0.35 else "",
            "parallel_titles": parallel,
            "authors": authors,
            "identifiers": identifiers,
            "publisher": rng.choice(_PUBLISHERS[lang]),
            "place": rng.choice(_PLACES[lang]),
            "year": _year(rng),
            "edition": "",
            "languages": languages,
            "material_type": _weighted(rng, _MATERIAL_TYPES),
            "subjects": subject_list,
            "classification": [],
            "scripts": scripts,
            "record_count": len(libraries) + (1 if rng.random() < 0.1 else 0),
            "library_count": len(libraries),
            "libraries": libraries,
            "availability": availability,
        }


def decade(year: int | None) -> str:
    return f"{year // 10 * 10}" if year else ""


def facet_values(work: dict) -> dict[str, list[str]]:
    """The facet values of a generated work, under the search service's facet names."""
    return {
        "library": work["libraries"],
        "language": work["languages"],
        "type": [work["material_type"]],
        "decade": [decade(work["year"])] if work["year"] else [],
        "subject": work["subjects"],
        "script": work["scripts"],
        "availability": work["availability"],
    }


@dataclass(frozen=True)
class Query:
    text: str
    kind: str  # words, title, phrase, author, filtered, broad
    language: str
    filters: dict[str, list[str]] | None = None


def mixed_queries(count: int = 1000, seed: int = 4242, sample_works: int = 5000) -> list[Query]:
    """Mixed 1-3 word queries: words by frequency, known titles, phrases, author surnames, filtered."""
    corpus = get_corpus()
    rng = random.Random(seed)
    sample = list(iter_works(sample_works, corpus=corpus))  # the first works of every corpus (n >= 5000)
    langs = [lang for lang, _ in LANGUAGE_MIX]
    lang_cum = list(itertools.accumulate(share for _, share in LANGUAGE_MIX))
    kinds = (("words", 45), ("title", 10), ("phrase", 10), ("author", 15), ("filtered", 20))
    out = []
    while len(out) < count:
        kind = _weighted(rng, kinds)
        lang = langs[min(bisect(lang_cum, rng.random() * lang_cum[-1]), 2)]
        if kind in ("words", "filtered"):
            text = " ".join(
                corpus.query_words[lang].draw(rng) for _ in range(_weighted(rng, ((1, 4), (2, 4), (3, 2))))
            )
            filters = None
            if kind == "filtered":
                work = rng.choice(sample)
                name = _weighted(
                    rng, (("language", 3), ("library", 3), ("decade", 2), ("type", 1), ("availability", 1))
                )
                values = facet_values(work)[name] or ["2000"]
                filters = {name: [rng.choice(values)]}
            out.append(Query(text, kind, lang, filters))
            continue
        work = rng.choice(
            [w for w in sample[rng.randrange(len(sample) - 50) :][:50] if w["languages"][0] == lang] or sample
        )
        if kind == "author":
            surname = work["authors"][0].replace("، ", ", ").split(", ")[0]
            out.append(Query(surname, kind, work["languages"][0]))
            continue
        words = [w for w in work["title"].split() if _is_query_word(w.lower(), work["languages"][0])] or work[
            "title"
        ].split()
        if kind == "phrase":
            tokens = work["title"].split()
            if len(tokens) < 2:
                continue
            start = rng.randrange(len(tokens) - 1)
            out.append(Query(f'"{tokens[start]} {tokens[start + 1]}"', kind, work["languages"][0]))
        else:
            start = rng.randrange(max(1, len(words) - 2))
            out.append(Query(" ".join(words[start : start + rng.randint(2, 3)]), kind, work["languages"][0]))
    return out


def broad_queries(count: int = 90) -> list[Query]:
    """One-word queries among the most frequent words of each language (mixed in the language shares)."""
    corpus = get_corpus()
    out = []
    for lang, share in LANGUAGE_MIX:
        words = corpus.query_words[lang].words[: round(count * share)]
        out.extend(Query(w, "broad", lang) for w in words)
    return out[:count]


def load_works_into_db(n: int, batch: int = 20_000, seed: int = 20240601, progress=print) -> float:
    """Insert ``n`` synthetic works into the Work table with executemany; returns the elapsed seconds
    (generation included: the works are generated while they are inserted, one batch at a time)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from khizana.catalog.models import Work

    model_fields = {f.name: f for f in Work._meta.concrete_fields if f.name != "id"}
    json_fields = {name for name, f in model_fields.items() if f.get_internal_type() == "JSONField"}
    names = [name for name in model_fields if name not in ("created_at", "updated_at")]
    columns = [model_fields[name].column for name in names] + ["created_at", "updated_at"]
    missing = {"libraries", "availability"} - set(model_fields)
    if missing:
        progress(f"Work has no {', '.join(sorted(missing))} field yet: not stored")
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(Work._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    now = timezone.now()
    if connection.vendor == "sqlite":
        now = now.isoformat()
    dumps = json.dumps
    corpus = get_corpus(seed)  # vocabularies and pools: built before the clock starts
    start = time.perf_counter()
    rows: list[tuple] = []
    done = 0

    def flush() -> None:
        nonlocal done
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        done += len(rows)
        rows.clear()
        elapsed = time.perf_counter() - start
        progress(f"  works inserted: {done:,} ({done / elapsed:,.0f} rows/s)")

    defaults = {name: model_fields[name].get_default() for name in names}
    for work in iter_works(n, seed=seed, corpus=corpus):
        values = [work.get(name, defaults[name]) for name in names]
        row = [
            dumps(v, ensure_ascii=False) if name in json_fields else v
            for name, v in zip(names, values, strict=True)
        ]
        rows.append((*row, now, now))
        if len(rows) >= batch:
            flush()
    if rows:
        flush()
    return time.perf_counter() - start

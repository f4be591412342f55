"""What Khizana hands Annif, and how it reads Annif's answers (pure: no Django).

- headings become subjects with URIs minted from a stable hash of the heading (:func:`heading_uri`), so
  that a model trained yesterday still names the same headings today;
- a vocabulary is Annif's TSV subject file (``<uri>\\tlabel``), a corpus its short-text TSV document file
  (``text\\t<uri> <uri>``), one of each per language;
- ``projects.cfg`` declares per language a tfidf, an omikuji (bonsai parameters) and an mllm project, and
  an ensemble of the three;
- :func:`parse_suggestions` reads ``annif suggest``'s output; :func:`supporting_words` gives the words of a
  title a suggestion rests on (the "why" shown to the cataloguer).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

URI_BASE = "http://khizana.invalid/subject/"
# Record language (ISO 639-2/B) -> (Annif language code, snowball stemmer of nltk)
LANGUAGES: dict[str, tuple[str, str]] = {
    "fre": ("fr", "french"),
    "eng": ("en", "english"),
    "ara": ("ar", "arabic"),
}
BACKENDS = ("tfidf", "omikuji", "mllm")
_WORD = re.compile(r"\w{3,}")
_SPACES = re.compile(r"\s+")


def heading_uri(heading: str) -> str:
    """A URI for a heading that depends on its normalised text only."""
    key = unicodedata.normalize("NFC", " ".join(heading.split())).casefold()
    return URI_BASE + hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def one_line(text: str) -> str:
    """Text on one line without tabs (the TSV formats are line and tab separated)."""
    return _SPACES.sub(" ", text or "").strip()


def document_text(title: str, subtitle: str = "", notes: Iterable[str] = ()) -> str:
    """The text a record gives Annif: title, subtitle, then its notes (abstract, contents)."""
    return one_line(" ".join([title or "", subtitle or "", *notes]))


def project_language(languages: Iterable[str]) -> str | None:
    """The record language (fre/eng/ara) whose project serves a record, None when there is none."""
    for code in languages:
        if code in LANGUAGES:
            return code
    return None


@dataclass
class Document:
    text: str
    headings: list[str]


def write_vocabulary(path: Path, headings: Iterable[str]) -> int:
    """Annif's TSV vocabulary of ``headings``; answers how many subjects were written."""
    seen: dict[str, str] = {}
    for heading in headings:
        label = one_line(heading)
        if label:
            seen.setdefault(heading_uri(label), label)
    path.write_text("".join(f"<{uri}>\t{label}\n" for uri, label in sorted(seen.items())), "utf-8")
    return len(seen)


def write_corpus(path: Path, documents: Iterable[Document]) -> int:
    """Annif's short-text TSV corpus; documents without text or headings are left out."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for document in documents:
            uris = sorted({heading_uri(one_line(h)) for h in document.headings if one_line(h)})
            text = one_line(document.text)
            if text and uris:
                out.write(text + "\t" + " ".join(f"<{uri}>" for uri in uris) + "\n")
                count += 1
    return count


def project_id(language: str, backend: str) -> str:
    return f"khizana-{backend}-{language}"


def vocabulary_id(language: str) -> str:
    return f"khizana-subjects-{language}"


def projects_config(languages: Iterable[str]) -> str:
    """``projects.cfg`` for ``languages`` (record codes): three backends and their ensemble each."""
    sections: list[str] = []
    for language in languages:
        code, stemmer = LANGUAGES[language]
        common = (
            f"language={code}\nvocab={vocabulary_id(language)}\nanalyzer=snowball({stemmer})\nlimit=100\n"
        )
        sections.append(f"[{project_id(language, 'tfidf')}]\nname=TF-IDF {language}\nbackend=tfidf\n{common}")
        # Bonsai-style omikuji (Khandagale et al.): shallow wide trees, no tf-idf weighting of labels.
        sections.append(
            f"[{project_id(language, 'omikuji')}]\nname=Omikuji Bonsai {language}\nbackend=omikuji\n{common}"
            "cluster_balanced=False\ncluster_k=100\nmax_depth=3\nmin_df=1\n"
        )
        sections.append(f"[{project_id(language, 'mllm')}]\nname=MLLM {language}\nbackend=mllm\n{common}")
        sources = ",".join(project_id(language, backend) for backend in BACKENDS)
        sections.append(
            f"[{project_id(language, 'ensemble')}]\nname=Ensemble {language}\nbackend=ensemble\n{common}"
            f"sources={sources}\n"
        )
    return "\n".join(sections)


@dataclass
class Suggestion:
    uri: str
    label: str
    score: float


def parse_suggestions(output: str) -> dict[str, list[Suggestion]]:
    """``annif suggest`` output -> suggestions per document path ("" when the text came on stdin)."""
    found: dict[str, list[Suggestion]] = {}
    current = ""
    for line in output.splitlines():
        if line.startswith("Suggestions for "):
            current = line.removeprefix("Suggestions for ").strip()
            found.setdefault(current, [])
            continue
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0].startswith("<"):
            try:
                score = float(parts[-1])
            except ValueError:
                continue
            found.setdefault(current, []).append(Suggestion(parts[0].strip("<>"), parts[1], score))
    return found


def words(text: str) -> list[str]:
    """Lower-case words of three letters or more, in order, without repeats."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(unicodedata.normalize("NFC", text or "").casefold()):
        if not word.isdigit():
            seen.setdefault(word, None)
    return list(seen)


def _stem(word: str) -> str:
    # A crude shared prefix is enough to match "révolution" with "révolutionnaire" for the why.
    return word[:5]


def supporting_words(text: str, heading: str, training_texts: Iterable[str]) -> list[str]:
    """Words of ``text`` that support ``heading``: those found in the heading itself or in the texts of
    the records it was trained on."""
    support = {_stem(w) for w in words(heading)}
    for training_text in training_texts:
        support.update(_stem(w) for w in words(training_text))
    return [word for word in words(text) if _stem(word) in support]

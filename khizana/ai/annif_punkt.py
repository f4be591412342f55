"""Train NLTK's Punkt sentence splitter on the catalog's own text and write it where NLTK looks for
``punkt_tab`` (``<nltk_data>/tokenizers/punkt_tab/english/``), so that Annif's analyzers, which call
``nltk.word_tokenize`` (always the "english" parameters) never try to download it.

Run with the Python of .venv-annif (nltk lives there, not in Khizana's venv)::

    .venv-annif/bin/python khizana/ai/annif_punkt.py TEXT_FILE NLTK_DATA_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path


def train(text: str, nltk_data: Path) -> Path:
    """Punkt parameters learnt from ``text``, saved in the punkt_tab layout; answers their directory."""
    from nltk.tokenize.punkt import PunktTrainer, save_punkt_params

    trainer = PunktTrainer()
    trainer.INCLUDE_ALL_COLLOCS = True
    trainer.train(text, finalize=True)
    target = nltk_data / "tokenizers" / "punkt_tab" / "english"
    target.mkdir(parents=True, exist_ok=True)
    save_punkt_params(trainer.get_params(), dir=str(target))
    return target


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: annif_punkt.py TEXT_FILE NLTK_DATA_DIR")
    print(train(Path(sys.argv[1]).read_text("utf-8"), Path(sys.argv[2])))

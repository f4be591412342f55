"""What the tests of research visibility share: the test data folder (``tests/data``) and the repository."""

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
REPO = Path(__file__).resolve().parents[3]
ROR = "https://ror.org/"


def answer(matches) -> list[tuple]:
    """The matches as the exact tests write them: short ROR id, score, reason, variant and words."""
    return [
        (m.institution_id.removeprefix(ROR), m.score, m.reason, m.matched_variant, m.matched_words)
        for m in matches
    ]

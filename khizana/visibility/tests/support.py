"""What the tests of research visibility share: the test data folder (``tests/data``) and the repository."""

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
REPO = Path(__file__).resolve().parents[3]

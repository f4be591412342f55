"""Readers of Scopus and Web of Science exports into one model (pure Python, no Django).

``read_path(path)`` / ``read_bytes(data, file)`` detect the format and return a ReadResult: the
publications read, and the errors and warnings naming file, record and field.
"""

from .addresses import AddressPart, find_country, split_institutions
from .model import Affiliation, Author, Correspondence, Publication, ReadError, ReadResult
from .reader import detect_format, read_bytes, read_path

__all__ = [
    "AddressPart",
    "Affiliation",
    "Author",
    "Correspondence",
    "Publication",
    "ReadError",
    "ReadResult",
    "detect_format",
    "find_country",
    "read_bytes",
    "read_path",
    "split_institutions",
]

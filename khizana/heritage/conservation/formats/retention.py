"""Retention commitments as MARC 583 action notes (pure: pymarc, no Django).

A commitment is written the way shared-print programmes record it (MARC 21 583, action note):
``583 1_ $3 <materials> $a committed to retain $c <from, YYYYMMDD> $d <until, YYYYMMDD> $f <programme>
$5 <institution>``, and read back from the 583 fields libraries send in their records.
"""

from __future__ import annotations

import copy
import datetime
import re
from dataclasses import dataclass

import pymarc

ACTION = "committed to retain"
DATE = re.compile(r"^(\d{4})(?:-?(\d{2}))?(?:-?(\d{2}))?$")


@dataclass(frozen=True)
class Commitment:
    programme: str
    institution: str
    committed_on: datetime.date | None = None
    until: datetime.date | None = None
    materials: str = ""


def commitment_field(commitment: Commitment) -> pymarc.Field:
    """The 583 field of a commitment."""
    subfields = []
    if commitment.materials:
        subfields.append(pymarc.Subfield("3", commitment.materials))
    subfields.append(pymarc.Subfield("a", ACTION))
    if commitment.committed_on:
        subfields.append(pymarc.Subfield("c", commitment.committed_on.strftime("%Y%m%d")))
    if commitment.until:
        subfields.append(pymarc.Subfield("d", commitment.until.strftime("%Y%m%d")))
    subfields.append(pymarc.Subfield("f", commitment.programme))
    subfields.append(pymarc.Subfield("5", commitment.institution))
    return pymarc.Field(tag="583", indicators=pymarc.Indicators("1", " "), subfields=subfields)


def with_commitments(record: pymarc.Record, commitments: list[Commitment]) -> pymarc.Record:
    """A copy of ``record`` with the 583 of every commitment added (the record itself is left as it is)."""
    exported = copy.deepcopy(record)
    for commitment in commitments:
        exported.add_ordered_field(commitment_field(commitment))
    return exported


def parse_date(value: str) -> datetime.date | None:
    """``20100701``, ``2010-07-01``, ``201007`` or ``2010`` as a date (the first day when partial);
    None when it is not a date."""
    match = DATE.match(value.strip())
    if not match:
        return None
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def read_commitments(record: pymarc.Record) -> tuple[list[Commitment], list[str]]:
    """The retention commitments of a record's 583 fields, and why some 583 could not be read
    (a 583 with another action, such as "digitized", is not a commitment and is passed over)."""
    commitments, problems = [], []
    for fld in record.get_fields("583"):
        action = " ".join(fld.get_subfields("a")).strip().lower().rstrip(".")
        if action != ACTION:
            continue
        programme = " ".join(fld.get_subfields("f")).strip()
        institution = " ".join(fld.get_subfields("5")).strip()
        if not programme:
            problems.append(f"583 {fld.value()}: no programme ($f)")
            continue
        dates = {}
        for code in "cd":
            value = " ".join(fld.get_subfields(code)).strip()
            dates[code] = parse_date(value) if value else None
            if value and dates[code] is None:
                problems.append(f'583 {fld.value()}: ${code} "{value}" is not a date (YYYYMMDD)')
        commitments.append(
            Commitment(
                programme=programme,
                institution=institution,
                committed_on=dates["c"],
                until=dates["d"],
                materials=" ".join(fld.get_subfields("3")).strip(),
            )
        )
    return commitments, problems

"""Fixtures shared by the loans and access tests: two libraries, their members, licensed items made from a
real small PDF (tests/data/loans, copied from ../shared/data/digital/pdf), licences."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from khizana.accounts.models import Role
from khizana.digital.models import DigitalItem, Licence
from khizana.digital.tests.reader_items import add_item, make_record
from khizana.testing import make_library, make_user

PDF = Path(__file__).parent / "data" / "loans" / "samplefiles_habibi.pdf"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a fixed clock for the services


def make_member(library, name: str, role: str = Role.READER):
    return make_user(name, role, library)


def make_item(library, local_id: str = "L-1", access: str = DigitalItem.Access.LICENSED) -> DigitalItem:
    record = make_record(library, local_id, f"حبيبي habibi {local_id}")
    return add_item(record, PDF.read_bytes(), DigitalItem.Kind.PDF, PDF.name, access=access, page_count=1)


def make_licence(item, **fields) -> Licence:
    defaults = {
        "total_loans": 30,
        "concurrent_loans": 1,
        "max_loan_days": 21,
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2027, 12, 31),
    }
    return Licence.objects.create(item=item, **{**defaults, **fields})


@pytest.fixture
def store(settings, tmp_path):
    settings.KHIZANA_DIGITAL_STORE = tmp_path / "digital"
    return settings.KHIZANA_DIGITAL_STORE


@pytest.fixture
def lib_a(db):
    return make_library("LOANA")


@pytest.fixture
def lib_b(db):
    return make_library("LOANB")


@pytest.fixture
def item(store, lib_a):
    return make_item(lib_a)

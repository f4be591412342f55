"""Candidates and their copyright status from real MARC records, rounds, selection and the moves along the
chain, through the services (the HTTP side is in test_http)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from khizana.accounts.models import Role
from khizana.heritage.digitisation import chain, services
from khizana.heritage.digitisation.models import Candidate, Event
from khizana.heritage.digitisation.tests.support import ibn_athir, import_records, make_round, marc21
from khizana.testing import make_library, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    return make_library("BNRM", country="MA")


@pytest.fixture
def cataloguer(library):
    return make_user("cat-bnrm", Role.CATALOGUER, library)


def test_copyright_from_the_record_dates_and_the_country(library, cataloguer):
    import_records(
        library,
        marc21("R1", "Diwan", author="Shawqi, Ahmad", dates="1868-1932"),
        marc21("R2", "Recent", author="Someone", dates="1920-1990"),
        marc21("R3", "Living", author="Someone else", dates="1950-"),
        marc21("R4", "Anonymous chronicle", year=1880),
        marc21("R5", "Two authors", author="A", dates="1800-1850", added=[("B", "1900-1960")]),
    )
    found = {
        key: services.propose(cataloguer, f"local:{key}", library) for key in ("R1", "R2", "R3", "R4", "R5")
    }
    assert found["R1"].copyright == Candidate.Copyright.PUBLIC_DOMAIN and found["R1"].free_from == 2003
    assert (found["R2"].copyright, found["R2"].free_from) == (Candidate.Copyright.IN_COPYRIGHT, 2061)
    assert found["R3"].copyright == Candidate.Copyright.UNKNOWN
    assert (
        found["R4"].copyright == Candidate.Copyright.PUBLIC_DOMAIN
        and "anonymous" in found["R4"].copyright_reason
    )
    assert found["R5"].free_from == 2031  # the last author to die counts
    algeria = make_library("BNA", country="DZ")
    import_records(algeria, marc21("A1", "Recent", author="Someone", dates="1920-1970"))
    admin = make_user("admin", Role.NETWORK_ADMIN)
    assert (
        services.propose(admin, "local:A1", algeria).copyright == Candidate.Copyright.PUBLIC_DOMAIN
    )  # life + 50


def test_terms_setting_overrides_the_table(library, cataloguer, settings):
    settings.KHIZANA_COPYRIGHT_TERMS = ["MA:20"]
    import_records(library, marc21("R2", "Recent", author="Someone", dates="1920-1990"))
    assert services.propose(cataloguer, "local:R2", library).copyright == Candidate.Copyright.PUBLIC_DOMAIN


def test_unimarc_700_f(library):
    record = import_records(library, marc21("U1", "Livre", author="X", dates="1800-1850"))[0]
    record.format = "unimarc"
    record.raw = (
        b'<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam  2200000   4500</leader>'
        b'<controlfield tag="001">U1</controlfield>'
        b'<datafield tag="700" ind1=" " ind2="1"><subfield code="a">Hugo</subfield>'
        b'<subfield code="b">Victor</subfield>'
        b'<subfield code="f">1802-1885</subfield></datafield>'
        b'<datafield tag="701" ind1=" " ind2="1"><subfield code="a">Autre</subfield>'
        b'<subfield code="f">1900-1980</subfield>'
        b"</datafield></record>"
    )
    assert services.author_dates(record) == ["1802-1885", "1900-1980"]


def test_proposals_are_checked(library, cataloguer):
    ibn_athir(library)
    other = make_library("BNA", country="DZ")
    with pytest.raises(PermissionDenied):
        services.propose(cataloguer, "local:KAMIL-1", other)
    with pytest.raises(services.DigitisationError, match="NOPE"):
        services.propose(cataloguer, "local:NOPE", library)
    services.propose(cataloguer, "local:KAMIL-1", library)
    with pytest.raises(services.DigitisationError, match="already a candidate"):
        services.propose(cataloguer, "local:KAMIL-1", library)
    reader = make_user("reader", Role.READER, library)
    with pytest.raises(PermissionDenied):
        services.propose(reader, "local:KAMIL-1", library)


def test_conservation_hook_makes_a_candidate_once(library):
    record = ibn_athir(library)
    made = services.propose_from_conservation(record, library, "pole de conservation")
    assert (
        made.source == Candidate.Source.CONSERVATION and made.copyright == Candidate.Copyright.PUBLIC_DOMAIN
    )
    assert services.propose_from_conservation(record, library).pk == made.pk


def test_selection_needs_free_rights_and_respects_the_quota(library, cataloguer):
    import_records(
        library,
        marc21("R1", "Old", author="A", dates="1800-1850"),
        marc21("R2", "Recent", author="B", dates="1920-1990"),
        marc21("R3", "Old too", author="C", dates="1700-1750"),
    )
    old, recent, third = (services.propose(cataloguer, f"local:{k}", library) for k in ("R1", "R2", "R3"))
    chosen = make_round(quota=1)
    with pytest.raises(services.DigitisationError, match="in copyright"):
        services.select(cataloguer, chosen.pk, recent.pk)
    with pytest.raises(services.DigitisationError, match="Say how"):
        services.clear_copyright(cataloguer, recent.pk, " ")
    services.clear_copyright(cataloguer, recent.pk, "Licence signed by the heirs, 2026-03-01")
    item = services.select(cataloguer, chosen.pk, old.pk)
    assert (item.step, item.library) == (chain.SELECTED, library)
    with pytest.raises(services.DigitisationError, match="quota"):
        services.select(cataloguer, chosen.pk, recent.pk)
    second = make_round("2026-B")
    with pytest.raises(PermissionDenied):  # another library digitising it: only that library or the network
        services.select(cataloguer, second.pk, third.pk, library_code=make_library("BNA").code)
    services.select(cataloguer, second.pk, recent.pk)
    with pytest.raises(services.DigitisationError, match="already selected"):
        services.select(cataloguer, second.pk, recent.pk)


def test_rounds_are_opened_by_network_admins_with_checked_values(cataloguer):
    admin = make_user("admin", Role.NETWORK_ADMIN)
    with pytest.raises(PermissionDenied):
        services.create_round(cataloguer, "R", "2026-01-01", "2026-06-30")
    with pytest.raises(services.DigitisationError, match="not a date"):
        services.create_round(admin, "R", "2026-13-01", "2026-06-30")
    with pytest.raises(services.DigitisationError, match="ends before"):
        services.create_round(admin, "R", "2026-06-01", "2026-01-30")
    with pytest.raises(services.DigitisationError, match="budget"):
        services.create_round(admin, "R", "2026-01-01", "2026-06-30", budget="lots")
    with pytest.raises(services.DigitisationError, match="quota"):
        services.create_round(admin, "R", "2026-01-01", "2026-06-30", quota="-3")
    made = services.create_round(admin, "R", "2026-01-01", "2026-06-30", budget="150000.50", quota="40")
    assert (str(made.budget), made.quota) == ("150000.50", 40)
    with pytest.raises(services.DigitisationError, match="already has this name"):
        services.create_round(admin, "R", "2026-01-01", "2026-06-30")


def test_moves_follow_the_table_and_are_recorded(library, cataloguer):
    candidate = services.propose(cataloguer, "local:KAMIL-1", library) if ibn_athir(library) else None
    item = services.select(cataloguer, make_round().pk, candidate.pk)
    with pytest.raises(services.DigitisationError, match="cannot go"):
        services.move(cataloguer, item.pk, chain.QUALITY_CHECKED)
    with pytest.raises(services.DigitisationError, match="importing a batch"):
        services.move(cataloguer, services.move(cataloguer, item.pk, chain.PREPARED).pk, chain.SCANNED)
    with pytest.raises(services.DigitisationError, match="needs a reason"):
        services.move(cataloguer, item.pk, chain.SELECTED)
    services.move(cataloguer, item.pk, chain.SELECTED, "volume lent to an exhibition")
    other = make_user("cat-bna", Role.CATALOGUER, make_library("BNA"))
    with pytest.raises(PermissionDenied):
        services.move(other, item.pk, chain.PREPARED)
    with pytest.raises(services.DigitisationError, match="number 999"):
        services.move(cataloguer, 999, chain.PREPARED)
    events = list(
        Event.objects.filter(item=item).values_list("from_step", "step", "back", "note", "user__username")
    )
    assert events == [
        ("", chain.SELECTED, False, "", "cat-bnrm"),
        (chain.SELECTED, chain.PREPARED, False, "", "cat-bnrm"),
        (chain.PREPARED, chain.SELECTED, True, "volume lent to an exhibition", "cat-bnrm"),
    ]

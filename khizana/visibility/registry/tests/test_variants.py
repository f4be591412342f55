"""What staff add to the registry besides ROR: a local institution carrying the ROR id of a record the
loaded extract lacks, name variants (each change rebuilds the matcher), and the removal of a local name.
Over HTTP where staff do it; the registry is the small ROR copy of the visibility tests."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from khizana.accounts.models import AuditEntry
from khizana.testing import make_library, make_user
from khizana.visibility.affiliations import services as analysis_services
from khizana.visibility.models import Institution, InstitutionName
from khizana.visibility.registry import services, variants
from khizana.visibility.tests.support import DATA

pytestmark = pytest.mark.django_db
CADI_AYYAD = "https://ror.org/04xf6nm78"


@pytest.fixture
def cadi(db) -> Institution:
    services.load_registry([DATA / "ror" / "ror_MA_DZ_TN.jsonl"])
    return Institution.objects.get(ror_id=CADI_AYYAD)


@pytest.fixture
def staff(db):
    library = make_library("LIBA")
    return {
        "cataloguer": make_user("catalogueur", "cataloguer", library),
        "library_admin": make_user("admin_a", "library_admin", library),
    }


def client_for(user, *, csrf: bool = False) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def test_a_local_institution_may_carry_its_ror_id(cadi, staff):
    client = client_for(staff["library_admin"])
    form = {"name": "Mohammed First University", "kind": "university", "country_code": "MA", "city": "Oujda"}
    response = client.post(reverse("visibility:registry-add"), {**form, "ror_id": " 01EJXF797 "})
    assert response.status_code == 302
    university = Institution.objects.get(name="Mohammed First University")
    assert university.source == "local" and university.ror_id == "https://ror.org/01ejxf797"
    assert university.local_key == "local:ma-mohammed-first-university"
    assert university.identifier == "https://ror.org/01ejxf797"  # reports name it by its ROR id
    plain = {inst.id: inst for inst in services.as_registry_institutions()}
    assert "https://ror.org/01ejxf797" in plain
    again = client.post(reverse("visibility:registry-add"), {**form, "name": "UMP", "ror_id": "01ejxf797"})
    assert again.status_code == 400
    assert "The ROR id https://ror.org/01ejxf797 is already that of Mohammed First University." in (
        again.content.decode()
    )
    bad = client.post(reverse("visibility:registry-add"), {**form, "name": "UMP", "ror_id": "ror:123"})
    assert bad.status_code == 400 and "is not a ROR id" in bad.content.decode()
    taken = client.post(reverse("visibility:registry-add"), {**form, "name": "UMP", "ror_id": CADI_AYYAD})
    assert taken.status_code == 400 and Institution.objects.filter(name="UMP").count() == 0


def test_a_variant_changes_the_fingerprint_the_matcher_is_kept_under(cadi):
    before = analysis_services._db_fingerprint()
    name, created = variants.add_variant(cadi, "  Univ  Cadi Ayyad Marrakech ")
    assert created and name.value == "Univ Cadi Ayyad Marrakech" and name.source == "local"
    assert name.kind == "variant" and analysis_services._db_fingerprint() != before
    same, created = variants.add_variant(cadi, "UNIV CADI-AYYAD MARRAKECH")
    assert same == name and not created  # the same folded form: the name it has
    label, created = variants.add_variant(cadi, "cadi ayyad university")
    assert not created and label.kind == "label"
    with pytest.raises(services.RegistryError, match="has no letter or digit"):
        variants.add_variant(cadi, " ... ")
    assert [inst.ror_id for inst in variants.other_bearers("Univ Cadi Ayyad Marrakech", cadi)] == []
    middle = analysis_services._db_fingerprint()
    variants.remove_local_name(name)
    assert analysis_services._db_fingerprint() != middle
    assert not InstitutionName.objects.filter(pk=name.pk).exists()


def test_staff_remove_a_local_name_not_a_ror_one(cadi, staff):
    name = services.add_name(cadi, "UCA Marrakech", kind="variant", created_by=staff["library_admin"])
    ror_name = cadi.names.filter(source="ror").first()
    url = reverse("visibility:registry-remove-name", args=[cadi.pk, name.pk])
    page = client_for(staff["library_admin"]).get(reverse("visibility:registry-institution", args=[cadi.pk]))
    assert f'action="{url}"' in page.content.decode() and "Names added in Khizana" in page.content.decode()
    assert f"/names/{ror_name.pk}/remove/" not in page.content.decode()
    assert client_for(staff["cataloguer"]).post(url).status_code == 403
    assert client_for(staff["library_admin"], csrf=True).post(url).status_code == 403
    assert InstitutionName.objects.filter(pk=name.pk).exists()
    response = client_for(staff["library_admin"]).post(url)
    assert response.status_code == 302 and not InstitutionName.objects.filter(pk=name.pk).exists()
    assert AuditEntry.objects.filter(action="registry-remove-name", target=CADI_AYYAD).exists()
    refused = client_for(staff["library_admin"]).post(
        reverse("visibility:registry-remove-name", args=[cadi.pk, ror_name.pk]), follow=True
    )
    assert (
        "come from ROR" in refused.content.decode()
        and InstitutionName.objects.filter(pk=ror_name.pk).exists()
    )
    other = Institution.objects.exclude(pk=cadi.pk).first()
    assert (
        client_for(staff["library_admin"])
        .post(reverse("visibility:registry-remove-name", args=[other.pk, ror_name.pk]))
        .status_code
        == 404
    )


def test_the_one_label_of_a_local_institution_stays(cadi):
    school = services.add_local_institution("École Zeta", kind="school", parent=cadi)
    label = school.names.get(kind="label")
    with pytest.raises(services.RegistryError, match="only name"):
        variants.remove_local_name(label)

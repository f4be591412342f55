import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from khizana.accounts import permissions
from khizana.accounts.models import Membership, Role
from khizana.catalog import permissions as catalog_permissions
from khizana.catalog.models import Holding, SourceRecord, Work
from khizana.testing import PASSWORD, make_user


def test_libraries_managed(users, lib_a, lib_b):
    assert list(permissions.libraries_managed(users["anonymous"])) == []
    assert list(permissions.libraries_managed(users["reader"])) == []
    assert list(permissions.libraries_managed(users["cataloguer_a"])) == [lib_a]
    assert list(permissions.libraries_managed(users["library_admin_a"])) == [lib_a]
    assert set(permissions.libraries_managed(users["network_admin"])) == {lib_a, lib_b}
    superuser = get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    assert permissions.is_network_admin(superuser) and permissions.can_write(superuser, lib_b)


def test_inactive_users_and_users_without_membership_write_nothing(users, lib_a):
    user = users["cataloguer_a"]
    user.is_active = False
    assert not permissions.can_write(user, lib_a)
    stranger = make_user("stranger")
    assert not permissions.can_write(stranger, lib_a) and not permissions.is_staff(stranger)
    staff_flag = make_user("djangostaff", is_staff=True)  # Django's is_staff alone gives no library
    assert not permissions.can_write(staff_flag, lib_a)


def test_object_checks(users, catalog):
    holding_a = Holding.objects.filter(library=catalog["a"]).first()
    record_b = SourceRecord.objects.filter(library=catalog["b"]).first()
    assert catalog_permissions.can_edit_holding(users["cataloguer_a"], holding_a)
    assert not catalog_permissions.can_edit_holding(users["cataloguer_b"], holding_a)
    assert catalog_permissions.can_split_join(users["cataloguer_b"], record_b)
    assert not catalog_permissions.can_split_join(users["cataloguer_a"], record_b)
    shared = SourceRecord.objects.get(library=catalog["a"], source_file="yaz_marc9.marc").work
    only_b = Work.objects.filter(records__source_file="medialab_cotesBR.mrc").first()
    assert catalog_permissions.can_split_join(users["cataloguer_b"], [shared, only_b])
    assert not catalog_permissions.can_split_join(users["cataloguer_a"], [shared, only_b])
    assert catalog_permissions.can_split_join(users["network_admin"], [shared, only_b])
    assert not catalog_permissions.can_split_join(users["reader"], [shared])
    assert not catalog_permissions.can_split_join(users["cataloguer_a"], [])
    assert permissions.can_manage_staff(users["library_admin_a"], catalog["a"])
    assert not permissions.can_manage_staff(users["library_admin_a"], catalog["b"])
    assert not permissions.can_manage_staff(users["cataloguer_a"], catalog["a"])


def test_create_staff_command(lib_a, monkeypatch, capsys):
    monkeypatch.setenv("KHIZANA_STAFF_PASSWORD", PASSWORD)
    call_command("create_staff", "fatima", "--role", "cataloguer", "--library", "liba")
    membership = Membership.objects.get(user__username="fatima")
    assert (membership.role, membership.library) == (Role.CATALOGUER, lib_a)
    assert membership.user.check_password(PASSWORD)
    with pytest.raises(CommandError, match="exists"):
        call_command("create_staff", "fatima", "--role", "library_admin", "--library", "LIBA")
    call_command("create_staff", "fatima", "--role", "library_admin", "--library", "LIBA", "--update")
    assert Membership.objects.get(user__username="fatima").role == Role.LIBRARY_ADMIN
    with pytest.raises(CommandError, match="library"):
        call_command("create_staff", "omar", "--role", "cataloguer")
    with pytest.raises(CommandError, match="no library"):
        call_command("create_staff", "omar", "--role", "cataloguer", "--library", "NOPE")
    call_command("create_staff", "chef", "--role", "network_admin", "--no-password")
    chef = Membership.objects.get(user__username="chef")
    assert chef.library is None and not chef.user.has_usable_password()
    monkeypatch.setenv("KHIZANA_STAFF_PASSWORD", "123")
    with pytest.raises(CommandError):
        call_command("create_staff", "faible", "--role", "cataloguer", "--library", "LIBA")

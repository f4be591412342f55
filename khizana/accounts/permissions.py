"""Who may write what. Every staff view asks these functions about the OBJECT it is about to change
(its library as stored in the database), never about a library id sent by a form.

Roles: a reader writes nothing; a cataloguer and a library administrator write their library's records,
holdings and imports; a library administrator also manages the staff accounts of their library; a network
administrator (or a Django superuser) may do everything.

The checks about catalogue objects (a holding, a record to split, works to join) apply these rules to the
object's library: they are in :mod:`khizana.catalog.permissions`.
"""

from __future__ import annotations

from django.db.models import QuerySet

from khizana.libraries.models import Library

from .models import STAFF_ROLES, Membership, Role


def membership(user) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def role(user) -> str | None:
    """The user's role; superusers are network administrators; None for anonymous or inactive users."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Role.NETWORK_ADMIN
    found = membership(user)
    return found.role if found else None


def is_network_admin(user) -> bool:
    return role(user) == Role.NETWORK_ADMIN


def is_staff(user) -> bool:
    """May enter the staff space (cataloguer, library administrator, network administrator)."""
    return role(user) in STAFF_ROLES


def _library_id(library: Library | int | None) -> int | None:
    if library is None:
        return None
    return library if isinstance(library, int) else library.pk


def libraries_managed(user) -> QuerySet[Library]:
    """The libraries whose records, holdings and imports the user may change."""
    current = role(user)
    if current == Role.NETWORK_ADMIN:
        return Library.objects.all()
    if current in (Role.CATALOGUER, Role.LIBRARY_ADMIN):
        return Library.objects.filter(pk=membership(user).library_id)
    return Library.objects.none()


def can_write(user, library: Library | int | None) -> bool:
    """May change the catalogue data (records, holdings, imports) of ``library``."""
    library_id = _library_id(library)
    if library_id is None:
        return False
    current = role(user)
    if current == Role.NETWORK_ADMIN:
        return True
    if current in (Role.CATALOGUER, Role.LIBRARY_ADMIN):
        return membership(user).library_id == library_id
    return False


def can_import(user, library: Library | int | None) -> bool:
    return can_write(user, library)


def can_manage_staff(user, library: Library | int | None) -> bool:
    """Create and list the staff accounts of ``library``: its library administrator or a network admin."""
    library_id = _library_id(library)
    if library_id is None:
        return False
    current = role(user)
    if current == Role.NETWORK_ADMIN:
        return True
    return current == Role.LIBRARY_ADMIN and membership(user).library_id == library_id


def is_verified_member(user, library: Library | int | None) -> bool:
    """A member of ``library`` whose membership someone trusted vouched for (staff roles always are)."""
    library_id = _library_id(library)
    found = membership(user)
    return bool(found and library_id is not None and found.library_id == library_id and found.is_verified)


def is_unverified_member(user, library: Library | int | None) -> bool:
    """A reader who says they belong to ``library`` but whom nobody has vouched for yet."""
    library_id = _library_id(library)
    found = membership(user)
    return bool(found and library_id is not None and found.library_id == library_id and not found.is_verified)


def can_verify_members(user, library: Library | int | None) -> bool:
    """Confirm or withdraw readers' memberships and load the member file of ``library``: its staff
    (cataloguer or library administrator) or a network administrator."""
    return can_write(user, library)


def roles_grantable(user) -> list[str]:
    """The staff roles the user may give to a new account."""
    current = role(user)
    if current == Role.NETWORK_ADMIN:
        return [Role.CATALOGUER, Role.LIBRARY_ADMIN]
    if current == Role.LIBRARY_ADMIN:
        return [Role.CATALOGUER]
    return []

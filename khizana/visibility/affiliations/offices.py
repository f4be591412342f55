"""The research offices' accounts: a user scoped to one institution of the registry (see
:mod:`khizana.visibility.permissions`). Network administrators add them on the office accounts page or
with ``khizana affiliations office add USER INSTITUTION``."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from khizana.accounts import permissions as accounts
from khizana.visibility.models import Institution, ResearchOffice
from khizana.visibility.registry.services import RegistryError, audit


class OfficeError(RegistryError):
    """An office account refused; the message says why."""


@transaction.atomic
def add_office(user, institution: Institution, role: str, created_by=None) -> ResearchOffice:
    """Scope ``user`` to ``institution``'s research office (their office changes if they had one).
    A member of staff reads every report already: refused."""
    if accounts.is_staff(user):
        raise OfficeError(
            _("%(name)s is a member of staff, who reads every report: a research office account is for "
              "the institution's own users.") % {"name": user.get_username()}
        )  # fmt: skip
    if role not in ResearchOffice.Role.values:
        raise OfficeError(
            _("The role “%(role)s” is not one of %(roles)s.")
            % {"role": role, "roles": ", ".join(ResearchOffice.Role.values)}
        )
    office, _created = ResearchOffice.objects.update_or_create(
        user=user, defaults={"institution": institution, "role": role, "created_by": created_by}
    )
    audit(
        created_by, "research-office-add", user.get_username(), institution=institution.identifier, role=role
    )
    return office


@transaction.atomic
def remove_office(office: ResearchOffice, removed_by=None) -> None:
    """The user keeps their account, without access to the institution's reports."""
    audit(
        removed_by, "research-office-remove", office.user.get_username(),
        institution=office.institution.identifier,
    )  # fmt: skip
    office.delete()

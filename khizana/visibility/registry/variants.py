"""What research officers add to the registry besides ROR: the name variants a correction teaches the
matcher, and the removal of a local name.

Every change touches the institution's ``updated_at``: the database registry's fingerprint changes, so
the matcher every process keeps is built again before the next analysis.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from khizana.visibility.models import Institution, InstitutionName, Source

from .services import RegistryError, _check_name, _name, name_key, ror_id_from  # noqa: F401 (re-exported)


def check_variant(value: str) -> str:
    """The name as a research officer wrote it, tidied, else RegistryError."""
    return _check_name(value, _("The name as written"))


@transaction.atomic
def add_variant(institution: Institution, value: str, created_by=None) -> tuple[InstitutionName, bool]:
    """``value`` as a variant of ``institution`` (a local name: no ROR file removes it); when the
    institution already has a name of the same folded form, that name, and False."""
    value = check_variant(value)
    key = name_key(value)
    existing = institution.names.filter(key=key).order_by("pk").first()
    if existing is not None:
        return existing, False
    name = _name(institution.pk, value, "", InstitutionName.Kind.VARIANT, Source.LOCAL, created_by)
    name.save()
    touch(institution)
    return name, True


def other_bearers(value: str, institution: Institution) -> list[Institution]:
    """The other institutions with a name of the same folded form (the matcher may then find neither)."""
    ids = (
        InstitutionName.objects.filter(key=name_key(value))
        .exclude(institution=institution)
        .values("institution_id")
    )
    return list(Institution.objects.filter(pk__in=ids)[:10])


@transaction.atomic
def remove_local_name(name: InstitutionName) -> None:
    """Remove a name added by staff or a correction; a ROR name, or the one label of a local
    institution, stays."""
    if name.source != Source.LOCAL:
        raise RegistryError(_("The names of a ROR record come from ROR; they cannot be removed here."))
    institution = name.institution
    if (
        name.kind == InstitutionName.Kind.LABEL
        and not institution.names.filter(kind=InstitutionName.Kind.LABEL).exclude(pk=name.pk).exists()
    ):
        raise RegistryError(_("This is the institution's only name; it cannot be removed."))
    name.delete()
    touch(institution)


def touch(institution: Institution) -> None:
    """Mark the institution changed: the matcher of the database registry is built again."""
    institution.save(update_fields=["updated_at"])

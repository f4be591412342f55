"""The correction loop: a research officer links an address of a report that the registry did not
recognise, or recognised wrongly, to its institution (an existing one, or a local institution created
on the spot). The part of the address naming the institution becomes one of its variants, so the
next analysis recognises it; the decision is kept (:class:`~khizana.visibility.models.Correction`:
who, when, what was recognised before, the note) and can be undone, which removes the variant.

The views check :mod:`khizana.visibility.permissions` first; these functions do one thing each, in one
transaction, and write the audit log.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khizana.visibility.models import AffiliationReport, Correction, Institution
from khizana.visibility.normalise import country_of_segment, name_tokens, segments
from khizana.visibility.registry import variants
from khizana.visibility.registry.services import RegistryError, add_local_institution, audit

from . import services
from .figures import address_key


class CorrectionError(RegistryError):
    """A correction refused; the message says why (shown to the officer)."""


def addresses_of(report: AffiliationReport) -> tuple[list[dict], bool]:
    """Every distinct address of the report's last analysis, and True; for a report analysed before
    they were kept, those with an anomaly (from its corrections list), and False."""
    rows = services.report_addresses(report.folder)
    if rows is not None:
        return rows, True
    found: dict[str, dict] = {}
    for row in services.report_corrections(report.folder):
        if row.get("kind") != "affiliation":
            continue
        if row["affiliation"] in found:
            found[row["affiliation"]]["count"] += 1
            continue
        found[row["affiliation"]] = {
            "key": address_key(row["affiliation"]), "raw": row["affiliation"], "count": 1, "publications": 1,
            "country": "", "matches": _matches_of(row), "anomalies": row["anomalies"].split(),
        }  # fmt: skip
    return list(found.values()), False


def report_address(report: AffiliationReport, key: str) -> dict | None:
    """The address of ``report`` whose key is ``key`` (raw, matches, anomalies), else None."""
    return next((row for row in addresses_of(report)[0] if row["key"] == key), None)


def _matches_of(row: dict) -> list[dict]:
    return [{"id": row["institution_id"], "name": row["institution"]}] if row.get("institution_id") else []


def name_parts(raw: str) -> list[str]:
    """The segments of an address that may name an institution (its countries left out)."""
    return [part for part in segments(raw) if name_tokens(part) and not country_of_segment(part)]


def guess_written(raw: str, institution: Institution | None = None) -> str:
    """The segment of the address most likely to name ``institution`` (the one sharing most words
    with its names), else the first that is not a country."""
    parts = name_parts(raw) or [raw.strip()]
    if institution is None:
        return parts[0]
    known = {token for name in institution.names.all() for token in name_tokens(name.value)}
    known.update(name_tokens(institution.name))

    def share(part: str) -> float:
        tokens = set(name_tokens(part))
        return len(tokens & known) / len(tokens) if tokens else 0.0

    best = max(parts, key=share)
    return best if share(best) > 0 else parts[0]


@transaction.atomic
def link(
    user,
    report: AffiliationReport,
    address: dict,
    institution: Institution,
    written: str,
    note: str = "",
    *,
    created_institution: bool = False,
) -> Correction:
    """``address`` (a row of the report's addresses) names ``institution``; ``written`` is the part of it
    that does, kept as a variant of the institution."""
    name, created = variants.add_variant(institution, written, created_by=user)
    correction = Correction.objects.create(
        report=report,
        address_key=address["key"],
        affiliation=address["raw"],
        written=" ".join(written.split())[:500],
        previous=[{"id": m["id"], "name": m["name"]} for m in address.get("matches", [])],
        previous_anomalies=list(address.get("anomalies", [])),
        institution=institution,
        institution_identifier=institution.identifier,
        institution_name=institution.name[:500],
        name=name,
        created_name=created,
        created_institution=created_institution,
        note=note.strip(),
        created_by=user,
    )
    audit(
        user, "affiliation-correction", address["raw"][:200], report=report.pk, correction=correction.pk,
        institution=institution.identifier, variant=name.value, new_variant=created,
    )  # fmt: skip
    transaction.on_commit(services.invalidate_database_registry)
    return correction


@transaction.atomic
def create_and_link(
    user, report: AffiliationReport, address: dict, institution_arguments: dict, written: str, note: str = ""
) -> Correction:
    """Create the local institution the address names (name, kind, parent, place, names in French,
    Arabic and English, ROR id), then link the address to it."""
    institution = add_local_institution(**institution_arguments, created_by=user)
    audit(
        user, "registry-add-institution", institution.identifier, name=institution.name,
        parent=institution.parent.identifier if institution.parent_id else "", report=report.pk,
    )  # fmt: skip
    return link(user, report, address, institution, written, note, created_institution=True)


@transaction.atomic
def undo(user, correction: Correction) -> bool:
    """Undo a decision: it stays, marked undone by whom and when; its variant goes when a correction
    created it and no decision in force uses it; the local institution it created goes too when nothing
    else refers to it (institutions under it, other decisions, offices, reports). True when that
    institution was removed."""
    correction = Correction.objects.select_for_update().get(pk=correction.pk)
    if not correction.in_force:
        raise CorrectionError(_("This correction was undone already."))
    correction.undone_at, correction.undone_by = timezone.now(), user
    correction.save(update_fields=["undone_at", "undone_by"])
    name = correction.name
    removed = False
    if name is not None:
        others_in_force = Correction.objects.filter(name=name, undone_at__isnull=True).exists()
        made_by_a_correction = Correction.objects.filter(name=name, created_name=True).exists()
        if made_by_a_correction and not others_in_force:
            variants.remove_local_name(name)
            removed = True
    institution = correction.institution
    institution_removed = False
    if correction.created_institution and institution is not None and _unused(institution, correction):
        institution.delete()  # its names with it; the decision keeps its identifier and name
        institution_removed = True
    audit(
        user, "affiliation-correction-undo", correction.affiliation[:200], correction=correction.pk,
        institution=correction.institution_identifier, variant_removed=removed,
        institution_removed=institution_removed,
    )  # fmt: skip
    transaction.on_commit(services.invalidate_database_registry)
    return institution_removed


def _unused(institution: Institution, correction: Correction) -> bool:
    return not (
        institution.children.exists()
        or institution.corrections.exclude(pk=correction.pk).exists()
        or institution.offices.exists()
        or institution.reports.exists()
    )


def corrections_of(report: AffiliationReport):
    return report.corrections.select_related("institution", "created_by", "undone_by")


def in_force_by_address(report: AffiliationReport) -> dict[str, Correction]:
    """The decisions in force on the report's addresses, by address key (the latest one of each)."""
    found: dict[str, Correction] = {}
    for correction in corrections_of(report).filter(undone_at__isnull=True).order_by("created_at", "pk"):
        found[correction.address_key] = correction
    return found

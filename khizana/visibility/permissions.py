"""Who may read and change the affiliation reports. Every view asks these functions about the OBJECT it
is about to show or change (the report, the correction, as stored), never about an id sent by a form.

- Members of staff (cataloguer, library or network administrator) read every report and upload
  exports; the registry's editors (library and network administrators) also correct the matches of
  any report and undo any correction.
- A research office's account (:class:`~khizana.visibility.models.ResearchOffice`) is scoped to its
  institution, as a member of staff is to a library: it reads that institution's reports only (those
  it owns), and its officers upload exports (owned by the institution) and correct the matches of the
  institution's reports. A reader of the office reads only. An officer may link an address to any
  institution of the registry, or create the local institution it names: every decision is in the audit
  log and on the report, and the registry's editors can undo it.
- Network administrators create and remove the research offices' accounts.

The accounts app knows nothing of research offices (it is a lower layer); these checks use its roles.
"""

from __future__ import annotations

from django.db.models import QuerySet

from khizana.accounts import permissions as accounts

from .models import AffiliationReport, Correction, Institution, ResearchOffice
from .registry import services as registry_services


def office(user) -> ResearchOffice | None:
    """The research office the user belongs to (None for anonymous or inactive users, or none)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        return user.research_office
    except ResearchOffice.DoesNotExist:
        return None


def is_staff(user) -> bool:
    return accounts.is_staff(user)


def may_enter(user) -> bool:
    """May open the affiliation reports pages: staff, or a research office's account."""
    return is_staff(user) or office(user) is not None


def reports_visible(user) -> QuerySet[AffiliationReport]:
    """The reports the user may read: every one for staff, their institution's for an office."""
    if is_staff(user):
        return AffiliationReport.objects.all()
    found = office(user)
    if found is not None:
        return AffiliationReport.objects.filter(owner_id=found.institution_id)
    return AffiliationReport.objects.none()


def can_read_report(user, report: AffiliationReport) -> bool:
    if is_staff(user):
        return True
    found = office(user)
    return found is not None and report.owner_id is not None and report.owner_id == found.institution_id


def can_upload(user) -> bool:
    """Send an export to analyse: staff, or a research officer (for their institution)."""
    if is_staff(user):
        return True
    found = office(user)
    return found is not None and found.role == ResearchOffice.Role.OFFICER


def can_edit_registry(user) -> bool:
    """Library and network administrators (:func:`.registry.services.can_edit_registry`)."""
    return registry_services.can_edit_registry(user)


def can_correct(user, report: AffiliationReport) -> bool:
    """Link an address of ``report`` to an institution (or create it): the registry's editors for any
    report, a research officer for their institution's reports."""
    if can_edit_registry(user):
        return True
    found = office(user)
    return (
        found is not None
        and found.role == ResearchOffice.Role.OFFICER
        and report.owner_id is not None
        and report.owner_id == found.institution_id
    )


def can_undo(user, correction: Correction) -> bool:
    """Undo a decision: the registry's editors, or an officer of the office whose report it was on."""
    if can_edit_registry(user):
        return True
    return correction.report is not None and can_correct(user, correction.report)


def corrections_visible(user) -> QuerySet[Correction]:
    if is_staff(user):
        return Correction.objects.all()
    found = office(user)
    if found is not None:
        return Correction.objects.filter(report__owner_id=found.institution_id)
    return Correction.objects.none()


def can_read_progress(user, institution: Institution) -> bool:
    """The progress of an institution: staff for any, an office for its own institution."""
    if is_staff(user):
        return True
    found = office(user)
    return found is not None and found.institution_id == institution.pk


def can_manage_offices(user) -> bool:
    """Create and remove the research offices' accounts: network administrators."""
    return accounts.is_network_admin(user)

"""Conservation plans: create a plan, add serials, record each library's holdings statement and its
retention commitment, read statements and commitments from records, compute the network's gaps, export.

Every write takes the acting user (None for the command line, which is trusted) and checks it once:
a plan is managed by network administrators and by the staff of its coordinating library; a library's
staff may also enter their own library's holdings statements.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from pathlib import Path

import pymarc
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from khizana.accounts import permissions
from khizana.catalog.models import SourceRecord, Work
from khizana.catalog.records import HoldingStatus
from khizana.libraries.models import Library

from .formats import coverage as cov
from .formats.records import LibraryHoldings, SerialHoldings, read_bytes, read_file, serial_holdings
from .formats.retention import Commitment as Retention
from .formats.retention import read_commitments, with_commitments
from .formats.statements import StatementError, parse_textual
from .models import Commitment, HoldingsStatement, Plan, PlanTitle

SUDOC_ROLES = {
    "pôle de conservation": Commitment.Role.POLE,
    "membre du plan de conservation": Commitment.Role.ASSOCIATED,
}


class ConservationError(ValueError):
    """Bad input, in words for the person who sent it."""


# The parser's problems (plain English, it imports no Django) in the reader's language.
PROBLEMS = {
    "is empty": gettext_lazy("is empty"),
    "names no volume, issue or year": gettext_lazy("names no volume, issue or year"),
    "has a date without a year": gettext_lazy("has a date without a year"),
    "ends before it starts (years)": gettext_lazy("ends before it starts (years)"),
    "ends before it starts (volumes)": gettext_lazy("ends before it starts (volumes)"),
}


def statement_error_text(error: StatementError) -> str:
    """``holdings statement "…": "…" <problem>``, translated when the problem is one staff can make."""
    return _('holdings statement "%(statement)s": "%(part)s" %(problem)s') % {
        "statement": error.statement,
        "part": error.part,
        "problem": PROBLEMS.get(error.problem, error.problem),
    }


# --- permissions ---------------------------------------------------------------------------------


def may_manage(user, plan: Plan) -> bool:
    """Network administrators and the staff of the plan's coordinating library."""
    return permissions.can_write(user, plan.coordinator_id)


def may_enter_statement(user, plan: Plan, library: Library) -> bool:
    return may_manage(user, plan) or permissions.can_write(user, library)


def _check(allowed: bool, user) -> None:
    if user is not None and not allowed:
        raise PermissionDenied(
            _("Only the plan's coordinating library and network administrators may do this.")
        )


# --- plans and titles ----------------------------------------------------------------------------


def create_plan(
    user, *, name: str, programme: str, coordinator: Library, discipline: str = "", description: str = ""
) -> Plan:
    _check(permissions.can_write(user, coordinator), user)
    if Plan.objects.filter(programme__iexact=programme).exists():
        raise ConservationError(
            _("programme code: %(code)s is already used by a plan.") % {"code": programme}
        )
    plan = Plan(
        name=name,
        programme=programme,
        coordinator=coordinator,
        discipline=discipline,
        description=description,
    )
    plan.full_clean()
    plan.save()
    return plan


def work_with_issn(issn: str) -> Work | None:
    """The catalog's work carrying ``issn`` (the first by id), if any."""
    if not issn:
        return None
    candidates = Work.objects.annotate(ids=Cast("identifiers", TextField())).filter(ids__contains=issn)
    return next(
        (work for work in candidates.order_by("id") if issn in work.identifiers.get("issn", [])), None
    )


def add_title(
    user, plan: Plan, *, title: str, issn: str = "", record: SourceRecord | None = None, numbering: str = ""
) -> PlanTitle:
    """Add a serial to ``plan``, linked to the catalog's work (found by its record, else by ISSN)."""
    _check(may_manage(user, plan), user)
    issn = issn.strip().upper()
    if issn and plan.titles.filter(issn=issn).exists():
        raise ConservationError(_("ISSN: %(issn)s is already in this plan.") % {"issn": issn})
    work = record.work if record is not None else work_with_issn(issn)
    if record is None and work is not None:
        record = work.records.filter(deleted=False).order_by("id").first()
    item = PlanTitle(
        plan=plan, title=(title or (work.title if work else ""))[:500], issn=issn, record=record, work=work
    )
    item.numbering = numbering[:500]
    _years_from_numbering(item)
    item.full_clean()
    item.save()
    return item


def _years_from_numbering(item: PlanTitle) -> None:
    """First and last year from the serial's numbering (362 / 207), when it can be read."""
    if not item.numbering or item.first_year is not None:
        return
    try:
        extents = parse_textual(item.numbering).extents
    except StatementError:
        return
    years = [year for extent in extents for year in (extent.first_year, extent.last_year) if year]
    if years:
        item.first_year = min(years)
        if not any(extent.open_end for extent in extents):
            item.last_year = max(years)


# --- holdings statements -------------------------------------------------------------------------


def enter_statement(user, title: PlanTitle, library: Library, text: str) -> HoldingsStatement:
    """A statement typed by staff: read it (a part not understood is refused, nothing is written)."""
    _check(may_enter_statement(user, title.plan, library), user)
    try:
        statement = parse_textual(text)
    except StatementError as error:
        raise ConservationError(statement_error_text(error)) from None
    if not statement.extents:
        raise ConservationError(_('holdings statement "%(text)s" names no run held.') % {"text": text})
    return _save_statement(title, library, text.strip(), statement.extents, [], statement.notes, [], "staff")


def _save_statement(title, library, text, extents, missing, notes, errors, source) -> HoldingsStatement:
    found, _created = HoldingsStatement.objects.update_or_create(
        title=title,
        library=library,
        defaults={
            "text": text,
            "extents": [extent.as_dict() for extent in extents],
            "missing": [gap.as_dict() for gap in missing],
            "notes": list(dict.fromkeys(notes)),
            "errors": errors,
            "source": source,
        },
    )
    return found


def assign_role(
    user,
    title: PlanTitle,
    library: Library,
    role: str,
    *,
    committed_on: datetime.date | None = None,
    until: datetime.date | None = None,
    materials: str = "",
    source: str = Commitment.Source.STAFF,
) -> Commitment:
    _check(may_manage(user, title.plan), user)
    if role not in Commitment.Role.values:
        raise ConservationError(_("role: %(role)s is not a conservation role.") % {"role": role})
    if committed_on and until and until < committed_on:
        raise ConservationError(_("until: the commitment ends before it starts."))
    commitment, _created = Commitment.objects.update_or_create(
        title=title,
        library=library,
        defaults={
            "role": role,
            "committed_on": committed_on,
            "until": until,
            "materials": materials[:500],
            "source": source,
            "created_by": user if user is not None and user.is_authenticated else None,
        },
    )
    return commitment


def remove_role(user, commitment: Commitment) -> None:
    _check(may_manage(user, commitment.title.plan), user)
    commitment.delete()


# --- reading records: holdings statements (866/863, 955/959) and commitments (583, Sudoc 930) --------


@dataclass
class ImportReport:
    records: int = 0
    titles_added: int = 0
    statements: int = 0
    commitments: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.records} records read, {self.titles_added} titles added, {self.statements} holdings "
            f"statements, {self.commitments} commitments, {len(self.problems)} problems"
        )


def _library(code: str, fallback: Library | None) -> Library | None:
    code = code.strip().upper()
    return (Library.objects.filter(code=code).first() if code else None) or (fallback if not code else None)


def import_holdings(
    plan: Plan, paths: list[Path], *, library: Library | None = None, title: PlanTitle | None = None
) -> ImportReport:
    """Read holdings files (MARC 21 holdings records, Sudoc UNIMARC serials) into ``plan`` (command line).

    A UNIMARC serial is matched to the plan's title by ISSN (added when missing); a MARC 21 holdings
    record to ``title``, else through its 004 to ``library``'s record. Statements of libraries that are
    not members of the network, and statements that cannot be read, are reported."""
    report = ImportReport()
    for path in paths:
        try:
            records = read_file(path)
        except OSError as error:
            report.problems.append(f"{path}: {error.strerror}")
            continue
        except Exception as error:  # pymarc's errors on a broken file
            report.problems.append(f"{path}: not a MARC file ({error})")
            continue
        for record in records:
            report.records += 1
            with transaction.atomic():
                _import_serial(plan, serial_holdings(record), library, title, report, f"{Path(path).name}")
    return report


def _import_serial(plan, serial: SerialHoldings, library, title, report: ImportReport, where: str) -> None:
    where = f"{where} record {serial.local_id or report.records}"
    target = title or _title_for(plan, serial, library, report)
    if target is None:
        report.problems.append(f"{where}: no title of the plan matches it (give --title)")
        return
    for holdings in serial.holdings:
        holder = _library(holdings.institution, library)
        if holder is None:
            report.problems.append(f"{where}: {holdings.institution or '?'} is not a member library")
            continue
        report.problems.extend(f"{where} ({holder.code}): {error}" for error in holdings.errors)
        _save_statement(
            target,
            holder,
            holdings.text or "",
            holdings.extents,
            holdings.missing,
            holdings.notes,
            holdings.errors,
            "record",
        )
        report.statements += 1
        report.commitments += _sudoc_commitments(plan, target, holder, holdings)
    report.commitments += _record_commitments(plan, target, serial.record, library, report, where)


def _title_for(plan, serial: SerialHoldings, library, report) -> PlanTitle | None:
    if serial.issn:
        found = plan.titles.filter(issn=serial.issn.upper()).first()
        if found is None and serial.title:
            report.titles_added += 1
            return add_title(None, plan, title=serial.title, issn=serial.issn, numbering=serial.numbering)
        return found
    if serial.linked_id and library is not None:
        record = SourceRecord.objects.filter(library=library, local_id=serial.linked_id).first()
        if record is not None:
            return plan.titles.filter(record=record).first() or (
                plan.titles.filter(work_id=record.work_id).first() if record.work_id else None
            )
    return None


def _sudoc_commitments(plan, title, holder, holdings: LibraryHoldings) -> int:
    role_text = next(
        (role for code, role in holdings.programmes.items() if code.lower() == plan.programme.lower()), None
    )
    if role_text is None:
        return 0
    role = SUDOC_ROLES.get(role_text.strip().lower(), Commitment.Role.CONTRIBUTOR)
    Commitment.objects.update_or_create(
        title=title, library=holder, defaults={"role": role, "source": Commitment.Source.SUDOC}
    )
    return 1


def _record_commitments(plan, title, record: pymarc.Record, library, report, where) -> int:
    commitments, problems = read_commitments(record)
    report.problems.extend(f"{where}: {problem}" for problem in problems)
    count = 0
    for retention in commitments:
        if retention.programme.lower() != plan.programme.lower():
            continue
        holder = _library(retention.institution, library)
        if holder is None:
            report.problems.append(f"{where}: 583 $5 {retention.institution or '?'} is not a member library")
            continue
        existing = Commitment.objects.filter(title=title, library=holder).first()
        Commitment.objects.update_or_create(
            title=title,
            library=holder,
            defaults={
                "role": existing.role if existing else Commitment.Role.ASSOCIATED,
                "committed_on": retention.committed_on,
                "until": retention.until,
                "materials": retention.materials[:500],
                "source": Commitment.Source.RECORD,
            },
        )
        count += 1
    return count


def read_583(plan: Plan, *, library: Library | None = None) -> ImportReport:
    """Scan the catalog's records of the plan's titles (their works' records) for 583 commitments."""
    report = ImportReport()
    for title in plan.titles.all():
        records = SourceRecord.objects.filter(deleted=False)
        if title.work_id:
            records = records.filter(work_id=title.work_id)
        elif title.record_id:
            records = records.filter(pk=title.record_id)
        else:
            continue
        if library is not None:
            records = records.filter(library=library)
        for source in records.select_related("library"):
            report.records += 1
            for record in _decoded(source, report):
                with transaction.atomic():
                    where = f"{source.library.code}:{source.local_id}"
                    report.commitments += _record_commitments(
                        plan, title, record, source.library, report, where
                    )
    return report


def _decoded(source: SourceRecord, report: ImportReport) -> list[pymarc.Record]:
    try:
        return read_bytes(bytes(source.raw))
    except Exception as error:  # a record the catalog kept but pymarc cannot read again
        report.problems.append(f"{source.library.code}:{source.local_id}: cannot be read ({error})")
        return []


DEMO = Path(__file__).resolve().parents[3] / "demo" / "heritage" / "conservation"


def load_demo() -> ImportReport:
    """The demo plan "PCSHS" (humanities journals, coordinated by the BNRM) from demo/heritage/conservation/:
    the Sudoc-style serials with their holdings and roles, and Hespéris-Tamuda's MARC 21 holdings."""
    coordinator = Library.objects.filter(code="BNRM").first()
    if coordinator is None:
        raise ConservationError(_("The demo network's libraries are not loaded (no library BNRM)."))
    plan = Plan.objects.filter(programme="PCSHS").first() or create_plan(
        None,
        name="Plan de conservation partagée des revues de sciences humaines",
        programme="PCSHS",
        coordinator=coordinator,
        discipline="Histoire, géographie",
    )
    report = import_holdings(plan, [DEMO / "unimarc_serials.xml"])
    title = plan.titles.filter(issn="0018-1005").first() or add_title(
        None, plan, title="Hespéris-Tamuda", issn="0018-1005", numbering="Vol. 1 (1960)-"
    )
    second = import_holdings(plan, [DEMO / "marc21_holdings.xml"], title=title)
    report.records += second.records
    report.statements += second.statements
    report.commitments += second.commitments
    report.problems += second.problems
    if title.statements.exists() and not title.commitments.filter(library__code="UM5").exists():
        um5 = Library.objects.filter(code="UM5").first()
        if um5 is not None:
            assign_role(None, title, um5, Commitment.Role.CONTRIBUTOR)
            report.commitments += 1
    return report


# --- coverage and gaps ---------------------------------------------------------------------------


@dataclass
class TitleView:
    title: PlanTitle
    statements: list[HoldingsStatement]
    commitments: list[Commitment]
    coverage: cov.Coverage

    @property
    def gaps_text(self) -> str:
        return cov.format_intervals(self.coverage.gaps)

    @property
    def held_text(self) -> str:
        return cov.format_intervals(self.coverage.held)


def title_coverage(
    title: PlanTitle, statements: list[HoldingsStatement], today: datetime.date | None = None
) -> cov.Coverage:
    """The years the network holds of ``title`` and its gaps, within the title's span (the years entered
    or read from its numbering; else the widest holdings)."""
    year = (today or datetime.date.today()).year
    held = [
        interval for statement in statements for interval in cov.year_intervals(statement.extent_list(), year)
    ]
    span = cov.title_span([], title.first_year, title.last_year, year)
    return cov.coverage(held, span)


def plan_view(plan: Plan) -> list[TitleView]:
    titles = list(plan.titles.all())
    statements: dict[int, list] = {}
    for statement in HoldingsStatement.objects.filter(title__plan=plan).select_related("library"):
        statements.setdefault(statement.title_id, []).append(statement)
    commitments: dict[int, list] = {}
    for commitment in Commitment.objects.filter(title__plan=plan).select_related("library"):
        commitments.setdefault(commitment.title_id, []).append(commitment)
    return [
        TitleView(
            title,
            statements.get(title.pk, []),
            commitments.get(title.pk, []),
            title_coverage(title, statements.get(title.pk, [])),
        )
        for title in titles
    ]


# --- exports -------------------------------------------------------------------------------------


def export_csv(plan: Plan) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["title", "issn", "library", "role", "committed_on", "until", "holdings", "network_gaps"])
    for row in plan_view(plan):
        commitments = {commitment.library_id: commitment for commitment in row.commitments}
        libraries = {statement.library_id: statement.library for statement in row.statements}
        libraries.update({commitment.library_id: commitment.library for commitment in row.commitments})
        texts = {statement.library_id: statement.text for statement in row.statements}
        for library_id, library in sorted(libraries.items(), key=lambda item: item[1].code):
            commitment = commitments.get(library_id)
            writer.writerow(
                [
                    row.title.title,
                    row.title.issn,
                    library.code,
                    commitment.role if commitment else "",
                    commitment.committed_on.isoformat() if commitment and commitment.committed_on else "",
                    commitment.until.isoformat() if commitment and commitment.until else "",
                    texts.get(library_id, ""),
                    row.gaps_text,
                ]
            )
    return out.getvalue()


def retention_of(commitment: Commitment, programme: str) -> Retention:
    return Retention(
        programme=programme,
        institution=commitment.library.code,
        committed_on=commitment.committed_on,
        until=commitment.until,
        materials=commitment.materials,
    )


def export_marc(plan: Plan) -> bytes:
    """ISO 2709: for each title with commitments, a copy of its catalog record (else a short record made
    from its title and ISSN) with one 583 per commitment; the catalog's records are never changed."""
    out = io.BytesIO()
    for row in plan_view(plan):
        if not row.commitments:
            continue
        base = _record_copy(row.title)
        exported = with_commitments(
            base, [retention_of(commitment, plan.programme) for commitment in row.commitments]
        )
        out.write(exported.as_marc())
    return out.getvalue()


def _record_copy(title: PlanTitle) -> pymarc.Record:
    if title.record_id:
        records = read_bytes(bytes(title.record.raw))
        if records:
            return records[0]
    record = pymarc.Record(force_utf8=True, leader="00000cas a2200000 a 4500")
    if title.issn:
        record.add_field(
            pymarc.Field(
                tag="022",
                indicators=pymarc.Indicators(" ", " "),
                subfields=[pymarc.Subfield("a", title.issn)],
            )
        )
    record.add_field(
        pymarc.Field(
            tag="245", indicators=pymarc.Indicators("0", "0"), subfields=[pymarc.Subfield("a", title.title)]
        )
    )
    return record


# --- the catalog's hook: withdrawing a committed copy --------------------------------------------

WITHDRAWN = {HoldingStatus.LOST.value}


def committed_holding_warnings(holding, changes: dict) -> list[str]:
    """Why withdrawing ``holding`` (marking it lost / withdrawn) needs confirming: its library committed
    to keep the serial in a conservation plan."""
    status = changes.get("status")
    if status is None or str(status) not in WITHDRAWN or holding.status == str(status):
        return []
    record = holding.record
    titles = PlanTitle.objects.filter(record_id=record.pk)
    if record.work_id:
        titles = titles | PlanTitle.objects.filter(work_id=record.work_id)
    commitments = Commitment.objects.filter(title__in=titles, library_id=holding.library_id).select_related(
        "title__plan"
    )
    return [
        _("%(library)s committed to retain this serial as %(role)s of the conservation plan %(plan)s.")
        % {
            "library": holding.library.code,
            "role": commitment.get_role_display(),
            "plan": commitment.title.plan.name,
        }
        for commitment in commitments
    ]

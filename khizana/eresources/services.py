"""What a member may use, and the writes of the electronic-resource registry.

Entitlements (:func:`entitlements_for`) are what the single sign-on provider (khizana.federation) releases
and what "my resources" lists. A member gets a resource:

- ``via="licence"``: a rule of an agreement covers them (their library or every library, their category
  or every category, remote or on site), the rule's dates cover the day, one of the agreement's periods
  covers it, and the agreement's controlling licence is active and in force that day. A library's own
  agreement serves only that library's members;
- ``via="campaign"``: a campaign running at that moment opens the resource (or every licensed one: every
  resource some agreement covers) to every member or to their category;
- ``via="free"``: a free resource, open to everyone (anonymous visitors and unverified readers included).

Only verified memberships (a trusted source vouched for the reader; staff always are) get licences and
campaigns. An agreement without a controlling licence grants nothing.

The entitlement URI: each resource's own ``entitlement`` value when staff set one (for instance
:data:`COMMON_LIB_TERMS`, the value most publishers' platforms expect), else
``<KHIZANA_ERESOURCES_ENTITLEMENT_BASE>/resources/<code>/licence``, one per resource, so a service provider
learns exactly which licence the member holds.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from khizana.accounts import permissions
from khizana.accounts.audit import audit

from .kbart import KbartTitle, lookup_keys, read_kbart
from .models import (
    AccessEvent,
    Agreement,
    Campaign,
    EntitlementRule,
    Licence,
    LicenceTerm,
    PackageTitle,
    Resource,
)

COMMON_LIB_TERMS = "urn:mace:dir:entitlement:common-lib-terms"


@dataclass(frozen=True)
class Grant:
    """One resource a user may use, the eduPersonEntitlement value that says so, and why."""

    resource_id: int
    resource_code: str
    entitlement: str
    via: str  # "licence" | "campaign" | "free"
    rule_id: int | None = None
    campaign_id: int | None = None


def entitlement_uri(code: str, own_value: str = "") -> str:
    """The eduPersonEntitlement value of a resource (see the module's docstring)."""
    if own_value:
        return own_value
    base = str(settings.KHIZANA_ERESOURCES_ENTITLEMENT_BASE).rstrip("/")
    return f"{base}/resources/{code}/licence"


def resource_for_entity_id(entity_id: str) -> Resource | None:
    """The resource whose platform is the SAML service provider ``entity_id``; None when none is."""
    if not entity_id:
        return None
    return Resource.objects.filter(saml_entity_id=entity_id).order_by("pk").first()


def _day(at: datetime) -> date:
    return timezone.localdate(at) if timezone.is_aware(at) else at.date()


def ip_in_ranges(ip: str, ranges: Iterable[str]) -> bool:
    """True when ``ip`` falls in one of ``ranges`` (addresses or CIDR ranges; bad entries are skipped)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for entry in ranges:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def in_force_licences(day: date):
    return Q(agreement__licence__status=Licence.Status.ACTIVE, agreement__licence__start_date__lte=day) & (
        Q(agreement__licence__end_date__isnull=True) | Q(agreement__licence__end_date__gte=day)
    )


def _rule_applies(rule: EntitlementRule, category: str, remote: bool, ip: str | None) -> bool:
    if rule.categories and category not in rule.categories:
        return False
    if remote:
        return rule.remote_allowed
    # On site: a rule with address ranges needs the address in them (when the caller knows it).
    if rule.range_list and ip is not None:
        return ip_in_ranges(ip, rule.range_list) or rule.remote_allowed
    return True


def active_campaigns(at: datetime | None = None):
    at = at or timezone.now()
    return Campaign.objects.filter(starts_at__lte=at, ends_at__gt=at)


def entitlements_for(
    user, *, at: datetime | None = None, remote: bool = True, ip: str | None = None
) -> list[Grant]:
    """Every resource ``user`` may use at ``at`` (now by default), remotely or on site (from ``ip`` when
    given), sorted by resource code; one grant per resource (licence before campaign before free)."""
    at = at or timezone.now()
    day = _day(at)
    found: dict[int, Grant] = {}
    member = permissions.membership(user)
    if member is not None and member.is_verified and member.library_id:
        rules = list(
            EntitlementRule.objects.filter(
                Q(valid_from__isnull=True) | Q(valid_from__lte=day),
                Q(valid_to__isnull=True) | Q(valid_to__gte=day),
                Q(all_libraries=True) | Q(libraries=member.library_id),
                Q(agreement__library__isnull=True) | Q(agreement__library=member.library_id),
                in_force_licences(day),
                agreement__periods__start_date__lte=day,
                agreement__periods__end_date__gte=day,
            )
            .distinct()
            .order_by("pk")
        )
        rule_of_agreement: dict[int, EntitlementRule] = {}
        for rule in rules:
            if _rule_applies(rule, member.category, remote, ip):
                rule_of_agreement.setdefault(rule.agreement_id, rule)
        if rule_of_agreement:
            links = Agreement.resources.through.objects.filter(
                agreement_id__in=rule_of_agreement
            ).values_list("agreement_id", "resource_id", "resource__code", "resource__entitlement")
            for agreement_id, resource_id, code, own in links.order_by("agreement_id"):
                if resource_id not in found:
                    rule = rule_of_agreement[agreement_id]
                    found[resource_id] = Grant(
                        resource_id, code, entitlement_uri(code, own), "licence", rule_id=rule.pk
                    )
        campaigns = [
            c
            for c in active_campaigns(at).order_by("starts_at", "pk")
            if not c.category or c.category == member.category
        ]
        if campaigns:
            everything = next((c for c in campaigns if c.all_resources), None)
            if everything is not None:
                opened = (
                    Resource.objects.filter(is_free=False, agreements__isnull=False)
                    .distinct()
                    .values_list("pk", "code", "entitlement")
                )
                rows = [(everything.pk, *row) for row in opened]
            else:
                rows = Campaign.resources.through.objects.filter(
                    campaign_id__in=[c.pk for c in campaigns]
                ).values_list("campaign_id", "resource_id", "resource__code", "resource__entitlement")
            for campaign_id, resource_id, code, own in rows:
                if resource_id not in found:
                    found[resource_id] = Grant(
                        resource_id, code, entitlement_uri(code, own), "campaign", campaign_id=campaign_id
                    )
    for resource_id, code, own in Resource.objects.filter(is_free=True).values_list(
        "pk", "code", "entitlement"
    ):
        if resource_id not in found:
            found[resource_id] = Grant(resource_id, code, entitlement_uri(code, own), "free")
    return sorted(found.values(), key=lambda grant: grant.resource_code)


def grant_for(
    user, resource: Resource, *, at: datetime | None = None, remote: bool = True, ip: str | None = None
):
    """The grant of ``resource`` to ``user`` now, or None."""
    return next(
        (g for g in entitlements_for(user, at=at, remote=remote, ip=ip) if g.resource_id == resource.pk), None
    )


# --- licence terms ------------------------------------------------------------------------------------


def effective_terms(
    licence: Licence, day: date | None = None, *, public_only: bool = False
) -> list[LicenceTerm]:
    """The licence's terms on ``day``: those of the licence, each type replaced by the terms of the latest
    amendment in effect that day that changes it."""
    day = day or timezone.localdate()
    terms = list(
        LicenceTerm.objects.filter(licence=licence)
        .filter(Q(amendment__isnull=True) | Q(amendment__effective_date__lte=day))
        .select_related("amendment")
    )
    by_type: dict[str, list[LicenceTerm]] = {}
    level: dict[str, tuple] = {}
    for term in terms:
        key = (term.amendment.effective_date, term.amendment_id) if term.amendment_id else (date.min, 0)
        current = level.get(term.term_type)
        if current is None or key > current:
            level[term.term_type] = key
            by_type[term.term_type] = [term]
        elif key == current:
            by_type[term.term_type].append(term)
    result = [t for group in by_type.values() for t in group if t.is_public or not public_only]
    return sorted(result, key=lambda t: (t.term_type, t.pk))


def public_terms_of(resource: Resource, day: date | None = None) -> list[tuple[Licence, list[LicenceTerm]]]:
    """For a resource's public page: each in-force licence of its agreements and its public terms."""
    day = day or timezone.localdate()
    licences = Licence.objects.filter(agreements__resources=resource).distinct()
    return [(lic, effective_terms(lic, day, public_only=True)) for lic in licences if lic.in_force(day)]


# --- one-click access -----------------------------------------------------------------------------------


class AccessRefused(Exception):
    """The member may not open the resource now; the message says why (translated)."""


def record_access(user, resource: Resource, *, remote: bool = True, ip: str | None = None) -> AccessEvent:
    """Checks the entitlement again, the simultaneous-user limit of the rule that grants it, and records the
    access. Raises :class:`AccessRefused`."""
    from django.utils.translation import gettext as _

    grant = grant_for(user, resource, remote=remote, ip=ip)
    if grant is None:
        raise AccessRefused(_("You are not entitled to use %(resource)s.") % {"resource": resource.name})
    member = permissions.membership(user)
    if grant.rule_id is not None:
        limit = EntitlementRule.objects.values_list("simultaneous_users", flat=True).get(pk=grant.rule_id)
        if limit:
            since = timezone.now() - timedelta(minutes=int(settings.KHIZANA_ERESOURCES_SESSION_MINUTES))
            others = (
                AccessEvent.objects.filter(rule_id=grant.rule_id, resource=resource, at__gte=since)
                .exclude(user=user)
                .values("user")
                .distinct()
                .count()
            )
            if others >= limit:
                raise AccessRefused(
                    _("All %(limit)s simultaneous accesses to %(resource)s are in use; try again later.")
                    % {"limit": limit, "resource": resource.name}
                )
    return AccessEvent.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        resource=resource,
        library_id=member.library_id if member else None,
        category=member.category if member else "",
        via=grant.via,
        rule_id=grant.rule_id,
        campaign_id=grant.campaign_id,
    )


# --- who may change what --------------------------------------------------------------------------------


def may_manage_network(user) -> bool:
    """Resources, their title lists and campaigns belong to the network: its administrators manage them."""
    return permissions.is_network_admin(user)


def may_manage_for(user, library_id: int | None) -> bool:
    """Licences, agreements and free lists of a library: its administrator or a network administrator;
    those of the network (no library): network administrators."""
    if library_id is None:
        return permissions.is_network_admin(user)
    return permissions.can_manage_staff(user, library_id)


def may_enter_staff_pages(user) -> bool:
    return permissions.role(user) in ("library_admin", "network_admin")


def _require(allowed: bool) -> None:
    if not allowed:
        from django.utils.translation import gettext as _

        raise PermissionDenied(_("You may not change this."))


# --- KBART title lists ------------------------------------------------------------------------------------


@dataclass
class TitleLoad:
    """What a title-list load did."""

    filename: str
    rows_read: int = 0
    added: int = 0
    removed: int = 0
    already_there: int = 0
    errors: list[str] = field(default_factory=list)
    rejected_rows: int = 0

    def summary(self) -> str:
        from django.utils.translation import gettext as _

        return _(
            "%(file)s: %(read)s rows read, %(added)s titles added, %(removed)s removed, "
            "%(kept)s already in the list, %(rejected)s rows rejected"
        ) % {
            "file": self.filename,
            "read": self.rows_read,
            "added": self.added,
            "removed": self.removed,
            "kept": self.already_there,
            "rejected": self.rejected_rows,
        }


def _title_key(values: dict, print_id: str, online_id: str) -> tuple:
    return (print_id, online_id, values.get("title_id", ""), values.get("publication_title", "").casefold())


def _package_title(resource: Resource, title: KbartTitle) -> PackageTitle:
    v = title.values

    def cut(name: str, size: int) -> str:
        return v.get(name, "")[:size]

    return PackageTitle(
        resource=resource,
        publication_title=cut("publication_title", 1000),
        sort_title=sort_key(v.get("publication_title", "")),
        publication_type=cut("publication_type", 16),
        print_identifier=cut("print_identifier", 32),
        online_identifier=cut("online_identifier", 32),
        print_id=title.print_id,
        online_id=title.online_id,
        date_first_issue_online=cut("date_first_issue_online", 10),
        num_first_vol_online=cut("num_first_vol_online", 32),
        num_first_issue_online=cut("num_first_issue_online", 32),
        date_last_issue_online=cut("date_last_issue_online", 10),
        num_last_vol_online=cut("num_last_vol_online", 32),
        num_last_issue_online=cut("num_last_issue_online", 32),
        title_url=cut("title_url", 1000),
        first_author=cut("first_author", 255),
        title_id=cut("title_id", 255),
        embargo_info=cut("embargo_info", 16),
        coverage_depth=cut("coverage_depth", 32),
        publisher_name=cut("publisher_name", 255),
        access_type=cut("access_type", 1),
    )


def sort_key(title: str) -> str:
    """The A-Z key of a title: case-folded, without accents and leading punctuation."""
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", title.casefold()) if not unicodedata.combining(c)
    )
    return stripped.lstrip(" \"'«“‘([-–—.…").strip()[:255]


def load_titles(user, resource: Resource, data: bytes, filename: str, *, add_only: bool = False) -> TitleLoad:
    """Loads a KBART file into the title list of ``resource``, in one transaction: a full load replaces the
    list, an add-only load adds the titles not in it yet. Bad rows are rejected and reported (the others
    load). Raises :class:`~khizana.eresources.kbart.KbartFileError` (nothing written) when the file is not
    KBART, PermissionDenied unless ``user`` manages the network's resources (``user=None``: the command
    line, trusted)."""
    if user is not None:
        _require(may_manage_network(user))
    parsed = read_kbart(data, filename)
    report = TitleLoad(
        filename=filename,
        rows_read=parsed.rows_read,
        errors=[str(error) for error in parsed.errors],
        rejected_rows=len(parsed.rejected_lines),
    )
    with transaction.atomic():
        Resource.objects.select_for_update().filter(pk=resource.pk).first()
        seen: set[tuple] = set()
        if add_only:
            for row in PackageTitle.objects.filter(resource=resource).values_list(
                "print_id", "online_id", "title_id", "publication_title"
            ):
                seen.add((row[0], row[1], row[2], row[3].casefold()))
        else:
            report.removed, _ = PackageTitle.objects.filter(resource=resource).delete()
        new = []
        for title in parsed.titles:
            key = _title_key(title.values, title.print_id, title.online_id)
            if key in seen:
                report.already_there += 1
                continue
            seen.add(key)
            new.append(_package_title(resource, title))
        PackageTitle.objects.bulk_create(new, batch_size=2000)
        report.added = len(new)
        if user is not None:
            audit(
                user,
                None,
                "eresources.load_titles",
                resource.code,
                file=filename,
                add_only=add_only,
                added=report.added,
                removed=report.removed,
                rejected=report.rejected_rows,
            )
    return report


def titles_for_identifiers(identifiers: Iterable[str]) -> list[PackageTitle]:
    """The package titles that hold any of ``identifiers`` (ISSN, ISBN in any form), with their resource:
    one query."""
    keys = sorted({key for value in identifiers if value for key in lookup_keys(value)})
    if not keys:
        return []
    return list(
        PackageTitle.objects.filter(Q(print_id__in=keys) | Q(online_id__in=keys))
        .select_related("resource")
        .order_by("resource__sort_name", "sort_title")
    )


# --- staff writes ----------------------------------------------------------------------------------------

# ``before`` of a new object (it belonged to no library before).
NEW = _NEW = object()


def owner_of(obj) -> int | None:
    """The library an object of the registry belongs to (None: the network's)."""
    for parent in ("licence", "agreement", "free_list"):
        if hasattr(obj, f"{parent}_id") and not hasattr(obj, "library_id"):
            return getattr(obj, parent).library_id
    return getattr(obj, "library_id", None)


def may_manage(user, obj) -> bool:
    return may_manage_for(user, owner_of(obj))


def save_form(user, form, *, before: int | object | None, action: str):
    """Saves a valid model form of the registry, in one transaction, if ``user`` manages both the library
    the stored object belonged to (``before``; not given for a new object) and the one it belongs to now;
    audited. Raises PermissionDenied."""
    obj = form.instance
    owners = [owner_of(obj)]
    if before is not _NEW:
        owners.append(before)
    _require(all(may_manage_for(user, owner) for owner in owners))
    with transaction.atomic():
        obj = form.save()
        audit(user, owner_of(obj), action, f"{type(obj).__name__} {obj.pk}: {obj}"[:255])
    return obj


def delete_object(user, obj, *, action: str) -> None:
    _require(may_manage(user, obj))
    with transaction.atomic():
        audit(user, owner_of(obj), action, f"{type(obj).__name__} {obj.pk}: {obj}"[:255])
        obj.delete()

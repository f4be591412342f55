"""Shared objects of the e-resource tests: resources, a licence, an agreement covering today, a rule."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from khizana.eresources.models import Agreement, AgreementPeriod, EntitlementRule, Licence, Resource


def make_resource(code: str, **extra) -> Resource:
    defaults = {
        "name_fr": code.capitalize(),
        "kind": Resource.Kind.DATABASE,
        "platform_url": f"https://{code}.example.org/",
        "access_method": Resource.AccessMethod.SAML,
        "provider": "Provider",
    }
    return Resource.objects.create(code=code, **{**defaults, **extra})


def make_agreement(
    resources,
    *,
    libraries=(),
    all_libraries: bool = False,
    categories=(),
    licence: Licence | None = None,
    start: date | None = None,
    end: date | None = None,
    library=None,
    **rule,
) -> tuple[Agreement, EntitlementRule]:
    """An agreement on ``resources`` with a licence and a period covering today (unless told otherwise),
    and one rule."""
    today = timezone.localdate()
    start = start or today - timedelta(days=30)
    end = end or today + timedelta(days=335)
    if licence is None:
        licence = Licence.objects.create(name="Licence", start_date=start, end_date=end, library=library)
    agreement = Agreement.objects.create(name="Agreement", licence=licence, library=library)
    agreement.resources.set(resources)
    AgreementPeriod.objects.create(agreement=agreement, start_date=start, end_date=end, cost_per_year=1000)
    made = EntitlementRule.objects.create(
        agreement=agreement, all_libraries=all_libraries, categories=list(categories), **rule
    )
    made.libraries.set(libraries)
    return agreement, made

"""Loading the demo electronic resources of ``demo/eresources/`` (``khizana eresources demo``): resources,
their title lists, a licence and an agreement for the demo libraries, a list of free resources. Loading
again updates the resources and reloads their lists; it never duplicates."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from khizana.libraries.models import Library

from .models import (
    Agreement,
    AgreementPeriod,
    EntitlementRule,
    FreeList,
    FreeListEntry,
    Licence,
    LicenceTerm,
    Resource,
)
from .services import load_titles

DEMO_DIR = Path(settings.BASE_DIR) / "demo" / "eresources"


def load_demo(folder: Path = DEMO_DIR) -> list[str]:
    spec = json.loads((folder / "resources.json").read_text(encoding="utf-8"))
    lines: list[str] = []
    today = timezone.localdate()
    with transaction.atomic():
        resources = {}
        for row in spec["resources"]:
            fields = {key: value for key, value in row.items() if key not in ("code", "kbart")}
            resource, _ = Resource.objects.update_or_create(code=row["code"], defaults=fields)
            resources[row["code"]] = resource
            if row.get("kbart"):
                report = load_titles(None, resource, (folder / row["kbart"]).read_bytes(), row["kbart"])
                lines.append(report.summary())
        lines.append(f"{len(resources)} resources")
        licence_spec = spec["licence"]
        licence, created = Licence.objects.get_or_create(
            name=licence_spec["name"],
            defaults={"licensor": licence_spec["licensor"], "start_date": date(today.year, 1, 1)},
        )
        if created:
            for term_type, value, public in licence_spec["terms"]:
                LicenceTerm.objects.create(
                    licence=licence, term_type=term_type, value=value, is_public=public
                )
        agreement_spec = spec["agreement"]
        agreement, created = Agreement.objects.get_or_create(
            name=agreement_spec["name"], defaults={"vendor": agreement_spec["vendor"], "licence": licence}
        )
        agreement.resources.set([resources[code] for code in agreement_spec["resources"]])
        if created:
            AgreementPeriod.objects.create(
                agreement=agreement,
                start_date=date(today.year, 1, 1),
                end_date=date(today.year, 12, 31),
                cancellation_deadline=date(today.year, 9, 30),
                cost_per_year=agreement_spec["cost_per_year"],
                currency=agreement_spec["currency"],
            )
            rule = EntitlementRule.objects.create(
                agreement=agreement, categories=agreement_spec["categories"]
            )
            rule.libraries.set(Library.objects.filter(code__in=agreement_spec["libraries"]))
        lines.append(f"agreement {agreement.name!r}: {agreement.resources.count()} resources")
        for list_spec in spec["free_lists"]:
            fields = {key: value for key, value in list_spec.items() if key not in ("code", "entries")}
            free_list, _ = FreeList.objects.update_or_create(code=list_spec["code"], defaults=fields)
            for position, (title, url) in enumerate(list_spec["entries"]):
                FreeListEntry.objects.update_or_create(
                    free_list=free_list, url=url, defaults={"title": title, "position": position}
                )
        lines.append(f"{len(spec['free_lists'])} lists of free resources")
    return lines

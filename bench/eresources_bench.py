"""Electronic resources: server time of the A-Z page of resources, the A-Z of journals and "my resources"
with 2,000 resources and 50,000 KBART titles (issue 16).

    .venv/bin/python bench/eresources_bench.py [--resources 2000] [--titles 50000] [--requests 200]

Builds a throw-away SQLite database in a temporary data directory (or uses DATABASE_URL), generates the
resources (a tenth free), the package titles (spread over the journal packages, generated rows with valid
ISSNs), 40 agreements with their licences, periods and rules (a member of the first library holds
about 400 resources through them) and a running campaign, then requests each page through Django's test
client (the whole request cycle: middleware, views, templates; no network), round-robin over a few URLs,
after one warm-up pass. Prints median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def issn_with_check(seven: int) -> str:
    digits = f"{seven:07d}"
    total = sum(int(d) * w for d, w in zip(digits, range(8, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return f"{digits[:4]}-{digits[4:]}{'X' if check == 10 else check}"


def build(resources: int, titles: int):
    from django.utils import timezone

    from khizana.accounts.models import Membership
    from khizana.eresources.models import (
        Agreement,
        AgreementPeriod,
        Campaign,
        EntitlementRule,
        Licence,
        PackageTitle,
        Resource,
    )
    from khizana.testing import make_library, make_user

    libraries = [make_library(f"L{i:02d}") for i in range(10)]
    kinds = ["database", "journal_package", "ebook_platform", "open_archive"]
    subjects = ["sciences", "médecine", "droit", "économie", "histoire", "lettres", "ingénierie"]
    made = Resource.objects.bulk_create(
        Resource(
            code=f"r{i:05d}",
            name_fr=f"Ressource {i:05d}",
            sort_name=f"ressource {i:05d}",
            kind="free_resource" if i % 10 == 0 else kinds[i % 4],
            is_free=i % 10 == 0,
            provider=f"Provider {i % 50}",
            platform_url=f"https://r{i}.example.org/",
            subjects=f"{subjects[i % 7]}, {subjects[(i + 3) % 7]}",
            languages="fr, en" if i % 3 else "ar",
            access_method="saml",
        )
        for i in range(resources)
    )
    packages = [r for r in made if r.kind == "journal_package"]
    rows = []
    for i in range(titles):
        rows.append(
            PackageTitle(
                resource=packages[i % len(packages)],
                publication_title=f"Revue {i:06d}",
                sort_title=f"revue {i:06d}",
                publication_type="serial",
                print_identifier=issn_with_check(1000000 + i),
                print_id=issn_with_check(1000000 + i),
                online_identifier=issn_with_check(2000000 + i),
                online_id=issn_with_check(2000000 + i),
                title_url=f"https://journals.example.org/{i}",
                access_type="P",
            )
        )
    PackageTitle.objects.bulk_create(rows, batch_size=5000)
    today = timezone.localdate()
    licensed = [r for r in made if not r.is_free]
    for n in range(40):
        licence = Licence.objects.create(name=f"Licence {n}", start_date=today - timedelta(days=10))
        agreement = Agreement.objects.create(name=f"Agreement {n}", licence=licence)
        agreement.resources.set(licensed[n * 45 : (n + 1) * 45])
        AgreementPeriod.objects.create(
            agreement=agreement, start_date=today - timedelta(days=10), end_date=today + timedelta(days=300)
        )
        rule = EntitlementRule.objects.create(agreement=agreement, categories=["researcher"] if n % 2 else [])
        rule.libraries.set(libraries[: 1 + n % 3] if n < 10 else libraries[1 + n % 9 : 2 + n % 9])
    now = timezone.now()
    campaign = Campaign.objects.create(
        name="c", message_fr="Campagne", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=1)
    )
    campaign.resources.set(licensed[-30:])
    user = make_user("member", "reader", libraries[0])
    Membership.objects.filter(user=user).update(category="researcher")
    return user


def measure(client, paths: list[str], requests: int) -> tuple[float, float, int]:
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    times = []
    for i in range(requests):
        start = time.perf_counter()
        client.get(paths[i % len(paths)])
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], len(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--titles", type=int, default=50000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("KHIZANA_DATA_DIR", tempfile.mkdtemp(prefix="khizana-eresources-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khizana.settings")
    os.environ.setdefault("KHIZANA_PLAIN_STATIC", "1")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    user = build(args.resources, args.titles)
    took = time.perf_counter() - start
    print(f"built {args.resources:,} resources and {args.titles:,} titles in {took:.1f} s")
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="fr")
    member = Client(HTTP_ACCEPT_LANGUAGE="fr")
    member.force_login(user)
    pages = {
        "A-Z of resources": (
            anonymous,
            [
                "/resources/",
                "/resources/?page=7",
                "/resources/?subject=droit",
                "/resources/?kind=database&page=2",
            ],
        ),
        "my resources": (member, ["/resources/mine/"]),
    }
    pages["A-Z of journals"] = (
        anonymous,
        [
            "/resources/journals/",
            "/resources/journals/?q=revue+0012",
            f"/resources/journals/?q={issn_with_check(1000017)}",
        ],
    )
    print("| page | requests | median ms | p95 ms |\n|---|---:|---:|---:|")
    for name, (client, paths) in pages.items():
        median, p95, count = measure(client, paths, args.requests)
        print(f"| {name} | {count} | {median:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()

from __future__ import annotations

import argparse
import json

from django.core.management.base import BaseCommand, CommandError

from khizana.search.services import FACETS, MAX_OFFSET, MAX_PAGE_SIZE, SORTS, search

EXIT_CODES = (
    "Exit codes: 0 the search ran (no hits included; without a search index it says so and finds "
    "nothing); 2 wrong usage (an unknown facet, a page size or page out of range)."
)


def _whole_number(low: int, high: int):
    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{number} is not between {low} and {high}")
        return number

    return parse


class Command(BaseCommand):
    help = 'Search the network from the command line, e.g. khizana search "ابن خلدون" --facet language=ara'

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, epilog=EXIT_CODES, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="*")
        parser.add_argument(
            "--facet",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=f"Filter on a facet ({', '.join(FACETS)}); repeat for several.",
        )
        parser.add_argument("--sort", choices=list(SORTS), default="relevance")
        parser.add_argument("--page", type=_whole_number(1, MAX_OFFSET), default=1, metavar="N")
        parser.add_argument(
            "--page-size",
            type=_whole_number(1, MAX_PAGE_SIZE),
            default=20,
            metavar="N",
            help=f"Works per page, 1 to {MAX_PAGE_SIZE} (default: 20).",
        )
        parser.add_argument("--facets", action="store_true", help="Print the facet counts too.")
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print the results as one JSON object: total, hits (work_id, title, authors, year, "
            "libraries, score), facets (name -> [{value, count}]), and how the query was read.",
        )

    def handle(self, *args, **options):
        filters: dict[str, list[str]] = {}
        for item in options["facet"]:
            name, equals, value = item.partition("=")
            if not equals or not value:
                raise CommandError(f"--facet {item!r}: expected NAME=VALUE", returncode=2)
            if name not in FACETS:
                known = ", ".join(FACETS)
                raise CommandError(f"--facet {item!r}: no facet {name!r} (known: {known})", returncode=2)
            filters.setdefault(name, []).append(value)
        page, page_size = options["page"], options["page_size"]
        if (page - 1) * page_size >= MAX_OFFSET:
            raise CommandError(
                f"--page {page} with --page-size {page_size} starts past the first {MAX_OFFSET} works: "
                "narrow the search instead",
                returncode=2,
            )
        results = search(
            " ".join(options["query"]),
            filters,
            options["sort"],
            page,
            page_size,
            facets=options["facets"] or options["json"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(_as_json(results), ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{results.total} works ({results.elapsed_ms:.1f} ms) — read as: {results.read_as}")
        for note in results.notes:
            self.stdout.write(f"  note: {note}")
        if results.did_you_mean:
            self.stdout.write(f"  did you mean: {results.did_you_mean}")
        for hit in results.hits:
            authors = "; ".join(hit.authors[:2])
            self.stdout.write(
                f"{hit.work_id:>8}  {hit.title[:70]:<70}  {authors[:30]:<30} {hit.year or '':>4}  "
                f"{hit.library_count} lib."
            )
        if options["facets"]:
            for name, values in results.facets.items():
                shown = ", ".join(f"{value} ({count})" for value, count in values[:10])
                self.stdout.write(f"[{name}] {shown}")


def _as_json(results) -> dict:
    return {
        "query": results.query,
        "read_as": results.read_as,
        "notes": [str(note) for note in results.notes],
        "did_you_mean": results.did_you_mean,
        "total": results.total,
        "page": results.page,
        "page_size": results.page_size,
        "sort": results.sort,
        "hits": [
            {
                "work_id": hit.work_id,
                "title": hit.title,
                "authors": hit.authors,
                "year": hit.year,
                "libraries": hit.libraries,
                "score": round(hit.score, 4),
            }
            for hit in results.hits
        ],
        "facets": {
            name: [{"value": value, "count": count} for value, count in values]
            for name, values in results.facets.items()
        },
    }

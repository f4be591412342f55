"""The ``khizana`` command: a thin wrapper over Django's management commands.

``khizana import ...`` runs ``manage.py import ...``; every sub-command has ``--help``.
"""

from __future__ import annotations

import os
import sys

# Khizana's own commands, shown by ``khizana --help``; Django's (migrate, createsuperuser, ...) work too.
COMMANDS = {
    "import": "Load record files (MARC21, UNIMARC, MARCXML, Dublin Core, CSV) into a member library.",
    "import-report": "Show or write the rejected records of an import run.",
    "cluster": "Re-cluster records into works (the records an import changed, or --all).",
    "split-record": "Take a source record out of its work, for good (a manual decision).",
    "join-works": "Join two works into one, for good (a manual decision).",
    "libraries": "List the member libraries and what they hold.",
    "library": "Add a member library or show one (add CODE --name ... --city ... --country ... | show CODE).",
    "members": "Load a library's member file (CSV, TSV, XLSX) that verifies readers' memberships.",
    "index": "Rebuild, synchronise or describe the search index (rebuild | sync | status).",
    "backup": "Write a dated backup archive (database, kept files, checksums) of this installation.",
    "restore": "Restore a backup archive into an empty installation, then rebuild the search index.",
    "index-publish": "Copy the live search index generation to the web nodes' index directories.",
    "search": "Search the network's works from the command line.",
    "harvest": "Harvest a member library (or --all with an endpoint) over OAI-PMH, incrementally.",
    "registry": "Load the institution registry (ROR extracts), export it, add local institutions.",
    "affiliations": "Match Scopus / Web of Science affiliations, report anomalies, manage research offices.",
    "api-token": "Create, list or revoke the REST API tokens of staff accounts.",
    "digital": "Add digital copies (PDF, EPUB, page images): add WORK FILE... | import FOLDER --map CSV.",
    "eresources": "Electronic resources: load-kbart CODE FILE [--add-only] | check-links | demo.",
    "sso": "Single sign-on: list the service providers, add-sp FILE --by USER [--resource CODE].",
    "events": "Training and events: remind (e-mail tomorrow's registrants now) | demo.",
    "ill-timeouts": "Interlibrary loan: send unanswered requests to the next lender, delete expired copies.",
    "demo": "Create the demo network from demo/ (libraries and their records).",
    "create-staff": "Create a staff account (cataloguer, library or network administrator) for a library.",
    "migrate": "Create or update the database tables (Django).",
    "django-help": "List every Django management command.",
    "createsuperuser": "Create a network administrator account (Django).",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khizana.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or (args[0] in {"-h", "--help", "help"} and len(args) == 1):
        print(_overview())
        return
    if args[0] in COMMANDS:
        args[0] = args[0].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["khizana", *args])


def _overview() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [
        "usage: khizana COMMAND [options]   (khizana COMMAND --help for each command)",
        "",
        "Khizana runs a network of libraries as one union catalog.",
        "",
        "commands:",
        *(f"  {name:<{width}}  {text}" for name, text in COMMANDS.items()),
        "",
        "Every Django management command is available too: khizana django-help lists them.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

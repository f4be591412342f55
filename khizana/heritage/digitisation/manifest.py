"""The manifest CSV of a digitisation batch, as service providers deliver it (no Django import).

One line per page: ``item`` (the programme's item number) or ``record`` (a record key: work id, ISBN or
local id, read by the digital library's ``resolve_record``), ``folder`` (the item's folder in the batch),
``file`` (the page image in that folder), ``order`` (reading order, a number) and ``label`` (the printed
page number, optional). A line without ``file`` stands for every page image of the folder, in natural
order. Column names are case-insensitive; ``page`` is read as ``order``, ``identifier`` as ``item``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field


def gettext_noop(message: str) -> str:
    """Marks an English template for translation (makemessages finds it); the Django side translates."""
    return message


_ALIASES = {"page": "order", "identifier": "item", "record_key": "record", "directory": "folder"}


@dataclass
class Page:
    line: int
    file: str
    order: int | None
    label: str = ""


@dataclass
class ManifestItem:
    """The pages of one item of the batch, gathered from its lines."""

    key: str  # "item:12" or the record key as written
    folder: str
    first_line: int
    pages: list[Page] = field(default_factory=list)
    whole_folder: bool = False


@dataclass
class LineError:
    line: int
    template: str
    params: dict


def read_manifest(text: str) -> tuple[list[ManifestItem], list[LineError]]:
    """The items of a manifest and the errors of its lines (every line is read, so all errors are told
    at once)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [_column(name) for name in reader.fieldnames or []]
    errors: list[LineError] = []
    if "folder" not in columns or not {"item", "record"} & set(columns):
        found = ", ".join(name for name in columns if name) or "-"
        return [], [
            LineError(
                1,
                gettext_noop(
                    "the manifest needs a 'folder' column and an 'item' or 'record' column (found: %(found)s)"
                ),
                {"found": found},
            )
        ]
    items: dict[tuple[str, str], ManifestItem] = {}
    for line, raw in enumerate(reader, start=2):
        values = {_column(k): (v or "").strip() for k, v in raw.items() if k}
        key = f"item:{values['item']}" if values.get("item") else values.get("record", "")
        folder = values.get("folder", "")
        if not key:
            errors.append(LineError(line, gettext_noop("no item number or record key"), {}))
            continue
        if values.get("item") and not values["item"].isdigit():
            errors.append(
                LineError(
                    line, gettext_noop("the item number %(item)s is not a number"), {"item": values["item"]}
                )
            )
            continue
        if not folder:
            errors.append(LineError(line, gettext_noop("no folder named"), {}))
            continue
        entry = items.setdefault((key, folder), ManifestItem(key=key, folder=folder, first_line=line))
        if not values.get("file"):
            entry.whole_folder = True
            continue
        order = values.get("order", "")
        if order and not order.isdigit():
            errors.append(
                LineError(line, gettext_noop("the page order %(order)s is not a number"), {"order": order})
            )
            continue
        entry.pages.append(Page(line, values["file"], int(order) if order else None, values.get("label", "")))
    for entry in items.values():
        errors.extend(_check_order(entry))
    keys = [entry.key for entry in items.values()]
    for entry in items.values():
        if keys.count(entry.key) > 1:
            errors.append(
                LineError(
                    entry.first_line,
                    gettext_noop("%(key)s is named with several folders"),
                    {"key": entry.key},
                )
            )
    return sorted(items.values(), key=lambda entry: entry.first_line), errors


def _column(name: str | None) -> str:
    name = (name or "").strip().lower()
    return _ALIASES.get(name, name)


def _check_order(entry: ManifestItem) -> list[LineError]:
    if entry.whole_folder and entry.pages:
        return [
            LineError(
                entry.first_line,
                gettext_noop("%(folder)s: both whole-folder and page lines"),
                {"folder": entry.folder},
            )
        ]
    errors = []
    seen: dict[int, int] = {}
    for page in entry.pages:
        if page.order is None:
            continue
        if page.order in seen:
            errors.append(
                LineError(
                    page.line,
                    gettext_noop("page order %(order)s already given on line %(other)s"),
                    {"order": str(page.order), "other": str(seen[page.order])},
                )
            )
        seen[page.order] = page.line
    numbered = [page.order is not None for page in entry.pages]
    if any(numbered) and not all(numbered):
        errors.append(
            LineError(
                entry.first_line,
                gettext_noop("%(folder)s: give an order to every page or to none"),
                {"folder": entry.folder},
            )
        )
    if all(numbered):
        entry.pages.sort(key=lambda page: page.order or 0)
    return errors

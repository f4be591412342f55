"""Reports staff download: the rejected records of an import run."""

from __future__ import annotations

import base64
import csv
from typing import TextIO

from .models import ImportRun

REJECT_COLUMNS = ["file", "record", "byte_offset", "local_id", "reason", "raw_base64"]


def write_rejects_csv(run: ImportRun, out: TextIO) -> int:
    """Write one CSV row per rejected record of ``run`` (its bytes in base64); returns the count."""
    writer = csv.writer(out)
    writer.writerow(REJECT_COLUMNS)
    count = 0
    for reject in run.rejects.order_by("number").iterator():
        writer.writerow(
            [
                run.filename,
                reject.number,
                reject.offset,
                reject.local_id,
                reject.reason,
                base64.b64encode(bytes(reject.raw)).decode("ascii"),
            ]
        )
        count += 1
    return count

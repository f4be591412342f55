"""Harvest one report from a SUSHI server with celus-nigiri's R5.1 client (run by .venv-sushi's Python,
not Khizana's: nigiri pins requests and lxml versions of its own). Prints the records and exceptions as
JSON. Usage: nigiri_harvest.py URL CUSTOMER_ID REQUESTOR_ID API_KEY REPORT BEGIN END"""

import json
import sys
import tempfile

from celus_nigiri.client import Sushi51Client


def main(url, customer_id, requestor_id, api_key, report, begin, end):
    client = Sushi51Client(url, customer_id, requestor_id=requestor_id, extra_params={"api_key": api_key})
    with tempfile.TemporaryFile() as output:
        found = client.get_report_data(report, begin, end, output_content=output)
        records = [
            {
                "title": record.title,
                "item": record.item,
                "metric": record.metric,
                "month": record.start.isoformat()[:7],
                "value": record.value,
                "dimensions": record.dimension_data,
            }
            for record in (found.read_report(*found.fd_to_dicts(output)) if found.record_found else [])
        ]
    print(
        json.dumps(
            {
                "http_status": found.http_status_code,
                "errors": [str(getattr(e, "code", e)) for e in found.errors],
                "warnings": [str(getattr(e, "code", e)) for e in found.warnings],
                "records": records,
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:])

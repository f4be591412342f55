"""Lending licensed items: licences (licences.py, no Django), loans and waiting lists (loans.py), signed
download links (signing.py), the pages (views.py)."""

"""Reading online: the item page, the PDF.js and epub.js readers and the file delivery to them (views.py),
what they say about an item (services.py), byte ranges and ETags (ranges.py, no Django)."""

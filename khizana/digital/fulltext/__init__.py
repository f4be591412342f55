"""Full text: extraction, OCR runs and search inside one item (services.py), Tesseract (ocr.py), text cleaning
(textclean.py), the search page (views.py)."""

import mimetypes

from django.apps import AppConfig


class DigitalConfig(AppConfig):
    name = "khizana.digital"
    verbose_name = "Digital library"

    def ready(self) -> None:
        # PDF.js ships ES modules (.mjs): browsers load them only when served as JavaScript, and not every
        # system's mime.types knows the extension.
        mimetypes.add_type("text/javascript", ".mjs")
        mimetypes.add_type("application/epub+zip", ".epub")
        from khizana.catalog import extensions

        from .fulltext.services import work_index_terms
        from .models import records_with_items

        # The catalog offers these hooks: a work with a digital copy is available as "digital", and the
        # words of its copies are indexed with it.
        extensions.register_availability("digital", records_with_items)
        extensions.register_work_text("digital", work_index_terms)

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

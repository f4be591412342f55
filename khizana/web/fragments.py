"""HTML fragments built in Python rather than in templates: highlighted hits, JSON inside a <script>."""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from khizana.search.services import Highlighted


def highlighted_html(pieces: Iterable[Highlighted]) -> SafeString:
    """Text pieces of a hit, the matching ones in <mark>."""
    return mark_safe(  # every piece is escaped
        "".join(f"<mark>{escape(p.text)}</mark>" if p.match else escape(p.text) for p in pieces)
    )


def json_for_script(data: Any) -> SafeString:
    """JSON safe inside a <script> element."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)

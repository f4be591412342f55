from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def language_choices() -> list[tuple[str, str]]:
    """The languages of the site, each named in its own language (as settings.LANGUAGES writes them)."""
    return [(code, str(name)) for code, name in settings.LANGUAGES]

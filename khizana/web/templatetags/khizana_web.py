from django import template
from django.conf import settings
from django.utils.formats import number_format

register = template.Library()


@register.simple_tag
def language_choices() -> list[tuple[str, str]]:
    """The languages of the site, each named in its own language (as settings.LANGUAGES writes them)."""
    return [(code, str(name)) for code, name in settings.LANGUAGES]


@register.filter
def grouped(value):
    """A count with the thousands separator of the current language (2 214, 2,214, 2.214)."""
    try:
        return number_format(value, force_grouping=True)
    except (TypeError, ValueError):
        return value


@register.filter
def is_staff_member(user) -> bool:
    """A staff role of the network (cataloguer, library or network administrator), as the staff space asks."""
    from khizana.accounts.permissions import is_staff

    return is_staff(user)

"""``{{ code|ill_label }}``: the translated label of an ISO 18626 status, action, reason or condition."""

from django import template

from khizana.ill.labels import label

register = template.Library()


@register.filter
def ill_label(code: str | None) -> str:
    return label(code)

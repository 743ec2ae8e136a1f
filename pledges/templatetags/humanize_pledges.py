"""Number formatting for figures (django.contrib.humanize is not installed)."""

from django import template

register = template.Library()


@register.filter
def thousands(value):
    """1234567 -> "1,234,567"; anything that is not a whole number is shown as it is."""
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return f"{value:,}"

"""Small helpers for rendering Django forms in GOV.UK markup."""

from __future__ import annotations

from django import template
from django.forms import BoundField

register = template.Library()


@register.filter
def widget_attr(field: BoundField, name: str) -> str:
    """An attribute set on a field's widget (e.g. ``class`` or ``autocomplete``), or ''."""
    return str(field.field.widget.attrs.get(name, ""))


@register.filter
def get_item(mapping: dict[str, object], key: str) -> object:
    """``mapping|get_item:key`` — a dictionary value by a variable key."""
    return mapping.get(key, "")

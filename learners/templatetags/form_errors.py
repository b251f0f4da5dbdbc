"""Errors that a form shows for several of its fields at once, linked to those fields."""

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def invalid_with(field: BoundField, error_id: str) -> SafeString:
    """The field's input marked invalid and described by the form's error shown in the element ``error_id``,
    as Django marks a field's own errors: a screen reader then says on the input itself what is wrong."""
    return field.as_widget(attrs={"aria-invalid": "true", "aria-describedby": error_id})

"""A course's texts on the student pages: the ``lang`` of the elements that hold them (prompts, choices,
hints, names), and numbers as the course's language writes them."""

from django import template
from django.utils.html import format_html

from courses.models import Course

register = template.Library()


@register.simple_tag
def lang_of(course: Course) -> str:
    """`` lang="fr"`` where the course's language is not the page's, so that a screen reader voices its
    texts in it; nothing where they agree."""
    language = course.content_language
    return format_html(' lang="{}"', language) if language else ""


@register.filter
def as_written(value: object, course: Course) -> object:
    """A number as the course's language writes it: 6,3 where it writes a decimal comma (``read_number``
    reads the learner's answers so too); anything else as it is."""
    if course.decimal_comma and isinstance(value, float):
        return str(value).replace(".", ",")
    return value

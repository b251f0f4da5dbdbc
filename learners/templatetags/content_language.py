"""The ``lang`` attribute of the elements that hold a course's own texts (prompts, choices, hints, names)."""

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

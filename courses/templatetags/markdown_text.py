"""Author Markdown where it is shown without its markup: the words of a link to an exercise."""

from django import template

from courses.models import render_markdown_text

register = template.Library()
register.filter("markdown_text", render_markdown_text)

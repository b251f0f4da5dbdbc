"""What the dashboard's home page leads a teacher to."""

from django import template
from django.contrib import admin
from django.db.models import QuerySet

from courses.models import Course

register = template.Library()


@register.simple_tag(takes_context=True)
def courses_taught(context: template.Context) -> QuerySet[Course]:
    """The courses the signed-in user sees in the dashboard's course list, as it scopes them (those they
    teach, every one for a superuser), by title, each with its ``learner_count``."""
    return admin.site.get_model_admin(Course).get_queryset(context["request"]).order_by("title", "slug")

"""Every write to a course's graph marks it changed (``CourseQuerySet.graph_changed``), so that the engine's
copy of the graph (``metamodel.histories.course_graph``) is read again before the next choice.

The mark is made after the write (post_save, post_delete, post_add ...), never before: a choice that read
the new mark must find the new rows. A skill or exercise stays in the course it was added to (the admin
and the course documents cannot move one), so its course is the one whose graph changed. Skills and
exercises updated or created in bulk, which sends no signal, are marked by their querysets
(``courses.models.GraphRowQuerySet``); links created in bulk, by their writer (``learners.imports``).
"""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from courses.models import Course, Exercise, Skill


@receiver(post_save, sender=Skill, dispatch_uid="courses.skill_saved")
@receiver(post_save, sender=Exercise, dispatch_uid="courses.exercise_saved")
@receiver(post_delete, sender=Skill, dispatch_uid="courses.skill_deleted")
@receiver(post_delete, sender=Exercise, dispatch_uid="courses.exercise_deleted")
def mark_graph_written(sender: type, instance: Skill | Exercise, **kwargs: Any) -> None:
    Course.objects.filter(pk=instance.course_id).graph_changed()


@receiver(m2m_changed, sender=Exercise.skills.through, dispatch_uid="courses.exercise_skills_changed")
@receiver(m2m_changed, sender=Skill.prerequisites.through, dispatch_uid="courses.prerequisites_changed")
def mark_links_changed(sender: type, instance: Skill | Exercise, action: str, **kwargs: Any) -> None:
    # A graph holds only the links within its course, so the course of the instance is the one changed.
    if action in ("post_add", "post_remove", "post_clear"):
        Course.objects.filter(pk=instance.course_id).graph_changed()

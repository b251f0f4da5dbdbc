"""Course import and export: the writes that touch many rows, each in one transaction."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from courses.documents import validate_course_document
from courses.models import Course, Exercise, Override, Skill


@dataclass(frozen=True)
class ImportSummary:
    course: Course
    created: bool
    skills: int
    exercises: int
    deactivated: int


@transaction.atomic
def import_course(document: Any, teacher: AbstractBaseUser | None = None) -> ImportSummary:
    """Create or update a course from a course document, all or nothing.

    Skills and exercises are matched by key, so re-importing updates them in place and every attempt on
    them is kept; exercises missing from the new document are deactivated, never deleted. Raises
    CourseDocumentError (listing every problem with its path) before anything is written.
    """
    doc = validate_course_document(document)
    course, created = Course.objects.select_for_update().get_or_create(
        slug=doc["slug"],
        defaults={"title": doc["title"], "description": doc["description"], "language": doc["language"]},
    )
    if not created:
        course.title, course.description, course.language = doc["title"], doc["description"], doc["language"]
        course.save(update_fields=["title", "description", "language", "updated_at"])
    if teacher is not None:
        course.teachers.add(teacher)

    skills: dict[str, Skill] = {}
    for item in doc["skills"]:
        skill, _ = Skill.objects.update_or_create(
            course=course,
            key=item["key"],
            defaults={"name": item["name"], "description": item["description"]},
        )
        skills[skill.key] = skill
    for item in doc["skills"]:
        skills[item["key"]].prerequisites.set([skills[key] for key in item["prerequisites"]])

    keys = []
    for item in doc["exercises"]:
        exercise, _ = Exercise.objects.update_or_create(
            course=course,
            key=item["key"],
            defaults={
                "type": item["type"],
                "prompt": item["prompt"],
                "choices": item["choices"],
                "answer": item["answer"],
                "tolerance": item["tolerance"],
                "hints": item["hints"],
                "explanation": item["explanation"],
                "difficulty": item["difficulty"],
                "active": True,
                "imported": False,
            },
        )
        exercise.skills.set([skills[key] for key in item["skills"]])
        keys.append(item["key"])
    deactivated = (
        Exercise.objects.practisable().filter(course=course).exclude(key__in=keys).update(active=False)
    )
    return ImportSummary(course, created, len(skills), len(keys), deactivated)


def export_course(course: Course) -> dict:
    """The course as a course document (active authored exercises only); importing it round-trips."""
    skills = course.skills.prefetch_related("prerequisites").order_by("id")
    exercises = course.exercises.practisable().prefetch_related("skills").order_by("id")
    document: dict[str, Any] = {
        "slug": course.slug,
        "title": course.title,
        "description": course.description,
        "language": course.language,
        "skills": [
            {
                "key": skill.key,
                "name": skill.name,
                "description": skill.description,
                "prerequisites": sorted(p.key for p in skill.prerequisites.all()),
            }
            for skill in skills
        ],
        "exercises": [],
    }
    for exercise in exercises:
        item: dict[str, Any] = {
            "key": exercise.key,
            "skills": sorted(skill.key for skill in exercise.skills.all()),
            "type": exercise.type,
            "prompt": exercise.prompt,
        }
        if exercise.type == Exercise.Type.MULTIPLE_CHOICE:
            item["choices"] = exercise.choices
        item["answer"] = exercise.answer
        if exercise.tolerance is not None:
            item["tolerance"] = exercise.tolerance
        item.update(hints=exercise.hints, explanation=exercise.explanation, difficulty=exercise.difficulty)
        document["exercises"].append(item)
    return document


def _reset_changed(override: Override) -> None:
    """A reset added or ended changes which of the learner's attempts count: the adapted state is dropped,
    so the engine adapts afresh to those, and the progress read model is rebuilt from them on commit."""
    from learners.tasks import update_skill_progress
    from metamodel.models import LearnerState

    LearnerState.objects.filter(learner_id=override.learner_id, course_id=override.course_id).delete()
    learner_id, course_id = override.learner_id, override.course_id
    transaction.on_commit(lambda: update_skill_progress.delay(learner_id, course_id))


@transaction.atomic
def add_override(override: Override, teacher: AbstractBaseUser) -> Override:
    """Store a teacher's override (validated, with who and when); a reset counts only the attempts made
    after it, for the next exercise and for progress alike."""
    override.created_by = teacher
    override.full_clean()
    override.save()
    if override.kind == Override.Kind.RESET_STATE:
        _reset_changed(override)
    return override


@transaction.atomic
def end_override(override: Override) -> Override:
    """Lift an override; the record stays, with when it ended. An ended reset counts every attempt again."""
    if override.ended_at is None:
        override.ended_at = timezone.now()
        override.save(update_fields=["ended_at"])
        if override.kind == Override.Kind.RESET_STATE:
            _reset_changed(override)
    return override

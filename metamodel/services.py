"""The learning engine's seams: the views, the tasks and the simulator call these, nothing deeper."""

from courses.models import Course, Exercise, topological_order
from learners.models import Attempt, Learner
from metamodel.models import Recommendation
from metamodel.policy import CandidateExercise, PastAttempt, SkillNode, choose_by_rule

# The rule looks at this many of the learner's latest attempts in the course: enough for the mastery
# window of every skill of a large course, bounded so a long history costs the same as a short one.
HISTORY_LIMIT = 1000


class NothingToPractise(Exception):
    """The course has no active exercise with a skill; there is nothing to recommend."""


def _exercise_skills(course: Course) -> dict[int, tuple[int, ...]]:
    skills: dict[int, list[int]] = {}
    pairs = Exercise.skills.through.objects.filter(exercise__course=course).values_list(
        "exercise_id", "skill_id"
    )
    for exercise_id, skill_id in pairs:
        skills.setdefault(exercise_id, []).append(skill_id)
    return {exercise_id: tuple(ids) for exercise_id, ids in skills.items()}


def recommend_next(learner: Learner, course: Course, after_attempt: Attempt | None = None) -> Recommendation:
    """Choose the learner's next exercise in the course and store the decision with its reasons.

    No model version is active yet, so the documented mastery rule of ``metamodel.policy`` decides.
    Raises NothingToPractise when the course has no practisable exercise.
    """
    exercise_skills = _exercise_skills(course)
    exercises = [
        CandidateExercise(pk, exercise_skills.get(pk, ()), difficulty)
        for pk, difficulty in course.exercises.filter(active=True, imported=False).values_list(
            "pk", "difficulty"
        )
    ]
    pairs = course.prerequisite_pairs()
    prerequisites: dict[int, list[int]] = {}
    for skill_id, prerequisite_id in pairs:
        prerequisites.setdefault(skill_id, []).append(prerequisite_id)
    skills = [
        SkillNode(skill.pk, skill.name, tuple(prerequisites.get(skill.pk, ())))
        for skill in topological_order(list(course.skills.order_by("key")), pairs)
    ]
    recent = (
        Attempt.objects.filter(learner=learner, course=course)
        .order_by("-created_at", "-id")
        .values_list("exercise_id", "correct")[:HISTORY_LIMIT]
    )
    history = [PastAttempt(pk, exercise_skills.get(pk, ()), correct) for pk, correct in reversed(recent)]
    choice = choose_by_rule(skills, exercises, history)
    if choice is None:
        raise NothingToPractise(course.slug)
    return Recommendation.objects.create(
        learner=learner,
        course=course,
        exercise_id=choice.exercise_id,
        policy="rule",
        reasons=choice.reasons,
        propensity=choice.propensity,
        after_attempt=after_attempt,
    )

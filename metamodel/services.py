"""The learning engine's seams: the views, the tasks and the simulator call these, nothing deeper."""

from django.db import transaction

from courses.models import Course, Exercise, topological_order
from learners.models import Attempt, Learner
from metamodel.histories import candidates, learner_history, prediction_time
from metamodel.ml.artifact import ArtifactError
from metamodel.ml.trained import LearnerParams
from metamodel.models import LearnerState, ModelVersion, Recommendation
from metamodel.policy import CandidateExercise, PastAttempt, SkillNode, choose_by_rule, choose_in_band
from metamodel.training import active_version, load_version

# The engine looks at this many of the learner's latest attempts in the course: enough for the mastery
# window of every skill of a large course and for the model's adaptation window, and a bound on the work
# an inline catch-up may do, so a long history costs the same as a short one.
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


def _adapted_state(learner_id: int, course: Course, version: ModelVersion) -> tuple[LearnerState, list]:
    """The learner's stored state, brought up to date with their latest attempt when it is behind."""
    history, last_attempt_id = learner_history(learner_id, course, HISTORY_LIMIT)
    stored = LearnerState.objects.filter(learner_id=learner_id, course=course).first()
    if stored and stored.model_version_id == version.pk and stored.last_attempt_id >= last_attempt_id:
        return stored, history
    params = load_version(version).adapt(history)
    with transaction.atomic():
        state, _ = LearnerState.objects.select_for_update().get_or_create(
            learner_id=learner_id,
            course=course,
            defaults={"model_version": version, "params": {}, "last_attempt_id": -1},
        )
        # A slower task that read an older history must not overwrite a newer state.
        if state.model_version_id != version.pk or state.last_attempt_id < last_attempt_id:
            state.model_version, state.params = version, params.to_dict()
            state.last_attempt_id, state.attempts_seen = last_attempt_id, len(history)
            state.save()
    return state, history


def adapt_learner(learner_id: int, course_id: int) -> LearnerState | None:
    """Adapt the active model to the learner's attempts in the course and store the result.

    The inner loop of the meta-learned model (a few gradient steps from the learned initialisation, as in
    MAML / Meta-SGD) runs on the learner's latest attempts. Idempotent and order-proof: a state that
    already includes the newest attempt under the active version is left alone. None when there is no
    active version, or the learner or course is gone.
    """
    version = active_version()
    course = Course.objects.filter(pk=course_id).first()
    if version is None or course is None or not Learner.objects.filter(pk=learner_id).exists():
        return None
    return _adapted_state(learner_id, course, version)[0]


def predict_exercises(learner: Learner, course: Course, version: ModelVersion) -> dict[int, float]:
    """P(correct) of every practisable exercise for the learner, from the freshest adapted state.

    When the worker has not caught up with the latest attempt, this adapts inline (bounded by
    HISTORY_LIMIT), so a learner never waits on the queue.
    """
    state, history = _adapted_state(learner.pk, course, version)
    ids, items = candidates(course)
    p = load_version(version).predict(LearnerParams.from_dict(state.params), items, prediction_time(history))
    return dict(zip(ids, (float(x) for x in p), strict=True))


def recommend_next(learner: Learner, course: Course, after_attempt: Attempt | None = None) -> Recommendation:
    """Choose the learner's next exercise in the course and store the decision with its reasons.

    The mastery rule of ``metamodel.policy`` picks the skill (prerequisite order, mastery from recent
    accuracy). With an active model version, the exercise within that skill is the one whose predicted
    success is closest to the target band; without one (or with an unusable artifact), the rule's own
    choice stands. Raises NothingToPractise when the course has no practisable exercise.
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
    version = active_version()
    predictions: dict[int, float] = {}
    if version is not None:
        try:
            predictions = predict_exercises(learner, course, version)
        except ArtifactError:
            version = None  # the rule's choice stands; the admin shows the version's broken artifact
    policy = "rule"
    if predictions:
        choice = choose_in_band(choice, predictions)
        policy = "model"
    return Recommendation.objects.create(
        learner=learner,
        course=course,
        exercise_id=choice.exercise_id,
        policy=policy,
        reasons=choice.reasons,
        propensity=choice.propensity,
        model_version=version if predictions else None,
        predicted_correct=predictions.get(choice.exercise_id),
        after_attempt=after_attempt,
    )

"""The progress read model and the engine agree on what is mastered."""

import pytest

from learners.models import SkillProgress
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db


def test_a_skill_is_mastered_on_the_progress_page_when_the_engine_moves_on(
    course, student, django_capture_on_commit_callbacks
):
    learner = learner_for(student)
    enroll(learner, course)
    answers = ["0", "0", "3", "3", "3"]  # two wrong, then three right on count-1
    with django_capture_on_commit_callbacks(execute=True):
        results = [
            record_attempt(learner, course, "count-1", answer, source="web", idempotency_key=f"k{n}")
            for n, answer in enumerate(answers)
        ]
    counting = SkillProgress.objects.get(learner=learner, skill__key="counting")
    assert (counting.attempts, counting.correct, counting.mastered) == (5, 3, True)
    assert results[-2].next.exercise.key.startswith("count")
    assert results[-1].next.exercise.key.startswith("add")

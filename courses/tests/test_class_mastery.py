"""The class mastery page counts the same learners in every figure, and says what it counts."""

import pytest
from django.test import Client

from courses.teachers import make_teacher
from learners.services import enroll, learner_for, record_attempt
from learners.tests.factories import AttemptFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mastery_page(teacher, course, student, other_student, django_capture_on_commit_callbacks):
    """Three learners enrolled: sam masters counting and answers one exercise of two skills; olga has not
    answered yet; a learner of an imported log has two answers and no progress computed."""
    make_teacher(teacher)
    sam = learner_for(student)
    enroll(sam, course)
    enroll(learner_for(other_student), course)
    with django_capture_on_commit_callbacks(execute=True):
        for n, (key, response) in enumerate([("count-1", "3")] * 3 + [("mul-1", "12")]):
            record_attempt(sam, course, key, response, source="web", idempotency_key=f"k{n}")
    imported = EnrollmentFactory(course=course, learner__user=None, learner__external_id="log:7").learner
    for key in ("count-1", "add-1"):
        AttemptFactory(learner=imported, exercise=course.exercises.get(key=key))
    client = Client()
    client.force_login(teacher)
    return client.get(f"/admin/courses/course/{course.pk}/mastery/")


def test_every_enrolled_learner_is_listed_and_counted_with_their_answers_counted_once(mastery_page):
    rows = [(str(row), row.mastered, row.answers) for row in mastery_page.context["learners"]]
    assert rows == [("olga", 0, 0), ("imported:log:7", 0, 2), ("sam", 1, 4)]  # weakest first
    counting = next(row for row in mastery_page.context["skills"] if row["name"] == "Counting")
    assert (counting["practised"], counting["mastered"]) == (1, 1)
    page = mastery_page.content.decode()
    assert "3 learners enrolled" in page and "Share of the 3 enrolled" in page
    assert "<td>33 %</td>" in page  # sam, one of the three listed
    assert "Answers (attempts)" in page


def test_the_page_explains_mastery_in_words_a_teacher_reads(mastery_page):
    page = mastery_page.content.decode()
    assert "when the engine estimates that the learner knows it, at least\n85 % likely" in page
    assert "about three right answers in a row; with one, two may be enough" in page
    assert "metamodel.policy" not in page and "from scratch" not in page


def test_a_skill_with_nothing_to_practise_is_not_counted_as_one_to_master(teacher, course, student):
    from courses.models import Exercise
    from learners.progress import rebuild_skill_progress

    make_teacher(teacher)
    sam = learner_for(student)
    enroll(sam, course)
    for n in range(3):
        record_attempt(sam, course, "count-1", "3", source="web", idempotency_key=f"c{n}")
    rebuild_skill_progress(sam.pk, course.pk)
    client = Client()
    client.force_login(teacher)
    before = client.get(f"/admin/courses/course/{course.pk}/mastery/").context["skill_total"]
    Exercise.objects.filter(course=course, key__startswith="count-").update(active=False)  # all of counting
    after = client.get(f"/admin/courses/course/{course.pk}/mastery/").context
    assert after["skill_total"] == before - 1
    assert [row.mastered for row in after["learners"]] == [0]

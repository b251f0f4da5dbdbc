"""The class mastery page lists every learner enrolled, weakest first, a page at a time: those a teacher most
needs to see (those behind, and those who have not answered yet) are never left out."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.mastery import LEARNERS_PER_PAGE
from learners.models import Attempt, Enrollment, Learner, SkillProgress
from learners.services import enroll, learner_for

pytestmark = pytest.mark.django_db


def enrol_imported_learners(course, count: int, answers: int = 0, first: int = 0) -> list[Learner]:
    """``count`` learners of an imported log enrolled in the course, each with ``answers`` answers."""
    learners = Learner.objects.bulk_create(
        [Learner(external_id=f"log:{n:03d}") for n in range(first, first + count)]
    )
    Enrollment.objects.bulk_create([Enrollment(learner=learner, course=course) for learner in learners])
    exercise = course.exercises.get(key="count-1")
    Attempt.objects.bulk_create(
        Attempt(learner=learner, course=course, exercise=exercise, response=3, correct=True,
                created_at=timezone.now(), source=Attempt.Source.IMPORT)
        for learner in learners for _ in range(answers)
    )  # fmt: skip
    return learners


def learner_rows(page) -> list[str]:
    learners = page.content.decode().split('<h2 id="learners">')[1]
    return re.findall(r'<tr><th scope="row">(?:<a [^>]*>)?([^<]+)', learners)


@pytest.fixture
def large_class(course, other_student):
    """251 learners: olga, new, with no answer; 50 imported with none either; 199 with two answers each, of
    whom the last, log:249, has mastered counting."""
    enroll(learner_for(other_student), course)
    enrol_imported_learners(course, 50)
    answered = enrol_imported_learners(course, 200, answers=2, first=50)
    SkillProgress.objects.create(
        learner=answered[-1], course=course, skill=course.skills.get(key="counting"), attempts=2, correct=2,
        mastered=True,
    )  # fmt: skip
    return course


def test_every_learner_of_a_large_class_is_listed_weakest_first(teacher_client, large_class):
    url = f"/admin/courses/course/{large_class.pk}/mastery/"
    first = teacher_client.get(url)
    assert (
        "Learners 1 to 100 of 251,\nweakest first: fewest skills mastered, then fewest answers."
        in first.content.decode()
    )
    rows = learner_rows(first)
    assert len(rows) == LEARNERS_PER_PAGE
    # First the 51 with no answer: olga, a new pupil, among them.
    assert set(rows[:51]) == {"olga", *(f"imported:log:{n:03d}" for n in range(50))}
    pages = [rows, *(learner_rows(teacher_client.get(f"{url}?page={n}")) for n in (2, 3))]
    listed = [row for page in pages for row in page]
    assert len(listed) == len(set(listed)) == 251
    assert listed[-1] == "imported:log:249"  # the one who mastered a skill comes last


def test_the_pages_are_linked_for_keyboard_and_screen_reader_users(teacher_client, large_class):
    page = teacher_client.get(f"/admin/courses/course/{large_class.pk}/mastery/?page=2").content.decode()
    nav = page[page.index('<nav class="pages" aria-label="Pages of learners">') :]
    assert 'href="?page=1#learners" rel="prev">Previous<span class="visually-hidden"> page</span>' in nav
    assert (
        'href="?page=2#learners" aria-current="page"><span class="visually-hidden">Page </span>2</a>' in nav
    )
    assert 'href="?page=3#learners" rel="next">Next' in nav
    assert "Learners 101 to 200 of 251" in page


def test_a_page_number_out_of_range_shows_the_nearest_page(teacher_client, large_class):
    page = teacher_client.get(f"/admin/courses/course/{large_class.pk}/mastery/?page=99")
    assert page.status_code == 200 and "Learners 201 to 251 of 251" in page.content.decode()


def test_a_class_that_fits_one_page_has_no_page_links(teacher_client, course, other_student):
    enroll(learner_for(other_student), course)
    page = teacher_client.get(f"/admin/courses/course/{course.pk}/mastery/").content.decode()
    assert "All 1, weakest first" in page and "Pages of learners" not in page


def test_the_page_costs_as_many_queries_for_a_large_class_as_for_a_small_one(
    teacher_client, course, student, other_student
):
    url = f"/admin/courses/course/{course.pk}/mastery/"
    enrol_imported_learners(course, 3, answers=1)
    with CaptureQueriesContext(connection) as small:
        teacher_client.get(url)
    enrol_imported_learners(course, 150, answers=2, first=3)
    for user in (student, other_student):  # learners named by their account
        enroll(learner_for(user), course)
    with CaptureQueriesContext(connection) as large:
        rows = learner_rows(teacher_client.get(url))
    assert len(rows) == LEARNERS_PER_PAGE and {"sam", "olga"} <= set(rows)
    assert len(large.captured_queries) == len(small.captured_queries)

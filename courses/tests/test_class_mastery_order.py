"""On the class mastery page a teacher lists the learners in the order they need (by name, skills mastered,
answers or last answer), finds a learner by name, and sees who has not mastered a skill yet."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import queries_for
from courses.tests.factories import UserFactory
from courses.tests.test_class_mastery_every_learner import enrol_imported_learners, learner_rows
from learners.models import SkillProgress
from learners.services import enroll, learner_for
from learners.tests.factories import AttemptFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def klass(course):
    """Five learners enrolled. amy: counting and addition mastered, 3 answers, the last 2 days ago; Bea:
    counting mastered, 1 answer 10 days ago; carl: no answer; dan: counting practised, not mastered, 2
    answers, the last 30 days ago; a learner of an imported log, imported:log:9: 5 answers, the last an hour
    ago. Someone not enrolled has mastered nothing either."""
    now = timezone.now()
    exercise = course.exercises.get(key="count-1")
    learners = {}
    for name, mastered, practised, answered in [
        ("amy", ["counting", "addition"], [], [2, 3, 4]),
        ("Bea", ["counting"], [], [10]),
        ("carl", [], [], []),
        ("dan", [], ["counting"], [30, 31]),
    ]:
        learner = learners[name] = learner_for(UserFactory(username=name))
        enroll(learner, course)
        for days in answered:
            AttemptFactory(learner=learner, exercise=exercise, created_at=now - timedelta(days=days))
        for key in mastered + practised:
            SkillProgress.objects.create(
                learner=learner, course=course, skill=course.skills.get(key=key), attempts=3, correct=3,
                mastered=key in mastered,
            )  # fmt: skip
    imported = EnrollmentFactory(course=course, learner__user=None, learner__external_id="log:9").learner
    for hours in range(1, 6):
        AttemptFactory(learner=imported, exercise=exercise, created_at=now - timedelta(hours=hours))
    learner_for(UserFactory(username="zed"))
    return course


def mastery(client, course, query: str = ""):
    return client.get(f"/admin/courses/course/{course.pk}/mastery/{query}")


def heading(page: str, label: str) -> str:
    """The learners table's column heading whose link reads ``label``."""
    return re.search(rf"<th [^>]*><a [^>]*>{re.escape(label)}</a></th>", page).group(0)


@pytest.mark.parametrize(
    "order, label, names, words",
    [
        (
            "name",
            "Learner",
            ["amy", "Bea", "carl", "dan", "imported:log:9"],
            "All 5, by name, from A to Z.",
        ),
        (
            "answers",
            "Answers (attempts)",
            ["carl", "Bea", "dan", "amy", "imported:log:9"],
            "All 5, fewest answers first, then fewest skills mastered.",
        ),
        (
            "last-answer",
            "Last answer",
            ["carl", "dan", "Bea", "amy", "imported:log:9"],
            "All 5, by last answer: those who have not answered yet first, then those who last answered "
            "longest ago.",
        ),
    ],
)
def test_a_column_heading_lists_the_learners_in_its_order_marked_and_said(
    teacher_client, klass, order, label, names, words
):
    page = mastery(teacher_client, klass, f"?order={order}")
    assert learner_rows(page) == names
    text = page.content.decode()
    assert words in text
    assert 'aria-sort="ascending"' in heading(text, label)
    assert text.count("aria-sort") == 1


def test_weakest_first_stays_the_order_by_default_and_for_an_order_of_no_column(teacher_client, klass):
    weakest = ["carl", "dan", "imported:log:9", "Bea", "amy"]
    for query in ("", "?order=mastered", "?order=nonsense", "?order="):
        page = mastery(teacher_client, klass, query)
        assert page.status_code == 200 and learner_rows(page) == weakest
        text = page.content.decode()
        assert "All 5, weakest first: fewest skills mastered, then fewest answers." in text
        assert 'aria-sort="ascending"' in heading(text, "Skills mastered (of 3)")


def test_the_column_headings_keep_the_search_and_the_page(teacher_client, klass):
    text = mastery(teacher_client, klass, "?q=a&page=1&order=answers").content.decode()
    assert heading(text, "Learner").startswith(
        '<th scope="col"><a href="?q=a&amp;page=1&amp;order=name#learners">'
    )


def test_a_search_lists_the_learners_whose_name_contains_it_capitals_aside(teacher_client, klass):
    page = mastery(teacher_client, klass, "?q=+bE+")
    assert learner_rows(page) == ["Bea"]
    text = page.content.decode()
    assert "1 of the 5 learners enrolled\nhas a name containing “bE”." in text
    assert "<p>5 learners enrolled; every figure below counts all of them" in text  # the whole class
    assert "Share of the 5 enrolled" in text
    assert '<label for="learner-search">' in text and 'name="q" value="bE"' in text
    assert '<a href="?#learners">Show every learner</a>' in text
    imported = mastery(teacher_client, klass, "?q=LOG:9&order=name")
    assert learner_rows(imported) == ["imported:log:9"]  # an imported learner by their external id
    nobody = mastery(teacher_client, klass, "?q=xyz%00")
    assert nobody.status_code == 200 and learner_rows(nobody) == []
    text = nobody.content.decode()
    assert (
        "0 of the 5 learners enrolled\nhave names containing “xyz”." in text and "No learner matches." in text
    )


def test_the_pages_of_a_search_keep_it_and_the_order(teacher_client, course):
    enrol_imported_learners(course, 150)
    enroll(learner_for(UserFactory(username="logan")), course)
    first = mastery(teacher_client, course, "?q=log&order=name")
    assert learner_rows(first)[:2] == ["imported:log:000", "imported:log:001"]
    text = first.content.decode()
    assert "151 of the 151 learners enrolled\nhave names containing “log”." in text
    assert "Learners 1 to 100 of 151,\nby name, from A to Z." in text
    following = re.search(r'<a href="([^"]*)" rel="next">', text).group(1).replace("&amp;", "&")
    assert following == "?q=log&order=name&page=2#learners"
    second = learner_rows(teacher_client.get(f"/admin/courses/course/{course.pk}/mastery/{following}"))
    assert second == [*(f"imported:log:{n:03d}" for n in range(100, 150)), "logan"]


def test_each_skill_leads_to_the_learners_who_have_not_mastered_it(teacher_client, klass):
    text = mastery(teacher_client, klass, "?order=name").content.decode()
    counting = re.search(r'<th scope="row">Counting \[counting\]</th>.*?</tr>', text, re.DOTALL).group(0)
    link = re.search(
        r'<a href="([^"]*)" aria-label="3 learners have not mastered Counting">3 learners</a>', counting
    )
    assert link.group(1) == "?order=name&amp;skill=counting#learners"
    page = mastery(teacher_client, klass, "?order=name&skill=counting")
    assert learner_rows(page) == ["carl", "dan", "imported:log:9"]  # dan practised it, not mastered
    text = page.content.decode()
    assert '<h3 id="not-mastered">Not yet mastered: Counting [counting]</h3>' in text
    assert "3 of the 5 learners enrolled\nhave not mastered Counting." in text
    assert '<a href="?order=name#learners">Show every learner</a>' in text
    assert 'aria-labelledby="learners not-mastered"' in text
    assert "<p>5 learners enrolled;" in text  # the whole class still counted above
    narrowed = mastery(teacher_client, klass, "?skill=addition&q=b")
    assert learner_rows(narrowed) == ["Bea"]
    assert "1 of the 5 learners enrolled\nhas not mastered Addition\nand has a name containing “b”." in (
        narrowed.content.decode()
    )


def test_a_skill_everyone_has_mastered_leads_nowhere(teacher_client, course):
    amy = learner_for(UserFactory(username="amy"))
    enroll(amy, course)
    SkillProgress.objects.create(
        learner=amy,
        course=course,
        skill=course.skills.get(key="counting"),
        attempts=3,
        correct=3,
        mastered=True,
    )
    text = mastery(teacher_client, course).content.decode()
    counting = re.search(r'<th scope="row">Counting \[counting\]</th>.*?</tr>', text, re.DOTALL).group(0)
    # Practised by, mastered by, their share, not yet mastered by (no link), answers right, stuck.
    cells = [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", counting)]
    assert cells == ["1", "1", "100 %", "0", "100 %", "0"]


@pytest.mark.parametrize("key", ["nonsense", "counting"])
def test_a_skill_the_course_has_not_to_practise_is_a_404_saying_so(teacher_client, klass, key):
    klass.exercises.filter(key__startswith="count-").update(active=False)  # counting: nothing to practise
    page = mastery(teacher_client, klass, f"?skill={key}")
    assert page.status_code == 404
    text = page.content.decode()
    assert f"This course has no skill “{key}” that learners can practise, so\nevery learner is listed" in text
    assert len(learner_rows(page)) == 5 and "<h3" not in text


def test_a_narrowed_sorted_page_costs_as_many_queries_for_a_large_class_as_for_a_small_one(
    teacher_client, course
):
    query = f"/admin/courses/course/{course.pk}/mastery/?order=last-answer&skill=counting&q=log:1"
    enrol_imported_learners(course, 3, answers=1, first=100)
    few, _ = queries_for(teacher_client, query)
    enrol_imported_learners(course, 150, answers=2, first=103)
    many, page = queries_for(teacher_client, query)
    assert few == many
    assert (
        "100 of the 153 learners enrolled\nhave not mastered Counting\nand have names containing “log:1”."
        in page
    )

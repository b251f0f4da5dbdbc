"""A teacher sees which learners are stuck: 8 or more answers on a skill they have not mastered, fewer than
half of the latest 5 right. The class mastery page, its CSV and the API's class list flag the same learners,
with the same counts, and say when each last answered; a reset clears the flag."""

import csv
import io
import json
import re
from datetime import datetime

import pytest
from django.test import Client
from django.utils import timezone

from config.tests.test_api_contract import assert_as_documented
from conftest import client_for, queries_for
from courses.models import Override
from courses.services import add_override
from courses.teachers import make_teacher
from courses.tests.factories import UserFactory
from courses.tests.test_class_mastery_every_learner import enrol_imported_learners
from learners.models import Attempt, SkillProgress
from learners.services import enroll, learner_for, record_attempt

pytestmark = pytest.mark.django_db

CLASS = "/api/v1/courses/arithmetic/class/"
RULE = (
    "(stuck: 8 or more answers on a skill they have not mastered, fewer than half of their latest 5 right)."
)


@pytest.fixture
def answer(course, django_capture_on_commit_callbacks):
    """``answer(learner, key, "RW…")``: web answers to the exercise, right (R) or wrong (W) in that order,
    each with its progress rebuilt as after a real request."""
    keys = iter(range(1000))
    responses = {"count-1": ("3", "0"), "add-1": ("5", "4")}

    def answer_with(learner, key: str, outcomes: str) -> None:
        right, wrong = responses[key]
        for outcome in outcomes:
            with django_capture_on_commit_callbacks(execute=True):
                response = right if outcome == "R" else wrong
                record_attempt(learner, course, key, response, source="web", idempotency_key=f"k{next(keys)}")

    return answer_with


@pytest.fixture
def learners(course, student, other_student, answer):
    """Four learners enrolled, all of them behind on a skill, two of them stuck: sam answered counting wrong
    8 times; olga 7 times; pat 8 times, 3 of the latest 5 right; ivan answered addition 8 times, 1 of the
    latest 5 right."""
    sam, olga = learner_for(student), learner_for(other_student)
    pat, ivan = learner_for(UserFactory(username="pat")), learner_for(UserFactory(username="ivan"))
    for learner in (sam, olga, pat, ivan):
        enroll(learner, course)
    answer(sam, "count-1", "W" * 8)
    answer(olga, "count-1", "W" * 7)
    answer(pat, "count-1", "WWWWRRWR")
    answer(ivan, "add-1", "WWWWWWRW")
    return {str(learner): learner for learner in (sam, olga, pat, ivan)}


def mastery_page(client: Client, course) -> str:
    return client.get(f"/admin/courses/course/{course.pk}/mastery/").content.decode()


def learners_row(page: str, name: str) -> list[str]:
    """The cells after the learner's name: skills mastered, answers, needs help with, last answer."""
    row = re.search(rf'<tr><th scope="row">(?:<a [^>]*>)?{name}\b.*?</tr>', page, re.DOTALL).group(0)
    return [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.DOTALL)]


def skills_stuck(page: str) -> dict[str, str]:
    """Each skill's "Stuck" cell, the last of its row in the skills table."""
    skills = page.split('<h2 id="learners">')[0]
    return dict(
        re.findall(r'<tr><th scope="row">[^<]*\[([^\]]+)\]</th>.*?<td>(\d+)</td></tr>', skills, re.DOTALL)
    )


def last_answer(learner) -> datetime:
    return Attempt.objects.filter(learner=learner).last().created_at


def day(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y}"


def test_the_page_names_who_is_stuck_on_what_and_when_each_last_answered(teacher_client, course, learners):
    page = mastery_page(teacher_client, course)
    assert f"2 of the 4 learners enrolled\nare stuck on at least one skill\n{RULE}" in page
    assert skills_stuck(page) == {"counting": "1", "addition": "1", "multiplication": "0"}
    sort_link = '<a href="?order=last-answer#learners">Last answer</a>'
    assert f'<th scope="col">Needs help with</th><th scope="col">{sort_link}</th>' in page
    sam, ivan = learners["sam"], learners["ivan"]
    assert learners_row(page, "sam") == [
        "0",
        "8",
        "Counting [counting]: 8 answers, 0 of the latest 5 right",
        day(last_answer(sam)),
    ]
    assert learners_row(page, "ivan")[2:] == [
        "Addition [addition]: 8 answers, 1 of the latest 5 right",
        day(last_answer(ivan)),
    ]
    # Seven wrong answers are not yet stuck, nor eight with 3 of the latest 5 right.
    assert learners_row(page, "olga")[2] == "" and learners_row(page, "pat")[2] == ""
    pat = SkillProgress.objects.get(learner=learners["pat"], skill__key="counting")
    assert (pat.attempts, pat.mastered, pat.recent_accuracy) == (8, False, 0.6)


def test_nobody_stuck_is_said_so_and_nobody_answering_has_no_last_answer(
    teacher_client, course, student, other_student, answer
):
    olga = learner_for(other_student)
    for learner in (learner_for(student), olga):
        enroll(learner, course)
    answer(olga, "count-1", "W" * 7)
    page = mastery_page(teacher_client, course)
    assert f"Nobody enrolled is stuck on a skill\n{RULE}" in page
    assert skills_stuck(page) == {"counting": "0", "addition": "0", "multiplication": "0"}
    assert learners_row(page, "sam") == ["0", "0", "", "—"]
    assert learners_row(page, "olga")[2:] == ["", day(last_answer(olga))]


def test_a_reset_clears_the_flag_and_the_last_answer(
    teacher, teacher_client, course, learners, answer, django_capture_on_commit_callbacks
):
    sam = learners["sam"]
    with django_capture_on_commit_callbacks(execute=True):
        add_override(Override(course=course, learner=sam, kind="reset_state", reason="new start"), teacher)
    page = mastery_page(teacher_client, course)
    assert f"1 of the 4 learners enrolled\nis stuck on at least one skill\n{RULE}" in page
    assert skills_stuck(page)["counting"] == "0"
    assert learners_row(page, "sam") == ["0", "0", "", "—"]
    answer(sam, "count-1", "W")
    assert learners_row(mastery_page(teacher_client, course), "sam") == ["0", "1", "", day(last_answer(sam))]


def test_the_csv_has_each_learners_last_answer_and_the_skills_they_are_stuck_on(
    teacher_client, course, learners
):
    response = teacher_client.get(f"/admin/courses/course/{course.pk}/mastery.csv")
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[3:7] == ["answers", "answers right (%)", "last answer", "stuck on"]
    by_name = {row[0]: [row[3], *row[5:7]] for row in rows}
    assert by_name == {
        name: [
            str(Attempt.objects.filter(learner=learner).count()),
            f"{timezone.localtime(last_answer(learner)):%Y-%m-%d %H:%M}",
            stuck,
        ]
        for name, learner, stuck in [
            ("sam", learners["sam"], "Counting"),
            ("olga", learners["olga"], ""),
            ("pat", learners["pat"], ""),
            ("ivan", learners["ivan"], "Addition"),
        ]
    }


def test_the_api_lists_the_same_stuck_skills_as_documented(teacher, course, learners):
    make_teacher(teacher)
    body = assert_as_documented(client_for(teacher).get(CLASS), "/api/v1/courses/{slug}/class/", "GET")
    listed = {row["learner"]: row for row in body["results"]}
    assert listed["sam"]["stuck_on"] == [{"skill": "counting", "answers": 8, "recent_right": 0}]
    assert listed["ivan"]["stuck_on"] == [{"skill": "addition", "answers": 8, "recent_right": 1}]
    assert listed["olga"]["stuck_on"] == listed["pat"]["stuck_on"] == []
    for name, learner in learners.items():
        assert datetime.fromisoformat(listed[name]["last_answer_at"]) == last_answer(learner)


def stuck_imported_learners(course, count: int, first: int) -> None:
    """``count`` learners of an imported log, each with an answer and stuck on counting and on addition."""
    for learner in enrol_imported_learners(course, count, answers=1, first=first):
        SkillProgress.objects.bulk_create(
            SkillProgress(
                learner=learner, course=course, skill=skill, attempts=9, correct=1, recent_accuracy=0.2
            )
            for skill in course.skills.filter(key__in=["counting", "addition"])
        )


def stuck_listed(where: str, content: str) -> int:
    """How many skills learners are stuck on the page or the API's answer lists."""
    if where == "api":
        return sum(len(row["stuck_on"]) for row in json.loads(content)["results"])
    return content.count(": 9 answers, 1 of the latest 5 right")


@pytest.mark.parametrize("where", ["page", "api"])
def test_the_stuck_learners_cost_as_many_queries_for_30_as_for_3(teacher, teacher_client, course, where):
    client, url = (
        (teacher_client, f"/admin/courses/course/{course.pk}/mastery/")
        if where == "page"
        else (client_for(teacher), CLASS)
    )
    stuck_imported_learners(course, 3, first=0)
    few, content = queries_for(client, url)
    assert stuck_listed(where, content) == 2 * 3
    stuck_imported_learners(course, 27, first=3)
    many, content = queries_for(client, url)
    assert stuck_listed(where, content) == 2 * 30
    assert many == few

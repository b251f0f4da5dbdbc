"""The progress read model and the engine agree on what is mastered, and on where a reset starts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from courses.models import Override
from courses.services import add_override, end_override
from learners.models import SkillProgress
from learners.services import enroll, learner_for, next_exercise, record_attempt

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


@pytest.fixture
def mastered_counting(course, student, django_capture_on_commit_callbacks):
    """The student has mastered counting: three right in a row."""
    learner = learner_for(student)
    enroll(learner, course)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            record_attempt(learner, course, "count-1", "3", source="web", idempotency_key=f"k{n}")
    return learner


def counting_on_the_page(client, course) -> tuple[str, str]:
    html = client.get(reverse("learners:progress", args=[course.slug])).content.decode()
    row = html[html.index('data-skill="counting"') : html.index('data-skill="addition"')]
    return html, row


def test_after_a_reset_progress_counts_only_the_attempts_made_since(
    client, course, student, teacher, mastered_counting, django_capture_on_commit_callbacks
):
    client.force_login(student)
    _, row = counting_on_the_page(client, course)
    assert 'data-label="Attempts">3</td>' in row and '<span class="badge">Yes</span>' in row

    with django_capture_on_commit_callbacks(execute=True):
        reset = add_override(
            Override(
                course=course, learner=mastered_counting, kind="reset_state", reason="shared the account"
            ),
            teacher,
        )
    html, row = counting_on_the_page(client, course)
    assert '<dd id="total-answered">0</dd>' in html
    assert '<dd id="total-mastered">0 of 3</dd>' in html
    assert 'data-label="Attempts">0</td>' in row and "Never" in row
    assert f"Counted from {timezone.localtime(reset.created_at):%-d %B %Y}" in html
    skills = client_for(student).get("/api/v1/courses/arithmetic/progress/").json()["skills"]
    assert (skills[0]["attempts"], skills[0]["mastered"]) == (0, False)
    assert next_exercise(mastered_counting, course).exercise.key.startswith("count")  # the engine agrees

    with django_capture_on_commit_callbacks(execute=True):
        record_attempt(mastered_counting, course, "count-2", "7", source="web", idempotency_key="after")
    html, row = counting_on_the_page(client, course)
    assert '<dd id="total-answered">1</dd>' in html
    assert 'data-label="Attempts">1</td>' in row

    with django_capture_on_commit_callbacks(execute=True):
        end_override(reset, reset.created_by)
    html, row = counting_on_the_page(client, course)
    assert '<dd id="total-answered">4</dd>' in html
    assert 'data-label="Attempts">4</td>' in row and '<span class="badge">Yes</span>' in row
    assert "Counted from" not in html


def test_last_practised_says_just_now_under_a_minute(client, course, student, mastered_counting):
    client.force_login(student)
    _, row = counting_on_the_page(client, course)
    assert ">just now</time>" in row

    SkillProgress.objects.filter(learner=mastered_counting).update(
        last_practised_at=timezone.now() - timedelta(minutes=5)
    )
    _, row = counting_on_the_page(client, course)
    assert ">5\xa0minutes ago</time>" in row


def test_the_admin_names_skill_progress_rows_by_learner_and_skill(admin_client, mastered_counting):
    sidebar = admin_client.get("/admin/").content.decode()
    assert "Skill progress<" in sidebar and "progresss" not in sidebar
    row = SkillProgress.objects.get(skill__key="counting")
    page = admin_client.get(f"/admin/learners/skillprogress/{row.pk}/change/").content.decode()
    assert "sam on Counting: 3 of 3 right" in page


def test_with_a_model_progress_shows_mastered_the_prerequisites_the_engine_says_are(
    course, student, django_capture_on_commit_callbacks
):
    from conftest import train_on_simulated_learners

    train_on_simulated_learners()
    learner = learner_for(student)
    enroll(learner, course)
    ready = None
    with django_capture_on_commit_callbacks(execute=True):
        recommendation = next_exercise(learner, course)
        for n in range(15):
            said = ("ready: prerequisites mastered", "maintenance: every skill is mastered")
            ready = next((r for r in recommendation.reasons if r.startswith(said)), None)
            if ready:
                break
            exercise = recommendation.exercise
            right = exercise.answer[0] if exercise.type == "text" else exercise.answer
            recommendation = record_attempt(
                learner, course, exercise.key, right, source="web", idempotency_key=f"k{n}",
                recommendation_id=recommendation.pk,
            ).next  # fmt: skip
    assert ready, "answering right, the learner masters the prerequisites, or every skill"
    if ready.startswith("maintenance: every skill is mastered"):
        named = set(course.skills.values_list("name", flat=True))
    else:
        named = set(ready.removeprefix("ready: prerequisites mastered (").removesuffix(")").split(", "))
    shown = SkillProgress.objects.filter(learner=learner, mastered=True).values_list("skill__name", flat=True)
    assert named <= set(shown)


def test_a_skill_without_an_exercise_to_practise_is_not_something_to_master(
    client, course, student, mastered_counting
):
    course.exercises.filter(key="mul-1").update(active=False)  # multiplication's only exercise
    client.force_login(student)
    html = client.get(reverse("learners:progress", args=[course.slug])).content.decode()
    assert '<dd id="total-mastered">1 of 2</dd>' in html
    row = html[html.index('data-skill="multiplication"') :]
    assert 'data-label="Mastered">No exercises yet</td>' in row
    skills = client_for(student).get("/api/v1/courses/arithmetic/progress/").json()["skills"]
    assert [(s["skill"], s["practisable"]) for s in skills][-1] == ("multiplication", False)


def test_the_progress_page_explains_mastery_in_plain_words(client, course, student, mastered_counting):
    client.force_login(student)
    html = client.get(reverse("learners:progress", args=[course.slug])).content.decode()
    assert "We are at least 85% sure, from your answers, that you know the skill." in html
    assert "That usually takes about three right answers in a row, sometimes two." in html
    assert "metamodel" not in html and "from scratch" not in html


def practice_page(client, course) -> str:
    return client.get(reverse("learners:practice", args=[course.slug])).content.decode()


def test_practice_says_so_once_every_skill_with_exercises_is_mastered(client, course, student):
    learner = learner_for(student)
    enroll(learner, course)
    client.force_login(student)
    notice = "You have mastered every skill of Arithmetic. Practice now keeps them fresh."
    for key in ("counting", "addition"):
        SkillProgress.objects.create(
            learner=learner,
            course=course,
            skill=course.skills.get(key=key),
            attempts=3,
            correct=3,
            mastered=True,
        )
    assert notice not in practice_page(client, course)  # multiplication is still to master
    course.exercises.filter(key="mul-1").update(active=False)  # now it has nothing to practise
    assert notice in practice_page(client, course)

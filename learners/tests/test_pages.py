"""The student pages through Django's test client: sign-up, catalogue, course, practice, result, progress."""

import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from courses.models import Course, Exercise, Override
from courses.tests.factories import CourseFactory
from learners.models import Attempt, Enrollment
from learners.services import enroll, learner_for
from metamodel.models import Recommendation

pytestmark = pytest.mark.django_db


def practice_url(course: Course) -> str:
    return reverse("learners:practice", args=[course.slug])


def recommend(user, course: Course, key: str) -> Recommendation:
    """A recommendation of one chosen exercise, as the engine would store it."""
    return Recommendation.objects.create(
        learner=learner_for(user),
        course=course,
        exercise=course.exercises.get(key=key),
        policy="rule",
        reasons=["next skill: Counting (you have not practised it yet)"],
    )


def shown_form(client, course: Course, **params) -> dict:
    """The answer form the practice page renders: its exercise and hidden fields."""
    page = client.get(practice_url(course), params)
    assert page.status_code == 200
    form = page.context["form"]
    return {
        "exercise": page.context["exercise"],
        "idempotency_key": str(form["idempotency_key"].value()),
        "recommendation": form["recommendation"].value(),
        "hints_used": form["hints_used"].value(),
    }


def fields_of(page) -> dict:
    """What the practice page's answer form sends as it is shown: its hidden fields, and the answer if any."""
    form = page.context["form"]
    return {name: value for name in form.fields if (value := form[name].value()) is not None}


def answer(client, course: Course, shown: dict, response: str, **overrides):
    data = {
        "idempotency_key": shown["idempotency_key"],
        "recommendation": shown["recommendation"],
        "hints_used": shown["hints_used"],
        "response": response,
        **overrides,
    }
    return client.post(practice_url(course), data)


def wrong_answer_to(exercise: Exercise) -> str:
    if exercise.type == Exercise.Type.MULTIPLE_CHOICE:
        return next(choice for choice in exercise.choices if choice != exercise.answer)
    if exercise.type == Exercise.Type.NUMERIC:
        return str(float(exercise.answer) + 1)
    return "certainly not this"


def right_answer_to(exercise: Exercise) -> str:
    return str(exercise.answer[0] if exercise.type == Exercise.Type.TEXT else exercise.answer)


# Access


@pytest.mark.parametrize("name", ["catalogue", "course", "practice", "progress", "attempt"])
def test_anonymous_visitors_are_sent_to_login(client, course, name):
    args = {"catalogue": [], "attempt": [course.slug, 1]}.get(name, [course.slug])
    url = reverse(f"learners:{name}", args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_login_page_logs_in_and_goes_to_the_catalogue(client, student):
    page = client.get(reverse("login"))
    assert b'<label for="id_username">' in page.content
    assert b"csrfmiddlewaretoken" in page.content
    response = client.post(reverse("login"), {"username": "sam", "password": "a-long-test-password"})
    assert response.status_code == 302
    assert response.url == reverse("learners:catalogue")


def test_login_page_says_when_the_password_is_wrong(client, student):
    response = client.post(reverse("login"), {"username": "sam", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_logout_is_a_post_from_every_page(client, student):
    client.force_login(student)
    page = client.get(reverse("learners:catalogue"))
    assert f'action="{reverse("logout")}"'.encode() in page.content
    client.post(reverse("logout"))
    assert client.get(reverse("learners:catalogue")).status_code == 302


# Sign-up


def test_signup_creates_a_student_and_logs_them_in(client):
    response = client.post(
        reverse("learners:signup"),
        {"username": "newbie", "password1": "Correct-horse-42", "password2": "Correct-horse-42"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("learners:catalogue"), 302)]
    user = get_user_model().objects.get(username="newbie")
    assert user.learner is not None
    assert response.context["user"] == user
    assert b"Welcome, newbie" in response.content


def test_signup_shows_field_errors_and_creates_nothing(client):
    response = client.post(
        reverse("learners:signup"),
        {"username": "newbie", "password1": "Correct-horse-42", "password2": "another-one-42"},
    )
    assert response.status_code == 400  # as every refused form of the student pages
    form = response.context["form"]
    # On the first box, which takes the focus: both come back empty, so the pupil starts from the top.
    assert form.errors == {
        "password1": ["The two passwords were not the same: type your password in both boxes again."]
    }
    assert b'aria-invalid="true"' in response.content
    assert 'id="id_password1"' in str(form["password1"]) and "autofocus" in str(form["password1"])
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_signup_explains_a_refused_password_in_a_pupils_words_on_the_first_box(client):
    page = client.get(reverse("learners:signup")).content.decode()
    assert "Not a password that lots of people use, such as password123." in page
    assert "commonly used" not in page
    response = client.post(
        reverse("learners:signup"),
        {"username": "newbie", "password1": "password123", "password2": "password123"},
    )
    assert response.context["form"].errors == {
        "password1": ["Lots of people use this password, so it is easy to guess: choose another."]
    }
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_signup_refuses_a_taken_username(client, student):
    response = client.post(
        reverse("learners:signup"),
        {"username": "sam", "password1": "Correct-horse-42", "password2": "Correct-horse-42"},
    )
    assert b"already exists" in response.content
    assert get_user_model().objects.filter(username="sam").count() == 1


def test_signup_is_refused_with_a_message_when_registration_is_closed(client, settings):
    settings.REGISTRATION_OPEN = False
    page = client.get(reverse("learners:signup"))
    assert page.status_code == 403
    assert b"Sign-up is closed" in page.content
    response = client.post(
        reverse("learners:signup"),
        {"username": "newbie", "password1": "Correct-horse-42", "password2": "Correct-horse-42"},
    )
    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_signup_sends_a_logged_in_user_to_the_catalogue(client, student):
    client.force_login(student)
    assert client.get(reverse("learners:signup")).url == reverse("learners:catalogue")


# Catalogue, course page, enrolment


def test_catalogue_lists_visible_courses_with_an_enroll_button(client, student, course):
    CourseFactory(slug="draft", title="Draft course", published=False)
    client.force_login(student)
    page = client.get(reverse("learners:catalogue"))
    assert page.status_code == 200
    assert b"Arithmetic" in page.content
    assert b"Draft course" not in page.content
    assert f'action="{reverse("learners:enroll", args=[course.slug])}"'.encode() in page.content
    assert b"3 skills" in page.content
    assert b"6 exercises" in page.content


def test_a_course_with_nothing_to_practise_yet_says_so_instead_of_offering_to_enroll(client, student, course):
    empty = CourseFactory(slug="soon", title="Coming soon", published=True)
    client.force_login(student)
    page = client.get(reverse("learners:catalogue")).content.decode()
    card = page.split("Coming soon", 1)[1].split("</li>", 1)[0]
    assert "0 exercises" in card and "No exercises yet: nothing to practise here so far." in card
    assert reverse("learners:enroll", args=[empty.slug]) not in page
    assert reverse("learners:enroll", args=[course.slug]) in page  # a course with exercises still offers it
    detail = client.get(reverse("learners:course", args=[empty.slug])).content.decode()
    assert "No exercises yet" in detail and reverse("learners:enroll", args=[empty.slug]) not in detail


def test_catalogue_shows_enrolled_courses_with_practise_and_progress_links(client, enrolled, course):
    page = client.get(reverse("learners:catalogue"))
    assert b"Enrolled" in page.content
    assert reverse("learners:practice", args=[course.slug]).encode() in page.content
    assert reverse("learners:progress", args=[course.slug]).encode() in page.content


def test_course_page_lists_skills_with_their_prerequisites(client, student, course):
    client.force_login(student)
    page = client.get(reverse("learners:course", args=[course.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Whole-number arithmetic." in html
    assert html.index("Counting") < html.index("Addition") < html.index("Multiplication")
    assert "Builds on: <span>Addition</span>" in html
    assert "Enroll in this course" in html


def test_course_page_is_404_for_unknown_and_unpublished_courses(client, student):
    CourseFactory(slug="draft", published=False)
    client.force_login(student)
    assert client.get(reverse("learners:course", args=["nope"])).status_code == 404
    assert client.get(reverse("learners:course", args=["draft"])).status_code == 404


def test_enrolling_records_the_enrollment_once(client, student, course):
    client.force_login(student)
    url = reverse("learners:enroll", args=[course.slug])
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("learners:course", args=[course.slug]), 302)]
    assert b"You are enrolled in Arithmetic" in response.content
    assert b"See your progress" in response.content
    client.post(url)
    assert Enrollment.objects.filter(learner__user=student, course=course).count() == 1


def test_enrolling_needs_a_post(client, student, course):
    client.force_login(student)
    assert client.get(reverse("learners:enroll", args=[course.slug])).status_code == 405
    assert not Enrollment.objects.exists()


def test_enroll_form_is_protected_against_csrf(student, course):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    assert client.post(reverse("learners:enroll", args=[course.slug])).status_code == 403


# Practice


@pytest.mark.parametrize("name", ["practice", "progress"])
def test_a_learner_not_enrolled_is_sent_to_the_course_page(client, student, course, name):
    client.force_login(student)
    response = client.get(reverse(f"learners:{name}", args=[course.slug]), follow=True)
    assert response.redirect_chain == [(reverse("learners:course", args=[course.slug]), 302)]
    assert b"Enroll in Arithmetic to practise it" in response.content


def test_practice_shows_the_recommended_exercise_and_why(client, enrolled, course):
    page = client.get(practice_url(course))
    html = page.content.decode()
    assert page.context["exercise"].key == "count-1"
    assert "Count: ● ● ●" in html
    assert "Why this exercise?" in html
    assert "Next skill: Counting (you have not practised it yet)" in html
    # and what the reason's code means, in a pupil's words
    assert "A skill that is new to you. You know what it builds on, so it is the one to start now." in html
    assert "inputmode" not in html  # a phone's decimal keypad could not type -7 or 3/4
    assert '<label for="id_response">Your answer</label>' in html
    assert 'name="idempotency_key"' in html
    assert "csrfmiddlewaretoken" in html
    assert "Show a hint" in html


def test_each_rendering_of_the_practice_form_gets_a_new_idempotency_key(client, enrolled, course):
    first = shown_form(client, course)
    second = shown_form(client, course)
    assert first["idempotency_key"] != second["idempotency_key"]
    uuid.UUID(first["idempotency_key"])


def test_multiple_choice_is_a_labelled_group_of_radio_buttons(client, enrolled, course):
    recommendation = recommend(enrolled, course, "count-2")
    page = client.get(practice_url(course), {"recommendation": recommendation.pk})
    html = page.content.decode()
    assert "<fieldset" in html
    assert "<legend>Your answer</legend>" in html
    assert html.count('type="radio"') == 2
    assert '<label for="id_response_1"><input type="radio" name="response" value="7"' in html


def test_text_exercises_get_a_text_input(client, enrolled, course):
    recommendation = recommend(enrolled, course, "count-3")
    page = client.get(practice_url(course), {"recommendation": recommendation.pk})
    assert b'type="text" name="response"' in page.content
    assert b"inputmode" not in page.content


def test_another_learners_recommendation_is_not_found(client, enrolled, other_student, course):
    enroll(learner_for(other_student), course)
    theirs = recommend(other_student, course, "count-2")
    assert client.get(practice_url(course), {"recommendation": theirs.pk}).status_code == 404
    shown = shown_form(client, course)
    assert answer(client, course, shown, "3", recommendation=theirs.pk).status_code == 404
    assert not Attempt.objects.exists()


def test_a_right_answer_is_recorded_and_shown_as_correct(client, enrolled, course):
    shown = shown_form(client, course)
    response = answer(client, course, shown, "3")
    attempt = Attempt.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("learners:attempt", args=[course.slug, attempt.pk])
    assert attempt.correct
    assert attempt.source == Attempt.Source.WEB
    assert attempt.response == "3"
    assert attempt.recommendation_id == shown["recommendation"]
    assert attempt.idempotency_key == shown["idempotency_key"]

    page = client.get(response.url)
    html = page.content.decode()
    assert "Correct!" in html
    assert "There are <strong>3</strong> dots." in html
    assert "Point at each dot." in html
    assert "Next exercise" in html


def test_a_wrong_answer_shows_both_answers_and_the_explanation(client, enrolled, course):
    shown = shown_form(client, course)
    page = client.get(answer(client, course, shown, "4").url)
    html = page.content.decode()
    assert not Attempt.objects.get().correct
    assert "Not quite." in html
    assert "✗" in html
    assert '<dd class="your-answer">4</dd>' in html
    assert '<dd class="correct-answer">3</dd>' in html
    assert "There are <strong>3</strong> dots." in html


def test_fractions_are_accepted_as_numeric_answers(client, enrolled, course):
    shown = shown_form(client, course)
    answer(client, course, shown, "6/2")
    assert Attempt.objects.get().correct


def test_an_unreadable_number_is_refused_without_recording(client, enrolled, course):
    shown = shown_form(client, course)
    response = answer(client, course, shown, "three-ish")
    assert response.status_code == 400
    assert b"Enter a number" in response.content
    assert b'aria-invalid="true"' in response.content
    assert response.context["form"]["idempotency_key"].value() == shown["idempotency_key"]
    assert not Attempt.objects.exists()


def test_an_empty_answer_is_refused_without_recording(client, enrolled, course):
    shown = shown_form(client, course)
    response = answer(client, course, shown, "  ")
    assert response.status_code == 400
    assert b"Please give an answer." in response.content
    assert not Attempt.objects.exists()


def test_text_answers_are_checked_without_regard_to_case_and_spaces(client, enrolled, course):
    recommendation = recommend(enrolled, course, "count-3")
    shown = shown_form(client, course, recommendation=recommendation.pk)
    answer(client, course, shown, "  TWO ")
    assert Attempt.objects.get().correct


def test_multiple_choice_answers_are_recorded_by_value(client, enrolled, course):
    recommendation = recommend(enrolled, course, "count-2")
    shown = shown_form(client, course, recommendation=recommendation.pk)
    page = client.get(answer(client, course, shown, "4").url)
    assert Attempt.objects.get().response == "4"
    assert '<dd class="correct-answer">7</dd>' in page.content.decode()
    assert answer(client, course, {**shown, "idempotency_key": str(uuid.uuid4())}, "5").status_code == 400
    assert Attempt.objects.count() == 1


def test_answering_after_leaving_the_course_records_nothing(client, enrolled, course):
    shown = shown_form(client, course)
    Enrollment.objects.filter(learner__user=enrolled).delete()
    response = answer(client, course, shown, "3")
    assert response.url == reverse("learners:course", args=[course.slug])
    assert not Attempt.objects.exists()


def test_answering_an_exercise_withdrawn_meanwhile_moves_on(client, enrolled, course):
    shown = shown_form(client, course)
    Exercise.objects.filter(pk=shown["exercise"].pk).update(active=False)
    response = answer(client, course, shown, "3")
    assert response.url == practice_url(course)
    assert not Attempt.objects.exists()
    page = client.get(response.url).content.decode()
    assert (
        "Your teacher withdrew this exercise from the course while you had it open: your answer was not "
        "kept. Here is another exercise." in page
    )
    assert shown["exercise"].key not in page.split("Here is another exercise.")[0]  # no internal key


def test_answering_an_exercise_set_aside_meanwhile_moves_on(client, enrolled, course):
    shown = shown_form(client, course)
    Override.objects.create(course=course, kind="exclude_exercise", exercise=shown["exercise"], reason="typo")
    response = answer(client, course, shown, "3")
    assert response.url == practice_url(course)
    assert not Attempt.objects.exists()
    page = client.get(response.url)
    assert (
        "Your teacher has set this exercise aside: it is not practised now. Here is another exercise."
        in page.content.decode()
    )
    assert page.context["exercise"] != shown["exercise"]


def test_submitting_the_same_form_twice_records_one_attempt(client, enrolled, course):
    shown = shown_form(client, course)
    first = answer(client, course, shown, "3")
    second = answer(client, course, shown, "3")
    assert Attempt.objects.count() == 1
    assert first.url == second.url
    page = client.get(second.url)
    assert b"it was recorded once" in page.content


def test_the_same_form_with_another_answer_is_not_recorded_again(client, enrolled, course):
    shown = shown_form(client, course)
    answer(client, course, shown, "3")
    response = answer(client, course, shown, "4")
    assert response.url == practice_url(course)
    assert Attempt.objects.count() == 1
    assert b"already answered from this page" in client.get(response.url).content


@pytest.mark.parametrize("how", ["reopened", "hint"])
def test_an_exercise_left_open_in_another_tab_moves_on_once_one_is_answered(client, enrolled, course, how):
    left_open = shown_form(client, course, recommendation=recommend(enrolled, course, "count-2").pk)
    answer(client, course, shown_form(client, course), "3")  # in the other tab
    if how == "reopened":
        response = client.get(practice_url(course), {"recommendation": left_open["recommendation"]})
    else:
        response = answer(client, course, left_open, "", action="hint")
    assert response.status_code == 302
    assert response.url == practice_url(course)
    page = client.get(response.url)
    assert (
        "This exercise is out of date: you answered another since it was shown. Here is another exercise."
        in page.content.decode()
    )
    assert page.context["recommendation"].pk != left_open["recommendation"]
    assert Attempt.objects.count() == 1


def test_show_a_hint_reveals_hints_one_at_a_time_on_the_same_exercise(client, enrolled, course):
    exercise = course.exercises.get(key="count-1")
    exercise.hints = ["Point at each dot.", "Say a number for each one."]
    exercise.save()
    shown = shown_form(client, course)
    assert b"Point at each dot." not in client.get(practice_url(course)).content

    first = answer(client, course, shown, "", action="hint")
    assert first.status_code == 200
    assert first.context["recommendation"].pk == shown["recommendation"]
    assert b"Point at each dot." in first.content
    assert b"Say a number for each one." not in first.content
    assert b"Show another hint (2 of 2)" in first.content
    assert b"Please give an answer." not in first.content
    assert b"<title>Hint 1 of 2 \xc2\xb7 Practise Arithmetic" in first.content

    second = client.post(practice_url(course), {**fields_of(first), "action": "hint"})
    assert b"Say a number for each one." in second.content
    assert b"Show another hint" not in second.content
    assert second.context["form"]["hints_used"].value() == 2

    answer(client, course, fields_of(second), "3")
    assert Attempt.objects.get().hints_used == 2


def test_a_hint_keeps_the_answer_chosen_so_far_and_records_nothing(client, enrolled, course):
    exercise = course.exercises.get(key="count-2")
    exercise.hints = ["Count on from 4."]
    exercise.save()
    shown = shown_form(client, course, recommendation=recommend(enrolled, course, "count-2").pk)
    page = answer(client, course, shown, "7", action="hint")
    assert b"Count on from 4." in page.content
    assert page.context["form"]["response"].value() == "7"
    assert 'value="7" required id="id_response_1" checked>' in page.content.decode()
    assert not Attempt.objects.exists()


def test_hint_counts_beyond_the_exercises_hints_are_capped(client, enrolled, course):
    shown = shown_form(client, course)
    page = answer(client, course, {**shown, "hints_used": 99}, "", action="hint")
    assert page.context["form"]["hints_used"].value() == 1
    assert b"Show a" not in page.content
    garbled = answer(client, course, {**shown, "hints_used": "x"}, "", action="hint")
    assert garbled.context["form"]["hints_used"].value() == 1


def test_a_course_with_nothing_to_practise_says_so(client, student):
    empty = CourseFactory(slug="empty", title="Empty course")
    enroll(learner_for(student), empty)
    client.force_login(student)
    page = client.get(practice_url(empty))
    assert page.status_code == 200
    assert b"There is nothing to practise in this course yet" in page.content


def test_the_next_exercise_link_follows_the_recommendation_made_with_the_answer(client, enrolled, course):
    shown = shown_form(client, course)
    result = client.get(answer(client, course, shown, "3").url)
    following = Recommendation.objects.get(after_attempt=Attempt.objects.get())
    assert f"{practice_url(course)}?recommendation={following.pk}".encode() in result.content
    page = client.get(practice_url(course), {"recommendation": following.pk})
    assert page.context["exercise"] == following.exercise


# Result page


def test_another_learner_cannot_see_your_result_page(client, enrolled, other_student, course):
    shown = shown_form(client, course)
    url = answer(client, course, shown, "3").url
    client.force_login(other_student)
    assert client.get(url).status_code == 404


def test_a_result_page_under_another_course_is_not_found(client, enrolled, course):
    other = CourseFactory(slug="other")
    shown = shown_form(client, course)
    attempt_id = answer(client, course, shown, "3").url.rstrip("/").rsplit("/", 1)[-1]
    assert client.get(reverse("learners:attempt", args=[other.slug, attempt_id])).status_code == 404


# Progress


def test_progress_page_numbers_change_after_practice(
    client, enrolled, course, django_capture_on_commit_callbacks
):
    before = client.get(reverse("learners:progress", args=[course.slug]))
    assert before.status_code == 200
    assert [(r.skill_key, r.attempts) for r in before.context["reports"]] == [
        ("counting", 0),
        ("addition", 0),
        ("multiplication", 0),
    ]
    assert b'<dd id="total-answered">0</dd>' in before.content
    assert b"Never" in before.content
    # What the columns mean, short, in a pupil's words, folded away until asked for
    meanings = before.content.decode().split('<details class="why" id="what-it-means">')[1]
    assert "<summary>What do these mean?</summary>" in meanings
    assert "How many of your last 5 answers on a skill were right." in meanings
    assert "We are at least 85% sure, from your answers, that you know the skill." in meanings

    with django_capture_on_commit_callbacks(execute=True):
        answer(client, course, shown_form(client, course), "3")
    shown = shown_form(client, course)
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, course, shown, wrong_answer_to(shown["exercise"]))

    after = client.get(reverse("learners:progress", args=[course.slug]))
    counting = after.context["reports"][0]
    assert (counting.attempts, counting.correct) == (2, 1)
    html = after.content.decode()
    assert '<dd id="total-answered">2</dd>' in html
    assert '<dd id="total-right">1 (50%)</dd>' in html
    counting_row = html[html.index('data-skill="counting"') : html.index('data-skill="addition"')]
    assert 'data-label="Attempts">2</td>' in counting_row
    assert 'data-label="Share correct">50%</td>' in counting_row
    assert "just now</time>" in html


@pytest.mark.django_db
def test_a_learner_can_pick_one_of_the_alternatives_on_the_page(client, student, course):
    from conftest import train_on_simulated_learners
    from metamodel.models import Recommendation

    train_on_simulated_learners()
    client.force_login(student)
    client.post(f"/courses/{course.slug}/enroll/")
    page = client.get(f"/courses/{course.slug}/practice/").content.decode()
    assert "Or pick another" in page
    recommendation = Recommendation.objects.latest("id")
    # The best-scored candidate other than the one drawn (the draw need not be the best-scored).
    alternative = next(
        c["exercise"] for c in recommendation.candidates if c["exercise"] != recommendation.exercise.key
    )
    picked = client.get(
        f"/courses/{course.slug}/practice/?recommendation={recommendation.pk}&exercise={alternative}"
    )
    assert "You chose this exercise instead of the recommended one." in picked.content.decode()
    form = picked.context["form"]
    answer = course.exercises.get(key=alternative).answer
    response = client.post(
        f"/courses/{course.slug}/practice/",
        {
            **{name: form[name].value() for name in form.fields},
            "response": answer[0] if isinstance(answer, list) else answer,
        },
    )
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.learner_choice.key == alternative


# Alternatives


def recommend_with_alternatives(user, course: Course) -> Recommendation:
    """A recommendation of count-1 whose next-best candidates are count-2 and add-1, as the model scores."""
    recommendation = recommend(user, course, "count-1")
    recommendation.reasons = ["stretch: 41% predicted success, in the target band 60%-85%"]
    recommendation.candidates = [
        {"exercise": "count-1", "predicted_correct": 0.41},
        {"exercise": "add-1", "predicted_correct": 0.386},
        {"exercise": "count-2", "predicted_correct": 0.7},
    ]
    recommendation.save()
    return recommendation


def test_alternatives_show_their_predicted_success_as_a_percentage(client, enrolled, course):
    recommendation = recommend_with_alternatives(enrolled, course)
    html = client.get(practice_url(course), {"recommendation": recommendation.pk}).content.decode()
    assert "Stretch: 41% predicted success" in html
    assert "(39% predicted success)" in html
    assert "(70% predicted success)" in html


def test_alternatives_are_named_by_their_prompt_as_shown_not_by_its_markdown(client, enrolled, course):
    # The same first 80 characters of Markdown, but what a learner reads differs within them.
    for key, last in [("add-1", "80"), ("count-2", "90")]:
        course.exercises.filter(key=key).update(
            prompt="Which **number** does this print?\n\n"
            f"```python\nprint(10 + 20 + 30 + 40 + 50 + 60 + 70 + {last})\n```"
        )
    recommendation = recommend_with_alternatives(enrolled, course)
    html = client.get(practice_url(course), {"recommendation": recommendation.pk}).content.decode()
    alternatives = html.split('id="alternatives-heading"')[1].split("</section>")[0]
    names = [" ".join(name.split()) for name in re.findall(r"<a [^>]*>(.*?)</a>", alternatives, re.DOTALL)]
    assert names == [
        "Which number does this print? print(10 + 20 + 30 + 40 + 50 + 60 + 70 + 80)",
        "Which number does this print? print(10 + 20 + 30 + 40 + 50 + 60 + 70 + 90)",
    ]


def test_a_hint_on_a_chosen_alternative_stays_on_that_alternative(client, enrolled, course):
    recommendation = recommend_with_alternatives(enrolled, course)
    picked = client.get(practice_url(course), {"recommendation": recommendation.pk, "exercise": "add-1"})
    with_hint = client.post(practice_url(course), {**fields_of(picked), "action": "hint"})
    assert with_hint.context["exercise"].key == "add-1"
    assert b"2 + 3 = ?" in with_hint.content
    assert b"Start at 2 and count on 3." in with_hint.content
    assert b"You chose this exercise instead of the recommended one." in with_hint.content

    client.post(practice_url(course), {**fields_of(with_hint), "response": "5"})
    attempt = Attempt.objects.get()
    assert (attempt.exercise.key, attempt.correct, attempt.hints_used) == ("add-1", True, 1)
    recommendation.refresh_from_db()
    assert recommendation.learner_choice.key == "add-1"


# Tampered forms


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hints_used", "-5", "(Hints used: Ensure this value is greater than or equal to 0)"),
        ("idempotency_key", "abc", "(Idempotency key: Enter a valid UUID)"),
    ],
)
def test_a_tampered_hidden_field_is_refused_with_a_visible_message(
    client, enrolled, course, field, value, message
):
    shown = shown_form(client, course)
    response = answer(client, course, shown, "3", **{field: value})
    assert response.status_code == 400
    html = response.content.decode()
    alert = html.split('role="alert"')[1].split("</div>")[0]
    assert "This page was changed before it was sent" in alert
    assert message in alert
    assert f"?recommendation={shown['recommendation']}" in alert
    assert not Attempt.objects.exists()


def test_the_login_page_says_why_when_a_page_sent_the_learner_there(client, course):
    practice = client.get(practice_url(course))
    assert practice.status_code == 302
    page = client.get(practice.url)
    assert b"Log in to go on where you were." in page.content
    assert b"Log in to go on where you were." not in client.get(reverse("login")).content


def test_a_course_with_a_decimal_comma_reads_and_shows_numbers_with_one(client, enrolled, course):
    Course.objects.filter(pk=course.pk).update(language="es")
    recommendation = recommend(enrolled, course, "add-2")  # its answer is 0.3
    shown = shown_form(client, course, recommendation=recommendation.pk)
    result = client.get(answer(client, course, shown, "0,30").url)
    assert "<h1" in result.content.decode() and Attempt.objects.get().correct
    assert '<dd class="correct-answer" lang="es">0,3</dd>' in result.content.decode()
    numeric = recommend(enrolled, course, "add-1")
    refused = answer(client, course, shown_form(client, course, recommendation=numeric.pk), "1.560")
    assert "Write 1.560 without the point: 1560, or with a decimal comma" in refused.content.decode()

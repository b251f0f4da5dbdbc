"""Join codes: a teacher gives a class a short code (the course's page in the dashboard, or Enroll a
class), writes it on the board, and the pupils enroll themselves with it, from the catalogue, the /join/ page,
a shared link or the API, even in a course closed to self-enrollment. Replaced or removed, a code enrolls no
one; wrong codes are a message on the form (a 400 on `code` in the API); guessing is limited per account."""

import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.test import Client
from django.urls import reverse

from config.tests.test_api_contract import SCHEMA, assert_as_documented
from conftest import arithmetic_document, client_for
from courses.join_codes import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH
from courses.models import Course
from courses.services import export_course, import_course
from courses.teachers import make_teacher
from courses.tests.factories import CourseFactory
from learners.models import Enrollment
from learners.services import enroll, learner_for

pytestmark = pytest.mark.django_db

JOIN, JOIN_API = "/join/", "/api/v1/courses/join/"
NO_CLASS = "No class has this join code: check it with your teacher (a code they replaced no longer works)."
# The code as a pupil copies it off the board, typed in lower case with a space: "7kqm 3xdf".
CODE_ON_THE_BOARD = re.compile(r'<p class="join-code" id="join-code">([A-Z0-9]{4})-([A-Z0-9]{4})</p>')


@pytest.fixture
def closed(course):
    """A class of the teacher's own: students cannot enroll themselves from the catalogue."""
    course.self_enrollment = False
    course.save(update_fields=["self_enrollment"])
    return course


@pytest.fixture
def pupil(client, student):
    client.force_login(student)
    return client


def course_page(course: Course) -> str:
    return reverse("admin:courses_course_change", args=[course.pk])


def press(teacher_client: Client, course: Course, button: str, back: str = "change") -> str:
    """Press a join code button (``new`` or ``remove``) in the dashboard, and confirm it where the page asks
    (replacing or removing a code); the page it returns to."""
    url = reverse("admin:courses_course_join_code", args=[course.pk])
    course.refresh_from_db()
    sure = {"confirm": course.join_code} if course.join_code else {}
    done = teacher_client.post(url, {"join_code": button, "back": back, **sure}, follow=True)
    assert done.status_code == 200
    return done.content.decode()


def code_on(page: str) -> str:
    """The join code the dashboard shows, as a pupil types it: lower case, a space between its halves."""
    shown = CODE_ON_THE_BOARD.search(page)
    assert shown, "no join code on the page"
    return f"{shown[1]} {shown[2]}".lower()


def join(client: Client, code: str) -> tuple[str, str]:
    """Send a join code from the /join/ form; the page the pupil lands on and its address."""
    landed = client.post(JOIN, {"code": code}, follow=True)
    assert landed.status_code == 200
    return landed.content.decode(), landed.request["PATH_INFO"]


def test_a_pupil_joins_a_closed_class_with_the_code_the_teacher_created(
    teacher_client, teacher, closed, pupil, student
):
    page = press(teacher_client, closed, "new")
    assert "Created the join code" in page
    code = code_on(page)
    assert f"http://testserver/join/{code.replace(' ', '').upper()}/" in page  # the link to share
    logged = LogEntry.objects.get(user=teacher, action_flag=CHANGE, object_id=str(closed.pk))
    assert logged.change_message == f"Created the join code {code.upper().replace(' ', '-')}."

    catalogue = pupil.get(reverse("learners:catalogue")).content.decode()
    assert 'action="/join/"' in catalogue and "Join code" in catalogue
    landed, path = join(pupil, code)
    assert path == "/courses/arithmetic/"
    assert "You joined Arithmetic." in landed and '<span class="badge">Enrolled</span>' in landed
    assert learner_for(student).is_enrolled_in(closed) and Enrollment.objects.count() == 1
    # Again: no second enrollment, and the pupil still lands on the course.
    again, path = join(pupil, code.upper())
    assert path == "/courses/arithmetic/" and "You are in Arithmetic already." in again
    assert Enrollment.objects.get().course == closed


def test_a_wrong_code_is_an_error_on_the_form_and_enrolls_no_one(teacher_client, closed, pupil):
    press(teacher_client, closed, "new")
    wrong = pupil.post(JOIN, {"code": "ZZZZ-ZZZZ"})
    assert wrong.status_code == 200
    page = wrong.content.decode()
    assert "<title>Error: Join a class" in page
    assert NO_CLASS in page
    assert 'aria-invalid="true"' in page and "autofocus" in page
    short = pupil.post(JOIN, {"code": "7KQM-3XD"}).content.decode()
    assert "A join code has 8 letters and digits, such as 7KQM-3XDF: check that none is missing" in short
    for odd in ("", "   ", "\x00\x00\x00\x00\x00\x00\x00\x00", "x" * 60, "ÀÉÎÕÜ-ÇÑ"):
        assert pupil.post(JOIN, {"code": odd}).status_code == 200
    assert "Type the join code your teacher gave you." in pupil.post(JOIN, {"code": ""}).content.decode()
    assert not Enrollment.objects.exists()


def test_a_replaced_code_no_longer_works_and_the_new_one_does(teacher_client, teacher, closed, pupil):
    old = code_on(press(teacher_client, closed, "new"))
    page = press(teacher_client, closed, "new", back="enroll")
    assert "Enroll a class: Arithmetic" in page  # back where the button was pressed
    new = code_on(page)
    assert new != old
    was, now = old.upper().replace(" ", "-"), new.upper().replace(" ", "-")
    assert f"Replaced the join code {was} with {now}: {was} no longer enrolls anyone." in page
    assert LogEntry.objects.filter(user=teacher, change_message__startswith="Replaced the join code").exists()
    refused, path = join(pupil, old)
    assert path == JOIN and NO_CLASS in refused
    assert not Enrollment.objects.exists()
    joined, path = join(pupil, new)
    assert path == "/courses/arithmetic/" and "You joined Arithmetic." in joined


def test_a_removed_code_enrolls_no_one(teacher_client, teacher, closed, pupil):
    code = code_on(press(teacher_client, closed, "new"))
    page = press(teacher_client, closed, "remove")
    assert "Removed the join code" in page and "Arithmetic has no join code." in page
    assert "Create a join code" in page and not CODE_ON_THE_BOARD.search(page)
    assert LogEntry.objects.filter(user=teacher, change_message__startswith="Removed the join code").exists()
    refused, path = join(pupil, code)
    assert path == JOIN and NO_CLASS in refused
    assert not Enrollment.objects.exists()


def test_the_enroll_a_class_page_shows_the_code_for_the_board(teacher_client, closed):
    enrolling = reverse("admin:courses_course_enroll_class", args=[closed.pk])
    before = teacher_client.get(enrolling).content.decode()
    assert "Usernames" in before and "Enroll them" in before  # the page as it was
    assert "Arithmetic has no join code." in before and "Create a join code" in before
    code = code_on(press(teacher_client, closed, "new", back="enroll"))
    page = teacher_client.get(enrolling).content.decode()
    assert code_on(page) == code and "Replace it with a new code" in page and "Remove the code" in page
    assert f"http://testserver/join/{code.replace(' ', '').upper()}/" in page


def test_a_shared_link_fills_in_the_code_and_joins_only_when_sent(client, student, closed):
    code = closed.new_join_code()
    link = f"/join/{code.lower()}/"
    assert client.get(link).url == f"/accounts/login/?next={link}"  # signed out: sign in first, then back
    client.force_login(student)
    page = client.get(link).content.decode()
    assert f'value="{code[:4]}-{code[4:]}"' in page
    assert not Enrollment.objects.exists()  # opening a link changes nothing
    assert client.post(link, {"code": code}).url == "/courses/arithmetic/"
    assert learner_for(student).is_enrolled_in(closed)


def test_a_draft_courses_code_is_refused_with_a_message(pupil, course):
    code = course.new_join_code()
    Course.objects.filter(pk=course.pk).update(published=False)
    refused, path = join(pupil, code)
    assert path == JOIN
    assert "Arithmetic is not open yet: your teacher has not published it." in refused
    assert not Enrollment.objects.exists()


def test_only_the_courses_teachers_see_and_change_its_code(teacher_client, closed, other_teacher):
    code = closed.new_join_code()
    make_teacher(other_teacher)  # a teacher, of other courses
    other = Client()
    other.force_login(other_teacher)
    url = reverse("admin:courses_course_join_code", args=[closed.pk])
    assert other.post(url, {"join_code": "remove"}).status_code == 404
    assert other.post(url, {"join_code": "new"}).status_code == 404
    assert f"{code[:4]}-{code[4:]}" not in other.get(course_page(closed), follow=True).content.decode()
    closed.refresh_from_db()
    assert closed.join_code == code and not LogEntry.objects.exists()
    assert teacher_client.get(url).status_code == 405  # a button's POST only


def test_the_api_joins_with_201_then_200_and_refuses_an_unknown_code_on_its_field(api, student, closed):
    code = closed.new_join_code()
    joined = api.post(JOIN_API, {"code": f"{code[:4].lower()} {code[4:]}"}, format="json")
    assert joined.status_code == 201
    assert api.get(joined["Location"]).json()["slug"] == "arithmetic"  # the course, as enrolling says
    body = assert_as_documented(joined, JOIN_API, "POST")
    assert body["slug"] == "arithmetic" and body["enrolled"] is True and body["join_code"] is None
    again = api.post(JOIN_API, {"code": code}, format="json")
    assert again.status_code == 200 and "Location" not in again
    unknown = api.post(JOIN_API, {"code": "ZZZZ-ZZZZ"}, format="json")
    assert unknown.status_code == 400
    assert assert_as_documented(unknown, JOIN_API, "POST") == {"code": [NO_CLASS]}
    assert api.post(JOIN_API, {}, format="json").json() == {"code": ["This field is required."]}
    assert api.post(JOIN_API, {"code": 12345678}, format="json").status_code == 400
    assert api.get("/api/v1/courses/arithmetic/next/").status_code == 200  # enrolled: practising
    assert Enrollment.objects.count() == 1


def test_only_the_courses_teachers_read_its_code_in_the_api(
    course, teacher, student, other_teacher, admin_user
):
    code = course.new_join_code()

    def seen_by(user) -> tuple:
        detail = client_for(user).get("/api/v1/courses/arithmetic/").json()
        listed = client_for(user).get("/api/v1/courses/").json()["results"][0]
        return detail["join_code"], listed["join_code"]

    assert seen_by(teacher) == (code, code)
    assert seen_by(admin_user) == (code, code)
    assert seen_by(student) == (None, None)
    assert seen_by(other_teacher) == (None, None)  # staff, but not this course's teacher
    enroll(learner_for(student), course)
    assert seen_by(student) == (None, None)  # enrolled, still not a teacher


def test_guessing_is_limited_per_account_in_the_api_and_on_the_page(api, pupil, other_student, closed):
    code = closed.new_join_code()
    for guess in range(10):  # JOIN_CODE_THROTTLE_RATE: 10 a minute
        assert api.post(JOIN_API, {"code": f"ZZZZ-ZZZ{guess % 8 + 2}"}, format="json").status_code == 400
    throttled = api.post(JOIN_API, {"code": code}, format="json")  # even the right code, now
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
    assert "Request was throttled" in assert_as_documented(throttled, JOIN_API, "POST")["detail"]
    page = pupil.post(JOIN, {"code": code})  # the page counts with the API
    assert re.search(r"Too many join codes tried: try again in \d+ seconds\.", page.content.decode())
    assert not Enrollment.objects.exists()
    # Another pupil, from the same school's address, is not held back.
    assert client_for(other_student).post(JOIN_API, {"code": code}, format="json").status_code == 201


def test_the_page_alone_is_limited_too(pupil, closed):
    code = closed.new_join_code()
    for _ in range(10):
        assert NO_CLASS in join(pupil, "ZZZZ-ZZZZ")[0]
    page, path = join(pupil, code)
    assert path == JOIN and "Too many join codes tried" in page
    assert not Enrollment.objects.exists()


def test_the_schema_documents_joining_and_the_teachers_code():
    operation = SCHEMA.raw_schema["paths"][JOIN_API]["post"]
    assert {"200", "201", "400", "429"} <= set(operation["responses"])
    assert "Location" in operation["responses"]["201"]["headers"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    request = SCHEMA.raw_schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert request["required"] == ["code"]
    course = SCHEMA.raw_schema["components"]["schemas"]["Course"]["properties"]["join_code"]
    assert course["nullable"] is True and "teachers only" in course["description"]


def test_two_courses_never_share_a_code_a_collision_draws_again(monkeypatch, course):
    taken = course.new_join_code()
    draws = iter([taken, "ABCDEFGH"])
    monkeypatch.setattr("courses.models.new_join_code", lambda: next(draws))
    other = CourseFactory()
    assert other.new_join_code() == "ABCDEFGH"
    course.refresh_from_db()
    other.refresh_from_db()
    assert (course.join_code, other.join_code) == (taken, "ABCDEFGH")


def test_a_code_is_eight_characters_easy_to_read_aloud(course):
    codes = {course.new_join_code() for _ in range(50)}
    assert len(codes) == 50  # each a fresh draw
    assert all(len(code) == JOIN_CODE_LENGTH and set(code) <= set(JOIN_CODE_ALPHABET) for code in codes)
    assert not set(JOIN_CODE_ALPHABET) & set("IL1O0") and JOIN_CODE_ALPHABET.isupper()


def test_re_importing_the_course_keeps_its_code(course):
    code = course.new_join_code()
    import_course(arithmetic_document())
    course.refresh_from_db()
    assert course.join_code == code
    assert "join" not in export_course(course) and code not in str(export_course(course))

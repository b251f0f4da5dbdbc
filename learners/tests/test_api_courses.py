import pytest

from conftest import arithmetic_document, client_for
from courses.models import Course
from courses.tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


def test_the_catalogue_lists_published_courses_with_enrollment(api, course):
    CourseFactory(slug="draft", published=False)
    body = api.get("/api/v1/courses/").json()
    assert [c["slug"] for c in body["results"]] == ["arithmetic"]
    assert body["results"][0]["enrolled"] is False
    api.post("/api/v1/courses/arithmetic/enroll/")
    assert api.get("/api/v1/courses/").json()["results"][0]["enrolled"] is True


def test_course_detail_shows_the_graph_and_exercises_without_answers(api, course):
    body = api.get("/api/v1/courses/arithmetic/").json()
    skills = {s["key"]: s["prerequisites"] for s in body["skills"]}
    assert skills == {"counting": [], "addition": ["counting"], "multiplication": ["addition"]}
    assert len(body["exercises"]) == 6
    for exercise in body["exercises"]:
        assert "answer" not in exercise and "explanation" not in exercise and "tolerance" not in exercise
    choice = next(e for e in body["exercises"] if e["key"] == "count-2")
    assert choice["choices"] == ["4", "7"]


def test_an_unknown_course_is_a_json_404(api, course):
    response = api.get("/api/v1/courses/nope/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Course matches the given query."}


def test_enrolling_twice_is_harmless(api, course):
    first = api.post("/api/v1/courses/arithmetic/enroll/")
    assert first.status_code == 201
    assert first["Location"] == "http://testserver/api/v1/courses/arithmetic"
    assert api.get(first["Location"]).json()["enrolled"] is True
    again = api.post("/api/v1/courses/arithmetic/enroll/")
    assert again.status_code == 200
    assert "Location" not in again


def test_next_requires_enrollment_then_gives_an_exercise_with_reasons(api, course):
    assert api.get("/api/v1/courses/arithmetic/next/").status_code == 403
    api.post("/api/v1/courses/arithmetic/enroll/")
    body = api.get("/api/v1/courses/arithmetic/next/").json()
    assert body["key"] == "count-1"  # the first skill in prerequisite order, easiest exercise first
    assert body["recommendation"] > 0
    assert body["reasons"] and "Counting" in body["reasons"][0]
    assert "answer" not in body


def test_next_on_a_course_without_exercises_is_a_404(api):
    CourseFactory(slug="empty")
    api.post("/api/v1/courses/empty/enroll/")
    response = api.get("/api/v1/courses/empty/next/")
    assert response.status_code == 404
    assert "no exercise" in response.json()["detail"]


def test_teachers_import_a_course_and_become_its_teachers(teacher, other_teacher):
    document = arithmetic_document("algebra")
    response = client_for(other_teacher).post("/api/v1/courses/import/", document, format="json")
    assert response.status_code == 201
    body = response.json()
    counts = ("slug", "created", "skills", "exercises", "deactivated", "dry_run")
    assert {key: body[key] for key in counts} == {
        "slug": "algebra",
        "created": True,
        "skills": 3,
        "exercises": 6,
        "deactivated": 0,
        "dry_run": False,
    }
    assert body["exercises_created"] == ["count-1", "count-2", "count-3", "add-1", "add-2", "mul-1"]
    assert list(Course.objects.get(slug="algebra").teachers.all()) == [other_teacher]
    document["exercises"] = document["exercises"][:4]
    again = client_for(other_teacher).post("/api/v1/courses/import/", document, format="json")
    assert again.status_code == 200
    assert again.json()["deactivated"] == 2
    assert again.json()["exercises_deactivated"] == [
        {"key": "add-2", "attempts": 0},
        {"key": "mul-1", "attempts": 0},
    ]


def test_import_reports_every_problem_by_path_and_writes_nothing(teacher):
    document = arithmetic_document("broken")
    document["exercises"][1]["answer"] = "9"
    document["skills"][0]["prerequisites"] = ["multiplication"]
    response = client_for(teacher).post("/api/v1/courses/import/", document, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["exercises[1] (count-2).answer"] == ["not one of the choices ('4', '7')"]
    assert "cycle" in body["skills[1] (addition).prerequisites[0]"][0]
    assert not Course.objects.filter(slug="broken").exists()


def test_students_cannot_import_and_teachers_cannot_overwrite_others_courses(api, course, other_teacher):
    assert api.post("/api/v1/courses/import/", arithmetic_document("x"), format="json").status_code == 403
    response = client_for(other_teacher).post("/api/v1/courses/import/", arithmetic_document(), format="json")
    assert response.status_code == 403


def test_progress_lists_every_skill_for_the_caller(api, course):
    api.post("/api/v1/courses/arithmetic/enroll/")
    body = api.get("/api/v1/courses/arithmetic/progress/").json()
    assert [s["skill"] for s in body["skills"]] == ["counting", "addition", "multiplication"]
    assert all(s["attempts"] == 0 and s["mastered"] is False for s in body["skills"])


def test_progress_requires_enrollment_like_next(api, course):
    progress = api.get("/api/v1/courses/arithmetic/progress/")
    following = api.get("/api/v1/courses/arithmetic/next/")
    assert (progress.status_code, following.status_code) == (403, 403)
    assert progress.json() == following.json() == {"detail": "Enroll in this course first."}


def test_the_catalogues_filter_narrows_the_list_never_a_course_named_by_its_slug(api, course, teacher):
    assert api.get("/api/v1/courses/?language=fr").json()["results"] == []
    assert api.post("/api/v1/courses/arithmetic/enroll/?language=fr").status_code == 201
    for action in ("", "next/", "progress/"):
        assert api.get(f"/api/v1/courses/arithmetic/{action}?language=fr").status_code == 200
    for action in ("export/", "class/"):
        assert client_for(teacher).get(f"/api/v1/courses/arithmetic/{action}?language=fr").status_code == 200
    paths = api.get("/api/schema/?format=json").json()["paths"]
    filtered = {
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        if path.startswith("/api/v1/courses/")
        for method, operation in operations.items()
        if any(parameter["name"] == "language" for parameter in operation.get("parameters", []))
    }
    assert filtered == {"GET /api/v1/courses/"}


def test_teachers_see_which_of_their_courses_are_drafts(api, course, teacher):
    CourseFactory(slug="draft", published=False).teachers.add(teacher)
    listed = client_for(teacher).get("/api/v1/courses/").json()["results"]
    assert {c["slug"]: c["published"] for c in listed} == {"arithmetic": True, "draft": False}
    assert client_for(teacher).get("/api/v1/courses/draft/").json()["published"] is False
    assert api.get("/api/v1/courses/arithmetic/").json()["published"] is True

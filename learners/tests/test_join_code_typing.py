"""What a pupil who mistypes a join code reads: a letter or digit codes leave out as a look-alike (O for 0,
I for 1) is named as such, not called a missing or extra character; a sign that is no letter or digit says
so. The message is on the code's field, which takes the cursor, on the page and in the API alike. And a
pupil without an account who follows a join code's link signs up and finds the code waiting."""

import pytest

from learners.models import Enrollment
from learners.tests.test_choose_password import input_tag

pytestmark = pytest.mark.django_db

LEFT_OUT = (
    "codes leave out I, L, O, 0 and 1, which are easy to mix up. Look again at the code your teacher gave"
)


@pytest.fixture
def code(course) -> str:
    return course.new_join_code()


@pytest.mark.parametrize(
    ("misread", "problem"),
    [
        ("O", f"A join code never has the letter O: {LEFT_OUT}"),
        ("0", f"A join code never has the digit 0: {LEFT_OUT}"),
        ("i", f"A join code never has the letter I: {LEFT_OUT}"),
        ("1", f"A join code never has the digit 1: {LEFT_OUT}"),
        ("#", "A join code has only the letters A to Z and digits, such as 7KQM-3XDF."),
    ],
)
def test_a_look_alike_or_a_sign_is_named_for_what_it_is(client, student, code, misread, problem):
    client.force_login(student)
    typed = f"{code[:4]}-{code[4:7]}{misread}"  # eight characters: nothing missing or extra
    page = client.post("/join/", {"code": typed}).content.decode()
    assert problem in page
    assert "check that none is missing or extra" not in page
    field = input_tag(page, "code")
    assert "autofocus" in field and 'aria-describedby="id_code_helptext id_code_error"' in field
    assert not Enrollment.objects.exists()


def test_the_api_names_a_look_alike_too(api, code):
    refused = api.post("/api/v1/courses/join/", {"code": f"{code[:7]}O"}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"code": [f"A join code never has the letter O: {LEFT_OUT} you."]}


def test_a_missing_character_is_still_called_missing(client, student, code):
    client.force_login(student)
    page = client.post("/join/", {"code": code[:7]}).content.decode()
    assert (
        "A join code has 8 letters and digits, such as 7KQM-3XDF: check that none is missing or extra."
        in page
    )


def test_a_pupil_without_an_account_signs_up_from_a_join_link_and_the_code_waits(client, code):
    link = f"/join/{code.lower()}/"
    sign_in = client.get(client.get(link).url).content.decode()
    assert f'href="/signup/?next={link}"' in sign_in  # "New here? Create a student account"
    signed_up = client.post(
        "/signup/",
        {"username": "ana", "password1": "Seven-green-frogs", "password2": "Seven-green-frogs", "next": link},
        follow=True,
    )
    assert signed_up.request["PATH_INFO"] == link
    assert f'value="{code[:4]}-{code[4:]}"' in signed_up.content.decode()


def test_signing_up_does_not_go_on_to_another_site(client):
    body = {"username": "ana", "password1": "Seven-green-frogs", "password2": "Seven-green-frogs"}
    signed_up = client.post("/signup/", {**body, "next": "https://elsewhere.example/"})
    assert signed_up.url == "/"

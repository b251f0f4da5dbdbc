"""Enroll a class with new accounts, as a teacher meets its mistakes: a pasted list of pupils' full names is
refused rather than made two accounts each, the problems open the page (for a screen reader too) and say
that nothing was done, and a list sent again (a reload of the slips' page) says whose slips cannot be shown
again and how to give them new ones."""

import re

import pytest
from django.contrib.auth import get_user_model

from learners.models import Enrollment

pytestmark = pytest.mark.django_db


def enroll_url(course) -> str:
    return f"/admin/courses/course/{course.pk}/enroll/"


def test_a_list_of_full_names_is_refused_not_made_two_accounts_each(teacher_client, course):
    page = teacher_client.post(
        enroll_url(course), {"usernames": "Ana Smith\nTom Smith\nben", "create_accounts": "on"}
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert (
        "Line 1: “Ana Smith” cannot be a username: it has a space. Write it without, such as ana.smith, and "
        "put each username on a line of its own."
    ) in text
    assert "Line 2: “Tom Smith” cannot be a username: it has a space." in text
    assert not get_user_model().objects.filter(username__in=["Ana", "Smith", "Tom", "ben"]).exists()
    # Commas and tabs still separate names (a typed list, a spreadsheet's row).
    made = teacher_client.post(enroll_url(course), {"usernames": "ana, ben\tcleo", "create_accounts": "on"})
    assert made.status_code == 200 and "of whom 3 with a new account" in made.content.decode()
    # Without the tick, a space separates names as before: they are only looked up.
    looked_up = teacher_client.post(enroll_url(course), {"usernames": "ana ben"}).content.decode()
    assert "Already enrolled: ana, ben." in looked_up


def test_the_problems_take_the_focus_say_nothing_was_done_and_describe_the_box(teacher_client, course):
    page = teacher_client.post(enroll_url(course), {"usernames": "ana\nbad/name", "create_accounts": "on"})
    text = page.content.decode()
    assert "<title>Error: Enroll a class: Arithmetic" in text
    summary = re.search(
        r'<div class="errornote" role="alert" tabindex="-1" autofocus>(.*?)</div>', text, re.S
    )
    assert summary, "the problems are not focused when the page opens"
    assert (
        "Nobody was enrolled and no account was made: correct the list below and send it again." in summary[1]
    )
    assert 'id="id_usernames_error"' in summary[1]
    box = re.search(r"<textarea [^>]*>", text)[0]
    assert 'aria-invalid="true"' in box
    assert 'aria-describedby="id_usernames_helptext id_usernames_error"' in box
    assert 'id="id_usernames_helptext"' in text and 'id="id_create_accounts_helptext"' in text
    assert not Enrollment.objects.exists()


def test_a_list_sent_again_names_the_pupils_whose_slips_cannot_be_shown_again(teacher_client, course):
    sent = {"usernames": "ana\nben", "create_accounts": "on"}
    assert "slip-password" in teacher_client.post(enroll_url(course), sent).content.decode()
    again = teacher_client.post(enroll_url(course), sent)  # the browser's reload of the slips' page
    text = " ".join(again.content.decode().split())
    assert "slip-password" not in text and "Already enrolled: ana, ben." in text
    assert (
        "Still to choose their own password (they have a temporary one): ana, ben. Temporary passwords "
        "are shown once only, on the sign-in slips printed when the accounts are made, and cannot be shown "
        "again. For a slip lost or never printed, give the pupil a new temporary password on their page"
    ) in text

"""Importing a course in the admin, in real headless Chromium, by the fields' names as a screen reader reads
them: a mistake is listed with its line and tied to the pasted text; corrected, the course is imported."""

import re

import pytest
from playwright.sync_api import expect

from conftest import log_in
from courses.models import Course
from courses.teachers import make_teacher

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCUMENT = """\
slug: numbers
title: Numbers
skills:
  - {key: counting, name: Counting}
exercises:
  - key: count-1
    skills: [counting]
    type: multiple_choice
    prompt: Which is more?
    choices: ["4", "7"]
    answer: "9"
"""


def test_a_teacher_corrects_a_pasted_document_and_imports_it(live_server, new_page, other_teacher):
    make_teacher(other_teacher)
    page = new_page({"width": 1280, "height": 900})
    log_in(page, live_server, other_teacher)
    page.goto(f"{live_server.url}/admin/courses/course/")
    page.get_by_role("link", name="Import a course").click()

    document = page.get_by_label("Or paste the document")
    document.fill(DOCUMENT)
    page.get_by_label("Dry run: only check and report").check()
    page.get_by_role("button", name="Import").click()
    problem = "line 11: exercises[0] (count-1).answer: not one of the choices"
    assert (
        page.get_by_role("alert").inner_text()
        == "Nothing imported: 1 problem, listed with the document below."
    )
    expect(page.get_by_role("alert")).to_be_focused()  # a screen reader reads it first
    expect(page).to_have_title(re.compile(r"^Error: Import a course"))
    described_by = document.get_attribute("aria-describedby").split()
    assert problem in page.locator(f"#{described_by[-1]}").inner_text()
    assert document.input_value() == DOCUMENT

    document.fill(DOCUMENT.replace('answer: "9"', 'answer: "7"'))
    page.get_by_role("button", name="Import").click()  # still a dry run: the box stays ticked
    assert "Would create course 'numbers'" in page.get_by_role("status").inner_text()
    page.get_by_label("Dry run: only check and report").uncheck()
    page.get_by_role("button", name="Import").click()
    course = Course.objects.get(slug="numbers")
    assert page.url == f"{live_server.url}/admin/courses/course/{course.pk}/change/"
    assert (
        "Created course 'numbers' (published): 1 skill, 1 exercise."
        in page.locator(".messagelist").inner_text()
    )

"""Formulas in exercise texts: TeX between dollars, shown to learners as MathML laid out by the browser, with
prices left as text, code left as written, and formulas that cannot be shown refused at import."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import log_in
from courses.documents import CourseDocumentError, parse_course_text
from courses.models import Course, render_markdown
from courses.services import import_course
from learners.services import enroll, learner_for
from learners.tests.test_pages import recommend, recommend_with_alternatives

THREE_QUARTERS = "<mfrac><mrow><mn>3</mn></mrow><mrow><mn>4</mn></mrow></mfrac>"


def practice_page(client, student, course: Course, recommendation) -> str:
    enroll(learner_for(student), course)
    client.force_login(student)
    url = reverse("learners:practice", args=[course.slug])
    response = client.get(url, {"recommendation": recommendation.pk})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_a_fraction_in_a_prompt_is_mathml_on_the_practice_page(client, student, course):
    course.exercises.filter(key="count-1").update(prompt=r"What is $\frac{3}{4}$ of 8?")
    page = practice_page(client, student, course, recommend(student, course, "count-1"))
    assert f'What is <math display="inline"><mrow>{THREE_QUARTERS}</mrow></math> of 8?' in page
    assert r"\frac" not in page


@pytest.mark.django_db
def test_the_links_to_other_exercises_show_a_formula_as_its_source(client, student, course):
    course.exercises.filter(key="add-1").update(prompt=r"What is $\frac{3}{4}$ of 8?")
    page = practice_page(client, student, course, recommend_with_alternatives(student, course))
    alternatives = page.split('id="alternatives-heading"')[1].split("</section>")[0]
    names = re.findall(r"<a [^>]*>(.*?)</a>", alternatives)
    assert names[0] == r"What is $\frac{3}{4}$ of 8?"  # not "What is 34 of 8?"


@pytest.mark.django_db
def test_a_stored_formula_that_cannot_be_shown_is_shown_as_its_source(client, student, course):
    course.exercises.filter(key="count-1").update(prompt=r"What is $\frac{3}{4$ of 8?")
    page = practice_page(client, student, course, recommend(student, course, "count-1"))
    assert r"What is <code>$\frac{3}{4$</code> of 8?" in page


@pytest.mark.parametrize(
    "text",
    [
        "It costs $3 and $4.",
        "From $20,000 to $30,000",
        "Between $ 5 and 6 $",
        "$5 or 6$10",
    ],
)
def test_prices_stay_text(text):
    assert render_markdown(text) == f"<p>{text}</p>"


def test_an_escaped_dollar_is_a_dollar_sign():
    assert render_markdown(r"A \$5 note, not $x$").startswith(
        '<p>A $5 note, not <math display="inline"><mrow><mi>x</mi></mrow></math>'
    )


def test_code_is_left_as_written():
    assert render_markdown(r"Type `$\frac{3}{4}$` here") == r"<p>Type <code>$\frac{3}{4}$</code> here</p>"
    block = render_markdown("```\n$x^2$ and \\(y\\)\n```")
    assert block == "<pre><code>$x^2$ and \\(y\\)\n</code></pre>"


@pytest.mark.parametrize(
    "text",
    ["$$\n\\frac{3}{4}\n$$", "$$\\frac{3}{4}$$", "\\[\n\\frac{3}{4}\n\\]"],
)
def test_a_formula_of_its_own_paragraph_is_displayed(text):
    assert render_markdown(text) == f'<math display="block"><mrow>{THREE_QUARTERS}</mrow></math>'


def test_display_formulas_within_a_paragraph_and_inline_parentheses():
    html = render_markdown(r"So \(x\) is $$\frac{3}{4}$$ of it")
    assert '<math display="inline"><mrow><mi>x</mi></mrow></math>' in html
    assert f'<math display="block"><mrow>{THREE_QUARTERS}</mrow></math> of it</p>' in html


def test_matrices_roots_and_text_keep_what_the_browser_lays_out():
    html = render_markdown(r"$\left(\begin{matrix}1 & 2\\3 & 4\end{matrix}\right) \sqrt[3]{x^2} \text{cm}$")
    assert '<mo fence="true" form="prefix" stretchy="true">(</mo><mtable><mtr><mtd><mn>1</mn></mtd>' in html
    assert "<mroot><mrow><msup><mi>x</mi><mn>2</mn></msup></mrow><mn>3</mn></mroot>" in html
    assert "<mtext>cm</mtext>" in html


@pytest.mark.parametrize(
    "text, shown",
    [
        (
            "$<script>alert(1)</script>$",
            "<mo>&lt;</mo><mi>s</mi><mi>c</mi><mi>r</mi><mi>i</mi><mi>p</mi><mi>t</mi><mo>&gt;</mo>",
        ),
        (
            r"$\text{<img src=x onerror=alert(1)>}$",
            "<mtext>&lt;img&nbsp;src=x&nbsp;onerror=alert(1)&gt;</mtext>",
        ),
        (r"$\href{javascript:alert(1)}{x}$", "<mrow><mrow><mrow><mi>x</mi></mrow></mrow></mrow>"),
        (
            r"$\style{background:url(x)}{y}$",
            '<math display="inline"><mrow><mrow><mi>y</mi></mrow></mrow></math>',
        ),
    ],
)
def test_markup_smuggled_into_a_formula_is_shown_as_text_and_does_nothing(text, shown):
    html = render_markdown(text)
    assert shown in html
    assert re.search(r"<script|<img|href|style=|javascript:|url\(", html) is None


DOCUMENT = r"""slug: fractions
title: Fractions
skills:
  - {key: halves, name: Halves}
exercises:
  - key: half-01
    skills: [halves]
    type: fraction
    prompt: 'What is $\frac{1}{2$ of 1?'
    answer: "1/2"
    hints:
      - 'Think of $\half$.'
      - 'It is $\frac{1}{2}$, written so.'
    explanation: |
      $$
      \frac{2}{4} = \frac{1}{2}}
      $$
  - key: half-02
    skills: [halves]
    type: numeric
    prompt: "Half of $\frac{3}{4}$?"
    answer: 0.375
"""


@pytest.mark.django_db
def test_an_import_refuses_a_formula_it_cannot_show_with_the_exercise_field_and_line():
    with pytest.raises(CourseDocumentError) as refused:
        import_course(parse_course_text(DOCUMENT))
    assert [str(problem) for problem in refused.value.problems] == [
        r"line 9: exercises[0] (half-01).prompt: formula $\frac{1}{2$: a { without its }",
        r"line 11: exercises[0] (half-01).hints[0]: formula $\half$: unknown command \half",
        r"line 14: exercises[0] (half-01).explanation: formula $$ \frac{2}{4} = \frac{1}{2}} $$: a } without "
        "its {",
        "line 21: exercises[1] (half-02).prompt: contains '\\x0c', what YAML's double quotes make of \\f (in "
        "\\frac): write a text with formulas in single quotes, or as a block (|)",
    ]
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_the_admin_refuses_a_formula_it_cannot_show_in_a_hint(admin_client, course):
    exercise = course.exercises.get(key="add-1")
    change = reverse("admin:courses_exercise_change", args=[exercise.pk])
    data = {
        "key": "add-1", "skills": [course.skills.get(key="addition").pk], "type": "numeric",
        "prompt": r"$2 + 3 = ?$", "choices": "", "answer": "5", "tolerance": "",
        "hints": "Start at 2.\n\n" r"Count on $\begin{aligned}3\end{aligned}$.", "explanation": "",
        "difficulty": "0", "active": "on",
    }  # fmt: skip
    response = admin_client.post(change, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "hints": [r"Hint 2: formula $\begin{aligned}3\end{aligned}$: unknown environment aligned."]
    }
    exercise.refresh_from_db()
    assert exercise.prompt == "2 + 3 = ?"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_browser_lays_a_fraction_out_as_mathml(live_server, course, student, new_page):
    course.exercises.filter(key="count-1").update(prompt=r"What is $\frac{3}{4}$ of 8?")
    enroll(learner_for(student), course)
    page = new_page()
    log_in(page, live_server, student)
    recommendation = recommend(student, course, "count-1")
    page.goto(f"{live_server.url}/courses/{course.slug}/practice/?recommendation={recommendation.pk}")

    formula = page.locator("#prompt").get_by_role("math")
    expect(formula).to_be_visible()
    numerator, denominator = (page.locator("mfrac > mrow").nth(index).bounding_box() for index in (0, 1))
    # Stacked, one above the other: "34" on a line would have them side by side.
    assert numerator["y"] + numerator["height"] <= denominator["y"]
    assert abs(numerator["x"] - denominator["x"]) < numerator["width"]

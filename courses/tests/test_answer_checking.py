import pytest

from courses.models import Course, Exercise, parse_number, read_fraction, read_number, render_markdown


def exercise(type_, answer, language="en", **fields) -> Exercise:
    return Exercise(course=Course(language=language), type=type_, answer=answer, **fields)


@pytest.mark.parametrize(
    ("response", "correct"),
    [("0.75", True), (" 0,75 ", True), ("3/4", True), ("6/8", True), ("0.76", False), ("abc", False),
     ("1/0", False), ("nan", False), ("inf", False), ("", False), (0.75, True)],
)  # fmt: skip
def test_numeric_answers_are_read_as_decimals_or_fractions(response, correct):
    assert exercise("numeric", 0.75).is_correct(response) is correct


@pytest.mark.parametrize(
    ("response", "value"),
    [("5 3/4", 5.75), ("5  3 / 4", 5.75), ("-1 1/2", -1.5), ("5\u00be", 5.75), ("\u00bd", 0.5),
     ("-2 \u00bd", -2.5), ("\u22123/4", -0.75), ("1 000", 1000.0), ("1,000,000.5", None), ("1,000", None),
     ("0,750", 0.75), ("1,5", 1.5), ("5 -3/4", None), ("5\u00b2", None), ("x\u00bd", None),
     ("1" + "0" * 400 + "/1", None), ("1" + "0" * 400 + " 1/2", None), ("1 1/0", None)],
)  # fmt: skip
def test_mixed_numbers_are_read_and_thousands_commas_are_not_guessed(response, value):
    assert parse_number(response) == value


def test_numeric_tolerance_is_absolute():
    item = exercise("numeric", 3.14159, tolerance=0.01)
    assert item.is_correct("3.14") and item.is_correct("3.15")
    assert not item.is_correct("3.16")


def test_text_answers_ignore_case_and_white_space_only():
    item = exercise("text", ["New York", "NYC"])
    assert item.is_correct("  new   york ")
    assert item.is_correct("nyc")
    assert not item.is_correct("newyork")
    assert not item.is_correct("New York City")


def test_a_case_sensitive_text_exercise_tells_apart_what_python_prints():
    item = exercise("text", ["none"], case_sensitive=True)
    assert item.is_correct("none") and item.is_correct("  none ")
    assert not item.is_correct("None")
    assert not exercise("text", ["False True"], case_sensitive=True).is_correct("false true")
    assert exercise("text", ["False  True"], case_sensitive=True).is_correct("False True")


@pytest.mark.parametrize(
    ("answer", "response", "correct"),
    [("3/2", "3/2", True), ("3/2", "3 /2", True), ("3/2", "3/ 2", True), ("3/2", " 3 / 2 ", True),
     ("3/2", "1 1/2", True), ("3/2", "1\u00bd", True), ("3/2", "6/4", False), ("3/2", "1 2/4", False),
     ("3/2", "2/3", False), ("3/4", "6/8", False), ("3/4", "3/4", True), ("15/20", "3/4", False),
     ("15/20", "15/20", True), ("-3/4", "\u22123/4", True), ("-3/4", "- 3/4", True), ("4", "4", True),
     ("4", "8/2", False), ("4", "4/1", True), ("1/2", "\u00bd", True)],
)  # fmt: skip
def test_a_fraction_is_right_with_the_answers_value_over_its_denominator(answer, response, correct):
    assert exercise("fraction", answer).is_correct(response) is correct


@pytest.mark.parametrize("response", ["0.75", "three quarters", "3/0", "", "1,5", "5 -3/4", "x\u00bd"])
def test_a_response_that_is_no_fraction_is_refused_with_a_message_not_marked(response):
    with pytest.raises(
        ValueError, match=r"^Enter a fraction: a fraction such as 3/4, a mixed number such as"
    ):
        read_fraction(response)
    assert exercise("fraction", "3/4").is_correct(response) is False


def test_choices_match_by_value():
    item = exercise("multiple_choice", "2/4", choices=["2/4", "1/3"])
    assert item.is_correct("2/4")
    assert not item.is_correct("1/2")
    assert not item.is_correct("1/3")


def test_markdown_is_rendered_and_scripts_are_stripped():
    html = render_markdown(
        "**bold** <script>alert(1)</script> [x](javascript:alert(1))\n\n```\nprint(1)\n```"
    )
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html and "javascript:" not in html
    assert "<pre><code>print(1)\n</code></pre>" in html


@pytest.mark.parametrize(
    ("response", "english", "spanish"),
    [("6,305", None, 6.305), ("1.560", 1.56, None), ("1560", 1560.0, 1560.0), ("0,75", 0.75, 0.75),
     ("0.75", 0.75, 0.75), ("1,000", None, 1.0), ("1.000,5", None, None), ("3/4", 0.75, 0.75)],
)  # fmt: skip
def test_a_course_in_a_language_with_a_decimal_comma_reads_a_comma_as_one(response, english, spanish):
    assert parse_number(response) == english
    assert parse_number(response, decimal_comma=True) == spanish
    assert exercise("numeric", 6.3, language="es", tolerance=0.005).is_correct("6,305")
    assert not exercise("numeric", 6.3, language="en", tolerance=0.005).is_correct("6,305")


def test_what_a_learner_is_told_about_a_grouped_number_depends_on_the_courses_language():
    with pytest.raises(ValueError, match=r"^Write 1\.560 without the point: 1560, or with a decimal comma"):
        read_number("1.560", decimal_comma=True)
    with pytest.raises(ValueError, match=r"^Write 6,305 without the comma: 6305, or with a decimal point"):
        read_number("6,305")


@pytest.mark.parametrize(("response", "told"), [("75 %", "% sign: 75."), ("6,30€", "€ sign: 6,30.")])
def test_a_number_with_its_unit_is_refused_saying_to_leave_the_sign_out(response, told):
    with pytest.raises(ValueError, match=f"^Write the number without the {told}$"):
        read_number(response)

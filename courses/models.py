"""Courses, their skills with a prerequisite graph, and exercises that know how to check an answer."""

import math
import re
import unicodedata
import uuid
from datetime import datetime
from fractions import Fraction
from typing import Any

import markdown
import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from courses.formulas import MATHML_ATTRIBUTES, MATHML_TAGS, FormulaExtension
from courses.join_codes import JOIN_CODE_LENGTH, join_code_display, new_join_code

KEY_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
    "Use ASCII letters (a-z, A-Z), digits, '.', '_' and '-', starting with a letter or digit.",
)
_WHITESPACE = re.compile(r"\s+")
# An exercise's difficulty is in logits, as the engine reads it: P(right) = sigmoid(ability - difficulty),
# 0 = average. +1 divides the odds of a right answer by e (about 2.7): an average learner's 50 % becomes
# 27 %, and at +6 it is 0.25 % (99.75 % at -6). Beyond that a prior says nothing more, only breaks the scale.
LANGUAGE_TAG = RegexValidator(
    r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", "A language tag such as en, es or fr-CA (BCP 47)."
)
DIFFICULTY_LIMIT = 6.0
_DIFFICULTY_RANGE = f"from {-DIFFICULTY_LIMIT:g} (easiest) to {DIFFICULTY_LIMIT:g} (hardest)"

# Markdown rendered to HTML, then sanitised with an allow-list: authors write Markdown, never raw HTML.
_ALLOWED_TAGS = {
    "p", "br", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "h3", "h4", "table",
    "thead", "tbody", "tr", "th", "td", "hr", "sup", "sub", "a", *MATHML_TAGS,
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, **MATHML_ATTRIBUTES}


def _markdown_html(text: str, formulas: FormulaExtension) -> str:
    html = markdown.markdown(text, extensions=["fenced_code", "tables", formulas])
    return nh3.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES)


def render_markdown(text: str) -> SafeString:
    """Render author Markdown to HTML that is safe to embed (nh3 strips scripts, handlers, raw tags), its
    formulas as MathML (``courses.formulas``)."""
    return mark_safe(_markdown_html(text, FormulaExtension()))


def render_markdown_text(text: str) -> SafeString:
    """Author Markdown as the words of its HTML without the tags, for where a text is shown without its
    markup (a link to an exercise); formulas are shown as their TeX source, which reads as the author wrote
    it, where a fraction's MathML without its tags would read "34"."""
    return mark_safe(strip_tags(_markdown_html(text, FormulaExtension(as_source=True))))


def formula_problems(text: str) -> list[str]:
    """What is wrong with each formula of author Markdown that cannot be shown as MathML (``"$\\foo$:
    unknown command \\foo"``), as ``render_markdown`` finds them."""
    formulas = FormulaExtension()
    _markdown_html(text, formulas)
    return formulas.problems


def normalise_text(text: str, *, case_sensitive: bool = False) -> str:
    """Collapse white space and, unless ``case_sensitive``, case-fold: the comparison text answers are checked
    with."""
    collapsed = _WHITESPACE.sub(" ", str(text)).strip()
    return collapsed if case_sensitive else collapsed.casefold()


NUMBER_HELP = "a whole number, a decimal such as 0.75, a fraction such as 3/4 or a mixed number such as 5 3/4"
FRACTION_HELP = "a fraction such as 3/4, a mixed number such as 5 3/4 or a whole number"
CASE_HELP = "Capitals matter: write the answer exactly as it would appear (extra spaces do not count)."
# A mixed number: a whole number, white space, a fraction ("5 3/4", "-1 1/2"): minus applies to the whole.
_MIXED = re.compile(r"^([+-]?)(\d+)\s+(\d+)\s*/\s*(\d+)$")
_FRACTION = re.compile(r"^([+-]?)\s*(\d+)\s*/\s*(\d+)$")
_WHOLE = re.compile(r"^[+-]?\d+$")
# "1,000" or "12,500.5": a comma reads as a decimal point ("0,75"), so a comma before three digits after a
# non-zero whole part is one thousand or one point nought nought nought: refused, never guessed.
_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d*)?$")
# In a course in a language that writes a decimal comma (0,75) and groups thousands with a point (1.560),
# a comma is a decimal comma whatever follows it, and it is "1.560" that is refused, never guessed.
DECIMAL_COMMA_LANGUAGES = frozenset(
    {
        "bg", "ca", "cs", "da", "de", "el", "es", "et", "eu", "fi", "fr", "gl", "hr", "hu", "id", "it", "lt",
        "lv", "nb", "nl", "nn", "no", "pl", "pt", "ro", "ru", "sk", "sl", "sr", "sv", "tr", "uk", "vi",
    }
)  # fmt: skip


def primary_language(tag: str) -> str:
    """The language of a language tag, without its region or script: "es" for "es-MX"."""
    return tag.split("-")[0].lower()


_GROUPED_POINTS = re.compile(r"^[+-]?[1-9]\d{0,2}(\.\d{3})+(,\d*)?$")
# A number with its unit: "75 %", "6,30 €".
_WITH_SIGN = re.compile(r"^(.*?)\s*([%€$£¥])$")


def _number_text(response: Any) -> str:
    return str(response).strip().replace("\u2212", "-")  # the minus sign of some phone keyboards


def _written_fraction(text: str) -> tuple[Fraction, int] | None:
    """A fraction, a mixed number ('5 3/4', '5½') or a whole number, as its value and the denominator it is
    written over (a mixed number's fractional part's; 1 for a whole number); None when ``text`` is none of
    them (a decimal, a word). Raises ValueError or ZeroDivisionError when it is one written wrong."""
    if mixed := _MIXED.match(text):
        sign, whole, numerator, denominator = mixed.groups()
        value = int(whole) + Fraction(int(numerator), int(denominator))
        return (-value if sign == "-" else value), int(denominator)
    if text and unicodedata.name(text[-1], "").startswith("VULGAR FRACTION"):  # "½", "5½", "-1¾"
        whole = text[:-1].strip()
        digits = whole.removeprefix("-").removeprefix("+")
        if digits and not (digits.isascii() and digits.isdigit()):
            raise ValueError(text)
        fraction = Fraction(unicodedata.numeric(text[-1])).limit_denominator(100)
        value = int(digits or 0) + fraction
        return (-value if whole.startswith("-") else value), fraction.denominator
    if plain := _FRACTION.match(text):
        sign, numerator, denominator = plain.groups()
        value = Fraction(int(numerator), int(denominator))
        return (-value if sign == "-" else value), int(denominator)
    if _WHOLE.match(text):
        return Fraction(int(text)), 1
    return None


def read_number(response: Any, decimal_comma: bool = False) -> float:
    """Read a learner's numeric answer: '12', '0.75', '0,75', a fraction such as '-3/4', a mixed number
    such as '5 3/4' or '5½'. Raises ValueError, with a message for the learner, when it is not one number.
    ``decimal_comma``: the course's language writes one (``Course.decimal_comma``), so '6,305' is six point
    three nought five, and '1.560' is refused instead."""
    text = _number_text(response)
    if decimal_comma and _GROUPED_POINTS.match(text):
        raise ValueError(
            f"Write {text} without the point: {text.replace('.', '')}, or with a decimal comma if you "
            "meant one (a point is read as a decimal comma, as in 0.75)."
        )
    if not decimal_comma and _GROUPED.match(text):
        raise ValueError(
            f"Write {text} without the comma: {text.replace(',', '')}, or with a decimal point if you "
            "meant one (a comma is read as a decimal point, as in 0,75)."
        )
    number = _plain_number(text)
    if not math.isfinite(number):
        with_sign = _WITH_SIGN.match(text)
        if with_sign and math.isfinite(_plain_number(with_sign[1])):
            raise ValueError(f"Write the number without the {with_sign[2]} sign: {with_sign[1]}.")
        raise ValueError(f"Enter a number: {NUMBER_HELP}.")
    return number


def _plain_number(text: str) -> float:
    """The number ``text`` writes (a decimal point or comma, a fraction, a mixed number), NaN if none."""
    try:
        written = _written_fraction(text)
        return float(written[0]) if written else float(text.replace(",", ".").replace(" ", ""))
    except (ValueError, ZeroDivisionError, OverflowError):
        return math.nan


def read_fraction(response: Any) -> tuple[Fraction, int]:
    """Read a learner's fraction: '3/4', '6 / 8', a mixed number such as '5 3/4' or '5½', or a whole number,
    as :func:`read_number` reads them; return its value and the denominator it is written over ('6/8' is
    3/4 over 8). Raises ValueError, with a message for the learner, when it is not one fraction (a decimal
    is none: it has no denominator)."""
    try:
        written = _written_fraction(_number_text(response))
    except (ValueError, ZeroDivisionError):
        written = None
    if written is None:
        raise ValueError(f"Enter a fraction: {FRACTION_HELP}.")
    return written


def parse_number(response: Any, decimal_comma: bool = False) -> float | None:
    """:func:`read_number`'s value, or None when the response is not one number."""
    try:
        return read_number(response, decimal_comma)
    except ValueError:
        return None


def count_per_row(rows: models.QuerySet, field: str) -> Coalesce:
    """How many of ``rows`` point at the outer query's row through ``field``, as a correlated subquery.

    Annotating several counts by joining would multiply the joined rows (an imported log has 10^4
    exercises, 10^3 learners and 10^5 attempts); a subquery per count does not.
    """
    rows = rows.filter(**{field: OuterRef("pk")}).order_by()
    return Coalesce(Subquery(rows.values(field).annotate(n=Count("pk")).values("n")), 0)


# Words the API's course routes use where a slug would go: /api/v1/courses/import/ is the import, so a course
# of that slug could be created there and never read back. One per list-level route of courses.api's
# CourseViewSet (its tests check that they agree).
RESERVED_SLUGS = frozenset({"import", "join", "join-codes"})


def reserved_slug_problem(slug: str) -> str | None:
    """Why a course may not take this slug (a word of the API's course routes), or None."""
    if slug in RESERVED_SLUGS:
        return f"'{slug}' is reserved by the API (/api/v1/courses/{slug}/); choose another slug"
    return None


def validate_unreserved_slug(slug: str) -> None:
    if problem := reserved_slug_problem(slug):
        raise ValidationError(problem)


def band_errors(low: float, high: float, fields: tuple[str, str]) -> dict[str, str]:
    """A target band's problems, each under the field (of ``fields``: the lowest's, the highest's) at fault.

    Each bound is a share of right answers between 0 and 1; a percentage (60 for 60 %) is refused with the
    share to enter instead.
    """
    errors = {}
    for field, value in zip(fields, (low, high), strict=True):
        if not 0 <= value <= 1:
            instead = f": {value / 100:g} for {value:g} %" if 1 < value <= 100 else ""
            errors[field] = f"Enter a share between 0 and 1{instead}."
    if not errors and low >= high:
        errors[fields[1]] = f"Must be above the lowest predicted success ({low:g})."
    return errors


class CourseQuerySet(models.QuerySet):
    def with_counts(self) -> "CourseQuerySet":
        """Annotate skill_count, exercise_count (active, authored) and learner_count."""
        from learners.models import Enrollment

        return self.annotate(
            skill_count=count_per_row(Skill.objects.all(), "course"),
            exercise_count=count_per_row(Exercise.objects.practisable(), "course"),
            learner_count=count_per_row(Enrollment.objects.all(), "course"),
        )

    def graph_changed(self) -> int:
        """Mark these courses' graphs (skills, prerequisites, exercises and their skills) as changed, so that
        ``metamodel.histories.course_graph`` reads them again; returns how many courses were marked.

        ``courses.signals`` calls it after every save or deletion of a skill or exercise and every change of
        their links, ``GraphRowQuerySet`` after their bulk updates and creations (which send no signal), and
        a writer of links in bulk (``learners.imports``) itself, after the write, in the same transaction."""
        return self.update(graph_stamp=uuid.uuid4())


class Course(models.Model):
    slug = models.SlugField(unique=True, validators=[validate_unreserved_slug])
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    language = models.CharField(
        max_length=16,
        default="en",
        validators=[LANGUAGE_TAG],
        help_text="A language tag such as en, es or fr-CA: the student pages mark the course's texts with "
        "it, and a language that writes a decimal comma reads 0,75 as a number.",
    )
    teachers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="taught_courses", blank=True)
    published = models.BooleanField(default=True)
    self_enrollment = models.BooleanField(
        default=True,
        help_text="Students may enroll themselves from the catalogue. Untick it for a class of your own: "
        "only its teachers enroll learners then (Enroll a class), or the pupils given its join code.",
    )
    # Made by the platform only (courses.join_codes), never typed: new_join_code / remove_join_code.
    join_code = models.CharField(
        max_length=JOIN_CODE_LENGTH,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="The code pupils enroll themselves with, whether or not the course is open to "
        "self-enrollment (docs/classroom.md). Empty: none.",
    )
    # Desirable difficulty: the engine aims at exercises a learner is predicted to get right this often.
    target_success_low = models.FloatField(
        default=0.6,
        help_text="Target band, lowest predicted success: a share between 0 and 1 (0.6 = 60 %).",
    )
    target_success_high = models.FloatField(
        default=0.85,
        help_text="Target band, highest predicted success: a share between 0 and 1 (0.85 = 85 %).",
    )
    # A new value on every change of the course's graph (CourseQuerySet.graph_changed): the engine's copy of
    # the graph in each process is good for as long as the stamp it was read under.
    graph_stamp = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_success_low__gte=0, target_success_high__lte=1)
                & Q(target_success_low__lt=models.F("target_success_high")),
                name="course_target_band_is_an_interval",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def decimal_comma(self) -> bool:
        """Whether the course's language writes a decimal comma (``read_number``)."""
        return primary_language(self.language) in DECIMAL_COMMA_LANGUAGES

    @property
    def content_language(self) -> str | None:
        """The course's language where it is not the pages' own (``LANGUAGE_CODE``): the learner pages mark
        the course's texts with it, so that a screen reader voices them in it. None where they agree."""
        same = primary_language(self.language) == primary_language(settings.LANGUAGE_CODE)
        return None if same else self.language

    @property
    def join_code_display(self) -> str | None:
        """The join code as it is shown, for the board (``7KQM-3XDF``); None without one."""
        return join_code_display(self.join_code) if self.join_code else None

    def new_join_code(self, tries: int = 5) -> str:
        """Give the course a fresh join code, replacing the one it has (which stops working), and return it.

        Two courses cannot share a code (the column is unique). A new code rarely collides with one in use
        (with 10^5 courses holding codes, one draw in 8.5 million): then another is drawn, each write in a
        savepoint so that a refused one leaves the caller's transaction usable."""
        kept = self.join_code
        for attempt in range(tries):
            self.join_code = new_join_code()
            try:
                with transaction.atomic():
                    self.save(update_fields=["join_code", "updated_at"])
            except IntegrityError:
                self.join_code = kept
                if attempt == tries - 1:
                    raise
            else:
                break
        return self.join_code

    def remove_join_code(self) -> None:
        """Take the course's join code away: it no longer enrolls anyone."""
        self.join_code = None
        self.save(update_fields=["join_code", "updated_at"])

    def clean(self) -> None:
        band = (self.target_success_low, self.target_success_high)
        if errors := band_errors(*band, ("target_success_low", "target_success_high")):
            raise ValidationError(errors)

    def skill_ids_by_exercise(self) -> dict[int, tuple[int, ...]]:
        """Each exercise's skill ids, in one query."""
        return skill_ids_by_exercise(self.pk)

    def practisable_skill_ids(self) -> set[int]:
        """The course's skills a learner can practise: those of at least one practisable exercise."""
        exercises = Exercise.objects.practisable().filter(course=self)
        return set(self.skills.filter(exercises__in=exercises).values_list("pk", flat=True))

    def prerequisite_pairs(self) -> list[tuple[int, int]]:
        """The prerequisite graph's edges as (skill id, prerequisite id), in one query; an edge to a skill of
        another course (left by a skill moved before the admin fixed a skill's course) is not the course's."""
        pairs = Skill.prerequisites.through.objects.filter(from_skill__course=self, to_skill__course=self)
        return list(pairs.values_list("from_skill_id", "to_skill_id"))


def skill_ids_by_exercise(course_id: int) -> dict[int, tuple[int, ...]]:
    """Each exercise of the course mapped to its skill ids, in one query (the ids only, no rows).

    Only skills of the course count: one moved to another course (before the admin fixed a skill's course)
    would otherwise be a skill the engine does not know, and fail every choice in the course.
    """
    skills: dict[int, list[int]] = {}
    pairs = Exercise.skills.through.objects.filter(exercise__course_id=course_id, skill__course_id=course_id)
    for exercise_id, skill_id in pairs.values_list("exercise_id", "skill_id"):
        skills.setdefault(exercise_id, []).append(skill_id)
    return {exercise_id: tuple(ids) for exercise_id, ids in skills.items()}


def topological_order(skills: list["Skill"], edges: list[tuple[int, int]]) -> list["Skill"]:
    """Order skills so each comes after its prerequisites. Edges are (skill id, prerequisite id)."""
    by_id = {skill.pk: skill for skill in skills}
    waiting_on = {skill.pk: set() for skill in skills}
    for skill_id, prerequisite_id in edges:
        waiting_on[skill_id].add(prerequisite_id)
    ordered: list[Skill] = []
    while waiting_on:
        ready = sorted(
            (pk for pk, pending in waiting_on.items() if not pending), key=lambda pk: by_id[pk].key
        )
        if not ready:  # a cycle; the import and the admin refuse them, so keep the rest in key order
            ready = sorted(waiting_on, key=lambda pk: by_id[pk].key)
        for pk in ready:
            ordered.append(by_id[pk])
            del waiting_on[pk]
        for pending in waiting_on.values():
            pending.difference_update(ready)
    return ordered


class GraphRowQuerySet(models.QuerySet):
    """Rows of a course's graph (skills, exercises) written in bulk: ``update`` and ``bulk_create`` send no
    signal, so they mark their courses' graphs changed themselves, after the write, as ``courses.signals``
    does for a row's save or deletion."""

    def update(self, **kwargs: Any) -> int:
        courses = set(self.order_by().values_list("course_id", flat=True).distinct())
        moved_to = kwargs.get("course", kwargs.get("course_id"))
        count = super().update(**kwargs)
        if moved_to is not None:
            courses.add(getattr(moved_to, "pk", moved_to))
        Course.objects.filter(pk__in=courses).graph_changed()
        return count

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list:
        created = super().bulk_create(objs, *args, **kwargs)
        Course.objects.filter(pk__in={row.course_id for row in created}).graph_changed()
        return created


class Skill(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="skills")
    key = models.CharField(max_length=100, validators=[KEY_VALIDATOR])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    prerequisites = models.ManyToManyField("self", symmetrical=False, related_name="unlocks", blank=True)

    objects = GraphRowQuerySet.as_manager()

    class Meta:
        ordering = ["course", "key"]
        constraints = [models.UniqueConstraint(fields=["course", "key"], name="skill_key_unique_per_course")]

    def __str__(self) -> str:
        # The key tells apart two skills of one name (after a rename); the slug, skills of two courses.
        return f"{self.name} [{self.key}] ({self.course.slug})"

    def check_prerequisites(self, prerequisites: list["Skill"]) -> None:
        """Refuse prerequisites from another course or ones that would close a cycle in the graph, naming the
        cycle by keys as the course document import does, each skill before one it needs: "a -> b -> a"."""
        for prerequisite in prerequisites:
            if prerequisite.course_id != self.course_id:
                raise ValidationError({"prerequisites": f"'{prerequisite.key}' belongs to another course."})
        pairs = Skill.prerequisites.through.objects.filter(from_skill__course_id=self.course_id)
        graph: dict[int, set[int]] = {}
        for skill_id, prerequisite_id in pairs.values_list("from_skill_id", "to_skill_id"):
            graph.setdefault(skill_id, set()).add(prerequisite_id)
        graph[self.pk] = {p.pk for p in prerequisites}
        # A cycle through this skill exists iff this skill is reachable from one of its new prerequisites;
        # each skill reached keeps the one it was reached from, so the cycle can be walked back.
        reached_from: dict[int, int] = {}
        stack = [(pk, self.pk) for pk in graph[self.pk]]
        while stack:
            pk, needed_by = stack.pop()
            if pk in reached_from:
                continue
            reached_from[pk] = needed_by
            if pk == self.pk:
                cycle = self._name_cycle(reached_from)
                raise ValidationError({"prerequisites": f"These prerequisites would form a cycle: {cycle}."})
            stack.extend((prerequisite, pk) for prerequisite in graph.get(pk, ()))

    def _name_cycle(self, reached_from: dict[int, int]) -> str:
        """The cycle back to this skill that ``reached_from`` (skill -> the skill that needs it) walked."""
        cycle = [self.pk]
        while (pk := reached_from[cycle[-1]]) != self.pk:
            cycle.append(pk)
        keys = dict(Skill.objects.filter(pk__in=cycle).values_list("pk", "key")) | {self.pk: self.key}
        return " -> ".join(keys[pk] for pk in [self.pk, *reversed(cycle[1:]), self.pk])


class ExerciseQuerySet(GraphRowQuerySet):
    def practisable(self) -> "ExerciseQuerySet":
        """The exercises a learner can be given: active, and authored (not imported from a log)."""
        return self.filter(active=True, imported=False)


class Exercise(models.Model):
    class Type(models.TextChoices):
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
        NUMERIC = "numeric", "Numeric"
        FRACTION = "fraction", "Fraction"
        TEXT = "text", "Text"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="exercises")
    key = models.CharField(max_length=100, validators=[KEY_VALIDATOR])
    skills = models.ManyToManyField(Skill, related_name="exercises")
    type = models.CharField(max_length=20, choices=Type.choices)
    prompt = models.TextField(blank=True, help_text="Markdown.")
    choices = models.JSONField(
        default=list, blank=True, help_text="Multiple choice: the options, as strings."
    )
    answer = models.JSONField(
        null=True,
        blank=True,
        help_text="A choice, a number, a fraction or a list of accepted texts, by type.",
    )
    tolerance = models.FloatField(null=True, blank=True, help_text="Numeric: absolute tolerance.")
    case_sensitive = models.BooleanField(
        default=False,
        help_text="Text: capitals must match, as in a program's output or code (white space is collapsed "
        "either way).",
    )
    hints = models.JSONField(default=list, blank=True)
    explanation = models.TextField(blank=True, help_text="Markdown.")
    difficulty = models.FloatField(
        default=0.0,
        validators=[
            MinValueValidator(-DIFFICULTY_LIMIT, f"A difficulty {_DIFFICULTY_RANGE}; 0 is average."),
            MaxValueValidator(DIFFICULTY_LIMIT, f"A difficulty {_DIFFICULTY_RANGE}; 0 is average."),
        ],
        help_text=f"How hard the exercise is expected to be, {_DIFFICULTY_RANGE}: 0 is average; at 1, an "
        "average learner is right about 1 time in 4.",
    )
    active = models.BooleanField(default=True)
    imported = models.BooleanField(
        default=False, help_text="Created from a historical attempt log, without content; never practised."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["course", "key"]
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="exercise_key_unique_per_course"),
            models.CheckConstraint(
                condition=models.Q(type__in=["multiple_choice", "numeric", "fraction", "text"]),
                name="exercise_type_valid",
            ),
        ]
        indexes = [models.Index(fields=["course", "active"])]

    def __str__(self) -> str:
        return f"{self.course.slug}/{self.key}"

    @cached_property
    def prompt_html(self) -> SafeString:
        return render_markdown(self.prompt)

    @cached_property
    def explanation_html(self) -> SafeString:
        return render_markdown(self.explanation)

    @cached_property
    def hints_html(self) -> list[SafeString]:
        return [render_markdown(hint) for hint in self.hints]

    def is_correct(self, response: Any) -> bool:
        """Check a learner's response: choices by value, numbers within the tolerance, fractions by value and
        denominator (6/8 is not 3/4 in lowest terms), texts normalised."""
        if self.type == self.Type.MULTIPLE_CHOICE:
            return str(response) == str(self.answer)
        if self.type == self.Type.NUMERIC:
            value = parse_number(response, self.course.decimal_comma)
            return value is not None and abs(value - float(self.answer)) <= (self.tolerance or 1e-9)
        if self.type == self.Type.FRACTION:
            try:
                return read_fraction(response) == read_fraction(self.answer)
            except ValueError:
                return False
        accepted = {normalise_text(text, case_sensitive=self.case_sensitive) for text in self.answer or []}
        return normalise_text(response, case_sensitive=self.case_sensitive) in accepted


def _in_force_at(now: datetime) -> Q:
    """An override in force at ``now``: no teacher ended it (nor superseded it), and its ``ends_at``, if it
    has one, is still to come. The one definition: :class:`OverrideQuerySet` and ``Override.status_at``."""
    return Q(ended_at__isnull=True) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))


class OverrideQuerySet(models.QuerySet):
    """Overrides by where they stand at a moment (default: the clock); every reader of the overrides in force
    (the engine, the pages, the API) goes through ``in_force``."""

    def in_force(self, now: datetime | None = None) -> "OverrideQuerySet":
        """Those the engine obeys at ``now``: neither ended by a teacher nor lapsed."""
        return self.filter(_in_force_at(timezone.now() if now is None else now))

    def no_longer_in_force(self, now: datetime | None = None) -> "OverrideQuerySet":
        """Those ended by a teacher or lapsed by ``now``: everything ``in_force`` leaves out."""
        return self.exclude(_in_force_at(timezone.now() if now is None else now))

    def lapsed(self, now: datetime | None = None) -> "OverrideQuerySet":
        """Those that lifted themselves by ``now``: their ``ends_at`` came before any teacher ended them."""
        return self.filter(ended_at__isnull=True, ends_at__lte=timezone.now() if now is None else now)

    def with_status(self, status: str, now: datetime | None = None) -> "OverrideQuerySet":
        """Those whose ``Override.status_at(now)`` is ``status`` (an ``Override.Status``): what the admin's
        and the API's filters by status list."""
        if status == Override.Status.IN_FORCE:
            return self.in_force(now)
        if status == Override.Status.LAPSED:
            return self.lapsed(now)
        if status == Override.Status.ENDED:
            return self.filter(ended_at__isnull=False)
        raise ValueError(f"No override status {status!r}.")

    def steered_after(self, moment: datetime | OuterRef, now: datetime | None = None) -> "OverrideQuerySet":
        """Those made after ``moment``, or lifted after it: ended by a teacher, or lapsed by ``now``. A
        teacher ends only an override in force (``courses.services.end_overrides``), so one with both an
        ``ended_at`` and an ``ends_at`` was lifted at the first, and its ``ends_at`` changes nothing."""
        now = timezone.now() if now is None else now
        return self.filter(
            Q(created_at__gt=moment)
            | Q(ended_at__gt=moment)
            | Q(ended_at__isnull=True, ends_at__gt=moment, ends_at__lte=now)
        )


class Override(models.Model):
    """A teacher's instruction to the engine for a course, or for one learner in it, kept with who, when, why.

    The policy obeys the overrides in force (a learner's own before the course's): an override is in force
    until a teacher ends it or, when it has an ``ends_at``, until then (it lapses); ending one, or its
    lapsing, keeps the record.
    """

    class Kind(models.TextChoices):
        PIN_SKILL = "pin_skill", "Pin a skill"
        PIN_EXERCISE = "pin_exercise", "Pin an exercise"
        EXCLUDE_EXERCISE = "exclude_exercise", "Exclude an exercise"
        TARGET_BAND = "target_band", "Set the target band"
        RESET_STATE = "reset_state", "Reset the learner's state"

    class Status(models.TextChoices):
        IN_FORCE = "in_force", "in force"
        LAPSED = "lapsed", "lapsed"  # its ends_at passed
        ENDED = "ended", "ended"  # by a teacher, or superseded by a newer one

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="overrides")
    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.CASCADE, null=True, blank=True, related_name="overrides",
        help_text="Empty: the whole course.",
    )  # fmt: skip
    kind = models.CharField(max_length=20, choices=Kind.choices)
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    band_low = models.FloatField(
        null=True, blank=True,
        help_text="Target band: lowest predicted success, a share between 0 and 1 (0.6 = 60 %).",
    )  # fmt: skip
    band_high = models.FloatField(
        null=True, blank=True,
        help_text="Target band: highest predicted success, a share between 0 and 1 (0.85 = 85 %).",
    )  # fmt: skip
    reason = models.CharField(
        max_length=500, help_text="Why: shown to other teachers and kept with the decision log."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ends_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Optional: the override lifts itself at this time (local time, as the form shows it); "
        "empty: in force until a teacher ends it. Not for a reset.",
    )  # fmt: skip
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Set when the override is lifted.")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Who lifted it.",
    )  # fmt: skip
    ended_reason = models.CharField(max_length=500, blank=True, help_text="Why it was lifted, if they said.")
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="supersedes",
        help_text="The override of the same kind and scope that replaced this one, and ended it.",
    )  # fmt: skip

    objects = OverrideQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["course", "learner", "ended_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="pin_skill") | Q(skill__isnull=False), name="override_pin_skill_has_skill"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["pin_exercise", "exclude_exercise"]) | Q(exercise__isnull=False),
                name="override_exercise_kinds_have_exercise",
            ),
            models.CheckConstraint(
                condition=~Q(kind="target_band")
                | Q(band_low__gte=0, band_high__lte=1, band_low__lt=models.F("band_high")),
                name="override_target_band_is_an_interval",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reset_state") | Q(learner__isnull=False),
                name="override_reset_names_a_learner",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reset_state") | Q(ends_at__isnull=True), name="override_reset_has_no_end"
            ),
        ]

    def __str__(self) -> str:
        """ "#12: Set the target band in fractions for sam": the number tells apart overrides alike."""
        who = self.learner or "everyone"
        number = f"#{self.pk}: " if self.pk else ""
        return f"{number}{self.get_kind_display()} in {self.course.slug} for {who}"

    def clean(self) -> None:
        """Refuse what the engine could not obey; the API and the admin both come through here."""
        # The fields each kind reads. A field of another kind is refused rather than silently cleared: the
        # admin form sends fields left empty as None, so only what a teacher filled in can be refused.
        uses = {
            self.Kind.PIN_SKILL: ("skill",),
            self.Kind.PIN_EXERCISE: ("exercise",),
            self.Kind.EXCLUDE_EXERCISE: ("exercise",),
            self.Kind.TARGET_BAND: ("band_low", "band_high"),
            self.Kind.RESET_STATE: (),
        }
        errors = {}
        if self.kind in uses:
            for name in ("skill", "exercise", "band_low", "band_high"):
                value = getattr(self, name)
                if name in uses[self.kind] and value is None:
                    errors[name] = "Required for this kind of override."
                elif name not in uses[self.kind] and value is not None:
                    errors[name] = f"Not used to {self.get_kind_display().lower()}; leave it empty."
        if self.kind == self.Kind.RESET_STATE and self.learner is None:
            errors["learner"] = "Required for this kind of override."
        elif (
            self.learner is not None
            and not self.learner.enrollments.filter(course_id=self.course_id).exists()
        ):
            errors["learner"] = f"No learner '{self.learner}' enrolled in this course."
        if self.skill is not None and self.skill.course_id != self.course_id:
            errors["skill"] = "A skill of this course."
        elif (
            self.kind == self.Kind.PIN_SKILL
            and self.skill is not None
            and not Exercise.objects.practisable().filter(skills=self.skill).exists()
        ):
            errors["skill"] = "This skill has no active exercise to practise."
        if self.exercise is not None and self.exercise.course_id != self.course_id:
            errors["exercise"] = "An exercise of this course."
        elif self.kind == self.Kind.EXCLUDE_EXERCISE and (excluding := self._same_exclusion_in_force()):
            whom = f"for {self.learner}" if self.learner is not None else "for the whole course"
            errors["exercise"] = (
                f"Already excluded {whom} by override #{excluding.pk}, which is in force: nothing added."
            )
        elif (
            self.kind == self.Kind.PIN_EXERCISE
            and self.exercise is not None
            and not Exercise.objects.practisable().filter(pk=self.exercise.pk).exists()
        ):
            errors["exercise"] = (
                "Learners cannot be given this exercise: it is inactive, or imported without content."
            )
        if self.ends_at is not None and self.kind == self.Kind.RESET_STATE:
            errors["ends_at"] = (
                "A reset has no duration: leave it empty. Ending the reset later brings back the answers "
                "before it."
            )
        elif self.ends_at is not None and self._state.adding and self.ends_at <= timezone.now():
            errors["ends_at"] = (
                "A time still to come: an override ending then would have lifted itself already."
            )
        band = (self.band_low, self.band_high)
        if self.kind == self.Kind.TARGET_BAND and None not in band:
            errors |= band_errors(*band, ("band_low", "band_high"))
        if errors:
            raise ValidationError(errors)

    def _same_exclusion_in_force(self) -> "Override | None":
        """The exclusion in force of the same exercise in the same scope (the whole course, or the same
        learner), other than this one: a second would leave the exercise excluded when the first is ended."""
        return (
            Override.objects.in_force()
            .filter(
                course_id=self.course_id,
                learner_id=self.learner_id,
                kind=self.Kind.EXCLUDE_EXERCISE,
                exercise_id=self.exercise_id,
            )
            .exclude(pk=self.pk)
            .first()
        )

    def status_at(self, now: datetime) -> "Override.Status":
        """Where the override stands at ``now``, as ``OverrideQuerySet.in_force`` reads it: in force, lapsed
        (its ``ends_at`` has passed) or ended by a teacher."""
        if self.ended_at is not None:
            return self.Status.ENDED
        return (
            self.Status.LAPSED if self.ends_at is not None and self.ends_at <= now else self.Status.IN_FORCE
        )

    @property
    def status(self) -> "Override.Status":
        """Where the override stands now (:meth:`status_at`)."""
        return self.status_at(timezone.now())

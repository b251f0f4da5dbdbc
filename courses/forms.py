"""The teacher dashboard's forms for skills and exercises: what a teacher types, read into what is stored."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst

from courses.documents import EXERCISE_FIELDS, PARAGRAPH_BREAK, DocumentProblem, check_exercise
from courses.models import FRACTION_HELP, NUMBER_HELP, Course, Exercise, Override, Skill, read_number
from courses.services import teacher_accounts_refusal
from learners.classroom import read_class_list


def lines(text: str) -> list[str]:
    """The lines of ``text``, each without surrounding white space; blank lines are left out."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def read_answer(kind: str | None, text: str) -> Any:
    """An answer typed as ``text``, in the shape stored for an exercise of type ``kind``: the accepted texts
    (one a line) of a text exercise, a numeric exercise's number, or the choice or the fraction as typed; None
    when left empty."""
    if kind == Exercise.Type.TEXT:
        return lines(text) or None
    text = text.strip()
    if not text:
        return None
    if kind == Exercise.Type.NUMERIC:
        try:
            number = read_number(text)
        except ValueError as error:
            raise ValidationError(str(error)) from error
        return int(number) if number.is_integer() else number  # "8" is exported as 8, not 8.0
    return text


class LinesField(forms.CharField):
    """A list of texts, typed one per line (blank lines are ignored)."""

    separator, rows = "\n", 4

    def __init__(self, **kwargs: Any):
        super().__init__(required=False, widget=forms.Textarea(attrs={"rows": self.rows}), **kwargs)

    def split(self, text: str) -> list[str]:
        return lines(text)

    def to_python(self, value: Any) -> list[str]:
        return self.split(super().to_python(value))

    def prepare_value(self, value: Any) -> Any:
        return self.separator.join(value) if isinstance(value, list) else value


class ParagraphsField(LinesField):
    """A list of texts that may each take several lines (a Markdown list), typed one after another with an
    empty line between two (``PARAGRAPH_BREAK``, which the course document refuses inside one)."""

    separator, rows = "\n\n", 6

    def split(self, text: str) -> list[str]:
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # as browsers send a text area's lines
        return [part.strip() for part in PARAGRAPH_BREAK.split(text) if part.strip()]


class AnswerField(forms.CharField):
    """An exercise's answer, typed as text; the form reads it by the exercise's type (``read_answer``)."""

    def __init__(self, **kwargs: Any):
        super().__init__(required=False, widget=forms.Textarea(attrs={"rows": 3}), **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(value)
        return str(value) if isinstance(value, int | float) else value

    def has_changed(self, initial: Any, data: Any) -> bool:
        # The text read as the stored answer was, so that "5.0" for the number 5 is no change.
        kind = {list: Exercise.Type.TEXT, int: Exercise.Type.NUMERIC, float: Exercise.Type.NUMERIC}
        try:
            return read_answer(kind.get(type(initial)), self.to_python(data)) != initial
        except ValidationError:
            return True


class CourseRowForm(forms.ModelForm):
    """A form for a row of a course (a skill, an exercise). The course is chosen when the row is added and
    fixed after: the admin shows it read-only, so the form of an existing row has no course field, and a
    POST naming another course changes nothing (``TeacherScopedAdmin.get_readonly_fields``)."""

    def chosen_course(self) -> Course | None:
        """The row's course: the one chosen when adding (None if that choice was refused), else its own."""
        if "course" in self.fields:
            return self.cleaned_data.get("course")
        return self.instance.course


class SkillAdminForm(CourseRowForm):
    class Meta:
        model = Skill
        fields = ["course", "key", "name", "description", "prerequisites"]

    def clean(self) -> dict:
        cleaned = super().clean()
        course, prerequisites = self.chosen_course(), cleaned.get("prerequisites")
        if course is not None and prerequisites is not None:
            skill = self.instance
            skill.course = course
            skill.check_prerequisites(list(prerequisites))
        return cleaned


class ExerciseAdminForm(CourseRowForm):
    """An exercise is held to the course document's rules (``courses.documents.check_exercise``), so what a
    teacher saves here exports and imports again. Exercises imported from a log have no content: exempt.

    Choices and accepted texts are typed one per line, hints with an empty line between two, a number as a
    learner would type it."""

    choices = LinesField(help_text="Multiple choice: one choice per line, in the order learners see them.")
    answer = AnswerField(
        help_text="Multiple choice: the right choice, as written in the choices. "
        f"Numeric: the number, {NUMBER_HELP}. "
        f"Fraction: {FRACTION_HELP}, as learners must write it: they are right with its value over its "
        "denominator (for 3/2, 1 1/2 too, not 6/4; for 15/20, not 3/4). "
        "Text: each answer to accept, one per line (extra spaces are ignored, capitals too unless the "
        "exercise is case sensitive)."
    )
    hints = ParagraphsField(
        help_text="In the order learners can ask for them, an empty line between two hints. A hint may take "
        "several lines (a Markdown list), with no empty line inside it."
    )

    class Meta:
        model = Exercise
        fields = [
            "course", "key", "skills", "type", "prompt", "choices", "answer", "tolerance", "case_sensitive",
            "hints", "explanation", "difficulty", "active",
        ]  # fmt: skip

    def clean_answer(self) -> Any:
        return read_answer(self.cleaned_data.get("type"), self.cleaned_data["answer"])

    def clean(self) -> dict:
        cleaned = super().clean()
        course = self.chosen_course()
        foreign = [
            s.key for s in cleaned.get("skills") or [] if course is not None and s.course_id != course.pk
        ]
        if foreign:
            raise ValidationError({"skills": f"Skills of another course: {', '.join(foreign)}."})
        if not self.instance.imported:
            self._check_as_in_a_course_document(cleaned)
        return cleaned

    def _check_as_in_a_course_document(self, cleaned: dict) -> None:
        # The exercise as export writes it: an empty value is left out, skills by key.
        item = {
            name: value for name, value in cleaned.items() if name in EXERCISE_FIELDS and value is not None
        }
        item["skills"] = [skill.key for skill in cleaned.get("skills") or []]
        for name in ("choices", "hints"):
            if item.get(name) == []:
                del item[name]
        problems: list[DocumentProblem] = []
        check_exercise(item, "", problems)
        already = set(self.errors)  # a field the form refused is not reported twice
        for problem in problems:
            field, _, index = problem.path.partition("[")  # a hint's problem (hints[1]) goes to the hint box
            message = f"Hint {int(index.rstrip(']')) + 1}: {problem.message}" if index else problem.message
            if field not in already:  # a sentence, whether the problem was written as one or not
                self.add_error(field, f"{capfirst(message).removesuffix('.')}.")


# Names pasted at once: a school's year group, not its whole roll.
MAX_CLASS_SIZE = 1000


class EnrollClassForm(forms.Form):
    """The usernames of a class, pasted from a list or a spreadsheet column; and whether to create the
    accounts of the names that are no one's yet (learners.classroom)."""

    usernames = forms.CharField(
        # Not stripped: a problem names its line, counted as the teacher sees the box, blank lines and all.
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 40, "spellcheck": "false"}),
        help_text="One username a line, as students sign in (commas, tabs and spaces separate them too; "
        "when creating accounts, commas and tabs only).",
    )
    create_accounts = forms.BooleanField(
        required=False,
        label="Create accounts for names that do not exist yet",
        help_text="Each new account gets a temporary password, printed on a sign-in slip on the next page "
        "(shown this once): the pupil chooses their own password when they first sign in.",
    )

    def clean_create_accounts(self) -> bool:
        # Where the school makes the accounts, the page offers no tick box: one sent all the same (a page
        # opened before the setting changed) is refused, and nothing is enrolled.
        if self.cleaned_data["create_accounts"] and (refusal := teacher_accounts_refusal()):
            raise ValidationError(refusal)
        return self.cleaned_data["create_accounts"]

    def clean(self) -> dict[str, Any]:
        """The names, each with the number of its line, in ``usernames``: read once it is known whether they
        become new accounts, where a space no longer separates two names (``read_class_list``)."""
        cleaned = super().clean()
        if "usernames" not in cleaned:
            return cleaned
        names = read_class_list(cleaned["usernames"], spaces_separate=not cleaned.get("create_accounts"))
        if not names:
            self.add_error("usernames", self.fields["usernames"].error_messages["required"])
        elif len(names) > MAX_CLASS_SIZE:
            self.add_error("usernames", f"{len(names)} names: at most {MAX_CLASS_SIZE} at a time.")
        else:
            cleaned["usernames"] = names
        return cleaned


class EndOverridesForm(forms.Form):
    """Why the selected overrides are lifted: optional, kept with each."""

    # The model's field: its length and that it may be left empty.
    reason = Override._meta.get_field("ended_reason").formfield(
        widget=forms.TextInput(attrs={"size": 60, "aria-describedby": "reason-help"}),
        help_text="Optional: kept with each override, beside who lifted it and when.",
    )

"""What the practice page and a teacher's preview of an exercise both show: the exercise, the hints asked for
so far and the answer form (templates/learners/partials/exercise.html)."""

from django.http import HttpRequest

from courses.models import Exercise
from learners.forms import AnswerForm


def asks_for_hint(request: HttpRequest) -> bool:
    """Whether the answer form was sent by its hint button: one more hint, and nothing checked."""
    return request.POST.get("action") == "hint"


def hints_to_show(request: HttpRequest, exercise: Exercise) -> int:
    """How many of the exercise's hints the page shows: those the form sent says were shown (its hidden
    ``hints_used``, at most the exercise's), and one more when it was sent by the hint button."""
    available = len(exercise.hints)
    try:
        shown = max(0, min(int(request.POST.get("hints_used") or 0), available))
    except ValueError:
        shown = 0
    return min(shown + 1, available) if asks_for_hint(request) else shown


def exercise_context(
    exercise: Exercise, form: AnswerForm, hints_shown: int, *, answer_url: str, reopen_url: str
) -> dict:
    """The context of the exercise partial: the form is sent to ``answer_url``; ``reopen_url`` opens the
    exercise afresh, after a form refused as altered."""
    return {
        "exercise": exercise,
        "form": form,
        "hints": exercise.hints_html[:hints_shown],
        "more_hints": hints_shown < len(exercise.hints),
        "next_hint_count": hints_shown + 1,
        "answer_url": answer_url,
        "reopen_url": reopen_url,
    }

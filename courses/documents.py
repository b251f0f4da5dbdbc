"""The course document (JSON or YAML, one course per file): parsing and validation.

Validation collects every problem with its path in the document (``exercises[12].answer: not one of the
choices``) so an author fixes a file in one pass. Nothing here touches the database; texts are held to the
length of the model field they are stored in.
"""

import json
import math
import re
from dataclasses import dataclass
from typing import Any

import yaml
from django.db.models import Model

from courses.models import Course, Exercise, Skill

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
EXERCISE_TYPES = ("multiple_choice", "numeric", "text")

COURSE_FIELDS = {"slug", "title", "description", "language", "skills", "exercises"}
SKILL_FIELDS = {"key", "name", "description", "prerequisites"}
EXERCISE_FIELDS = {
    "key", "skills", "type", "prompt", "choices", "answer", "tolerance", "hints", "explanation", "difficulty",
}  # fmt: skip


@dataclass(frozen=True)
class DocumentProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class CourseDocumentError(ValueError):
    """A course document that cannot be imported; ``problems`` lists every problem found."""

    def __init__(self, problems: list[DocumentProblem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def parse_course_text(text: str, filename: str = "") -> Any:
    """Parse JSON or YAML text (YAML is a superset of JSON; ``.json`` files get JSON's clearer errors)."""
    try:
        if filename.endswith(".json"):
            return json.loads(text)
        return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise CourseDocumentError([DocumentProblem("", f"not valid JSON or YAML: {error}")]) from error


def _is_number(value: Any) -> bool:
    """A finite number that a float holds: JSON and YAML read integers exactly, of any size."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond the largest float (about 1.8e308)
        return False


def answer_problem(kind: str, choices: Any, answer: Any, tolerance: Any) -> tuple[str, str] | None:
    """The field at fault and the problem of an answer specification, or None (see ``check_exercise``)."""
    if kind == "multiple_choice":
        if not isinstance(choices, list) or len(choices) < 2:
            return "choices", "a multiple-choice exercise needs at least two choices"
        if not all(isinstance(choice, str) and choice.strip() for choice in choices):
            return "choices", "choices must be non-empty strings"
        if len(set(choices)) != len(choices):
            return "choices", "choices must be distinct"
        if answer not in choices:
            return "answer", "not one of the choices"
    elif kind == "numeric":
        if not _is_number(answer):
            return "answer", "a numeric exercise needs a number as its answer"
        if tolerance is not None and (not _is_number(tolerance) or tolerance < 0):
            return "tolerance", "must be a non-negative number"
    elif kind == "text":
        if not isinstance(answer, list) or not answer:
            return "answer", "a text exercise needs a non-empty list of accepted answers"
        if not all(isinstance(text, str) and text.strip() for text in answer):
            return "answer", "accepted answers must be non-empty strings"
    return None


def _check_unknown(item: dict, allowed: set[str], path: str, problems: list[DocumentProblem]) -> None:
    for field in sorted(set(item) - allowed):
        problems.append(DocumentProblem(f"{path}{field}", "unknown field"))


def _check_length(
    model: type[Model], value: str, field: str, path: str, problems: list[DocumentProblem]
) -> None:
    """Refuse a text longer than the model's column holds (PostgreSQL would refuse it while writing)."""
    limit = model._meta.get_field(field).max_length
    if limit is not None and len(value) > limit:
        problems.append(
            DocumentProblem(f"{path}{field}", f"at most {limit} characters (it has {len(value)})")
        )


def _required_text(
    model: type[Model], item: dict, field: str, path: str, problems: list[DocumentProblem]
) -> str | None:
    value = item.get(field)
    if not isinstance(value, str) or not value.strip():
        problems.append(DocumentProblem(f"{path}{field}", "required, a non-empty string"))
        return None
    _check_length(model, value, field, path, problems)
    return value


def _optional_text(
    model: type[Model], item: dict, field: str, path: str, problems: list[DocumentProblem]
) -> None:
    value = item.get(field)
    if value is None:
        return
    if not isinstance(value, str):
        problems.append(DocumentProblem(f"{path}{field}", "must be a string"))
    else:
        _check_length(model, value, field, path, problems)


def _key_list(item: dict, field: str, path: str, problems: list[DocumentProblem]) -> list[str]:
    value = item.get(field, [])
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(key, str) for key in value):
        problems.append(DocumentProblem(f"{path}{field}", "must be a list of skill keys"))
        return []
    return value


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A cycle in the prerequisite graph as a list of keys, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for root in graph:
        if state.get(root):
            continue
        path, stack = [root], [iter(graph[root])]
        state[root] = 1
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                return [*path[path.index(child) :], child]
            elif not state.get(child) and child in graph:
                state[child] = 1
                path.append(child)
                stack.append(iter(graph[child]))
    return None


def check_exercise(exercise: dict, path: str, problems: list[DocumentProblem]) -> dict:
    """Check one exercise of a course document on its own, appending its problems (paths prefixed with
    ``path``); return it normalised, every optional field filled with its default.

    What needs the rest of the document (duplicate keys, unknown skills) is checked by the caller. The
    import and the admin's exercise form both come through here, so an exercise saved in the admin exports
    and imports again.
    """
    _check_unknown(exercise, EXERCISE_FIELDS, path, problems)
    key = _required_text(Exercise, exercise, "key", path, problems)
    if key is not None and not KEY.match(key):
        problems.append(DocumentProblem(f"{path}key", "use letters, digits, '.', '_' and '-'"))
    exercise_skills = _key_list(exercise, "skills", path, problems)
    if not exercise_skills and "skills" not in exercise:
        problems.append(DocumentProblem(f"{path}skills", "required, at least one skill key"))
    kind = exercise.get("type")
    if kind not in EXERCISE_TYPES:
        problems.append(DocumentProblem(f"{path}type", f"must be one of {', '.join(EXERCISE_TYPES)}"))
    _required_text(Exercise, exercise, "prompt", path, problems)
    _optional_text(Exercise, exercise, "explanation", path, problems)
    if "choices" in exercise and kind != "multiple_choice":
        problems.append(DocumentProblem(f"{path}choices", "only multiple-choice exercises have choices"))
    if "tolerance" in exercise and kind != "numeric":
        problems.append(DocumentProblem(f"{path}tolerance", "only numeric exercises have a tolerance"))
    if "answer" not in exercise:
        problems.append(DocumentProblem(f"{path}answer", "required"))
    elif kind in EXERCISE_TYPES:
        problem = answer_problem(kind, exercise.get("choices"), exercise["answer"], exercise.get("tolerance"))
        if problem:
            problems.append(DocumentProblem(f"{path}{problem[0]}", problem[1]))
    hints = exercise.get("hints", [])
    if hints is not None and (not isinstance(hints, list) or not all(isinstance(h, str) for h in hints)):
        problems.append(DocumentProblem(f"{path}hints", "must be a list of strings"))
    difficulty = exercise.get("difficulty", 0.0)
    if difficulty is not None and not _is_number(difficulty):
        problems.append(DocumentProblem(f"{path}difficulty", "must be a real number (0 = average)"))
    return {
        "key": key,
        "skills": exercise_skills,
        "type": kind,
        "prompt": exercise.get("prompt") or "",
        "choices": exercise.get("choices") or [],
        "answer": exercise.get("answer"),
        "tolerance": exercise.get("tolerance"),
        "hints": hints or [],
        "explanation": exercise.get("explanation") or "",
        "difficulty": float(difficulty) if _is_number(difficulty) else 0.0,
    }


def validate_course_document(document: Any) -> dict:
    """Check a parsed course document; return it normalised or raise CourseDocumentError with every problem.

    The normalised document has every optional field filled with its default, so the importer and the
    exporter deal with one shape.
    """
    problems: list[DocumentProblem] = []
    if not isinstance(document, dict):
        raise CourseDocumentError(
            [DocumentProblem("", "the document must be a mapping with slug, title, ...")]
        )
    _check_unknown(document, COURSE_FIELDS, "", problems)
    slug = _required_text(Course, document, "slug", "", problems)
    if slug and not SLUG.match(slug):
        problems.append(DocumentProblem("slug", "use lowercase letters, digits and single hyphens"))
    _required_text(Course, document, "title", "", problems)
    _optional_text(Course, document, "description", "", problems)
    _optional_text(Course, document, "language", "", problems)

    skills = document.get("skills")
    if not isinstance(skills, list) or not skills:
        problems.append(DocumentProblem("skills", "required, a non-empty list"))
        skills = []
    skill_keys: dict[str, str] = {}
    graph: dict[str, list[str]] = {}
    for index, skill in enumerate(skills):
        path = f"skills[{index}]."
        if not isinstance(skill, dict):
            problems.append(DocumentProblem(f"skills[{index}]", "must be a mapping"))
            continue
        _check_unknown(skill, SKILL_FIELDS, path, problems)
        key = _required_text(Skill, skill, "key", path, problems)
        _required_text(Skill, skill, "name", path, problems)
        _optional_text(Skill, skill, "description", path, problems)
        prerequisites = _key_list(skill, "prerequisites", path, problems)
        if key is None:
            continue
        if not KEY.match(key):
            problems.append(DocumentProblem(f"{path}key", "use letters, digits, '.', '_' and '-'"))
        if key in skill_keys:
            problems.append(
                DocumentProblem(f"{path}key", f"duplicate skill key '{key}' (first at {skill_keys[key]})")
            )
            continue
        skill_keys[key] = f"skills[{index}]"
        graph[key] = prerequisites
    for key, prerequisites in graph.items():
        for position, prerequisite in enumerate(prerequisites):
            if prerequisite not in skill_keys:
                where = f"{skill_keys[key]}.prerequisites[{position}]"
                problems.append(DocumentProblem(where, f"unknown skill '{prerequisite}'"))
    cycle = _find_cycle(graph)
    if cycle:
        problems.append(DocumentProblem("skills", "prerequisites form a cycle: " + " -> ".join(cycle)))

    exercises = document.get("exercises", [])
    if not isinstance(exercises, list):
        problems.append(DocumentProblem("exercises", "must be a list"))
        exercises = []
    exercise_keys: dict[str, str] = {}
    normalised_exercises = []
    for index, exercise in enumerate(exercises):
        path = f"exercises[{index}]."
        if not isinstance(exercise, dict):
            problems.append(DocumentProblem(f"exercises[{index}]", "must be a mapping"))
            continue
        item = check_exercise(exercise, path, problems)
        key = item["key"]
        if key is not None and KEY.match(key):
            if key in exercise_keys:
                problems.append(
                    DocumentProblem(
                        f"{path}key", f"duplicate exercise key '{key}' (first at {exercise_keys[key]})"
                    )
                )
            else:
                exercise_keys[key] = f"exercises[{index}]"
        for position, skill_key in enumerate(item["skills"]):
            if skill_key not in skill_keys:
                problems.append(DocumentProblem(f"{path}skills[{position}]", f"unknown skill '{skill_key}'"))
        normalised_exercises.append(item)
    if problems:
        raise CourseDocumentError(problems)
    return {
        "slug": slug,
        "title": document["title"],
        "description": document.get("description") or "",
        "language": document.get("language") or "en",
        "skills": [
            {
                "key": skill["key"],
                "name": skill["name"],
                "description": skill.get("description") or "",
                "prerequisites": skill.get("prerequisites") or [],
            }
            for skill in skills
        ],
        "exercises": normalised_exercises,
    }

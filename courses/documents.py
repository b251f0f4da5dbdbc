"""The course document (JSON or YAML, one course per file): parsing and validation.

Validation collects every problem with its path in the document (``exercises[12] (cap-02).answer: not one of
the choices``) and, in a document read from a text (YAML or JSON), the line it is on, so an author fixes a
file in one pass. Nothing here touches the database; texts are held to the length of the model field they
are stored in, and to what UTF-8 and PostgreSQL can store.
"""

import bisect
import datetime
import difflib
import json
import json.decoder
import json.scanner
import math
import re
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db.models import Model

from courses.models import (
    FRACTION_HELP,
    LANGUAGE_TAG,
    Course,
    Exercise,
    Skill,
    formula_problems,
    parse_number,
    read_fraction,
    reserved_slug_problem,
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
# What YAML's double quotes make of the backslash and first letter of a TeX command ("\\frac" is a form feed
# and "rac"), with a command it starts: in a text with formulas, a formula written so is hidden or garbled.
_YAML_ESCAPED = {
    "\a": "\\alpha", "\b": "\\beta", "\t": "\\times", "\v": "\\vec", "\f": "\\frac", "\x1b": "\\epsilon",
}  # fmt: skip
# What separates two hints in the admin's hint box (courses.forms), so no hint may hold one.
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
KEY_RULE = "use ASCII letters (a-z, A-Z), digits, '.', '_' and '-', starting with a letter or digit"
EXERCISE_TYPES = tuple(Exercise.Type.values)

COURSE_FIELDS = {"slug", "title", "description", "language", "published", "skills", "exercises"}
SKILL_FIELDS = {"key", "name", "description", "prerequisites"}
EXERCISE_FIELDS = {
    "key", "skills", "type", "prompt", "choices", "answer", "tolerance", "case_sensitive", "hints",
    "explanation", "difficulty",
}  # fmt: skip


@dataclass(frozen=True)
class DocumentProblem:
    path: str
    message: str
    line: int | None = None  # where the text (YAML or JSON) has the problem

    @property
    def detail(self) -> str:
        """The message with its line, as the API gives it under the path."""
        return f"line {self.line}: {self.message}" if self.line else self.message

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"


class CourseDocumentError(ValueError):
    """A course document that cannot be imported; ``problems`` lists every problem found."""

    def __init__(self, problems: list[DocumentProblem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def _refused(message: str, line: int | None = None) -> CourseDocumentError:
    return CourseDocumentError([DocumentProblem("", message, line)])


class _Mapping(dict):
    """A mapping read from a YAML or JSON text that knows the lines it was written on, for the messages."""

    line: int | None
    key_lines: dict[str, int | None]


class _DocumentLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key written twice in a mapping (PyYAML would keep the last one) and a
    date that is no date, and remembering the line of each mapping and of each of its keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *defaults", which keys may override
                continue
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # the base class refuses it
            if key in first_line:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}, first on line {first_line[key]}", key_node.start_mark
                )
            first_line[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_document_map(self, node: yaml.MappingNode) -> Iterator[_Mapping]:
        data = _Mapping()
        yield data
        data.update(self.construct_mapping(node))
        data.line = node.start_mark.line + 1
        data.key_lines = {
            key.value: key.start_mark.line + 1 for key, _ in node.value if isinstance(key, yaml.ScalarNode)
        }

    def construct_date(self, node: yaml.ScalarNode) -> datetime.date:
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError as error:  # "2024-13-45" has a date's shape
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"{node.value!r} looks like a date and is none ({error}); write it in quotes",
                node.start_mark,
            ) from error


_DocumentLoader.add_constructor("tag:yaml.org,2002:map", _DocumentLoader.construct_document_map)
_DocumentLoader.add_constructor("tag:yaml.org,2002:timestamp", _DocumentLoader.construct_date)


def _parse_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_DocumentLoader)  # a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = [f"column {mark.column + 1}"]
        if error.context and error.context_mark:
            where.append(f"{error.context} from line {error.context_mark.line + 1}")
        message = f"not valid YAML: {error.problem or error.context} ({', '.join(where)})"
        if "'\\t'" in message:
            message += "; indent with spaces: YAML does not allow tabs"
        elif error.problem == "mapping values are not allowed here":  # "prompt: Note: write the word"
            message += "; a text with a colon and a space in it goes in quotes"
        raise _refused(message, mark.line + 1) from error
    except yaml.reader.ReaderError as error:  # a control character written as such, not as an escape
        line = text.count("\n", 0, error.position) + 1
        raise _refused(f"not valid YAML: {error.reason} (U+{error.character:04X})", line) from error


def _parse_json(text: str) -> Any:
    """JSON with ``json``'s own scanner, refusing a key written twice (``json`` keeps the last one) and
    giving each mapping its lines as YAML's do, so that a problem in a JSON document names its line too
    (unless the whole text is one line, as API clients send it: "line 1" would say nothing)."""
    newlines = [index for index, char in enumerate(text) if char == "\n"]

    def line_at(index: int) -> int | None:
        return bisect.bisect_left(newlines, index) + 1 if newlines else None

    def parse_object(
        text_and_end: tuple[str, int], strict: bool, scan_once: Any, hook: Any, pairs_hook: Any, memo: dict
    ) -> tuple[_Mapping, int]:
        starts: list[int] = []  # where each value starts, seen through the scanner given here

        def scan_value(string: str, index: int) -> tuple[Any, int]:
            starts.append(index)
            return scan_once(string, index)

        pairs, end = json.decoder.JSONObject(text_and_end, strict, scan_value, None, list, memo)
        mapping = _Mapping()
        mapping.line, mapping.key_lines = line_at(text_and_end[1] - 1), {}
        for (key, value), start in zip(pairs, starts, strict=True):
            if key in mapping:
                first = mapping.key_lines[key]
                raise json.JSONDecodeError(f"duplicate key {key!r}, first on line {first}", text, start)
            mapping[key], mapping.key_lines[key] = value, line_at(start)
        return mapping, end

    decoder = json.JSONDecoder()
    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # the Python scanner calls parse_object
    try:
        return decoder.decode(text)
    except json.JSONDecodeError as error:
        raise _refused(f"not valid JSON: {error.msg} (column {error.colno})", error.lineno) from error


def parse_course_text(text: str, filename: str = "") -> Any:
    """Parse a course document: JSON when ``filename`` ends in ``.json`` (JSON's stricter syntax, clearer
    errors), YAML otherwise (a superset of JSON). A key written twice in a mapping is refused; every error
    names its line."""
    try:
        return _parse_json(text) if filename.endswith(".json") else _parse_yaml(text)
    except RecursionError as error:
        raise _refused("lists or mappings are nested too deeply") from error


def parse_course_bytes(data: bytes, filename: str = "") -> Any:
    """Parse a course document from bytes (a file, a request body, an upload) as ``parse_course_text`` does;
    they must be UTF-8 text (a byte order mark is allowed)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise _refused(f"not UTF-8 text (byte 0x{data[error.start]:02X}); save it as UTF-8", line) from error
    return parse_course_text(text, filename)


def _is_number(value: Any) -> bool:
    """A finite number that a float holds: JSON and YAML read integers exactly, of any size."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond the largest float (about 1.8e308)
        return False


def _retyped(value: Any) -> str | None:
    """What YAML made of an unquoted text that reads as something else (``key: 2024``, ``[Yes, No]``),
    with the remedy; None for anything else."""
    if isinstance(value, bool):
        read = f"{str(value).lower()} (YAML reads yes/no, on/off and true/false as true or false)"
    elif _is_number(value):
        read = f"the number {value}"
    elif isinstance(value, datetime.date):
        read = f"the date {value.isoformat()}"
    else:
        return None
    return f"read as {read}; write it in quotes"


def _retyped_item(field: str, items: list) -> str | None:
    """``_retyped`` of the first item of a list of texts that YAML read as something else, or None."""
    for index, item in enumerate(items):
        if (retyped := _retyped(item)) is not None:
            return f"{field}[{index}] was {retyped}"
    return None


def _unquote(value: Any) -> str:
    """The remedy for a number written in quotes (``answer: "75"``), to end a message with; else nothing."""
    if isinstance(value, str) and parse_number(value) is not None:
        return f": write {value.strip()} without quotes"
    return ""


def _look_alike(choices: list[str]) -> str | None:
    """Two choices that look the same on the page (which shows neither extra spaces nor their ends), or
    None: a learner could not tell which one they chose."""
    seen: dict[str, int] = {}
    for index, choice in enumerate(choices):
        shown = " ".join(choice.split())
        if shown in seen:
            return f"choices[{seen[shown]}] and choices[{index}] both read {shown!r} on the page: change one"
        seen[shown] = index
    return None


def _unknown_skill(key: str, known: Iterator[str]) -> str:
    """The problem of a skill key the document does not define, with the likely one meant."""
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.8)
    return f"unknown skill '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")


def _hint_problems(hints: list[str], path: str) -> list[DocumentProblem]:
    """An empty hint (a learner would ask for it and see nothing), and one of several paragraphs: the
    admin's hint box separates hints by an empty line, so such a hint would come back as two."""
    problems = []
    for index, hint in enumerate(hints):
        if not hint.strip():
            problems.append(DocumentProblem(f"{path}hints[{index}]", "empty: write the hint or remove it"))
        elif PARAGRAPH_BREAK.search(hint.strip()):
            problems.append(
                DocumentProblem(
                    f"{path}hints[{index}]",
                    "a hint is one paragraph (a list is fine): make the text after the empty line a hint of "
                    "its own, or remove the empty line",
                )
            )
    return problems


def _formula_problems(exercise: dict, path: str) -> list[DocumentProblem]:
    """Each formula of the exercise's Markdown texts that cannot be shown (``courses.formulas``), at the text
    it is in: a learner would see its TeX instead. And a text with formulas that YAML's double quotes have
    changed: they read the backslash of \\frac, \\times or \\beta as an escape, which hides the formula."""
    hints = exercise.get("hints")
    texts = [
        ("prompt", exercise.get("prompt")),
        *((f"hints[{index}]", hint) for index, hint in enumerate(hints if isinstance(hints, list) else [])),
        ("explanation", exercise.get("explanation")),
    ]
    problems = []
    for field, text in texts:
        if not isinstance(text, str):
            continue
        escaped = next((char for char in text if char in _YAML_ESCAPED), None) if "$" in text else None
        if escaped is not None:
            command = _YAML_ESCAPED[escaped]
            problems.append(
                DocumentProblem(
                    f"{path}{field}",
                    f"contains {escaped!a}, what YAML's double quotes make of {command[:2]} (in {command}): "
                    "write a text with formulas in single quotes, or as a block (|)",
                )
            )
        problems.extend(
            DocumentProblem(f"{path}{field}", f"formula {problem}") for problem in formula_problems(text)
        )
    return problems


def _unstorable(text: str) -> str | None:
    """Why the database cannot store ``text``, or None: PostgreSQL refuses NUL characters, and UTF-8 cannot
    encode half of a surrogate pair (what JSON's and YAML's "\\ud83d" escapes give on their own)."""
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which cannot be stored"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return (
            f"contains {text[error.start]!a}, half of a surrogate pair, which UTF-8 cannot encode: "
            "write the character itself"
        )
    return None


def _unstorable_texts(document: Any) -> list[DocumentProblem]:
    """Every text of the document, field names included, that the database cannot store, with its path."""
    problems = []
    seen: set[int] = set()  # YAML aliases share lists and mappings, or nest one in itself: visit each once
    pending: list[tuple[str, Any]] = [("", document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if (why := _unstorable(value)) is not None:
                problems.append(DocumentProblem(path, why))
            continue
        if not isinstance(value, dict | list) or id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, list):
            items = [(f"{path}[{index}]", item) for index, item in enumerate(value)]
        else:
            items = []
            for key, item in value.items():
                if isinstance(key, str) and (why := _unstorable(key)) is not None:
                    line = value.key_lines.get(key) if isinstance(value, _Mapping) else None
                    problems.append(DocumentProblem(path, f"the field name {key!a} {why}", line))
                else:
                    items.append((f"{path}.{key}" if path else str(key), item))
        pending.extend(reversed(items))  # popped in the document's order
    return problems


_STEP = re.compile(r"\[(\d+)\]|[^.\[]+")  # a path's steps: "exercises", "[5]", "answer"


def _is_key(value: Any) -> bool:
    """A valid exercise or skill key (one that can name an item in a message)."""
    limit = Exercise._meta.get_field("key").max_length
    return isinstance(value, str) and KEY.fullmatch(value) is not None and len(value) <= limit


def _locate(document: Any, problem: DocumentProblem) -> DocumentProblem:
    """The problem with the key of each item on its path (``exercises[5] (cap-02).answer``) and, in a YAML
    document, the line of the last mapping key on it unless it has one."""
    node, line, path, done = document, None, "", 0
    for step in _STEP.finditer(problem.path):
        path, done = path + problem.path[done : step.end()], step.end()
        if step[1] is not None:
            index = int(step[1])
            node = node[index] if isinstance(node, list) and index < len(node) else None
            if isinstance(node, dict) and _is_key(node.get("key")):
                path += f" ({node['key']})"
            if isinstance(node, _Mapping):
                line = node.line
        else:
            if isinstance(node, _Mapping):
                line = node.key_lines.get(step[0], line)
            node = node.get(step[0]) if isinstance(node, dict) else None
    return DocumentProblem(path + problem.path[done:], problem.message, problem.line or line)


def answer_problem(kind: str, choices: Any, answer: Any, tolerance: Any) -> tuple[str, str] | None:
    """The field at fault and the problem of an answer specification, or None (see ``check_exercise``)."""
    if kind == "multiple_choice":
        if not isinstance(choices, list) or len(choices) < 2:
            return "choices", "a multiple-choice exercise needs at least two choices"
        if not all(isinstance(choice, str) and choice.strip() for choice in choices):
            return "choices", _retyped_item("choices", choices) or "choices must be non-empty strings"
        if look_alike := _look_alike(choices):
            return "choices", look_alike
        if answer not in choices:
            if retyped := _retyped(answer):
                return "answer", f"not one of the choices: it was {retyped}"
            return "answer", f"not one of the choices ({', '.join(repr(choice) for choice in choices)})"
    elif kind == "numeric":
        if not _is_number(answer):
            return "answer", "a numeric exercise needs a number as its answer" + _unquote(answer)
        if tolerance is not None and (not _is_number(tolerance) or tolerance < 0):
            return "tolerance", "must be a non-negative number" + _unquote(tolerance)
    elif kind == "fraction":
        needed = f"a fraction exercise needs one fraction as its answer: {FRACTION_HELP}"
        if _is_number(answer) and not float(answer).is_integer():  # quoting would not make it one
            return "answer", f"read as the number {answer}, which is no fraction: {needed}"
        if not isinstance(answer, str):
            return "answer", _retyped(answer) or needed
        try:
            read_fraction(answer)
        except ValueError:
            return "answer", needed
    elif kind == "text":
        if not isinstance(answer, list) or not answer:
            return "answer", "a text exercise needs a non-empty list of accepted answers"
        if not all(isinstance(text, str) and text.strip() for text in answer):
            return "answer", _retyped_item("answer", answer) or "accepted answers must be non-empty strings"
    return None


def _check_unknown(item: dict, allowed: set[str], path: str, problems: list[DocumentProblem]) -> None:
    for field in sorted(set(item) - allowed, key=str):  # YAML may read a field name as a number
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
        problems.append(DocumentProblem(f"{path}{field}", _retyped(value) or "required, a non-empty string"))
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
        problems.append(DocumentProblem(f"{path}{field}", _retyped(value) or "must be a string"))
    else:
        _check_length(model, value, field, path, problems)


def _key_list(item: dict, field: str, path: str, problems: list[DocumentProblem]) -> list[str] | None:
    """A list of skill keys: empty when left out, None (with its problem) when it is no list of texts."""
    value = item.get(field, [])
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(key, str) for key in value):
        retyped = _retyped_item(field, value) if isinstance(value, list) else None
        problems.append(DocumentProblem(f"{path}{field}", retyped or "must be a list of skill keys"))
        return None
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


def _place(field: str, items: list, index: int) -> str:
    """An item of a document's list as a message names it: its path, and its line where it has one."""
    line = getattr(items[index], "line", None)
    return f"{field}[{index}]" + (f", line {line}" if line else "")


def check_exercise(exercise: dict, path: str, problems: list[DocumentProblem]) -> dict:
    """Check one exercise of a course document on its own, appending its problems (paths prefixed with
    ``path``, each naming a field of the exercise); return it normalised, every optional field filled with
    its default.

    What needs the rest of the document (duplicate keys, unknown skills) is checked by the caller. The
    import and the admin's exercise form both come through here, so an exercise saved in the admin exports
    and imports again.
    """
    _check_unknown(exercise, EXERCISE_FIELDS, path, problems)
    key = _required_text(Exercise, exercise, "key", path, problems)
    if key is not None and not KEY.fullmatch(key):
        problems.append(DocumentProblem(f"{path}key", KEY_RULE))
    exercise_skills = _key_list(exercise, "skills", path, problems)
    if exercise_skills == []:  # an exercise of no skill would never be recommended
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
    case_sensitive = exercise.get("case_sensitive")
    if case_sensitive is not None and not isinstance(case_sensitive, bool):
        problems.append(DocumentProblem(f"{path}case_sensitive", "must be true or false"))
    elif case_sensitive and kind != "text":
        problems.append(DocumentProblem(f"{path}case_sensitive", "only text exercises are case sensitive"))
    if "answer" not in exercise:
        problems.append(DocumentProblem(f"{path}answer", "required"))
    elif kind in EXERCISE_TYPES:
        problem = answer_problem(kind, exercise.get("choices"), exercise["answer"], exercise.get("tolerance"))
        if problem:
            problems.append(DocumentProblem(f"{path}{problem[0]}", problem[1]))
    hints = exercise.get("hints", [])
    if hints is not None and (not isinstance(hints, list) or not all(isinstance(h, str) for h in hints)):
        retyped = _retyped_item("hints", hints) if isinstance(hints, list) else None
        problems.append(DocumentProblem(f"{path}hints", retyped or "must be a list of strings"))
    elif hints:
        problems.extend(_hint_problems(hints, path))
    problems.extend(_formula_problems(exercise, path))
    difficulty = exercise.get("difficulty", 0.0)
    if difficulty is not None and not _is_number(difficulty):
        problems.append(DocumentProblem(f"{path}difficulty", "must be a real number (0 = average)"))
    elif _is_number(difficulty):
        try:  # the range the model field allows, as the admin holds it
            Exercise._meta.get_field("difficulty").run_validators(difficulty)
        except ValidationError as error:
            problems.extend(
                DocumentProblem(f"{path}difficulty", f"{difficulty:g} is out of range. {message}")
                for message in error.messages
            )
    return {
        "key": key,
        "skills": exercise_skills or [],
        "type": kind,
        "prompt": exercise.get("prompt") or "",
        "choices": exercise.get("choices") or [],
        "answer": exercise.get("answer"),
        "tolerance": exercise.get("tolerance"),
        "case_sensitive": case_sensitive is True,
        "hints": hints or [],
        "explanation": exercise.get("explanation") or "",
        "difficulty": float(difficulty) if _is_number(difficulty) else 0.0,
    }


def validate_course_document(document: Any) -> dict:
    """Check a parsed course document; return it normalised or raise CourseDocumentError with every problem.

    The normalised document has every optional field filled with its default (``published`` is None when
    left out: the course keeps what it has), so the importer and the exporter deal with one shape.
    """
    unstorable = [_locate(document, problem) for problem in _unstorable_texts(document)]
    if unstorable:  # reported alone, as they come in the document: the other messages quote its texts
        raise CourseDocumentError(sorted(unstorable, key=lambda problem: problem.line or 0))
    problems: list[DocumentProblem] = []
    if not isinstance(document, dict):
        raise CourseDocumentError(
            [DocumentProblem("", "the document must be a mapping with slug, title, ...")]
        )
    _check_unknown(document, COURSE_FIELDS, "", problems)
    slug = _required_text(Course, document, "slug", "", problems)
    if slug and not SLUG.fullmatch(slug):
        problems.append(DocumentProblem("slug", "use lowercase letters, digits and single hyphens"))
    elif problem := reserved_slug_problem(slug):
        problems.append(DocumentProblem("slug", problem))
    _required_text(Course, document, "title", "", problems)
    _optional_text(Course, document, "description", "", problems)
    _optional_text(Course, document, "language", "", problems)
    language = document.get("language")
    fits = isinstance(language, str) and len(language) <= Course._meta.get_field("language").max_length
    if fits and not LANGUAGE_TAG.regex.fullmatch(language):  # one too long is refused for that already
        problems.append(DocumentProblem("language", LANGUAGE_TAG.message))
    published = document.get("published")
    if published is not None and not isinstance(published, bool):
        problems.append(DocumentProblem("published", "must be true or false"))

    skills = document.get("skills")
    if not isinstance(skills, list) or not skills:
        problems.append(DocumentProblem("skills", "required, a non-empty list"))
        skills = []
    skill_keys: dict[str, str] = {}
    first_at: dict[str, str] = {}  # where each skill key was first given
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
        prerequisites = _key_list(skill, "prerequisites", path, problems) or []
        if key is None:
            continue
        if not KEY.fullmatch(key):
            problems.append(DocumentProblem(f"{path}key", KEY_RULE))
        if key in skill_keys:
            problems.append(
                DocumentProblem(f"{path}key", f"duplicate skill key '{key}' (first at {first_at[key]})")
            )
            continue
        skill_keys[key] = f"skills[{index}]"
        first_at[key] = _place("skills", skills, index)
        graph[key] = prerequisites
    for key, prerequisites in graph.items():
        for position, prerequisite in enumerate(prerequisites):
            if prerequisite not in skill_keys:
                where = f"{skill_keys[key]}.prerequisites[{position}]"
                problems.append(DocumentProblem(where, _unknown_skill(prerequisite, iter(skill_keys))))
    cycle = _find_cycle(graph)
    if cycle:  # reported at the prerequisite that closes it
        closing = f"{skill_keys[cycle[-2]]}.prerequisites[{graph[cycle[-2]].index(cycle[-1])}]"
        problems.append(DocumentProblem(closing, "prerequisites form a cycle: " + " -> ".join(cycle)))

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
        if key is not None and KEY.fullmatch(key):
            if key in exercise_keys:
                problems.append(
                    DocumentProblem(
                        f"{path}key", f"duplicate exercise key '{key}' (first at {exercise_keys[key]})"
                    )
                )
            else:
                exercise_keys[key] = _place("exercises", exercises, index)
        for position, skill_key in enumerate(item["skills"]):
            if skill_key not in skill_keys:
                problems.append(
                    DocumentProblem(f"{path}skills[{position}]", _unknown_skill(skill_key, iter(skill_keys)))
                )
        normalised_exercises.append(item)
    if problems:
        raise CourseDocumentError([_locate(document, problem) for problem in problems])
    return {
        "slug": slug,
        "title": document["title"],
        "description": document.get("description") or "",
        "language": document.get("language") or "en",
        "published": published,
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

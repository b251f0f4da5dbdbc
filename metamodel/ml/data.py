"""Reading and splitting attempt logs in the canonical CSV format.

The format (``../shared/datasets/README.md``) is one header row ``learner,exercise,skills,correct,timestamp``
and one row per attempt; skills are joined by ``;``; each learner is one contiguous block of rows in
chronological order. :func:`read_attempt_log` validates all of that strictly and reports the first
problem with its 1-based line number (the header is line 1), so that an importer can show it to a person.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

HEADER = ("learner", "exercise", "skills", "correct", "timestamp")
N_FOLDS = 5
# Timestamps are stored as 64-bit integers (numpy arrays, the database's bigint).
TIMESTAMP_LIMIT = 2**63


class AttemptLogError(ValueError):
    """A problem in an attempt log, located by file and 1-based line number (the header is line 1)."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        super().__init__(f"{path}, line {line}: {message}")


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One attempt: who, on what, which skills it exercises, whether it was correct, and when.

    ``timestamp`` is seconds where the source has real time, otherwise the attempt's 1-based position
    within the learner's sequence; ``line`` is the 1-based line of the row in its file (0 when the
    record did not come from a file).
    """

    learner: str
    exercise: str
    skills: tuple[str, ...]
    correct: int
    timestamp: int
    line: int = 0


def _is_integer(text: str) -> bool:
    digits = text[1:] if text[:1] in "+-" else text
    return digits.isascii() and digits.isdigit()


def parse_attempt_log(lines: Iterable[str], source: str) -> list[AttemptRecord]:
    """Parse and validate attempt-log text (an iterable of lines, e.g. an open text file).

    ``source`` names the input in error messages. Raises :class:`AttemptLogError` at the first
    problem: a wrong header, no attempt after it, a row without exactly 5 fields, an empty learner or
    exercise, an empty skill id inside the skills field, ``correct`` other than 0 or 1, a non-integer
    timestamp or one beyond 64 bits, a learner whose block is not contiguous, or a timestamp earlier
    than the learner's previous one. Blank lines are skipped; a skill listed twice in a row counts once.

    Learner, exercise and skill ids (each id of the ``;`` list) lose surrounding whitespace, as the ids of
    :func:`read_names` do, so ``" 7"`` and ``"7"`` are one exercise, which a side file's ``7`` names; an id
    that is nothing but whitespace is empty, and refused as such. A skills field of whitespace alone lists
    no skill, as an empty one does. ``correct`` and ``timestamp`` are read as written. Ids are otherwise
    free text here (``evaluate`` reads researchers' files); the importer adds the platform's key rule.
    """
    reader = csv.reader(lines)
    header = _header(reader, source)
    if header is None:
        raise AttemptLogError(source, 1, "the file is empty; expected the header " + ",".join(HEADER))
    if tuple(header) != HEADER:
        raise AttemptLogError(
            source, 1, f"expected the header {','.join(HEADER)!r}, got {','.join(header)!r}"
        )

    records: list[AttemptRecord] = []
    finished: set[str] = set()
    current = ""
    last_time = 0
    rows = _rows_with_lines(reader, source)
    for line, row in rows:
        if not row:
            continue
        if len(row) != 5:
            raise AttemptLogError(source, line, f"expected 5 fields, got {len(row)}")
        # Ids are compared as written less surrounding whitespace, as read_names reads them: " 7" is "7".
        learner, exercise, skills_text = row[0].strip(), row[1].strip(), row[2].strip()
        correct_text, time_text = row[3:]
        if not learner:
            raise AttemptLogError(source, line, "learner is empty")
        if not exercise:
            raise AttemptLogError(source, line, "exercise is empty")
        # A skill listed twice is one skill of the attempt.
        skills = tuple(dict.fromkeys(s.strip() for s in skills_text.split(";"))) if skills_text else ()
        if "" in skills:
            raise AttemptLogError(source, line, f"empty skill id in {skills_text!r}")
        if correct_text not in ("0", "1"):
            raise AttemptLogError(source, line, f"correct must be 0 or 1, got {correct_text!r}")
        if not _is_integer(time_text):
            raise AttemptLogError(source, line, f"timestamp must be an integer, got {time_text!r}")
        timestamp = int(time_text)
        if not -TIMESTAMP_LIMIT <= timestamp < TIMESTAMP_LIMIT:
            raise AttemptLogError(source, line, f"timestamp {time_text} is out of range (64-bit integers)")
        if learner != current:
            if learner in finished:
                raise AttemptLogError(
                    source,
                    line,
                    f"learner {learner!r} reappears after other learners (blocks must be contiguous)",
                )
            if current:
                finished.add(current)
            current = learner
        elif timestamp < last_time:
            raise AttemptLogError(
                source,
                line,
                f"timestamp {timestamp} is earlier than the learner's previous one ({last_time})",
            )
        last_time = timestamp
        records.append(AttemptRecord(learner, exercise, skills, int(correct_text), timestamp, line))
    if not records:
        raise AttemptLogError(source, 1, "the file has a header but no attempts")
    return records


def _header(reader: Iterator[list[str]], source: str) -> list[str] | None:
    """The first row of a file (line 1), None for an empty file."""
    try:
        return next(reader, None)
    except csv.Error as exc:
        raise AttemptLogError(source, 1, f"unreadable: {exc}") from exc


def _rows_with_lines(reader: Iterator[list[str]], source: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number where the row starts, fields); the csv module counts lines as it reads them."""
    line_num = 1
    while True:
        start = line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise AttemptLogError(source, start, f"unreadable: {exc}") from exc
        line_num = reader.line_num  # type: ignore[attr-defined]
        yield start, row


def read_attempt_log(path: str | PathLike[str]) -> list[AttemptRecord]:
    """Read and validate the attempt-log CSV at ``path`` (see :func:`parse_attempt_log` for the rules).

    Reads assist2015 (684k rows) in about two seconds. A UTF-8 byte-order mark is tolerated.
    """
    with _utf8_text(path) as handle:
        return parse_attempt_log(handle, str(path))


@contextmanager
def _utf8_text(path: str | PathLike[str]) -> Iterator[io.TextIOWrapper]:
    """The file opened as UTF-8 text, a byte-order mark skipped. A byte that is not UTF-8 raises
    :class:`AttemptLogError` on its line (the file is decoded in blocks, so it is looked for again)."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        try:
            yield handle
        except UnicodeDecodeError:
            data = Path(path).read_bytes().removeprefix(codecs.BOM_UTF8)
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = data.count(b"\n", 0, exc.start) + 1
                message = f"byte 0x{data[exc.start]:02x} is not UTF-8 text; save the file as UTF-8"
                raise AttemptLogError(str(path), line, message) from None
            raise


def parse_attempt_log_text(text: str, source: str = "<text>") -> list[AttemptRecord]:
    """Parse attempt-log CSV held in a string (an upload, a test fixture)."""
    return parse_attempt_log(io.StringIO(text, newline=""), source)


def is_test_learner(learner: str, fold: int = 0) -> bool:
    """The fixed learner split of the shared data sets: SHA-256 of the UTF-8 id, as an integer, mod 5."""
    if not 0 <= fold < N_FOLDS:
        raise ValueError(f"fold must be in 0..{N_FOLDS - 1}, got {fold}")
    return int(hashlib.sha256(learner.encode("utf-8")).hexdigest(), 16) % N_FOLDS == fold


def group_by_learner(records: Iterable[AttemptRecord]) -> dict[str, list[AttemptRecord]]:
    """The records of each learner, in file order (which is chronological within a learner)."""
    groups: dict[str, list[AttemptRecord]] = {}
    for record in records:
        groups.setdefault(record.learner, []).append(record)
    return groups


def read_exercise_texts(path: str | PathLike[str]) -> dict[str, str]:
    """Exercise texts from a tab-separated file: a header whose first column is ``exercise``, then one row
    per exercise, ``exercise<TAB>text`` (e.g. ``statics2011_exercises.tsv``, whose texts are step names).
    Raises :class:`AttemptLogError` as :func:`read_names` does."""
    return read_names(path, "exercise")


def read_names(path: str | PathLike[str], column: str) -> dict[str, str]:
    """Names or texts of ids from a tab-separated file: a header whose first column is ``column``, then
    one row per id, ``id<TAB>name`` (e.g. ``assist2009_skills.tsv``, read with ``column="skill"``).
    Raises :class:`AttemptLogError` with the 1-based line of the first problem: a wrong header, a byte
    that is not UTF-8, a row without exactly two fields, a NUL character (no text holds one, and PostgreSQL
    refuses it), an empty id, or an id listed twice."""
    name = str(path)
    names: dict[str, str] = {}
    with _utf8_text(path) as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = _header(reader, name)
        if header is None or len(header) != 2 or header[0].strip() != column:
            raise AttemptLogError(
                name, 1, f"the header must be two tab-separated columns, the first {column!r}"
            )
        for line, row in _rows_with_lines(reader, name):
            if len(row) != 2:
                raise AttemptLogError(name, line, f"expected 2 tab-separated fields, got {len(row)}")
            if "\0" in row[0] + row[1]:
                raise AttemptLogError(name, line, "a NUL character, which no text holds")
            key, text = row[0].strip(), row[1].strip()
            if not key:
                raise AttemptLogError(name, line, f"empty {column} id")
            if key in names:
                raise AttemptLogError(name, line, f"{column} {key!r} is listed twice")
            names[key] = text
    return names

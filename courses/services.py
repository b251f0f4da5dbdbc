"""The writes that touch many rows, each in one transaction: course import and export, overrides, a term's
join codes."""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count
from django.template.defaultfilters import pluralize
from django.utils import timezone

from config.queueing import enqueue_all_on_commit
from courses.documents import validate_course_document
from courses.join_codes import normalise_join_code
from courses.models import Course, Exercise, Override, Skill, skill_ids_by_exercise
from courses.teachers import teaches

EXERCISE_CONTENT = (
    "type", "prompt", "choices", "answer", "tolerance", "case_sensitive", "hints", "explanation",
    "difficulty",
)  # fmt: skip
MARKING = ("type", "answer", "tolerance", "case_sensitive")  # what decides whether a response is right
# The kinds of override the policy obeys one of in a scope (the whole course, or one learner in it): the
# latest (metamodel.services.steering_for). Exclusions add up, one in force per exercise and scope
# (Override.clean), and a reset is a one-off.
ONE_IN_FORCE = (Override.Kind.TARGET_BAND, Override.Kind.PIN_SKILL, Override.Kind.PIN_EXERCISE)


@dataclass(frozen=True)
class Answered:
    """An exercise, by key, and how many attempts learners have made on it."""

    key: str
    attempts: int

    def __str__(self) -> str:
        return f"{self.key} ({self.attempts} attempt{pluralize(self.attempts)})"


@dataclass(frozen=True)
class SkillLeft:
    """A skill of the course that the document no longer has, kept for what still refers to it: the
    exercises linked to it (all of them inactive, or imported from a log) and their attempts."""

    key: str
    exercises: int
    attempts: int

    def __str__(self) -> str:
        exercises = f"{self.exercises} exercise{pluralize(self.exercises)}"
        return f"{self.key} ({exercises}, {self.attempts} attempt{pluralize(self.attempts)})"


@dataclass(frozen=True)
class PossibleRename:
    """An exercise with attempts that was deactivated while others were created in one of its skills."""

    deactivated: Answered
    created: list[str]

    def __str__(self) -> str:
        created = " and ".join(self.created)
        were = "was" if len(self.created) == 1 else "were"
        return (
            f"exercise {self.deactivated} deactivated while "
            f"{created} {were} created in the same skill: if this is a rename, learners' history stays "
            f"with {self.deactivated.key}"
        )


@dataclass(frozen=True)
class ImportSummary:
    """What an import did, or in a dry run would have done, key by key (lists in document or key order)."""

    course: Course
    created: bool
    dry_run: bool
    published: bool
    has_teacher: bool
    course_changed: list[str]  # the course's own fields a re-import changed: title, description, ...
    skills: int  # in the document
    exercises: int  # in the document
    skills_created: list[str]
    skills_updated: list[str]
    skills_not_in_document: list[SkillLeft]  # kept
    skills_deleted: list[str]  # not in the document, and nothing referred to them
    exercises_created: list[str]
    fields_changed: dict[str, list[str]]  # per exercise updated, which of its fields (or its skills) changed
    answers_changed: list[Answered]
    exercises_deactivated: list[Answered]
    exercises_reactivated: list[str]  # inactive (a teacher's doing, or an earlier import's), active again
    possible_renames: list[PossibleRename]
    unpublished_enrolled: int | None  # a re-import that unpublished the course: how many it had enrolled
    skills_without_exercises: list[str]  # of the document, none of whose exercises is active

    @property
    def deactivated(self) -> int:
        return len(self.exercises_deactivated)

    @property
    def exercises_updated(self) -> list[str]:
        """The keys of the exercises updated, in document order."""
        return list(self.fields_changed)

    @property
    def warnings(self) -> list[str]:
        """What may not be what the author meant: a rename that loses learners' history, a course taken
        from its learners, skills nobody can practise."""
        warnings = [str(rename) for rename in self.possible_renames]
        if self.unpublished_enrolled is not None:
            would = "would be" if self.dry_run else "is now"
            enrolled = self.unpublished_enrolled
            warnings.append(
                f"the course {would} unpublished (the document says published: false): "
                f"{enrolled} enrolled learner{pluralize(enrolled)} can no longer open it; publish it in the "
                "admin, or write published: true"
            )
        if self.skills_without_exercises:
            warnings.append(
                f"no active exercise practises {', '.join(self.skills_without_exercises)}: learners can "
                "neither practise nor master " + ("it" if len(self.skills_without_exercises) == 1 else "them")
            )
        return warnings

    def lines(self) -> list[str]:
        """The summary for a person, a line each (the command prints them, the admin shows them): what was
        created, changed, deactivated, kept, key by key."""
        if self.dry_run:
            verb = "Would create" if self.created else "Would update"
        else:
            verb = "Created" if self.created else "Updated"
        lines = [
            f"{verb} course '{self.course.slug}' ({'' if self.published else 'not '}published): "
            f"{self.skills} skill{pluralize(self.skills)}, "
            f"{self.exercises} exercise{pluralize(self.exercises)}"
        ]
        rows = [
            ("course changed", self.course_changed),
            ("skills created", self.skills_created),
            ("skills updated", self.skills_updated),
            ("exercises created", self.exercises_created),
            (
                "exercises updated",
                [f"{key} ({', '.join(self.fields_changed[key])})" for key in self.exercises_updated],
            ),
            ("answer changed (attempts keep the result they were given)", self.answers_changed),
            ("deactivated (not in the document; attempts are kept)", self.exercises_deactivated),
            (
                "reactivated (they had been deactivated, in the admin or by an earlier import)",
                self.exercises_reactivated,
            ),
            ("skills not in the document, kept", self.skills_not_in_document),
            ("skills not in the document, deleted (nothing referred to them)", self.skills_deleted),
        ]
        lines += [f"  {label}: {', '.join(str(item) for item in items)}" for label, items in rows if items]
        return lines


def document_too_large(size: float) -> str | None:
    """Why a course document of ``size`` bytes is refused (the API and the admin alike), or None: over
    Django's DATA_UPLOAD_MAX_MEMORY_SIZE, which the import command is not held to."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or size <= limit:
        return None
    return (
        f"The course document is over this server's limit of {limit} bytes (DATA_UPLOAD_MAX_MEMORY_SIZE). "
        "Import it with the import_course command, or ask the administrator to raise the limit."
    )


def import_refusal(user: AbstractBaseUser, document: Any) -> str | None:
    """Why ``user`` may not import ``document`` (the API and the admin alike), or None: a teacher does not
    overwrite a course they do not teach."""
    slug = document.get("slug") if isinstance(document, dict) else None
    existing = Course.objects.filter(slug=slug).first() if isinstance(slug, str) else None
    if existing and not teaches(user, existing):
        return (
            f"A course with the slug '{slug}' exists and you do not teach it: nothing imported. Ask one of "
            "its teachers or an administrator to import it, or give your course another slug."
        )
    return None


TEACHER_ACCOUNTS_CLOSED = (
    "Accounts are made by the school's administrators here, not by teachers: enroll the pupils who have an "
    "account, and ask an administrator to make the others'."
)


def teacher_accounts_refusal() -> str | None:
    """Why a teacher may not make accounts for the names of a class that are no one's (the API and the admin
    alike), or None: the school takes its accounts from its own directory (``TEACHER_ACCOUNTS_OPEN`` off)."""
    return None if settings.TEACHER_ACCOUNTS_OPEN else TEACHER_ACCOUNTS_CLOSED


@dataclass(frozen=True)
class JoinCodesCreated:
    """What creating the join codes of a teacher's courses did, each list by title."""

    created: list[Course]  # given their first code now
    kept: list[Course]  # had a code already, left as it was
    drafts: list[Course]  # not published: given no code, since a draft enrolls no one by its code

    @property
    def with_codes(self) -> list[Course]:
        """The published courses with their code now, new or kept: what the teacher copies onto the board."""
        return sorted([*self.created, *self.kept], key=_by_title)

    @property
    def courses(self) -> list[Course]:
        """Every course given, drafts too, by title: what the API answers, course by course."""
        return sorted([*self.created, *self.kept, *self.drafts], key=_by_title)

    @property
    def summary(self) -> str:
        """How many codes were created and how many courses kept theirs, in the words the admin's page and
        the API alike say it."""
        created, kept = len(self.created), len(self.kept)
        words = (
            f"Created {created} join code{pluralize(created)}." if created else "No join code was created."
        )
        if kept:
            words += f" {kept} course{pluralize(kept)} already had one, and keep{pluralize(kept, 's,')} it."
        return words


def _by_title(course: Course) -> tuple[str, str]:
    return course.title, course.slug


@transaction.atomic
def create_first_join_codes(courses: Iterable[Course], teacher: AbstractBaseUser) -> JoinCodesCreated:
    """Give each published course without a join code its first one (``Course.new_join_code``), all in one
    transaction, for a teacher starting a term with several classes. A code is never replaced here: a
    course that has one keeps it (replacing one is asked first, on the course's page), and a draft gets
    none. The admin's log records each code created, as on the course's page. The caller has checked that
    ``teacher`` teaches the courses (the dashboard shows a teacher only theirs; the API refuses the request
    that names another's)."""
    # Read under lock: a code created meanwhile on the course's page is kept, not replaced by a second one.
    # In one order (the slug is unique), so that two overlapping selections cannot deadlock.
    locked = Course.objects.select_for_update().filter(pk__in=[course.pk for course in courses])
    done = JoinCodesCreated(created=[], kept=[], drafts=[])
    for course in locked.order_by("title", "slug"):
        if not course.published:
            done.drafts.append(course)
        elif course.join_code:
            done.kept.append(course)
        else:
            course.new_join_code()
            _log_change(course, teacher, f"Created the join code {course.join_code_display}.")
            done.created.append(course)
    return done


def _log_change(course: Course, by: AbstractBaseUser, message: str) -> None:
    """Record a change of the course in the admin's log (its History), as a change made there is."""
    LogEntry.objects.log_actions(by.pk, [course], CHANGE, message, single_object=True)


class JoinCodeConflict(Exception):
    """The join code the caller was sure about is not the course's now: replaced or removed meanwhile (a
    button pressed twice, a page left open), or created by someone else. Nothing is changed."""

    def __init__(self, course: Course):
        self.course = course
        now = f"'s join code is {course.join_code_display}" if course.join_code else " has no join code now"
        super().__init__(
            "Nothing changed: the join code you were sure about had already been replaced or removed. "
            f"{course.title}{now}."
        )


@transaction.atomic
def change_join_code(
    course: Course, by: AbstractBaseUser, *, sure_about: str | None, remove: bool = False
) -> str:
    """Give the course a new join code, or take its code away (``remove``), and return what was done, in the
    words the admin's log keeps. ``sure_about``: the code the caller saw (None: that it had none), which
    must still be the course's (else JoinCodeConflict), so that a replacement sent twice replaces once and
    one sent from a stale page does not take away a code the class has just been given. The code that is
    replaced or removed stops enrolling anyone at once. Removing no code does nothing and returns ""."""
    locked = Course.objects.select_for_update().get(pk=course.pk)
    if locked.join_code != (normalise_join_code(sure_about) if sure_about else None):
        raise JoinCodeConflict(locked)
    old = locked.join_code_display
    if remove and old is None:
        return ""
    if remove:
        locked.remove_join_code()
        done = f"Removed the join code {old}: it no longer enrolls anyone."
    else:
        locked.new_join_code()
        new = locked.join_code_display
        done = (
            f"Replaced the join code {old} with {new}: {old} no longer enrolls anyone."
            if old
            else (f"Created the join code {new}.")
        )
    _log_change(locked, by, done)
    course.join_code = locked.join_code
    return done


def joining_words(course: Course) -> str:
    """What a new join code does, said after it is made: pupils join with it, once a draft is published."""
    joining = f"Pupils join {course.title} with {course.join_code_display}"
    return joining + ("." if course.published else " once it is published (tick Published on the course).")


@dataclass(frozen=True)
class _ExerciseChanges:
    created: list[str]
    updated: dict[str, list[str]]  # key: the fields changed (and "skills" when relinked), in document order
    answers_changed: list[Answered]
    deactivated: list[Answered]
    reactivated: list[str]
    possible_renames: list[PossibleRename]
    skills_left: list[SkillLeft]
    engine_reads_changed: bool  # links, activation or difficulty: what progress and the engine read


def import_course(
    document: Any, teacher: AbstractBaseUser | None = None, *, dry_run: bool = False
) -> ImportSummary:
    """Create or update a course from a course document, all or nothing, and say what changed.

    Skills and exercises are matched by key, so re-importing updates them in place and every attempt on
    them is kept; exercises missing from the new document are deactivated, never deleted, and a skill
    missing from it is kept while an exercise or an override refers to it. A dry run computes the same
    summary and rolls everything back. Raises CourseDocumentError (listing every problem with its path)
    before anything is written.
    """
    doc = validate_course_document(document)
    with transaction.atomic():
        summary = _write_course(doc, teacher, dry_run)
        if dry_run:
            transaction.set_rollback(True)  # the on-commit rebuild of progress goes with it
    return summary


def _write_course(doc: dict, teacher: AbstractBaseUser | None, dry_run: bool) -> ImportSummary:
    published = doc["published"]
    course, created = Course.objects.select_for_update().get_or_create(
        slug=doc["slug"],
        defaults={
            "title": doc["title"],
            "description": doc["description"],
            "language": doc["language"],
            "published": True if published is None else published,
        },
    )
    fields = ["title", "description", "language", "published"]
    course_changed, was_published = [], course.published
    if not created:
        before = [getattr(course, field) for field in fields]
        course.title, course.description, course.language = doc["title"], doc["description"], doc["language"]
        course.published = course.published if published is None else published
        course_changed = [f for f, old in zip(fields, before, strict=True) if getattr(course, f) != old]
        course.save(update_fields=[*fields, "updated_at"])
    if teacher is not None:
        course.teachers.add(teacher)
    skills, skills_created, skills_updated = _write_skills(course, doc["skills"])
    changes = _write_exercises(course, doc["exercises"], skills)
    skills_deleted = _delete_unused(course, changes.skills_left)
    if changes.engine_reads_changed or skills_deleted:
        _progress_changed(course.pk, list(course.enrollments.values_list("learner_id", flat=True)))
    practisable = course.practisable_skill_ids()
    return ImportSummary(
        course=course,
        created=created,
        dry_run=dry_run,
        published=course.published,
        has_teacher=course.teachers.exists(),
        course_changed=course_changed,
        skills=len(skills),
        exercises=len(doc["exercises"]),
        skills_created=skills_created,
        skills_updated=skills_updated,
        skills_not_in_document=[left for left in changes.skills_left if left.key not in skills_deleted],
        skills_deleted=skills_deleted,
        exercises_created=changes.created,
        fields_changed=changes.updated,
        answers_changed=changes.answers_changed,
        exercises_deactivated=changes.deactivated,
        exercises_reactivated=changes.reactivated,
        possible_renames=changes.possible_renames,
        unpublished_enrolled=course.enrollments.count() if was_published and not course.published else None,
        skills_without_exercises=[skill.key for skill in skills.values() if skill.pk not in practisable],
    )


def _write_skills(course: Course, items: list[dict]) -> tuple[dict[str, Skill], list[str], list[str]]:
    """Create or update the document's skills and their prerequisites; return them by key, and the keys
    of those created and of those changed."""
    before = {skill.key: skill for skill in course.skills.all()}
    key_of = {skill.pk: skill.key for skill in before.values()}
    prerequisites_before: dict[str, set[str]] = {}
    for skill_id, prerequisite_id in course.prerequisite_pairs():
        prerequisites_before.setdefault(key_of[skill_id], set()).add(key_of[prerequisite_id])
    skills: dict[str, Skill] = {}
    changed: set[str] = set()
    for item in items:
        key, name, description = item["key"], item["name"], item["description"]
        skill = before.get(key)
        if skill is None:
            skill = Skill.objects.create(course=course, key=key, name=name, description=description)
        elif (skill.name, skill.description) != (name, description):
            skill.name, skill.description = name, description
            skill.save(update_fields=["name", "description"])
            changed.add(key)
        skills[key] = skill
    for item in items:
        prerequisites = set(item["prerequisites"])
        if prerequisites != prerequisites_before.get(item["key"], set()):
            skills[item["key"]].prerequisites.set([skills[key] for key in prerequisites])
            changed.add(item["key"])
    created = [item["key"] for item in items if item["key"] not in before]
    updated = [item["key"] for item in items if item["key"] in before and item["key"] in changed]
    return skills, created, updated


def _write_exercises(course: Course, items: list[dict], skills: dict[str, Skill]) -> _ExerciseChanges:
    """Create or update the document's exercises, deactivate the course's others, and say what changed."""
    before = {
        exercise.key: exercise for exercise in course.exercises.annotate(attempt_total=Count("attempts"))
    }
    key_of = dict(course.skills.values_list("pk", "key"))
    links_before = {
        exercise_id: {key_of[skill_id] for skill_id in skill_ids}
        for exercise_id, skill_ids in skill_ids_by_exercise(course.pk).items()
    }
    created, answers_changed, reactivated = [], [], []
    updated: dict[str, list[str]] = {}
    engine_reads_changed = False
    for item in items:
        key, content = item["key"], {name: item[name] for name in EXERCISE_CONTENT}
        exercise = before.get(key)
        if exercise is None:
            exercise = Exercise.objects.create(course=course, key=key, **content)
            exercise.skills.set([skills[skill] for skill in item["skills"]])
            created.append(key)
            engine_reads_changed = True
            continue
        changed = [name for name in EXERCISE_CONTENT if getattr(exercise, name) != content[name]]
        relinked = set(item["skills"]) != links_before.get(exercise.pk, set())
        if changed or relinked:
            updated[key] = changed + ["skills"] * relinked
        if set(changed) & set(MARKING):
            answers_changed.append(Answered(key, exercise.attempt_total))
        if not exercise.active:
            reactivated.append(key)
        engine_reads_changed |= relinked or not exercise.active or "difficulty" in changed
        if changed or not exercise.active or exercise.imported:
            for name in changed:
                setattr(exercise, name, content[name])
            exercise.active, exercise.imported = True, False
            exercise.save()
        if relinked:
            exercise.skills.set([skills[skill] for skill in item["skills"]])

    skills_of = {item["key"]: set(item["skills"]) for item in items}
    others = [exercise for key, exercise in sorted(before.items()) if key not in skills_of]
    gone = [exercise for exercise in others if exercise.active and not exercise.imported]
    Exercise.objects.filter(pk__in=[exercise.pk for exercise in gone]).update(active=False)
    possible_renames = []
    for exercise in gone:
        successors = [key for key in created if skills_of[key] & links_before.get(exercise.pk, set())]
        if exercise.attempt_total and successors:
            possible_renames.append(
                PossibleRename(Answered(exercise.key, exercise.attempt_total), successors)
            )
    # The document's exercises are linked to its skills only: a skill it left out keeps the others'.
    left = {key: SkillLeft(key, 0, 0) for key in sorted(set(key_of.values()) - set(skills))}
    for exercise in others:
        for key in links_before.get(exercise.pk, set()) & left.keys():
            left[key] = SkillLeft(key, left[key].exercises + 1, left[key].attempts + exercise.attempt_total)
    return _ExerciseChanges(
        created=created,
        updated=updated,
        answers_changed=answers_changed,
        deactivated=[Answered(exercise.key, exercise.attempt_total) for exercise in gone],
        reactivated=reactivated,
        possible_renames=possible_renames,
        skills_left=list(left.values()),
        engine_reads_changed=engine_reads_changed or bool(gone),
    )


def _delete_unused(course: Course, skills_left: list[SkillLeft]) -> list[str]:
    """Delete the skills left out of the document that no exercise is linked to and no override names (a
    skill renamed along with its exercises, say); return their keys. The others are kept, and reported."""
    unused = [left.key for left in skills_left if not left.exercises]
    named = set(
        Override.objects.filter(course=course, skill__key__in=unused).values_list("skill__key", flat=True)
    )
    deleted = [key for key in unused if key not in named]
    Skill.objects.filter(course=course, key__in=deleted).delete()
    return deleted


def course_document_text(course: Course, format: str = "yaml") -> str:
    """:func:`export_course` as a file's text, in YAML (the default) or JSON, as the import reads it back."""
    document = export_course(course)
    if format == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=110)


def export_course(course: Course) -> dict:
    """The course as a course document (active authored exercises only); importing it round-trips. A draft
    says ``published: false``, so that imported under another slug it stays a draft (left out, a new course
    is published); a published course leaves it out, so that re-importing an old copy of it does not
    publish it again once it was unpublished."""
    skills = course.skills.prefetch_related("prerequisites").order_by("id")
    exercises = course.exercises.practisable().prefetch_related("skills").order_by("id")
    document: dict[str, Any] = {
        "slug": course.slug,
        "title": course.title,
        "description": course.description,
        "language": course.language,
        **({} if course.published else {"published": False}),
        "skills": [
            {
                "key": skill.key,
                "name": skill.name,
                "description": skill.description,
                "prerequisites": sorted(p.key for p in skill.prerequisites.all()),
            }
            for skill in skills
        ],
        "exercises": [],
    }
    for exercise in exercises:
        item: dict[str, Any] = {
            "key": exercise.key,
            "skills": sorted(skill.key for skill in exercise.skills.all()),
            "type": exercise.type,
            "prompt": exercise.prompt,
        }
        if exercise.type == Exercise.Type.MULTIPLE_CHOICE:
            item["choices"] = exercise.choices
        item["answer"] = exercise.answer
        if exercise.tolerance is not None:
            item["tolerance"] = exercise.tolerance
        if exercise.case_sensitive:
            item["case_sensitive"] = True
        item.update(hints=exercise.hints, explanation=exercise.explanation, difficulty=exercise.difficulty)
        document["exercises"].append(item)
    return document


def _progress_changed(course_id: int, learner_ids: list[int]) -> None:
    """What the engine reads of these learners in the course changed (which of their attempts count, or the
    exercises and skills those count for): their adapted states are dropped, so the engine adapts afresh,
    and their progress read model is rebuilt from the attempt log once the change is committed."""
    from learners.tasks import update_skill_progress
    from metamodel.models import LearnerState

    LearnerState.objects.filter(course_id=course_id, learner_id__in=learner_ids).delete()
    enqueue_all_on_commit(update_skill_progress, [(learner_id, course_id) for learner_id in learner_ids])


@transaction.atomic
def add_override(override: Override, teacher: AbstractBaseUser) -> Override:
    """Store a teacher's override (validated, with who and when); a reset counts only the attempts made
    after it, for the next exercise and for progress alike.

    A target band or a pin ends the one of its kind in force in the same scope (``ONE_IN_FORCE``), which
    stays on record, superseded by it (``Override.supersedes`` lists them); one that has lapsed (its
    ``ends_at`` passed) is ended already, and stays as it lapsed. An exclusion of an exercise already
    excluded in the same scope is refused (a ValidationError naming the one in force).
    """
    override.created_by = teacher
    if override.kind in (*ONE_IN_FORCE, Override.Kind.EXCLUDE_EXERCISE):
        # The course's row is locked so that two teachers adding one at once take turns: each would otherwise
        # miss the other's, not yet committed, and leave both in force.
        Course.objects.select_for_update().get(pk=override.course_id)
    override.full_clean()
    override.save()
    if override.kind in ONE_IN_FORCE:
        Override.objects.in_force(override.created_at).filter(
            course_id=override.course_id, learner_id=override.learner_id, kind=override.kind
        ).exclude(pk=override.pk).update(
            ended_at=override.created_at,
            ended_by=teacher,
            ended_reason=f"superseded by override #{override.pk}",
            superseded_by=override,
        )
    if override.kind == Override.Kind.RESET_STATE:  # it changes which of the learner's attempts count
        _progress_changed(override.course_id, [override.learner_id])
    return override


@transaction.atomic
def end_overrides(
    overrides: Sequence[Override], teacher: AbstractBaseUser, reason: str = ""
) -> list[Override]:
    """Lift overrides, all or none; each record stays, with when it ended, who ended it and why (``reason``,
    optional). Lifting one no longer in force (lifted already, or lapsed: its ``ends_at`` passed) changes
    nothing, so a teacher's ``ended_at`` always comes before an ``ends_at``
    (``OverrideQuerySet.steered_after`` relies on it). An ended reset counts every attempt again. Returns
    those it lifted."""
    now = timezone.now()
    # Read under lock: of two teachers ending the same override at once, the second changes nothing.
    in_force = set(
        Override.objects.in_force(now)
        .filter(pk__in=[override.pk for override in overrides])
        .select_for_update()
        .values_list("pk", flat=True)
    )
    ending = [override for override in overrides if override.pk in in_force]
    for override in ending:
        override.ended_at, override.ended_by, override.ended_reason = now, teacher, reason
    Override.objects.bulk_update(ending, ["ended_at", "ended_by", "ended_reason"])
    reset: dict[int, set[int]] = {}
    for override in ending:
        if override.kind == Override.Kind.RESET_STATE:
            reset.setdefault(override.course_id, set()).add(override.learner_id)
    for course_id, learner_ids in reset.items():
        _progress_changed(course_id, sorted(learner_ids))
    return ending


def end_override(override: Override, teacher: AbstractBaseUser, reason: str = "") -> Override:
    """Lift one override (:func:`end_overrides`)."""
    end_overrides([override], teacher, reason)
    return override

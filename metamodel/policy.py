"""Choosing the next exercise.

Until a meta-learned model version is active, and whenever none is, the rule below decides. It is
deliberately simple and explainable, in the spirit of mastery learning (Bloom 1968; Corbett & Anderson
1995, with recent accuracy standing in for P(known)):

1. Walk the course's skills in prerequisite order (each skill after all its prerequisites).
2. A skill is *mastered* when the learner has answered at least MASTERY_MIN_ATTEMPTS exercises of it and
   at least MASTERY_ACCURACY of the last MASTERY_WINDOW of them were right.
3. Practise the first skill that is not mastered. Because of the order, its prerequisites are mastered
   (or come first), so the learner is never sent ahead of what they can learn.
4. Within that skill, prefer an exercise never answered (easiest first, by the difficulty prior), then
   the one answered longest ago; never the exercise just answered, when there is another.
5. When every skill is mastered, review the skill practised longest ago.

With an active model version, step 4 changes: among that skill's exercises (never the one just answered,
when there is another), the one whose predicted success is closest to TARGET_SUCCESS is chosen — desirable
difficulty (Bjork 1994), the band where practice is neither guessing nor idle repetition.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

MASTERY_WINDOW = 5
MASTERY_MIN_ATTEMPTS = 3
MASTERY_ACCURACY = 0.8
TARGET_SUCCESS = 0.7


@dataclass(frozen=True)
class CandidateExercise:
    id: int
    skill_ids: tuple[int, ...]
    difficulty: float


@dataclass(frozen=True)
class PastAttempt:
    """One earlier attempt, oldest first in a history."""

    exercise_id: int
    skill_ids: tuple[int, ...]
    correct: bool


@dataclass(frozen=True)
class SkillNode:
    id: int
    name: str
    prerequisite_ids: tuple[int, ...] = ()


@dataclass
class Choice:
    """The exercise chosen, why, and the rest of the chosen skill's exercises in the rule's order."""

    exercise_id: int
    reasons: list[str]
    propensity: float = 1.0
    candidates: list[int] = field(default_factory=list)
    last_exercise_id: int | None = None

    @property
    def alternatives(self) -> list[int]:
        return [pk for pk in self.candidates if pk != self.exercise_id][:3]


def skill_mastered(outcomes: Sequence[bool]) -> bool:
    """The rule's mastery test on one skill's outcomes, oldest first."""
    recent = outcomes[-MASTERY_WINDOW:]
    return len(outcomes) >= MASTERY_MIN_ATTEMPTS and sum(recent) / len(recent) >= MASTERY_ACCURACY


def choose_by_rule(
    skills_in_order: Sequence[SkillNode],
    exercises: Sequence[CandidateExercise],
    history: Sequence[PastAttempt],
) -> Choice | None:
    """Apply the mastery rule of this module's docstring; None when the course has no exercise to practise."""
    if not exercises:
        return None
    outcomes: dict[int, list[bool]] = {}
    last_seen_skill: dict[int, int] = {}
    last_seen_exercise: dict[int, int] = {}
    for position, attempt in enumerate(history):
        last_seen_exercise[attempt.exercise_id] = position
        for skill_id in attempt.skill_ids:
            outcomes.setdefault(skill_id, []).append(attempt.correct)
            last_seen_skill[skill_id] = position
    by_skill: dict[int, list[CandidateExercise]] = {}
    for exercise in exercises:
        for skill_id in exercise.skill_ids:
            by_skill.setdefault(skill_id, []).append(exercise)
    practisable = [skill for skill in skills_in_order if skill.id in by_skill]
    if not practisable:
        return None

    target = next((s for s in practisable if not skill_mastered(outcomes.get(s.id, []))), None)
    if target is not None:
        done = outcomes.get(target.id, [])
        if done:
            right = sum(done[-MASTERY_WINDOW:])
            reasons = [
                f"practise: {target.name} is not mastered yet "
                f"({right} of your last {len(done[-MASTERY_WINDOW:])} right)",
            ]
        else:
            reasons = [f"next skill: {target.name} (you have not practised it yet)"]
        names = {s.id: s.name for s in skills_in_order}
        prerequisites = [names[pk] for pk in target.prerequisite_ids if pk in names]
        if prerequisites:
            reasons.append(f"ready: prerequisites mastered ({', '.join(prerequisites)})")
    else:
        target = min(practisable, key=lambda s: last_seen_skill.get(s.id, -1))
        reasons = [f"review: every skill is mastered; {target.name} was practised longest ago"]

    last_exercise = history[-1].exercise_id if history else None
    candidates = sorted(
        by_skill[target.id],
        key=lambda e: (
            e.id == last_exercise,
            e.id in last_seen_exercise,
            last_seen_exercise.get(e.id, -1),
            e.difficulty,
            e.id,
        ),
    )
    return Choice(
        exercise_id=candidates[0].id,
        reasons=reasons,
        candidates=[e.id for e in candidates],
        last_exercise_id=last_exercise,
    )


def choose_in_band(choice: Choice, predictions: dict[int, float]) -> Choice:
    """Within the rule's skill, the exercise whose predicted success is closest to TARGET_SUCCESS."""
    pool = [pk for pk in choice.candidates if pk in predictions and pk != choice.last_exercise_id]
    pool = pool or [pk for pk in choice.candidates if pk in predictions]
    if not pool:
        return choice
    ordered = sorted(pool, key=lambda pk: abs(predictions[pk] - TARGET_SUCCESS))
    best = ordered[0]
    reason = f"stretch: {predictions[best]:.0%} predicted success (aiming near {TARGET_SUCCESS:.0%})"
    return Choice(
        exercise_id=best,
        reasons=[*choice.reasons, reason],
        candidates=ordered,
        last_exercise_id=choice.last_exercise_id,
    )

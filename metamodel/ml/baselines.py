"""The baselines the meta-learned model is measured against, in the same harness.

- :class:`OnlineElo`: learner ability and exercise difficulty rated online with the uncertainty function
  K(n) = a / (1 + b n) (Pelánek, "Applications of the Elo rating system in adaptive educational
  systems", Computers & Education 2016).
- :class:`BestLR`: logistic regression on the Best-LR features of Gervet et al. (JEDM 2020): exercise and
  skill one-hots, log(1 + attempts) and log(1 + successes) per skill and in total.
- :class:`PerSkillBKT`: Bayesian Knowledge Tracing (Corbett and Anderson, 1995) with forgetting, one model
  per skill, fitted by the pyBKT package (Badrinath et al., 2021).

Each has ``fit(train)`` on a :class:`~metamodel.ml.features.FeatureTable` of training learners and
``predict(test)`` giving every test attempt's P(correct) from that learner's earlier attempts only.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from metamodel.ml.features import FeatureTable


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class OnlineElo:
    """Elo rating of learners (ability) against exercises (difficulty): P = sigma(ability - difficulty).

    Difficulties are rated on the training learners in file order; on test learners only the learner's
    ability moves, so no test learner's outcome informs another's predictions. An exercise never rated
    takes the mean difficulty of rated exercises sharing its first skill (else 0). In :meth:`replay`
    both move, attempt by attempt, as when a new course opens.
    """

    name = "elo"

    def __init__(self, a: float = 1.0, b: float = 0.05) -> None:
        self.a = a
        self.b = b
        self.difficulty: dict[str, float] = {}
        self.rated: dict[str, int] = {}
        self.skill_difficulty: dict[str, float] = {}

    def _k(self, n: int) -> float:
        return self.a / (1.0 + self.b * n)

    def _difficulty_of(self, exercise: str, skills: tuple[str, ...]) -> float:
        if exercise in self.difficulty:
            return self.difficulty[exercise]
        return self.skill_difficulty.get(skills[0], 0.0) if skills else 0.0

    def _step(
        self, ability: float, n: int, exercise: str, skills: tuple[str, ...], correct: int, learn_items: bool
    ) -> tuple[float, float]:
        """P(correct) before the attempt and the learner's ability after it (the item's, if learning)."""
        difficulty = self._difficulty_of(exercise, skills)
        p = _sigmoid(ability - difficulty)
        error = correct - p
        if learn_items:
            rated = self.rated.get(exercise, 0)
            self.difficulty[exercise] = difficulty - self._k(rated) * error
            self.rated[exercise] = rated + 1
        return p, ability + self._k(n) * error

    def fit(self, train: FeatureTable) -> OnlineElo:
        self._run(train, learn_items=True)
        by_skill: dict[str, list[float]] = defaultdict(list)
        for exercise, skills in zip(train.exercises, train.skills, strict=True):
            if skills and exercise in self.difficulty:
                by_skill[skills[0]].append(self.difficulty[exercise])
        self.skill_difficulty = {skill: float(np.mean(values)) for skill, values in by_skill.items()}
        return self

    def predict(self, test: FeatureTable) -> np.ndarray:
        return self._run(test, learn_items=False)

    def replay(self, table: FeatureTable, order: np.ndarray) -> np.ndarray:
        """Predict the rows of ``table`` in ``order`` (a permutation), learning from each once predicted."""
        p = np.empty(len(table))
        ability: dict[int, float] = defaultdict(float)
        for row in order:
            task = int(table.task[row])
            p[row], ability[task] = self._step(
                ability[task],
                int(table.position[row]) - 1,
                table.exercises[row],
                table.skills[row],
                int(table.correct[row]),
                learn_items=True,
            )
        return p

    def _run(self, table: FeatureTable, learn_items: bool) -> np.ndarray:
        p = np.empty(len(table))
        for start, end in zip(table.starts[:-1], table.starts[1:], strict=True):
            ability = 0.0
            for row in range(start, end):
                p[row], ability = self._step(
                    ability,
                    row - start,
                    table.exercises[row],
                    table.skills[row],
                    int(table.correct[row]),
                    learn_items,
                )
        return p


class BestLR:
    """Best-LR (Gervet et al., 2020): logistic regression on exercise and skill one-hots and log counts.

    Per-skill count features have one weight per skill, as in the paper. The shared data sets carry
    positions, not times, so the paper's time-window counts are not used. Exercises and skills absent
    from training contribute nothing (weight 0). Training attempts all right (or all wrong) leave
    nothing to regress: every prediction is then that training success rate.
    """

    name = "best-lr"

    def __init__(self, c: float = 1.0) -> None:
        self.c = c
        self.exercise_index: dict[str, int] = {}
        self.skill_index: dict[str, int] = {}
        self.regression = LogisticRegression(C=c, max_iter=1000)
        self.constant: float | None = None

    def _design(self, table: FeatureTable) -> sp.csr_matrix:
        n_ex, n_sk = len(self.exercise_index), len(self.skill_index)
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for row, (exercise, skills) in enumerate(zip(table.exercises, table.skills, strict=True)):
            column = self.exercise_index.get(exercise)
            if column is not None:
                rows.append(row)
                cols.append(column)
                vals.append(1.0)
            for slot, skill in enumerate(skills[: table.skill_features.shape[1]]):
                column = self.skill_index.get(skill)
                if column is None:
                    continue
                attempts, successes = table.skill_features[row, slot, :2]
                rows.extend((row, row, row))
                cols.extend((n_ex + column, n_ex + n_sk + column, n_ex + 2 * n_sk + column))
                vals.extend((1.0, float(attempts), float(successes)))
        offset = n_ex + 3 * n_sk
        onehots = sp.csr_matrix((vals, (rows, cols)), shape=(len(table), offset))
        totals = sp.csr_matrix(table.global_features[:, :2].astype(np.float64))
        return sp.hstack([onehots, totals], format="csr")

    def fit(self, train: FeatureTable) -> BestLR:
        self.exercise_index = {e: i for i, e in enumerate(dict.fromkeys(train.exercises))}
        self.skill_index = {
            s: i for i, s in enumerate(dict.fromkeys(s for skills in train.skills for s in skills))
        }
        outcomes = np.unique(train.correct)
        if len(outcomes) == 1:
            self.constant = float(outcomes[0])
        else:
            self.regression.fit(self._design(train), train.correct)
        return self

    def predict(self, test: FeatureTable) -> np.ndarray:
        if self.constant is not None:
            return np.full(len(test), self.constant)
        return self.regression.predict_proba(self._design(test))[:, 1]


def bkt_rows(
    skills: Sequence[tuple[str, ...]], task: np.ndarray, correct: np.ndarray, known: set[str] | None
):
    """pyBKT's input: one row per attempt and skill of it (those in ``known``, when given), with the
    attempt's index (``row``), its sequence (``task``) as ``user_id``, and its outcome."""
    import pandas as pd

    rows, users, names, outcomes = [], [], [], []
    for row, attempt_skills in enumerate(skills):
        for skill in attempt_skills:
            if known is None or skill in known:
                rows.append(row)
                users.append(int(task[row]))
                names.append(skill)
                outcomes.append(int(correct[row]))
    frame = pd.DataFrame({"row": rows, "user_id": users, "skill_name": names, "correct": outcomes})
    frame["order_id"] = np.arange(len(frame))
    return frame


class PerSkillBKT:
    """BKT with forgetting, one model per skill, fitted by pyBKT on the training learners.

    ``num_fits`` EM restarts, pyBKT's own default of 5: with one restart EM stops in a worse local optimum
    and the baseline comes out about 0.01 AUC below independent runs of pyBKT (docs/benchmarks.md).

    A multi-skill attempt is one observation of each of its skills; its prediction is the mean of the
    skills' predictions. Attempts whose skills pyBKT has no model for get the training success rate (all
    of them when no training attempt has a skill).
    """

    name = "bkt"

    def __init__(self, seed: int = 0, num_fits: int = 5) -> None:
        self.seed = seed
        self.num_fits = num_fits
        self.base_rate = 0.5
        self.skills: set[str] = set()
        self.model = None

    def fit(self, train: FeatureTable) -> PerSkillBKT:
        from pyBKT.models import Model

        frame = bkt_rows(train.skills, train.task, train.correct, None)
        self.base_rate = float(train.correct.mean())
        self.skills = set(frame["skill_name"])
        if self.skills:
            self.model = Model(seed=self.seed, num_fits=self.num_fits, parallel=False)
            self.model.fit(data=frame, forgets=True)
        return self

    def predict(self, test: FeatureTable) -> np.ndarray:
        frame = bkt_rows(test.skills, test.task, test.correct, self.skills)
        p = np.full(len(test), self.base_rate)
        if len(frame):
            predicted = self.model.predict(data=frame)
            per_row = predicted.groupby("row")["correct_predictions"].mean()
            p[per_row.index.to_numpy()] = per_row.to_numpy()
        return p
